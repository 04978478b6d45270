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
        var runs: [[CanvasPoint]] = []
        var run: [CanvasPoint] = []

        // The current column group when thinning: indices into `points`.
        var column = Int.min
        var first = 0, lowest = 0, highest = 0, last = 0
        var grouping = false

        func flushGroup() {
            guard grouping else { return }
            var picks = [first, lowest, highest, last].sorted()
            picks = picks.enumerated().filter { $0.offset == 0 || picks[$0.offset - 1] != $0.element }.map(\.element)
            run.append(contentsOf: picks.map { points[$0] })
            grouping = false
        }
        func endRun() {
            flushGroup()
            if !run.isEmpty { runs.append(run) }
            run = []
        }

        for (i, p) in points.enumerated() {
            guard p.x.isFinite, p.y.isFinite else {
                endRun()
                continue
            }
            if thin {
                let c = Int(min(max(p.x, -1e9), 1e9).rounded(.down))
                if grouping && c == column {
                    if p.y < points[lowest].y { lowest = i }
                    if p.y > points[highest].y { highest = i }
                    last = i
                } else {
                    flushGroup()
                    column = c
                    (first, lowest, highest, last) = (i, i, i, i)
                    grouping = true
                }
            } else {
                run.append(p)
            }
        }
        endRun()
        return runs.flatMap { clipped($0, to: clip) }
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
