import Foundation
import SlopeLayers

/// The Taylor test: along a random direction u, the error of the central difference
/// against the analytic directional derivative ⟨∇L, u⟩ must shrink as O(h²) over
/// h, h/2, …, h/512 (h = 1e-2·max(1, |x|)), fitted over the three smallest steps still
/// above rounding. The order needs no tolerance: a right gradient shows ≈ 2,
/// a wrong one ≈ 0 (the error is the constant ⟨g_wrong − g, u⟩), and a tensor the layer
/// is linear in shows errors at the rounding level at every h ("exact").
public struct ConvergenceOrder: Sendable, Codable, Equatable {
    /// The least-squares slope of log(error) against log(h); nil when exact.
    public var fitted: Double?
    /// Errors relative to |⟨∇L, u⟩|, one per step.
    public var relativeErrors: [Double]
    public var steps: [Double]
    public var verdict: Verdict
    public var note: String

    /// Largest relative error still counted as rounding (the difference is then exact).
    static let exactThreshold = 1e-9
    /// A fitted order below this with errors above `wrongThreshold` is a wrong gradient.
    static let failingOrder = 0.5
    static let wrongThreshold = 1e-6

    public var summary: String {
        if let fitted { return String(format: "%.2f", fitted) }
        return "exact"
    }

    /// Runs the test on one probed tensor.
    /// - Parameter absoluteFloor: errors below this (the check's atol) are never a failure.
    static func measure(
        probe: Probe, tensor: Int, analytic: Tensor, baseDecisions: [Int], absoluteFloor: Double,
        using generator: inout SeededGenerator
    ) throws -> ConvergenceOrder {
        let saved = probe.value(of: tensor)
        var u = Tensor.zeros(saved.shape)
        for i in 0..<u.count { u.data[i] = generator.nextNormal() }
        let expected = analytic.dot(u)
        let start = 1e-2 * max(1, saved.maxMagnitude) / max(u.maxMagnitude, 1e-300)
        let steps = (0..<10).map { start / pow(2, Double($0)) }
        var errors: [Double] = []
        var absolute: [Double] = []
        var rounding: [Double] = []
        var flipped = false
        defer { probe.restore(tensor, to: saved) }
        for h in steps {
            probe.restore(tensor, to: saved)
            probe.add(u, scaledBy: h, to: tensor)
            let plus = try probe.evaluate()
            flipped = flipped || (probe.tracksDecisions && probe.decisions() != baseDecisions)
            probe.restore(tensor, to: saved)
            probe.add(u, scaledBy: -h, to: tensor)
            let minus = try probe.evaluate()
            flipped = flipped || (probe.tracksDecisions && probe.decisions() != baseDecisions)
            let error = abs((plus - minus) / (2 * h) - expected)
            absolute.append(error)
            // What rounding alone can do to the quotient: a few ulps of L over 2h.
            rounding.append(8 * Double.ulpOfOne * max(abs(plus), abs(minus)) / h)
            errors.append(error / max(abs(expected), 1e-300))
        }
        let atRoundingLevel = absolute.indices.allSatisfy {
            absolute[$0] <= max(exactThreshold * abs(expected), 10 * rounding[$0])
        }
        if atRoundingLevel {
            return ConvergenceOrder(
                fitted: nil, relativeErrors: errors, steps: steps, verdict: .pass,
                note: "exact: the errors are at the rounding level at every step (L is linear in this tensor, or flat)")
        }
        // The order of the tail: the smallest steps whose errors are still above rounding.
        // A right gradient keeps shrinking there as h²; a wrong one has levelled off.
        let aboveRounding = absolute.indices.filter { absolute[$0] > 10 * rounding[$0] }
        let tail = Array(aboveRounding.suffix(3))
        guard tail.count >= 2 else {
            return ConvergenceOrder(
                fitted: nil, relativeErrors: errors, steps: steps, verdict: .pass,
                note: "converges to the rounding level")
        }
        let order = StepSweep.slope(tail.map { log10(steps[$0]) }, tail.map { log10(absolute[$0]) })
        if flipped {
            return ConvergenceOrder(
                fitted: order, relativeErrors: errors, steps: steps, verdict: .inconclusive,
                note: "a discrete decision flips within the steps")
        }
        let last = absolute.count - 1
        let clearlyWrong = absolute[last] > max(wrongThreshold * abs(expected), 100 * rounding[last], absoluteFloor)
        if order < failingOrder && clearlyWrong {
            return ConvergenceOrder(
                fitted: order, relativeErrors: errors, steps: steps, verdict: .fail,
                note:
                    "the error does not shrink with h (order \(String(format: "%.2f", order)), relative error \(formatNumber(errors.last!, significantDigits: 2))): the gradient is wrong, whatever the tolerance"
            )
        }
        return ConvergenceOrder(
            fitted: order, relativeErrors: errors, steps: steps, verdict: .pass,
            note: "converges as h^\(String(format: "%.2f", order))")
    }
}
