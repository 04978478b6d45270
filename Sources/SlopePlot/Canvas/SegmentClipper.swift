/// Liang–Barsky clipping of a line segment to a rectangle.
enum SegmentClipper {
    /// The part of `a`→`b` inside `rect`, or `nil` when none of it is (or a coordinate is
    /// not finite).
    static func clip(_ a: CanvasPoint, _ b: CanvasPoint, to rect: CanvasRect) -> (CanvasPoint, CanvasPoint)? {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
        let dx = b.x - a.x, dy = b.y - a.y
        guard dx.isFinite, dy.isFinite else { return nil }
        var t0 = 0.0, t1 = 1.0
        let checks: [(Double, Double)] = [
            (-dx, a.x - rect.minX), (dx, rect.maxX - a.x),
            (-dy, a.y - rect.minY), (dy, rect.maxY - a.y),
        ]
        for (p, q) in checks {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 {
                    if r > t1 { return nil }
                    t0 = max(t0, r)
                } else {
                    if r < t0 { return nil }
                    t1 = min(t1, r)
                }
            }
        }
        let start = t0 == 0 ? a : CanvasPoint(x: a.x + t0 * dx, y: a.y + t0 * dy)
        let end = t1 == 1 ? b : CanvasPoint(x: a.x + t1 * dx, y: a.y + t1 * dy)
        return (start, end)
    }
}
