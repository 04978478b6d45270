import Foundation
import SlopeLayers

/// The Taylor test: along a random direction u, the error of the central difference
/// against the analytic directional derivative ⟨∇L, u⟩ must shrink as O(h²) over
/// h, h/2, …, h/512, fitted over the three smallest steps still above the noise.
/// The order needs no tolerance: a right gradient shows ≈ 2, a wrong one ≈ 0 (the error
/// is the constant ⟨g_wrong − g, u⟩), and a tensor the layer is linear in shows errors
/// at the noise level at every h ("exact").
///
/// It is never wrong when it says "wrong", and says "pass" only when it saw the error fall
/// below `passThreshold` of ⟨∇L, u⟩:
/// - the steps start at 1e-2 × the tensor's spread (not |x|), and the noise of L is the
///   check's measured noise;
/// - u is zero on the elements the element checks found at kinks, and steps at which a
///   decision flips are set aside;
/// - a direction whose one-sided gap does not shrink with h crosses a kink: inconclusive;
/// - errors that do not fall below `passThreshold`·|⟨∇L, u⟩| at two neighbouring steps (noise
///   too high to resolve a small bug) are inconclusive, with the smallest relative error seen.
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
    /// A pass needs the smallest relative error over the steps to fall below this: a
    /// gradient off by 5e-6 (inside rtol) is then never passed.
    static let passThreshold = 1e-6
    /// Steps every test takes (h, h/2, …, h/512), two passes each.
    static let minimumSteps = 10

    public var summary: String {
        if let fitted { return String(format: "%.2f", abs(fitted) < 0.005 ? 0 : fitted) }
        return verdict == .inconclusive ? "—" : "exact"
    }

    /// Runs the test on one probed tensor.
    /// - Parameters:
    ///   - choice: the tensor's step and noise.
    ///   - kinks: the elements the tensor's element checks found at kinks, left out of the direction.
    ///   - absoluteFloor: errors below this (the check's atol) are never a failure.
    ///   - precision: the checked code's precision (its ε and the test's thresholds).
    static func measure(
        probe: Probe, tensor: Int, analytic: Tensor, baseValue: Double, choice: StepChoice, kinks: Set<Int>,
        absoluteFloor: Double, precision: Precision = .double,
        using generator: inout SeededGenerator
    ) throws -> ConvergenceOrder {
        let passThreshold = precision.orderPassThreshold
        let wrongThreshold = precision.orderWrongThreshold
        let exactThreshold = precision.orderExactThreshold
        let epsilon = precision.epsilon
        let saved = probe.value(of: tensor)
        var u = Tensor.zeros(saved.shape)
        for i in 0..<u.count { u.data[i] = generator.nextNormal() }
        for i in kinks where i < u.count { u.data[i] = 0 }
        guard u.maxMagnitude > 0 else {
            return ConvergenceOrder(
                fitted: nil, relativeErrors: [], steps: [], verdict: .inconclusive,
                note: "every element sits at a kink: no smooth direction to test")
        }
        let expected = analytic.dot(u)
        let start = 1e-2 * choice.spread / u.maxMagnitude
        var steps: [Double] = []
        var errors: [Double] = []
        var absolute: [Double] = []
        var noise: [Double] = []
        var gaps: [Double] = []
        var clean: [Bool] = []
        var quotients: [Double] = []
        defer { probe.restore(tensor, to: saved) }
        // Ten halvings (`minimumSteps`), and up to twenty more while the error still falls and
        // has not reached the pass threshold (a feature narrower than the tensor's spread).
        var h = start
        while true {
            probe.restore(tensor, to: saved)
            probe.add(u, scaledBy: h, to: tensor)
            let (plus, flippedUp) = try probe.evaluateMarked()
            probe.restore(tensor, to: saved)
            probe.add(u, scaledBy: -h, to: tensor)
            let (minus, flippedDown) = try probe.evaluateMarked()
            let flipped = flippedUp || flippedDown
            let quotient = (plus - minus) / (2 * h)
            let error = abs(quotient - expected)
            quotients.append(quotient)
            steps.append(h)
            absolute.append(error)
            // What rounding alone can do to the quotient: the measured noise of L (at least a
            // few ulps of L) over h.
            var floor = max(choice.floor, 8 * epsilon * max(abs(plus), abs(minus)))
            if plus == baseValue && minus == baseValue {
                // L did not change at all: what it could not show is below its rounding (see judgeFlat).
                floor = max(floor, 16 * epsilon * max(abs(baseValue), 1))
            }
            noise.append(floor / h)
            gaps.append(abs((plus - baseValue) - (baseValue - minus)) / h)
            clean.append(!flipped)
            errors.append(error / max(abs(expected), 1e-300))
            h /= 2
            let k = steps.count
            if k < Self.minimumSteps { continue }
            let stillFalling =
                k < 30 && errors[k - 1] > passThreshold && absolute[k - 1] > 10 * noise[k - 1]
                && absolute[k - 1] < 0.6 * absolute[k - 2]
            if !stillFalling { break }
        }
        func result(_ fitted: Double?, _ verdict: Verdict, _ note: String) -> ConvergenceOrder {
            ConvergenceOrder(fitted: fitted, relativeErrors: errors, steps: steps, verdict: verdict, note: note)
        }
        let usable = steps.indices.filter { clean[$0] }
        let atNoiseLevel = usable.allSatisfy {
            absolute[$0] <= max(exactThreshold * abs(expected), 10 * noise[$0])
        }
        if usable.count < 3 {
            return result(nil, .inconclusive, "a discrete decision flips at almost every step along the direction")
        }
        if atNoiseLevel && clean.allSatisfy({ $0 }) {
            return result(
                nil, .pass, "exact: the errors are at the rounding level at every step (L is linear in this tensor, or flat)")
        }
        // The order of the tail: the smallest steps whose errors are still above rounding.
        // A right gradient keeps shrinking there as h²; a wrong one has levelled off.
        let aboveRounding = usable.filter { absolute[$0] > 10 * noise[$0] }
        let tail = Array(aboveRounding.suffix(3))
        let smallest = usable.map { errors[$0] }.min() ?? .infinity
        // Resolved: two neighbouring steps both below the threshold. One step is not enough:
        // a wrong gradient's error |c·h² + b| dips through 0 where truncation cancels the bug,
        // but within a factor of 2 in h it is back above |b|/2.
        // Richardson's extrapolation of neighbouring quotients, (4·D(h/2) − D(h))/3, kills the h²
        // term and keeps a wrong gradient's constant error: it resolves small bugs where noise
        // cuts the plain quotients short.
        let reference = max(abs(expected), 1e-300)
        let extrapolated: [Double] = quotients.indices.map { k in
            guard k > 0, usable.contains(k), usable.contains(k - 1) else { return .infinity }
            return abs((4 * quotients[k] - quotients[k - 1]) / 3 - expected) / reference
        }
        let resolved = zip(usable, usable.dropFirst()).contains { coarse, fine in
            fine == coarse + 1
                && ((errors[coarse] <= passThreshold && errors[fine] <= passThreshold)
                    || (extrapolated[coarse] <= passThreshold && extrapolated[fine] <= passThreshold))
        }
        guard tail.count >= 2 else {
            return resolved
                ? result(nil, .pass, "converges to the rounding level")
                : result(
                    nil, .inconclusive,
                    "the error falls only to \(formatNumber(smallest, significantDigits: 2)) of ⟨∇L, u⟩ (the noise of L hides smaller ones here); the test cannot confirm the gradient to \(formatNumber(passThreshold))"
                )
        }
        let order = StepSweep.slope(tail.map { log10(steps[$0]) }, tail.map { log10(absolute[$0]) })
        // A kink crossed: the one-sided gap of a smooth function halves with h; a kink's stays.
        let kinked = zip(tail, tail.dropFirst()).contains { coarse, fine in
            gaps[fine] > 0.7 * gaps[coarse] && gaps[fine] > 20 * noise[fine]
        }
        if kinked {
            return result(
                order, .inconclusive,
                "the direction crosses a kink (the one-sided gap does not shrink with h): the order cannot judge it")
        }
        let last = tail[tail.count - 1]
        let clearlyWrong =
            absolute[last] > max(wrongThreshold * abs(expected), 20 * noise[last], absoluteFloor)
        if order < failingOrder && clearlyWrong {
            return result(
                order, .fail,
                "the error does not shrink with h (order \(String(format: "%.2f", abs(order) < 0.005 ? 0 : order)), relative error \(formatNumber(errors[last], significantDigits: 2))): the gradient is wrong, whatever the tolerance"
            )
        }
        if !resolved {
            return result(
                order, .inconclusive,
                "the error falls only to \(formatNumber(smallest, significantDigits: 2)) of ⟨∇L, u⟩ by h = \(formatNumber(steps[steps.count - 1], significantDigits: 2)) (noise or too few steps); the test cannot confirm the gradient to \(formatNumber(passThreshold))"
            )
        }
        return result(order, .pass, "converges as h^\(String(format: "%.2f", order))")
    }
}
