/// A vertical line across the plot at one x value, with an optional label at its top
/// (e.g. "default step" on a step-size sweep). Markers outside the x range are not drawn.
public struct VerticalMarker: Sendable, Hashable {
    public var x: Double
    public var label: String?
    public var color: RGB

    public init(x: Double, label: String? = nil, color: RGB = RGB(hex: 0x555555)) {
        self.x = x
        self.label = label
        self.color = color
    }
}
