import SlopeLayers

// The one tolerance helper of every test target, modelled on swift-numerics'
// `isApproximatelyEqual(to:absoluteTolerance:relativeTolerance:)`:
// a and b are close when |a − b| ≤ max(atol, rtol · max(|a|, |b|)).
// Equal values (including equal infinities) are always close; NaN is close to nothing.
// The defaults (rtol = atol = 1e-12) suit values of order one computed two ways in Double;
// a test of values near zero or near 1e-12 passes `atol: 0` so it cannot pass by the floor.

/// Whether `a` and `b` agree within a relative and an absolute tolerance.
public func isClose(_ a: Double, _ b: Double, rtol: Double = 1e-12, atol: Double = 1e-12) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= max(atol, rtol * max(abs(a), abs(b)))
}

/// Whether two tensors have the same shape and element-wise close values.
public func isClose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-12, atol: Double = 1e-12) -> Bool {
    a.shape == b.shape && zip(a.data, b.data).allSatisfy { isClose($0, $1, rtol: rtol, atol: atol) }
}
