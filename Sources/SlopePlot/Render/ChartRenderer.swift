import Foundation

/// Lays a `Chart` out onto a `Canvas`: validates the series, fits the axes, computes
/// margins from the measured tick labels, and draws grid, series, markers, axes, labels,
/// legend, annotations and colour bar, in that order.
///
/// Internally every coordinate is in *axis space*: data values, or their log10 on a log axis.
struct ChartRenderer {
    let chart: Chart

    // MARK: Style (close to matplotlib's defaults)

    static let tickFont = 11.0, labelFont = 12.0, titleFont = 14.0, legendFont = 11.0
    static let ink = RGB(hex: 0x262626)
    static let spine = RGB(hex: 0x333333)
    static let gridColor = RGB(hex: 0xE6E6E6)
    static let legendBorder = RGB(hex: 0xCCCCCC)
    static let tickLength = 4.0, tickGap = 3.0
    /// How far the raw line behind a smoothed one is moved towards white.
    static let rawFade = 0.7

    /// A series checked, with its points in axis space (worked out as they are drawn).
    struct Prepared {
        enum Kind {
            case line(AxisSeries, raw: AxisSeries?, color: RGB, width: Double, label: String?)
            case scatter(AxisSeries, color: RGB, radius: Double, edge: RGB?, label: String?)
            case heat(HeatMap, name: String)
        }
        var kind: Kind
        /// The axis-space extremes of what is drawn (a few values, not the data): the axes
        /// are fitted to these.
        var xExtent: [Double], yExtent: [Double]
    }

    /// Everything drawn inside the plot, in pixels: used to place the legend and annotations.
    struct Footprint {
        var segments: [(CanvasPoint, CanvasPoint)] = []
        var points: [CanvasPoint] = []

        func cost(of rect: CanvasRect) -> Int {
            points.count(where: rect.contains)
                + segments.count(where: { SegmentClipper.clip($0.0, $0.1, to: rect) != nil })
        }
    }

