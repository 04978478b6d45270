/// A chart: figure size, title, two axes, series, markers, annotations, legend and grid.
///
/// A `Chart` is a plain value that knows nothing of pixels; `draw(on:)` lays it out onto any
/// `Canvas`, and `render()`, `pngData()` and `writePNG(to:)` draw it with libgd.
///
/// ```swift
/// var chart = Chart(title: "Training loss", xLabel: "step", yLabel: "loss")
/// chart.yAxis.scale = .log
/// chart.addLine(history.loss, label: "train", smoothing: 0.9)
/// try chart.writePNG(toPath: "output/loss.png")
/// ```
///
/// Nothing is checked while the chart is built; drawing validates everything and throws a
/// `PlotError` that names the offending series (empty, all NaN, mismatched lengths,
/// nothing positive on a log axis) or the size.
public struct Chart: Sendable, Hashable {
    /// Allowed width and height in pixels. Below 16 nothing readable fits; above 8192 a
    /// true-colour image would take more than 256 MiB.
    public static let sizeLimit = 16...8192

    public var width: Int
    public var height: Int
    public var title: String?
    public var xAxis: Axis
    public var yAxis: Axis
    /// Heat maps are drawn first; then lines and scatters in the order they were added
    /// (so a fitted line added after its data is drawn over it).
    public var series: [Series] = []
    public var markers: [VerticalMarker] = []
    public var annotations: [Annotation] = []
    /// Draws a legend of every labelled line and scatter (none when nothing is labelled).
    public var showsLegend = true
    public var legendCorner: Corner = .automatic
    /// Light grid lines at the major ticks.
    public var showsGrid = true
    /// The font used by `render()`, `pngData()` and `writePNG`.
    public var font: GDCanvas.Font = .automatic

    public init(
        width: Int = 800, height: Int = 500, title: String? = nil,
        xLabel: String? = nil, yLabel: String? = nil
    ) {
        self.width = width
        self.height = height
        self.title = title
        self.xAxis = Axis(label: xLabel)
        self.yAxis = Axis(label: yLabel)
    }

    /// Adds a line through `y` against `x` (or against 0, 1, 2, … when `x` is `nil`).
    /// See `LineSeries` for gaps and smoothing.
    public mutating func addLine(
        _ y: [Double], x: [Double]? = nil, label: String? = nil, color: RGB? = nil,
        lineWidth: Double = 2, smoothing: Double? = nil
    ) {
        series.append(
            .line(
                LineSeries(
                    x: x, y: y, label: label, color: color, lineWidth: lineWidth,
                    smoothing: smoothing)))
    }

    /// Adds unconnected points.
    public mutating func addScatter(
        x: [Double], y: [Double], label: String? = nil, color: RGB? = nil,
        radius: Double = 3, edgeColor: RGB? = nil
    ) {
        series.append(
            .scatter(
                ScatterSeries(
                    x: x, y: y, label: label, color: color, radius: radius,
                    edgeColor: edgeColor)))
    }

    /// Adds a heat map (drawn under every other series, with a colour bar on the right).
    public mutating func addHeatMap(_ heatMap: HeatMap) {
        series.append(.heatMap(heatMap))
    }

    /// Adds a dashed vertical line at `x` with an optional label at its top.
    public mutating func addMarker(atX x: Double, label: String? = nil) {
        markers.append(VerticalMarker(x: x, label: label))
    }

    /// Adds a text box in a corner of the plot.
    public mutating func annotate(_ text: String, corner: Corner = .automatic) {
        annotations.append(Annotation(text, corner: corner))
    }

    /// Lays the chart out onto `canvas` (whose size is used instead of `width`/`height`).
    /// - Returns: where things went, plus warnings (points dropped from log axes, font fallback).
    /// - Throws: `PlotError` for a canvas size outside `sizeLimit` or unusable series.
    @discardableResult
    public func draw(on canvas: some Canvas) throws(PlotError) -> ChartLayout {
        try ChartRenderer(chart: self).draw(on: canvas)
    }
}
