import Foundation

/// Lays a `Chart` out onto a `Canvas`: validates the series, fits the axes, computes
/// margins from the measured tick labels, and draws grid, series, markers, axes, labels,
/// legend, annotations and colour bar, in that order.
///
/// The steps live beside what they draw: preparing series (ChartRenderer+Series.swift),
/// the frame and axes (+Frame, +Axes), legend and annotations (+Legend), heat maps and
/// the colour bar (+HeatMap).
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
        let frame = try frame(for: prepared, on: canvas)
        // Geometry of every series before drawing, so the legend can avoid the data.
        let geometry = geometry(of: prepared, in: frame)

        canvas.fill(CanvasRect(x: 0, y: 0, width: Double(canvas.width), height: Double(canvas.height)), color: .white)
        if chart.showsGrid && !frame.compact { drawGrid(frame, on: canvas) }
        drawSeries(prepared, geometry, in: frame, on: canvas)
        drawMarkers(frame, on: canvas)
        drawAxes(frame, on: canvas)
        if !frame.compact { drawTitles(frame, on: canvas) }

        // Legend and annotations, in the emptiest corners.
        var taken = Set<Corner>()
        let legendArea = drawLegend(prepared, frame, footprint: geometry.footprint, taken: &taken, on: canvas)
        if !frame.compact { drawAnnotations(frame, footprint: geometry.footprint, taken: &taken, on: canvas) }
        if let (heat, scale) = frame.colourBar { drawColourBar(heat, scale: scale, plot: frame.plot, on: canvas) }

        warnings.append(contentsOf: canvas.warnings)
        return ChartLayout(
            plotArea: frame.plot,
            xLimits: dataValue(frame.xRange.lo, chart.xAxis.scale)...dataValue(frame.xRange.hi, chart.xAxis.scale),
            yLimits: dataValue(frame.yRange.lo, chart.yAxis.scale)...dataValue(frame.yRange.hi, chart.yAxis.scale),
            xScale: chart.xAxis.scale, yScale: chart.yAxis.scale,
            xTicks: frame.xTicks.major, yTicks: frame.yTicks.major, legendArea: legendArea, warnings: warnings)
    }
}
