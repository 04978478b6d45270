/// Turns a data series (already mapped to canvas pixels) into polylines to draw:
/// non-finite points become breaks, segments are clipped to the plot, and long series are
/// thinned per pixel column.
enum PolylineBuilder {
    /// Polylines through `points`, broken at every non-finite point and clipped to `clip`.
    ///
    /// When `thin` is true, consecutive points falling in the same pixel column are reduced
    /// to that column's first, lowest, highest and last point (in their original order), so
    /// a spike of a single sample still reaches its extreme and 10⁶ points cost a few
    /// thousand segments.
    static func polylines(_ points: [CanvasPoint], clip: CanvasRect, thin: Bool) -> [[CanvasPoint]] {
        polylines(count: points.count, point: { points[$0] }, clip: clip, thin: thin)
    }

    /// The same, reading point `i` from `point(i)` as it goes, so a long series is never
    /// materialised as a whole array of canvas points.
    @inline(__always)
    static func polylines(
        count: Int, point: (Int) -> CanvasPoint, clip: CanvasRect, thin: Bool
    ) -> [[CanvasPoint]] {
        var runs: [[CanvasPoint]] = []
        var run: [CanvasPoint] = []

        // The current column group when thinning: its first, lowest, highest and last
        // points and their positions in the series (to keep them in order).
        var column = Int.min
        var grouping = false
        var first = (0, CanvasPoint(x: 0, y: 0)), lowest = first, highest = first, last = first

        for i in 0..<count {
            let p = point(i)
            guard p.x.isFinite, p.y.isFinite else {
                if grouping { appendGroup(&run, first, lowest, highest, last); grouping = false }
                if !run.isEmpty { runs.append(run); run = [] }
                continue
            }
            if thin {
                let c = Int(min(max(p.x, -1e9), 1e9).rounded(.down))
                if grouping && c == column {
                    if p.y < lowest.1.y { lowest = (i, p) }
                    if p.y > highest.1.y { highest = (i, p) }
                    last = (i, p)
                } else {
                    if grouping { appendGroup(&run, first, lowest, highest, last) }
                    column = c
                    first = (i, p)
                    (lowest, highest, last) = (first, first, first)
                    grouping = true
                }
            } else {
                run.append(p)
            }
        }
        if grouping { appendGroup(&run, first, lowest, highest, last) }
        if !run.isEmpty { runs.append(run) }
        return runs.flatMap { clipped($0, to: clip) }
    }

    /// Appends a column group's distinct picks in their original order.
    @inline(__always)
    private static func appendGroup(
        _ run: inout [CanvasPoint], _ a: (Int, CanvasPoint), _ b: (Int, CanvasPoint), _ c: (Int, CanvasPoint),
        _ d: (Int, CanvasPoint)
    ) {
        var picks = [a, b, c, d]
        picks.sort { $0.0 < $1.0 }
        var previous = -1
        for (index, p) in picks where index != previous {
            run.append(p)
            previous = index
        }
    }

    /// The parts of one unbroken polyline inside `rect`. A single point becomes a
    /// zero-length segment so an isolated sample between two gaps still shows.
    static func clipped(_ run: [CanvasPoint], to rect: CanvasRect) -> [[CanvasPoint]] {
        if run.count == 1 {
            return rect.contains(run[0]) ? [[run[0], run[0]]] : []
        }
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
