/// Which point of a text's box is placed at the position given to `Canvas.text`.
///
/// For vertical text (reading bottom to top), `horizontal` runs along the text (leading =
/// its bottom end on screen) and `vertical` across it (top = the screen-left side).
public struct TextAnchor: Sendable, Hashable {
    public enum Horizontal: Sendable, Hashable { case leading, center, trailing }
    public enum Vertical: Sendable, Hashable { case top, middle, baseline, bottom }

    public var horizontal: Horizontal
    public var vertical: Vertical

    public init(_ horizontal: Horizontal, _ vertical: Vertical) {
        self.horizontal = horizontal
        self.vertical = vertical
    }

    public static let topLeading = TextAnchor(.leading, .top)
    public static let topCenter = TextAnchor(.center, .top)
    public static let topTrailing = TextAnchor(.trailing, .top)
    public static let middleLeading = TextAnchor(.leading, .middle)
    public static let center = TextAnchor(.center, .middle)
    public static let middleTrailing = TextAnchor(.trailing, .middle)
    public static let bottomCenter = TextAnchor(.center, .bottom)

    /// Fraction of the text width left of the anchor point.
    var horizontalFraction: Double {
        switch horizontal {
        case .leading: 0
        case .center: 0.5
        case .trailing: 1
        }
    }
}

/// Direction in which text reads.
public enum TextOrientation: Sendable, Hashable {
    case horizontal
    /// Rotated 90° counter-clockwise: reads from bottom to top (a y-axis title).
    case vertical
}
