import Foundation

/// What is drawn around and across the data: grid, vertical markers, the axes box with its
/// ticks and tick labels, and the title and axis labels.
extension ChartRenderer {
    /// Light lines at the major ticks.
    func drawGrid(_ frame: Frame, on canvas: some Canvas) {
        let plot = frame.plot
        for t in frame.xTicks.major {
            let x = frame.px(axisValue(t.value, chart.xAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: x, y: plot.minY), to: CanvasPoint(x: x, y: plot.maxY),
                color: Self.gridColor, lineWidth: 1, antialiased: false)
        }
        for t in frame.yTicks.major {
            let y = frame.py(axisValue(t.value, chart.yAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: plot.minX, y: y), to: CanvasPoint(x: plot.maxX, y: y),
                color: Self.gridColor, lineWidth: 1, antialiased: false)
        }
    }

    /// Dashed vertical lines, each with its label in a white box at the top.
    func drawMarkers(_ frame: Frame, on canvas: some Canvas) {
        let plot = frame.plot
        for marker in chart.markers {
            let ax = axisValue(marker.x, chart.xAxis.scale)
            guard ax.isFinite, ax >= frame.xRange.lo, ax <= frame.xRange.hi else { continue }
            let x = frame.px(ax).rounded()
            var y = plot.minY
            while y < plot.maxY {
                canvas.line(
                    from: CanvasPoint(x: x, y: y), to: CanvasPoint(x: x, y: min(y + 5, plot.maxY)),
                    color: marker.color, lineWidth: 1, antialiased: false)
                y += 9
            }
            if let label = marker.label, !label.isEmpty, !frame.compact {
                let w = canvas.textWidth(label, size: Self.tickFont)
                let onRight = x + 4 + w + 4 <= plot.maxX
                let box = CanvasRect(
                    x: onRight ? x + 2 : x - 2 - w - 4, y: plot.minY + 4,
                    width: w + 4, height: Self.tickFont * 1.3)
                canvas.fill(box, color: .white)
                canvas.text(
                    label, at: CanvasPoint(x: box.minX + 2, y: box.minY + box.height / 2),
                    size: Self.tickFont, color: marker.color, anchor: .middleLeading, orientation: .horizontal)
            }
        }
    }

    /// The axes box, major and minor ticks, and the tick labels (none when compact).
    func drawAxes(_ frame: Frame, on canvas: some Canvas) {
        let plot = frame.plot
        canvas.stroke(plot, color: Self.spine)
        for t in frame.xTicks.major {
            let x = frame.px(axisValue(t.value, chart.xAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: x, y: plot.maxY), to: CanvasPoint(x: x, y: plot.maxY + Self.tickLength),
                color: Self.spine, lineWidth: 1, antialiased: false)
            if !frame.compact {
                canvas.text(
                    t.label, at: CanvasPoint(x: x, y: plot.maxY + Self.tickLength + Self.tickGap),
                    size: Self.tickFont, color: Self.ink, anchor: .topCenter, orientation: .horizontal)
            }
        }
        for v in frame.xTicks.minor {
            let x = frame.px(axisValue(v, chart.xAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: x, y: plot.maxY), to: CanvasPoint(x: x, y: plot.maxY + 2),
                color: Self.spine, lineWidth: 1, antialiased: false)
        }
        for t in frame.yTicks.major {
            let y = frame.py(axisValue(t.value, chart.yAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: plot.minX - Self.tickLength, y: y), to: CanvasPoint(x: plot.minX, y: y),
                color: Self.spine, lineWidth: 1, antialiased: false)
            if !frame.compact {
                canvas.text(
                    t.label, at: CanvasPoint(x: plot.minX - Self.tickLength - Self.tickGap, y: y),
                    size: Self.tickFont, color: Self.ink, anchor: .middleTrailing, orientation: .horizontal)
            }
        }
        for v in frame.yTicks.minor {
            let y = frame.py(axisValue(v, chart.yAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: plot.minX - 2, y: y), to: CanvasPoint(x: plot.minX, y: y),
                color: Self.spine, lineWidth: 1, antialiased: false)
        }
    }

    /// The chart title above the plot and the two axis labels.
    func drawTitles(_ frame: Frame, on canvas: some Canvas) {
        let plot = frame.plot
        if let title = chart.title, !title.isEmpty {
            canvas.text(
                title, at: CanvasPoint(x: plot.minX + plot.width / 2, y: 12), size: Self.titleFont,
                color: Self.ink, anchor: .topCenter, orientation: .horizontal)
        }
        if let label = chart.xAxis.label, !label.isEmpty {
            let y = plot.maxY + Self.tickLength + Self.tickGap + Self.tickFont * 1.2 + 6
            canvas.text(
                label, at: CanvasPoint(x: plot.minX + plot.width / 2, y: y), size: Self.labelFont,
                color: Self.ink, anchor: .topCenter, orientation: .horizontal)
        }
        if let label = chart.yAxis.label, !label.isEmpty {
            canvas.text(
                label, at: CanvasPoint(x: 10, y: plot.minY + plot.height / 2), size: Self.labelFont,
                color: Self.ink, anchor: TextAnchor(.center, .top), orientation: .vertical)
        }
    }
}
