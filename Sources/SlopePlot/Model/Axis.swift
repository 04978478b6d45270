/// One axis of a chart: its title, its scale and optionally fixed limits.
public struct Axis: Sendable, Hashable {
    /// Text under the x axis or beside the y axis; `nil` draws none.
    public var label: String?
    public var scale: AxisScale
    /// Fixed data limits. `nil` fits the data with a 5 % margin (no margin when the chart
    /// holds a heat map, which then fills the plot). Limits must be finite with
    /// `lowerBound < upperBound`, and positive on a log axis; otherwise rendering throws
    /// `PlotError.invalidLimits`.
    public var limits: ClosedRange<Double>?

    public init(label: String? = nil, scale: AxisScale = .linear, limits: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.limits = limits
    }
}
