/// A short text in one corner of the plot, on a white box (e.g. "fitted slope 2.00").
public struct Annotation: Sendable, Hashable {
    public var text: String
    public var corner: Corner

    public init(_ text: String, corner: Corner = .automatic) {
        self.text = text
        self.corner = corner
    }
}

/// A corner inside the plot area. `.automatic` picks the corner covering the fewest data
/// points that is not already taken by the legend or an earlier annotation.
public enum Corner: Sendable, Hashable, CaseIterable {
    case automatic, topLeft, topRight, bottomLeft, bottomRight
}
