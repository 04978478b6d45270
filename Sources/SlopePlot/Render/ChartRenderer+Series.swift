import Foundation

/// Series: checked and mapped to axis space, turned into pixel geometry, and drawn.
extension ChartRenderer {
    /// Every series' pixel geometry, worked out before anything is drawn.
    struct Geometry {
        /// Per series: its polylines (a scatter: one list of its points; a heat map: none).
        var lines: [[[CanvasPoint]]] = []
        /// Per series: a line's points with no drawable neighbour, drawn as markers.
        var isolated: [[CanvasPoint]] = []
        /// Per series: the faint raw line behind a smoothed one.
        var raw: [PolylineBuilder.Shapes?] = []
        var footprint = Footprint()
    }

    func geometry(of prepared: [Prepared], in frame: Frame) -> Geometry {
        let plot = frame.plot
        let lineClip = CanvasRect(x: plot.minX - 1, y: plot.minY - 1, width: plot.width + 2, height: plot.height + 2)
        let thinThreshold = Int(plot.width) * 4
        var geometry = Geometry()
        for p in prepared {
            switch p.kind {
            case .line(let drawn, let raw, _, _, _):
                let shapes = PolylineBuilder.polylines(
                    count: drawn.count, point: { frame.point(drawn[$0]) }, clip: lineClip,
                    thin: drawn.count > thinThreshold)
                geometry.lines.append(shapes.lines)
                geometry.isolated.append(shapes.isolated)
                geometry.raw.append(
                    raw.map { r in
                        PolylineBuilder.polylines(
                            count: r.count, point: { frame.point(r[$0]) }, clip: lineClip, thin: r.count > thinThreshold)
                    })
                for l in shapes.lines { for i in 1..<l.count { geometry.footprint.segments.append((l[i - 1], l[i])) } }
                geometry.footprint.points.append(contentsOf: shapes.isolated)
            case .scatter(let points, _, let radius, _, _):
                let inside = CanvasRect(
                    x: plot.minX - radius, y: plot.minY - radius,
                    width: plot.width + 2 * radius, height: plot.height + 2 * radius)
                var seen = Set<Int64>()
                var kept: [CanvasPoint] = []
                for i in 0..<points.count {
                    let point = frame.point(points[i])
                    guard point.x.isFinite && point.y.isFinite && inside.contains(point) else { continue }
                    // Many points on one pixel draw the same disc: keep the first.
                    let key = Int64(point.x.rounded()) * 1_000_003 + Int64(point.y.rounded())
                    if points.count <= 20_000 || seen.insert(key).inserted { kept.append(point) }
                }
                geometry.lines.append([kept])
                geometry.isolated.append([])
                geometry.raw.append(nil)
                geometry.footprint.points.append(contentsOf: kept)
            case .heat:
                geometry.lines.append([])
                geometry.isolated.append([])
                geometry.raw.append(nil)
            }
        }
        return geometry
    }

    /// The marker radius of a line's isolated point: a disc a little wider than the line.
    static func isolatedRadius(lineWidth: Double) -> Double { lineWidth + 1 }

    /// Heat maps first, then lines and scatters in order, clipped to the plot. A line's
    /// isolated points (no drawable neighbour) are drawn as discs of its colour.
    func drawSeries(_ prepared: [Prepared], _ geometry: Geometry, in frame: Frame, on canvas: some Canvas) {
        canvas.clip(to: frame.plot)
        for p in prepared {
            if case .heat(let heat, _) = p.kind {
                drawHeatMap(
                    heat, scale: colourScale(for: heat, plotHeight: frame.plot.height), on: canvas, px: frame.px,
                    py: frame.py)
            }
        }
        for (i, p) in prepared.enumerated() {
            switch p.kind {
            case .line(_, _, let color, let width, _):
                let faint = color.blended(with: .white, amount: Self.rawFade)
                if let raw = geometry.raw[i] {
                    for line in raw.lines { canvas.polyline(line, color: faint, lineWidth: 1) }
                    for point in raw.isolated { canvas.circle(center: point, radius: 2, fill: faint, edge: nil) }
                }
                for line in geometry.lines[i] { canvas.polyline(line, color: color, lineWidth: width) }
                for point in geometry.isolated[i] {
                    canvas.circle(center: point, radius: Self.isolatedRadius(lineWidth: width), fill: color, edge: nil)
                }
            case .scatter(_, let color, let radius, let edge, _):
                for point in geometry.lines[i].first ?? [] {
                    canvas.circle(center: point, radius: radius, fill: color, edge: edge)
                }
            case .heat:
                break
            }
        }
        canvas.clip(to: nil)
    }

    // MARK: - Preparing series

    func prepare(warnings: inout [String]) throws(PlotError) -> [Prepared] {
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
    func check(_ points: AxisSeries, name: String, warnings: inout [String])
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

    func validate(_ heat: HeatMap, name: String) throws(PlotError) {
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
}
