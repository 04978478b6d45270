import CKernels
import SlopeLayers

// The check's own sums over a tensor: its step choice's spread, a direction's derivative, the
// rounding measure. Not the layer's arithmetic (`Tensor.dot` keeps its one running sum): these
// decide only against tolerances far above the rounding an order of additions can change.

/// Σ term(i) for i in 0..<count, in eight running sums: one sum waits on each addition in
/// turn (4 cycles a term), and four still waited on each other. Another order of the same
/// additions: the plain loop's value to rounding. For the check's own sums over a tensor (a
/// small layer's directions spent more on them than on drawing themselves).
@inline(__always)
func laneSum(_ count: Int, _ term: (Int) -> Double) -> Double {
    var (s0, s1, s2, s3, s4, s5, s6, s7) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    var i = 0
    while i + 8 <= count {
        (s0, s1, s2, s3) = (s0 + term(i), s1 + term(i + 1), s2 + term(i + 2), s3 + term(i + 3))
        (s4, s5, s6, s7) = (s4 + term(i + 4), s5 + term(i + 5), s6 + term(i + 6), s7 + term(i + 7))
        i += 8
    }
    var total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < count {
        total += term(i)
        i += 1
    }
    return total
}

/// ⟨a, b⟩ and Σ|aᵢ·bᵢ|: a directional derivative and the scale its rounding goes with. In
/// C (`slope_dot_and_magnitude`), eight lanes at a time in `laneSum`'s order, so the same bits
/// as `dotAndMagnitudeReference`.
func dotAndMagnitude(_ a: Tensor, _ b: Tensor) -> (dot: Double, magnitude: Double) {
    precondition(a.count == b.count, "dot of \(a.shape) and \(b.shape)")
    var (dot, magnitude) = (0.0, 0.0)
    a.data.withUnsafeBufferPointer { a in
        b.data.withUnsafeBufferPointer { b in slope_dot_and_magnitude(a.baseAddress, b.baseAddress, a.count, &dot, &magnitude) }
    }
    return (dot, magnitude)
}

/// `dotAndMagnitude` as plain sums in `laneSum`'s order: its readable reference.
func dotAndMagnitudeReference(_ a: Tensor, _ b: Tensor) -> (dot: Double, magnitude: Double) {
    a.data.withUnsafeBufferPointer { a in
        b.data.withUnsafeBufferPointer { b in
            (laneSum(a.count) { a[$0] * b[$0] }, laneSum(a.count) { abs(a[$0] * b[$0]) })
        }
    }
}