    func draw(on canvas: some Canvas) throws(PlotError) -> ChartLayout {
        guard Chart.sizeLimit.contains(canvas.width), Chart.sizeLimit.contains(canvas.height) else {
            throw PlotError.invalidSize(width: canvas.width, height: canvas.height)
        }
        guard !chart.series.isEmpty else { throw PlotError.nothingToPlot }
        var warnings: [String] = []
        let prepared = try prepare(warnings: &warnings)
        let hasHeatMap = prepared.contains { if case .heat = $0.kind { true } else { false } }
        let xRange = try range(
            axis: chart.xAxis, name: "x",
            values: prepared.flatMap(\.xExtent)
                + markerValues(), pad: !hasHeatMap)
        let yRange = try range(axis: chart.yAxis, name: "y", values: prepared.flatMap(\.yExtent), pad: !hasHeatMap)

        let W = Double(canvas.width), H = Double(canvas.height)
        let compact = W < 160 || H < 120

        // Vertical layout first: it does not depend on tick label widths.
        let top = compact ? 4 : (chart.title != nil ? 12 + Self.titleFont * 1.2 + 6 : 14)
        let bottom =
            compact
            ? 4
            : Self.tickLength + Self.tickGap + Self.tickFont * 1.2
                + (chart.xAxis.label != nil ? 6 + Self.labelFont * 1.2 : 0) + 10
        let plotHeight = max(H - top - bottom, 4)
        let yTicks = ticks(for: chart.yAxis.scale, yRange, maxCount: min(10, max(3, Int(plotHeight / 45))))

        let yLabelWidth = compact ? 0 : yTicks.major.map { canvas.textWidth($0.label, size: Self.tickFont) }.max() ?? 0
        let left =
            compact
            ? 4
            : (10 + (chart.yAxis.label != nil ? Self.labelFont * 1.2 + 6 : 0)
                + yLabelWidth + Self.tickGap + Self.tickLength).rounded()
        let colourBar =
            compact
            ? nil
            : prepared.lazy.compactMap { p -> (HeatMap, String)? in
                if case .heat(let h, let name) = p.kind { (h, name) } else { nil }
            }.first
        let colourBarScale = colourBar.map { colourScale(for: $0.0, plotHeight: plotHeight) }
        var right = compact ? 4.0 : 18.0
        if let colourBarScale {
            let labelWidth = colourBarScale.labels.map { canvas.textWidth($0.text, size: Self.tickFont) }.max() ?? 0
            right += 16 + 14 + Self.tickGap + 3 + labelWidth + (colourBar?.0.label != nil ? 8 + Self.labelFont * 1.2 : 0)
        }

        // x ticks: as many as fit without labels touching; widen the right margin if the
        // last label would be cut off.
        var plotWidth = max(W - left - right, 4)
        var xTicks = fittingXTicks(canvas: canvas, range: xRange, plotWidth: plotWidth, compact: compact)
        if !compact, let last = xTicks.major.last {
            let position = plotWidth * fraction(axisValue(last.value, chart.xAxis.scale), xRange)
            let overhang = position + canvas.textWidth(last.label, size: Self.tickFont) / 2 + 4 - plotWidth
            if overhang > right {
                right = overhang.rounded(.up)
                plotWidth = max(W - left - right, 4)
                xTicks = fittingXTicks(canvas: canvas, range: xRange, plotWidth: plotWidth, compact: compact)
            }
        }
        let plot = CanvasRect(x: left, y: top.rounded(), width: plotWidth.rounded(), height: plotHeight.rounded())

        func px(_ ax: Double) -> Double { plot.minX + plot.width * fraction(ax, xRange) }
        func py(_ ay: Double) -> Double { plot.maxY - plot.height * fraction(ay, yRange) }
        func point(_ p: (x: Double, y: Double)) -> CanvasPoint { CanvasPoint(x: px(p.x), y: py(p.y)) }

        // Geometry of every series before drawing, so the legend can avoid the data.
        let lineClip = CanvasRect(x: plot.minX - 1, y: plot.minY - 1, width: plot.width + 2, height: plot.height + 2)
        let thinThreshold = Int(plot.width) * 4
        var footprint = Footprint()
        var geometry: [[[CanvasPoint]]] = []
        var rawGeometry: [[[CanvasPoint]]?] = []
        for p in prepared {
            switch p.kind {
            case .line(let drawn, let raw, _, _, _):
                let lines = PolylineBuilder.polylines(
                    count: drawn.count, point: { point(drawn[$0]) }, clip: lineClip,
                    thin: drawn.count > thinThreshold)
                geometry.append(lines)
                rawGeometry.append(
                    raw.map { r in
                        PolylineBuilder.polylines(
                            count: r.count, point: { point(r[$0]) }, clip: lineClip, thin: r.count > thinThreshold)
                    })
                for l in lines { for i in 1..<l.count { footprint.segments.append((l[i - 1], l[i])) } }
            case .scatter(let points, _, let radius, _, _):
                let inside = CanvasRect(
                    x: plot.minX - radius, y: plot.minY - radius,
                    width: plot.width + 2 * radius, height: plot.height + 2 * radius)
                var seen = Set<Int64>()
                var kept: [CanvasPoint] = []
                for i in 0..<points.count {
                    let point = point(points[i])
                    guard point.x.isFinite && point.y.isFinite && inside.contains(point) else { continue }
                    // Many points on one pixel draw the same disc: keep the first.
                    let key = Int64(point.x.rounded()) * 1_000_003 + Int64(point.y.rounded())
                    if points.count <= 20_000 || seen.insert(key).inserted { kept.append(point) }
                }
                geometry.append([kept])
                rawGeometry.append(nil)
                footprint.points.append(contentsOf: kept)
            case .heat:
                geometry.append([])
                rawGeometry.append(nil)
            }
        }

        // Background, grid.
        canvas.fill(CanvasRect(x: 0, y: 0, width: W, height: H), color: .white)
        if chart.showsGrid && !compact {
            for t in xTicks.major {
                let x = px(axisValue(t.value, chart.xAxis.scale)).rounded()
                canvas.line(
                    from: CanvasPoint(x: x, y: plot.minY), to: CanvasPoint(x: x, y: plot.maxY),
                    color: Self.gridColor, lineWidth: 1, antialiased: false)
            }
            for t in yTicks.major {
                let y = py(axisValue(t.value, chart.yAxis.scale)).rounded()
                canvas.line(
                    from: CanvasPoint(x: plot.minX, y: y), to: CanvasPoint(x: plot.maxX, y: y),
                    color: Self.gridColor, lineWidth: 1, antialiased: false)
            }
        }

        // Series: heat maps first, then the others in order.
        canvas.clip(to: plot)
        for p in prepared {
            if case .heat(let heat, _) = p.kind {
                drawHeatMap(heat, scale: colourScale(for: heat, plotHeight: plot.height), on: canvas, px: px, py: py)
            }
        }
        for (i, p) in prepared.enumerated() {
            switch p.kind {
            case .line(_, _, let color, let width, _):
                for raw in rawGeometry[i] ?? [] {
                    canvas.polyline(raw, color: color.blended(with: .white, amount: Self.rawFade), lineWidth: 1)
                }
                for line in geometry[i] { canvas.polyline(line, color: color, lineWidth: width) }
            case .scatter(_, let color, let radius, let edge, _):
                for point in geometry[i].first ?? [] {
                    canvas.circle(center: point, radius: radius, fill: color, edge: edge)
                }
            case .heat:
                break
            }
        }
        canvas.clip(to: nil)

        // Vertical markers.
        var markerLabels: [CanvasRect] = []
        for marker in chart.markers {
            let ax = axisValue(marker.x, chart.xAxis.scale)
            guard ax.isFinite, ax >= xRange.lo, ax <= xRange.hi else { continue }
            let x = px(ax).rounded()
            var y = plot.minY
            while y < plot.maxY {
                canvas.line(
                    from: CanvasPoint(x: x, y: y), to: CanvasPoint(x: x, y: min(y + 5, plot.maxY)),
                    color: marker.color, lineWidth: 1, antialiased: false)
                y += 9
            }
            if let label = marker.label, !label.isEmpty, !compact {
                let w = canvas.textWidth(label, size: Self.tickFont)
                let onRight = x + 4 + w + 4 <= plot.maxX
                let box = CanvasRect(
                    x: onRight ? x + 2 : x - 2 - w - 4, y: plot.minY + 4,
                    width: w + 4, height: Self.tickFont * 1.3)
                canvas.fill(box, color: .white)
                canvas.text(
                    label, at: CanvasPoint(x: box.minX + 2, y: box.minY + box.height / 2),
                    size: Self.tickFont, color: marker.color, anchor: .middleLeading, orientation: .horizontal)
                markerLabels.append(box)
            }
        }

        // Axes box, ticks and tick labels.
        canvas.stroke(plot, color: Self.spine)
        for t in xTicks.major {
            let x = px(axisValue(t.value, chart.xAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: x, y: plot.maxY), to: CanvasPoint(x: x, y: plot.maxY + Self.tickLength),
                color: Self.spine, lineWidth: 1, antialiased: false)
            if !compact {
                canvas.text(
                    t.label, at: CanvasPoint(x: x, y: plot.maxY + Self.tickLength + Self.tickGap),
                    size: Self.tickFont, color: Self.ink, anchor: .topCenter, orientation: .horizontal)
            }
        }
        for v in xTicks.minor {
            let x = px(axisValue(v, chart.xAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: x, y: plot.maxY), to: CanvasPoint(x: x, y: plot.maxY + 2),
                color: Self.spine, lineWidth: 1, antialiased: false)
        }
        for t in yTicks.major {
            let y = py(axisValue(t.value, chart.yAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: plot.minX - Self.tickLength, y: y), to: CanvasPoint(x: plot.minX, y: y),
                color: Self.spine, lineWidth: 1, antialiased: false)
            if !compact {
                canvas.text(
                    t.label, at: CanvasPoint(x: plot.minX - Self.tickLength - Self.tickGap, y: y),
                    size: Self.tickFont, color: Self.ink, anchor: .middleTrailing, orientation: .horizontal)
            }
        }
        for v in yTicks.minor {
            let y = py(axisValue(v, chart.yAxis.scale)).rounded()
            canvas.line(
                from: CanvasPoint(x: plot.minX - 2, y: y), to: CanvasPoint(x: plot.minX, y: y),
                color: Self.spine, lineWidth: 1, antialiased: false)
        }

        // Titles.
        if !compact {
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

        // Legend and annotations, in the emptiest corners.
        var taken = Set<Corner>()
        var legendArea: CanvasRect? = nil
        let entries = prepared.compactMap(legendEntry)
        if chart.showsLegend && !entries.isEmpty && !compact {
            let rowHeight = Self.legendFont * 1.6
            let textWidth = entries.map { canvas.textWidth($0.label, size: Self.legendFont) }.max() ?? 0
            let size = (width: 8 + 24 + 6 + textWidth + 8, height: 6 + rowHeight * Double(entries.count) + 4)
            let (corner, box) = place(
                size: size, in: plot, preferred: chart.legendCorner, taken: taken,
                footprint: footprint, order: [.topRight, .topLeft, .bottomLeft, .bottomRight])
            taken.insert(corner)
            legendArea = box
            canvas.fill(box, color: .white)
            canvas.stroke(box, color: Self.legendBorder)
            for (row, entry) in entries.enumerated() {
                let y = (box.minY + 6 + rowHeight * (Double(row) + 0.5)).rounded()
                let sample = (from: CanvasPoint(x: box.minX + 8, y: y), to: CanvasPoint(x: box.minX + 32, y: y))
                switch entry.kind {
                case .line(let width):
                    canvas.line(from: sample.from, to: sample.to, color: entry.color, lineWidth: width, antialiased: true)
                case .marker(let radius, let edge):
                    canvas.circle(
                        center: CanvasPoint(x: box.minX + 20, y: y), radius: max(radius, 3),
                        fill: entry.color, edge: edge)
                }
                canvas.text(
                    entry.label, at: CanvasPoint(x: box.minX + 38, y: y), size: Self.legendFont,
                    color: Self.ink, anchor: .middleLeading, orientation: .horizontal)
            }
        }
        if !compact {
            var stacked: [Corner: Double] = [:]
            for annotation in chart.annotations where !annotation.text.isEmpty {
                let w = canvas.textWidth(annotation.text, size: Self.legendFont)
                let size = (width: w + 12, height: Self.legendFont * 1.3 + 8)
                let (corner, box0) = place(
                    size: size, in: plot, preferred: annotation.corner, taken: taken,
                    footprint: footprint,
                    order: [.topLeft, .topRight, .bottomRight, .bottomLeft])
                var box = box0
                let shift = stacked[corner, default: 0]
                box.y += (corner == .topLeft || corner == .topRight) ? shift : -shift
                stacked[corner] = shift + size.height + 4
                if annotation.corner == .automatic { taken.insert(corner) }
                canvas.fill(box, color: .white)
                canvas.stroke(box, color: Self.legendBorder)
                canvas.text(
                    annotation.text, at: CanvasPoint(x: box.minX + 6, y: box.minY + box.height / 2),
                    size: Self.legendFont, color: Self.ink, anchor: .middleLeading, orientation: .horizontal)
            }
        }

        // Colour bar.
        if let (heat, _) = colourBar, let scale = colourBarScale {
            drawColourBar(heat, scale: scale, plot: plot, on: canvas)
        }

        warnings.append(contentsOf: canvas.warnings)
        return ChartLayout(
            plotArea: plot,
            xLimits: dataValue(xRange.lo, chart.xAxis.scale)...dataValue(xRange.hi, chart.xAxis.scale),
            yLimits: dataValue(yRange.lo, chart.yAxis.scale)...dataValue(yRange.hi, chart.yAxis.scale),
            xScale: chart.xAxis.scale, yScale: chart.yAxis.scale,
            xTicks: xTicks.major, yTicks: yTicks.major, legendArea: legendArea, warnings: warnings)
    }

    // MARK: - Preparing series

    private func prepare(warnings: inout [String]) throws(PlotError) -> [Prepared] {
        var result: [Prepared] = []
        var colourIndex = 0
        func nextColour(_ explicit: RGB?) -> RGB {
            if let explicit { return explicit }
            defer { colourIndex += 1 }
            return Palette.categorical(colourIndex)
        }
        // Heat maps first so they are drawn under everything else.
        for (index, series) in chart.series.enumerated() {
            guard case .heatMap(let heat) = series else { continue }
            let name = heat.label ?? "heat map \(index + 1)"
            try validate(heat, name: name)
            result.append(
                Prepared(
                    kind: .heat(heat, name: name), xExtent: [heat.x.lowerBound, heat.x.upperBound],
                    yExtent: [heat.y.lowerBound, heat.y.upperBound]))
        }
        let xLog = chart.xAxis.scale == .log, yLog = chart.yAxis.scale == .log
        for (index, series) in chart.series.enumerated() {
            switch series {
            case .heatMap:
                continue
            case .line(let line):
                let name = line.label ?? "line \(index + 1)"
                guard !line.y.isEmpty else { throw PlotError.emptySeries(name: name) }
                if let x = line.x, x.count != line.y.count {
                    throw PlotError.lengthMismatch(name: name, xCount: x.count, yCount: line.y.count)
                }
                if let alpha = line.smoothing, !(alpha >= 0 && alpha < 1) {
                    throw PlotError.invalidSmoothing(name: name, alpha: alpha)
                }
                let points = AxisSeries(x: line.x, y: line.y, xLog: xLog, yLog: yLog)
                let summary = try check(points, name: name, warnings: &warnings)
                var drawn = (points: points, y: summary.y)
                var raw: AxisSeries? = nil
                if let alpha = line.smoothing {
                    // Smooth the data values (not their logarithms); dropped points stay gaps.
                    let values = (0..<points.count).map { points.isKept($0) ? line.y[$0] : .nan }
                    let smooth = AxisSeries(
                        x: line.x, y: LineSeries.exponentialMovingAverage(values, alpha: alpha),
                        xLog: xLog, yLog: yLog)
                    drawn = (smooth, smooth.summary().y)
                    raw = points
                }
                // The raw line, when there is one, counts towards the y range too.
                result.append(
                    Prepared(
                        kind: .line(
                            drawn.points, raw: raw, color: nextColour(line.color), width: line.lineWidth,
                            label: line.label),
                        xExtent: [summary.x.lo, summary.x.hi],
                        yExtent: [drawn.y.lo, drawn.y.hi] + (raw != nil ? [summary.y.lo, summary.y.hi] : [])))
            case .scatter(let scatter):
                let name = scatter.label ?? "scatter \(index + 1)"
                guard !scatter.y.isEmpty || !scatter.x.isEmpty else { throw PlotError.emptySeries(name: name) }
                guard scatter.x.count == scatter.y.count else {
                    throw PlotError.lengthMismatch(name: name, xCount: scatter.x.count, yCount: scatter.y.count)
                }
                let points = AxisSeries(x: scatter.x, y: scatter.y, xLog: xLog, yLog: yLog)
                let summary = try check(points, name: name, warnings: &warnings)
                result.append(
                    Prepared(
                        kind: .scatter(
                            points, color: nextColour(scatter.color), radius: scatter.radius,
                            edge: scatter.edgeColor, label: scatter.label),
                        xExtent: [summary.x.lo, summary.x.hi], yExtent: [summary.y.lo, summary.y.hi]))
            }
        }
        return result
    }

    /// One pass over a series: throws when nothing can be drawn, adds a warning for the
    /// points ≤ 0 left out of a log axis, and returns the extent of the rest.
    private func check(_ points: AxisSeries, name: String, warnings: inout [String])
        throws(PlotError) -> AxisSeries.Summary
    {
        let summary = points.summary()
        guard summary.finite > 0 else { throw PlotError.noFiniteValues(name: name) }
        if summary.droppedX + summary.droppedY == summary.finite {
            throw PlotError.nothingPositiveOnLogAxis(name: name, axis: summary.droppedX > 0 ? "x" : "y")
        }
        for (count, axis) in [(summary.droppedX, "x"), (summary.droppedY, "y")] where count > 0 {
            warnings.append(
                "series \"\(name)\": \(count) point\(count == 1 ? "" : "s") with \(axis) ≤ 0 "
                    + "left out of the log-scale \(axis) axis")
        }
        return summary
    }

    private func validate(_ heat: HeatMap, name: String) throws(PlotError) {
        guard let first = heat.values.first, !first.isEmpty else {
            throw PlotError.invalidHeatMap(name: name, reason: "it has no cells")
        }
        if let (row, cells) = heat.values.enumerated().first(where: { $0.element.count != first.count }) {
            throw PlotError.invalidHeatMap(
                name: name, reason: "row \(row) has \(cells.count) cells but row 0 has \(first.count)")
        }
        for (axis, r) in [("x", heat.x), ("y", heat.y)] {
            guard r.lowerBound.isFinite, r.upperBound.isFinite, r.lowerBound < r.upperBound else {
                throw PlotError.invalidHeatMap(
                    name: name, reason: "its \(axis) extent \(r.lowerBound)…\(r.upperBound) must be finite and increasing")
            }
        }
        if chart.xAxis.scale == .log || chart.yAxis.scale == .log { throw PlotError.heatMapOnLogAxis(name: name) }
        guard heat.values.contains(where: { $0.contains(where: \.isFinite) }) else {
            throw PlotError.noFiniteValues(name: name)
        }
    }

    private func markerValues() -> [Double] {
        chart.markers.map { axisValue($0.x, chart.xAxis.scale) }
    }

    // MARK: - Axes

    typealias Range = (lo: Double, hi: Double)

    /// The axis-space range: the limits if given, else the finite values with a 5 % margin;
    /// a single value is widened (±10 % or ±1 linear, a decade each way on a log axis).
    private func range(axis: Axis, name: String, values: [Double], pad: Bool) throws(PlotError) -> Range {
        if let limits = axis.limits {
            let lo = axisValue(limits.lowerBound, axis.scale), hi = axisValue(limits.upperBound, axis.scale)
            guard lo.isFinite, hi.isFinite, lo < hi else {
                throw PlotError.invalidLimits(axis: name, lower: limits.lowerBound, upper: limits.upperBound)
            }
            return (lo, hi)
        }
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        guard lo <= hi else { return axis.scale == .log ? (-1, 1) : (-1, 1) }
        if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) {
            if axis.scale == .log { return (lo - 1, hi + 1) }
            let (a, b) = NiceTicks.constantRange(lo)
            return (a, b)
        }
        let margin = pad ? (hi / 20 - lo / 20) : 0
        return (lo - margin, hi + margin)
    }

