/// Unconnected points drawn as filled circles. Points with a non-finite coordinate are
/// skipped.
public struct ScatterSeries: Sendable, Hashable {
    public var x: [Double]
    public var y: [Double]
    /// Legend text; `nil` leaves the points out of the legend.
    public var label: String?
    /// `nil` takes the next colour of `Palette.okabeIto`.
    public var color: RGB?
    /// Marker radius in pixels.
    public var radius: Double
    /// Outline colour; `nil` draws no outline.
    public var edgeColor: RGB?

    public init(
        x: [Double], y: [Double], label: String? = nil, color: RGB? = nil,
        radius: Double = 3, edgeColor: RGB? = nil
    ) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
        self.radius = radius
        self.edgeColor = edgeColor
    }
}
