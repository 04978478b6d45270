import Foundation

/// Heat maps: how values become colours, the cells, and the colour bar.
extension ChartRenderer {
    /// How heat-map values become colours, and the colour bar's labels.
    struct ColourScale {
        var colour: (Double) -> RGB
        /// Label positions as fractions of the bar height from the bottom.
        var labels: [(text: String, fraction: Double)]
        /// For categorical maps: the class indices from bottom to top.
        var classes: [Int]?
    }

    func colourScale(for heat: HeatMap, plotHeight: Double) -> ColourScale {
        let finite = heat.values.flatMap { $0.filter(\.isFinite) }
        switch heat.colorMap {
        case .categorical(let names):
            let present = Set(finite.map { Int(min(max($0, -1e6), 1e6).rounded()) })
            let classes = present.union(0..<names.count).sorted()
            let n = Double(classes.count)
            return ColourScale(
                colour: { HeatMap.regionColor(forClass: Int(min(max($0, -1e6), 1e6).rounded())) },
                labels: classes.enumerated().map { i, c in
                    (c >= 0 && c < names.count ? names[c] : "class \(c)", (Double(i) + 0.5) / n)
                },
                classes: classes)
        case .sequential:
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) { (lo, hi) = NiceTicks.constantRange(lo) }
            let ticks = NiceTicks.linear(from: lo, to: hi, maxCount: min(10, max(3, Int(plotHeight / 45))))
            return ColourScale(
                colour: { [lo, hi] v in Palette.viridis((v - lo) / (hi - lo)) },
                labels: ticks.map { ($0.label, ($0.value - lo) / (hi - lo)) },
                classes: nil)
        }
    }

    func drawHeatMap(
        _ heat: HeatMap, scale: ColourScale, on canvas: some Canvas,
        px: (Double) -> Double, py: (Double) -> Double
    ) {
        let rows = heat.values.count, columns = heat.values[0].count
        let dx = (heat.x.upperBound - heat.x.lowerBound) / Double(columns)
        let dy = (heat.y.upperBound - heat.y.lowerBound) / Double(rows)
        let xEdges = (0...columns).map { px(heat.x.lowerBound + Double($0) * dx).rounded() }
        let yEdges = (0...rows).map { py(heat.y.lowerBound + Double($0) * dy).rounded() }
        for (r, row) in heat.values.enumerated() {
            for (c, v) in row.enumerated() where v.isFinite {
                canvas.fill(
                    CanvasRect(
                        x: xEdges[c], y: yEdges[r + 1], width: xEdges[c + 1] - xEdges[c],
                        height: yEdges[r] - yEdges[r + 1]), color: scale.colour(v))
            }
        }
    }

    func drawColourBar(_ heat: HeatMap, scale: ColourScale, plot: CanvasRect, on canvas: some Canvas) {
        let bar = CanvasRect(x: plot.maxX + 16, y: plot.minY, width: 14, height: plot.height)
        if let classes = scale.classes {
            let n = Double(classes.count)
            for (i, c) in classes.enumerated() {
                let y0 = (bar.maxY - bar.height * Double(i + 1) / n).rounded()
                let y1 = (bar.maxY - bar.height * Double(i) / n).rounded()
                canvas.fill(
                    CanvasRect(x: bar.minX, y: y0, width: bar.width, height: y1 - y0),
                    color: HeatMap.regionColor(forClass: c))
            }
        } else {
            let rows = Int(bar.height)
            for r in 0..<rows {
                let t = 1 - (Double(r) + 0.5) / Double(rows)
                canvas.fill(
                    CanvasRect(x: bar.minX, y: bar.minY + Double(r), width: bar.width, height: 1),
                    color: Palette.viridis(t))
            }
        }
        canvas.stroke(bar, color: Self.spine)
        var labelRight = bar.maxX
        for label in scale.labels {
            let y = (bar.maxY - bar.height * label.fraction).rounded()
            if scale.classes == nil {
                canvas.line(
                    from: CanvasPoint(x: bar.maxX, y: y), to: CanvasPoint(x: bar.maxX + 3, y: y),
                    color: Self.spine, lineWidth: 1, antialiased: false)
            }
            let x = bar.maxX + 3 + Self.tickGap
            canvas.text(
                label.text, at: CanvasPoint(x: x, y: y), size: Self.tickFont, color: Self.ink,
                anchor: .middleLeading, orientation: .horizontal)
            labelRight = max(labelRight, x + canvas.textWidth(label.text, size: Self.tickFont))
        }
        if let title = heat.label, !title.isEmpty {
            canvas.text(
                title, at: CanvasPoint(x: labelRight + 8, y: bar.minY + bar.height / 2), size: Self.labelFont,
                color: Self.ink, anchor: TextAnchor(.center, .top), orientation: .vertical)
        }
    }
}