    private func ticks(for scale: AxisScale, _ r: Range, maxCount: Int) -> (major: [Tick], minor: [Double]) {
        switch scale {
        case .linear:
            return (NiceTicks.linear(from: r.lo, to: r.hi, maxCount: maxCount), [])
        case .log:
            return NiceTicks.log(from: pow(10, r.lo), to: pow(10, r.hi), maxCount: maxCount)
        }
    }

    /// x ticks with at most one label per ~70 px, fewer while neighbouring labels would touch.
    private func fittingXTicks(canvas: some Canvas, range: Range, plotWidth: Double, compact: Bool)
        -> (major: [Tick], minor: [Double])
    {
        var count = min(10, max(2, Int(plotWidth / 70)))
        while true {
            let t = ticks(for: chart.xAxis.scale, range, maxCount: count)
            if compact || count <= 2 || t.major.count < 2 { return t }
            let widest = t.major.map { canvas.textWidth($0.label, size: Self.tickFont) }.max() ?? 0
            let positions = t.major.map { plotWidth * fraction(axisValue($0.value, chart.xAxis.scale), range) }
            let closest = zip(positions.dropFirst(), positions).map { $0 - $1 }.min() ?? .infinity
            if closest >= widest + 10 { return t }
            count -= 1
        }
    }

