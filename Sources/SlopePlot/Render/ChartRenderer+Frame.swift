import Foundation

/// The frame: axis ranges, margins measured from the tick labels, the plot rectangle and
/// the mapping from axis space to pixels.
extension ChartRenderer {
    /// Where the plot goes on the canvas and how axis space maps onto it.
    struct Frame {
        var plot: CanvasRect
        var xRange: Range, yRange: Range
        var xTicks: (major: [Tick], minor: [Double]), yTicks: (major: [Tick], minor: [Double])
        /// Too small for labels: no text, no grid, no legend, 4-pixel margins.
        var compact: Bool
        /// The heat map that gets the colour bar on the right, and its scale.
        var colourBar: (HeatMap, ColourScale)?

        func px(_ ax: Double) -> Double { plot.minX + plot.width * ((ax - xRange.lo) / (xRange.hi - xRange.lo)) }
        func py(_ ay: Double) -> Double { plot.maxY - plot.height * ((ay - yRange.lo) / (yRange.hi - yRange.lo)) }
        func point(_ p: (x: Double, y: Double)) -> CanvasPoint { CanvasPoint(x: px(p.x), y: py(p.y)) }
    }

    /// Fits the axes to the prepared series and lays out the margins: vertical first (it
    /// does not depend on tick label widths), then the left margin from the widest y label,
    /// then as many x ticks as fit, widening the right margin if the last label would be cut.
    func frame(for prepared: [Prepared], on canvas: some Canvas) throws(PlotError) -> Frame {
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
            : prepared.lazy.compactMap { p -> HeatMap? in
                if case .heat(let h, _) = p.kind { h } else { nil }
            }.first.map { ($0, colourScale(for: $0, plotHeight: plotHeight)) }
        var right = compact ? 4.0 : 18.0
        if let (heat, scale) = colourBar {
            let labelWidth = scale.labels.map { canvas.textWidth($0.text, size: Self.tickFont) }.max() ?? 0
            right += 16 + 14 + Self.tickGap + 3 + labelWidth + (heat.label != nil ? 8 + Self.labelFont * 1.2 : 0)
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
        return Frame(
            plot: plot, xRange: xRange, yRange: yRange, xTicks: xTicks, yTicks: yTicks, compact: compact,
            colourBar: colourBar)
    }

    func markerValues() -> [Double] {
        chart.markers.map { axisValue($0.x, chart.xAxis.scale) }
    }

    typealias Range = (lo: Double, hi: Double)

    /// The axis-space range: the limits if given, else the finite values with a 5 % margin;
    /// a single value is widened (±10 % or ±1 linear, a decade each way on a log axis).
    func range(axis: Axis, name: String, values: [Double], pad: Bool) throws(PlotError) -> Range {
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

    func ticks(for scale: AxisScale, _ r: Range, maxCount: Int) -> (major: [Tick], minor: [Double]) {
        switch scale {
        case .linear:
            return (NiceTicks.linear(from: r.lo, to: r.hi, maxCount: maxCount), [])
        case .log:
            return NiceTicks.log(from: pow(10, r.lo), to: pow(10, r.hi), maxCount: maxCount)
        }
    }

    /// x ticks with at most one label per ~70 px, fewer while neighbouring labels would touch.
    func fittingXTicks(canvas: some Canvas, range: Range, plotWidth: Double, compact: Bool)
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

    func fraction(_ v: Double, _ r: Range) -> Double { (v - r.lo) / (r.hi - r.lo) }

    func axisValue(_ v: Double, _ scale: AxisScale) -> Double {
        switch scale {
        case .linear: v
        case .log: v > 0 ? log10(v) : .nan
        }
    }

    func dataValue(_ v: Double, _ scale: AxisScale) -> Double {
        scale == .log ? pow(10, v) : v
    }
}
