/// A canvas that draws nothing and records every call, for layout tests.
///
/// Text widths are estimated as 0.6 × size per character (close to DejaVu Sans digits),
/// so layouts are deterministic and do not depend on installed fonts.
public final class RecordingCanvas: Canvas {
    /// One recorded drawing call.
    public enum Command: Sendable, Hashable {
        case fill(CanvasRect, RGB)
        case stroke(CanvasRect, RGB)
        case line(CanvasPoint, CanvasPoint, RGB, lineWidth: Double)
        case polyline([CanvasPoint], RGB, lineWidth: Double)
        case circle(CanvasPoint, radius: Double, fill: RGB, edge: RGB?)
        case text(String, CanvasPoint, size: Double, RGB, TextAnchor, TextOrientation)
        case clip(CanvasRect?)
    }

    public let width: Int
    public let height: Int
    public private(set) var commands: [Command] = []
    public var warnings: [String] { [] }

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Every text drawn, in order.
    public var texts: [String] {
        commands.compactMap { if case .text(let s, _, _, _, _, _) = $0 { s } else { nil } }
    }

    /// Every polyline drawn in `color`, in order.
    public func polylines(color: RGB) -> [[CanvasPoint]] {
        commands.compactMap { if case .polyline(let p, color, _) = $0 { p } else { nil } }
    }

    public func fill(_ rect: CanvasRect, color: RGB) { commands.append(.fill(rect, color)) }
    public func stroke(_ rect: CanvasRect, color: RGB) { commands.append(.stroke(rect, color)) }
    public func line(from start: CanvasPoint, to end: CanvasPoint, color: RGB, lineWidth: Double, antialiased: Bool) {
        commands.append(.line(start, end, color, lineWidth: lineWidth))
    }
    public func polyline(_ points: [CanvasPoint], color: RGB, lineWidth: Double) {
        commands.append(.polyline(points, color, lineWidth: lineWidth))
    }
    public func circle(center: CanvasPoint, radius: Double, fill: RGB, edge: RGB?) {
        commands.append(.circle(center, radius: radius, fill: fill, edge: edge))
    }
    public func text(
        _ text: String, at position: CanvasPoint, size: Double, color: RGB,
        anchor: TextAnchor, orientation: TextOrientation
    ) {
        commands.append(.text(text, position, size: size, color, anchor, orientation))
    }
    public func textWidth(_ text: String, size: Double) -> Double { 0.6 * size * Double(text.count) }
    public func clip(to rect: CanvasRect?) { commands.append(.clip(rect)) }
}