    private func fraction(_ v: Double, _ r: Range) -> Double { (v - r.lo) / (r.hi - r.lo) }

    private func axisValue(_ v: Double, _ scale: AxisScale) -> Double {
        switch scale {
        case .linear: v
        case .log: v > 0 ? log10(v) : .nan
        }
    }

    private func dataValue(_ v: Double, _ scale: AxisScale) -> Double {
        scale == .log ? pow(10, v) : v
    }

    // MARK: - Legend and corners

    private struct LegendEntry {
        enum Kind { case line(width: Double), marker(radius: Double, edge: RGB?) }
        var label: String
        var color: RGB
        var kind: Kind
    }

    private func legendEntry(_ p: Prepared) -> LegendEntry? {
        switch p.kind {
        case .line(_, _, let color, let width, let label?) where !label.isEmpty:
            LegendEntry(label: label, color: color, kind: .line(width: width))
        case .scatter(_, let color, let radius, let edge, let label?) where !label.isEmpty:
            LegendEntry(label: label, color: color, kind: .marker(radius: radius, edge: edge))
        default:
            nil
        }
    }

    /// The box of `size` in a corner of `plot`: `preferred` unless automatic, else the free
    /// corner (in `order`) whose box covers the least data.
    private func place(
        size: (width: Double, height: Double), in plot: CanvasRect, preferred: Corner,
        taken: Set<Corner>, footprint: Footprint, order: [Corner]
    ) -> (Corner, CanvasRect) {
        let inset = 8.0
        func box(_ corner: Corner) -> CanvasRect {
            let left = corner == .topLeft || corner == .bottomLeft
            let upper = corner == .topLeft || corner == .topRight
            return CanvasRect(
                x: (left ? plot.minX + inset : plot.maxX - inset - size.width).rounded(),
                y: (upper ? plot.minY + inset : plot.maxY - inset - size.height).rounded(),
                width: size.width.rounded(), height: size.height.rounded())
        }
        if preferred != .automatic { return (preferred, box(preferred)) }
        let free = order.filter { !taken.contains($0) }
        let candidates = free.isEmpty ? order : free
        var best = candidates[0], bestCost = Int.max
        for corner in candidates {
            let cost = footprint.cost(of: box(corner))
            if cost < bestCost { (best, bestCost) = (corner, cost) }
        }
        return (best, box(best))
    }

    // MARK: - Heat maps and colour bar

    /// How heat-map values become colours, and the colour bar's labels.
    struct ColourScale {
        var colour: (Double) -> RGB
        /// Label positions as fractions of the bar height from the bottom.
        var labels: [(text: String, fraction: Double)]
        /// For categorical maps: the class indices from bottom to top.
        var classes: [Int]?
    }

    private func colourScale(for heat: HeatMap, plotHeight: Double) -> ColourScale {
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

    private func drawHeatMap(
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

    private func drawColourBar(_ heat: HeatMap, scale: ColourScale, plot: CanvasRect, on canvas: some Canvas) {
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
