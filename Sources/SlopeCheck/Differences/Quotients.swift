import Foundation

/// The stencil evaluated once around the probed value, at step h.
struct StencilLevel: Sendable {
    /// The nominal step.
    var step: Double
    /// The difference quotient of the stencil.
    var numeric: Double
    /// (L(x + h) − L(x)) / h₊ and (L(x) − L(x − h)) / h₋.
    var forward: Double
    var backward: Double
    /// The largest |L| seen (for the rounding floor).
    var scale: Double
    /// Whether a discrete decision of a `DecisionLayer` changed at x ± h.
    var flipped: Bool

    var gap: Double { abs(forward - backward) }
}

/// A finite-difference method as a callable value: `quotients(step: h, base: L(x), place:,
/// evaluate:)` moves the probed value to each of the method's points and returns the quotients.
///
/// `place(offset)` moves the probed value (an element, or the tensor along a direction) to
/// x + offset·h and returns the move actually made: x + h rounds, and the central quotient
/// divides by the real distance between its two points. `evaluate()` is L there, and whether
/// a discrete decision flipped.
struct Quotients: Sendable {
    let method: FiniteDifference

    func callAsFunction(
        step h: Double, base: Double, place: (Double) -> Double, evaluate: () throws -> (value: Double, flipped: Bool)
    ) throws -> StencilLevel {
        var weighted = 0.0
        var plus = base, minus = base
        var movedUp = h, movedDown = h
        var scale = abs(base)
        var flipped = false
        for (offset, weight) in method.points {
            let moved = place(offset)
            let (value, flip) = try evaluate()
            flipped = flipped || flip
            weighted += weight * value
            scale = max(scale, abs(value))
            if offset == 1 { (plus, movedUp) = (value, moved) }
            if offset == -1 { (minus, movedDown) = (value, -moved) }
        }
        let quotient =
            method.stencil == .central && movedUp + movedDown > 0 ? (plus - minus) / (movedUp + movedDown) : weighted / h
        return StencilLevel(
            step: h, numeric: quotient, forward: (plus - base) / movedUp, backward: (base - minus) / movedDown,
            scale: scale, flipped: flipped)
    }
}
