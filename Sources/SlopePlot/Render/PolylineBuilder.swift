/// Turns a data series (already mapped to canvas pixels) into polylines to draw:
/// non-finite points become breaks, segments are clipped to the plot, and long series are
/// thinned per pixel column. A point with no drawable neighbour is kept apart, to be drawn
/// as a marker: a line through it alone would be a single invisible pixel.
enum PolylineBuilder {
    /// What a series draws: its unbroken runs, and the points that stand alone.
    struct Shapes: Equatable {
        var lines: [[CanvasPoint]] = []
        /// Points between two gaps (or a gap and an end), inside the clip rectangle.
        var isolated: [CanvasPoint] = []
    }

    /// Polylines through `points`, broken at every non-finite point and clipped to `clip`.
    ///
    /// When `thin` is true, consecutive points falling in the same pixel column are reduced
    /// to that column's first, lowest, highest and last point (in their original order), so
    /// a spike of a single sample still reaches its extreme and 10⁶ points cost a few
    /// thousand segments.
    static func polylines(_ points: [CanvasPoint], clip: CanvasRect, thin: Bool) -> Shapes {
        polylines(count: points.count, point: { points[$0] }, clip: clip, thin: thin)
    }

    /// The same, reading point `i` from `point(i)` as it goes, so a long series is never
    /// materialised as a whole array of canvas points. `point` may be asked for the same
    /// `i` more than once (a thinned column's picks are read again when the column ends)
    /// and must give the same point each time.
    @inline(__always)
    static func polylines(
        count: Int, point: (Int) -> CanvasPoint, clip: CanvasRect, thin: Bool
    ) -> Shapes {
        var runs: [[CanvasPoint]] = []
        var run: [CanvasPoint] = []

        // The current column group when thinning: the positions of its first, lowest,
        // highest and last points, and the lowest and highest y. Only positions are kept in
        // the loop over every point; the four points are read again when the group ends.
        var column = Int.min
        var grouping = false
        var first = 0, lowest = 0, highest = 0, last = 0
        var lowY = 0.0, highY = 0.0

        for i in 0..<count {
            let p = point(i)
            guard p.x.isFinite, p.y.isFinite else {
                if grouping { appendGroup(&run, first, lowest, highest, last, point); grouping = false }
                if !run.isEmpty { runs.append(run); run = [] }
                continue
            }
            if thin {
                let c = pixelColumn(p.x)
                if grouping && c == column {
                    if p.y < lowY { (lowest, lowY) = (i, p.y) }
                    if p.y > highY { (highest, highY) = (i, p.y) }
                    last = i
                } else {
                    if grouping { appendGroup(&run, first, lowest, highest, last, point) }
                    column = c
                    (first, lowest, highest, last) = (i, i, i, i)
                    (lowY, highY) = (p.y, p.y)
                    grouping = true
                }
            } else {
                run.append(p)
            }
        }
        if grouping { appendGroup(&run, first, lowest, highest, last, point) }
        if !run.isEmpty { runs.append(run) }
        var shapes = Shapes()
        for run in runs {
            if run.count == 1 {
                if clip.contains(run[0]) { shapes.isolated.append(run[0]) }
            } else {
                shapes.lines += clipped(run, to: clip)
            }
        }
        return shapes
    }

    /// ⌊x⌋ as an integer, x clamped to ±10⁹ (without a call into libm).
    @inline(__always)
    private static func pixelColumn(_ x: Double) -> Int {
        let clamped = min(max(x, -1e9), 1e9)
        let c = Int(clamped)
        return Double(c) > clamped ? c - 1 : c
    }

    /// Appends a column group's distinct picks in their original order. `first` and `last`
    /// bound the group, so only the lowest and highest need ordering.
    @inline(__always)
    private static func appendGroup(
        _ run: inout [CanvasPoint], _ first: Int, _ lowest: Int, _ highest: Int, _ last: Int,
        _ point: (Int) -> CanvasPoint
    ) {
        var previous = -1
        for index in [first, min(lowest, highest), max(lowest, highest), last] where index != previous {
            run.append(point(index))
            previous = index
        }
    }

    /// The parts of one unbroken polyline of at least two points inside `rect`.
    static func clipped(_ run: [CanvasPoint], to rect: CanvasRect) -> [[CanvasPoint]] {
        var result: [[CanvasPoint]] = []
        var current: [CanvasPoint] = []
        for i in 1..<run.count {
            guard let (a, b) = SegmentClipper.clip(run[i - 1], run[i], to: rect) else {
                if current.count >= 2 { result.append(current) }
                current = []
                continue
            }
            if let tail = current.last, tail == a {
                current.append(b)
            } else {
                if current.count >= 2 { result.append(current) }
                current = [a, b]
            }
        }
        if current.count >= 2 { result.append(current) }
        return result
    }
}
