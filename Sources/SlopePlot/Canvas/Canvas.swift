/// A surface a chart is drawn on. `GDCanvas` puts pixels into a libgd image;
/// `RecordingCanvas` records the calls so layout can be tested without decoding PNGs.
///
/// Coordinates are pixels from the top-left corner and may be fractional; implementations
/// round them and must tolerate coordinates far outside the canvas (drawing nothing there)
/// as well as NaN (ignored).
public protocol Canvas: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Problems met while drawing (e.g. no TrueType font), one line each.
    var warnings: [String] { get }

    /// Fills `rect` (pixels whose centres lie inside it).
    func fill(_ rect: CanvasRect, color: RGB)
    /// Draws the 1-pixel outline of `rect`.
    func stroke(_ rect: CanvasRect, color: RGB)
    /// A straight line `lineWidth` pixels wide; anti-aliased when `antialiased` and the
    /// width allows it.
    func line(from start: CanvasPoint, to end: CanvasPoint, color: RGB, lineWidth: Double, antialiased: Bool)
    /// Connected line segments through `points` (at least two to draw anything).
    func polyline(_ points: [CanvasPoint], color: RGB, lineWidth: Double)
    /// A filled, anti-aliased disc with an optional 1-pixel outline.
    func circle(center: CanvasPoint, radius: Double, fill: RGB, edge: RGB?)
    /// Draws `text` at `size` pixels (em height), placing `anchor` of its box at `position`.
    func text(
        _ text: String, at position: CanvasPoint, size: Double, color: RGB,
        anchor: TextAnchor, orientation: TextOrientation)
    /// The advance width of `text` at `size` pixels, as `text(…)` would draw it.
    func textWidth(_ text: String, size: Double) -> Double
    /// Restricts drawing to `rect`; `nil` lifts the restriction.
    func clip(to rect: CanvasRect?)
}
