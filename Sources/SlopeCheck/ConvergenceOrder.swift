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
    /// Steps a test takes (h, h/2, …, h/512), two passes each, unless the first ones are
    /// already `settled`.
    static let minimumSteps = 10

    public var summary: String {
        if let fitted { return cFormat("%.2f", abs(fitted) < 0.005 ? 0 : fitted) }
        return verdict == .inconclusive ? "—" : "exact"
    }

    /// Runs the test on one probed tensor: the steps along a random direction that leaves out
    /// the elements found at kinks, then their reading (`reading(_:expected:…)`, pure).
    /// - Parameters:
    ///   - choice: the tensor's step and noise.
    ///   - kinks: the elements the tensor's element checks found at kinks, left out of the direction.
    ///   - absoluteFloor: errors below this (the check's atol) are never a failure.
    ///   - precision: the checked code's precision (its ε and the test's thresholds).
    ///   - direction: the normal values drawn ahead from the same generator (``TaylorDirections``);
    ///     nil: drawn here.
    static func measure(
        probe: Probe, tensor: Int, analytic: Tensor, baseValue: Double, choice: StepChoice, kinks: Set<Int>,
        absoluteFloor: Double, precision: Precision = .double, direction: Tensor? = nil,
        using generator: inout SeededGenerator
    ) throws -> ConvergenceOrder {
        var u = direction ?? Tensor.normal(analytic.shape, using: &generator)
        for i in kinks where i < u.count { u.data[i] = 0 }
        guard u.maxMagnitude > 0 else {
            return ConvergenceOrder(
                fitted: nil, relativeErrors: [], steps: [], verdict: .inconclusive,
                note: "every element sits at a kink: no smooth direction to test")
        }
        let expected = dotAndMagnitude(analytic, u).dot
        func test(startingAt scale: Double) throws -> ([TaylorStep], ConvergenceOrder) {
            let steps = try TaylorStep.along(
                u, of: tensor, in: probe, expected: expected, baseValue: baseValue, choice: choice, precision: precision,
                startScale: scale
            ) { settled($0, expected: expected, precision: precision) }
            return (steps, reading(steps, expected: expected, absoluteFloor: absoluteFloor, precision: precision))
        }
        let (steps, first) = try test(startingAt: 1)
        // Every error at a rounding level above what a pass must confirm (Float code over small
        // steps): where L is linear along u, larger steps only lower the noise over h, so the
        // test runs once more from a step 64× larger, and that reading stands.
        guard first.verdict == .inconclusive, steps.count >= 3, steps.allSatisfy(\.clean),
            atRoundingLevel(steps, expected: expected, precision: precision)
        else { return first }
        return try test(startingAt: 64).1
    }

    /// Every step's error within the rounding level (at least `orderExactThreshold` of ⟨∇L, u⟩).
    static func atRoundingLevel(_ steps: [TaylorStep], expected: Double, precision: Precision) -> Bool {
        steps.allSatisfy { $0.error <= max(precision.orderExactThreshold * abs(expected), 10 * $0.noise) }
    }

    /// Whether the steps so far already decide what all ten would (the test then stops early):
    /// three or more clean steps, and either every error at the rounding level (the largest
    /// steps are the strictest test of that: the noise over h only grows as h shrinks), or the
    /// last two relative errors at most a quarter of `passThreshold`. A wrong gradient's
    /// constant error b then satisfies |b| ≤ 5/3 · passThreshold/4 ≈ 0.42 · `wrongThreshold`
    /// (the two errors |c·h² + b| and |c·h²/4 + b| cannot both be smaller), so no later step
    /// could have shown it as wrong.
    static func settled(_ steps: [TaylorStep], expected: Double, precision: Precision) -> Bool {
        guard steps.count >= 3, steps.allSatisfy(\.clean) else { return false }
        let margin = precision.orderPassThreshold / 4
        return atRoundingLevel(steps, expected: expected, precision: precision)
            || steps.suffix(2).allSatisfy { $0.relativeError <= margin }
    }

    /// The verdict of the steps: exact, converging as h², levelled off (wrong), or too noisy or
    /// kinked to say. Numbers in, a verdict out.
    static func reading(
        _ steps: [TaylorStep], expected: Double, absoluteFloor: Double, precision: Precision
    ) -> ConvergenceOrder {
        let passThreshold = precision.orderPassThreshold
        func result(_ fitted: Double?, _ verdict: Verdict, _ note: String) -> ConvergenceOrder {
            ConvergenceOrder(
                fitted: fitted, relativeErrors: steps.map(\.relativeError), steps: steps.map(\.h), verdict: verdict,
                note: note)
        }
        let usable = steps.indices.filter { steps[$0].clean }
        if usable.count < 3 {
            return result(nil, .inconclusive, "a discrete decision flips at almost every step along the direction")
        }
        if usable.count == steps.count && atRoundingLevel(steps, expected: expected, precision: precision) {
            // Exact only where the rounding level itself is under what a pass vouches for: Float
            // code's rounding can be 1% of ⟨∇L, u⟩ over a small step, and a gradient 1% off was
            // called exact there (fast mode through Float, 18 of 2,040 planted 1% bugs passed).
            let largest = usable.map { steps[$0].relativeError }.max() ?? 0
            guard largest <= passThreshold else {
                return result(
                    nil, .inconclusive,
                    "the errors are at the rounding level at every step, up to \(formatNumber(largest, significantDigits: 2)) of ⟨∇L, u⟩: above the \(formatNumber(passThreshold)) the test must confirm"
                )
            }
            return result(
                nil, .pass, "exact: the errors are at the rounding level at every step (L is linear in this tensor, or flat)")
        }
        // The order of the tail: the smallest steps whose errors are still above rounding.
        // A right gradient keeps shrinking there as h²; a wrong one has levelled off.
        let tail = Array(usable.filter { steps[$0].error > 10 * steps[$0].noise }.suffix(3))
        let smallest = usable.map { steps[$0].relativeError }.min() ?? .infinity
        // Resolved: two neighbouring steps both below the threshold. One step is not enough:
        // a wrong gradient's error |c·h² + b| dips through 0 where truncation cancels the bug,
        // but within a factor of 2 in h it is back above |b|/2.
        // Richardson's extrapolation of neighbouring quotients, (4·D(h/2) − D(h))/3, kills the h²
        // term and keeps a wrong gradient's constant error: it resolves small bugs where noise
        // cuts the plain quotients short.
        let reference = max(abs(expected), 1e-300)
        let extrapolated: [Double] = steps.indices.map { k in
            guard k > 0, steps[k].clean, steps[k - 1].clean else { return .infinity }
            return abs((4 * steps[k].quotient - steps[k - 1].quotient) / 3 - expected) / reference
        }
        let resolvingPairs = zip(usable, usable.dropFirst()).filter { coarse, fine in
            fine == coarse + 1
                && ((steps[coarse].relativeError <= passThreshold && steps[fine].relativeError <= passThreshold)
                    || (extrapolated[coarse] <= passThreshold && extrapolated[fine] <= passThreshold))
        }
        let resolved = !resolvingPairs.isEmpty
        guard tail.count >= 2 else {
            return resolved
                ? result(nil, .pass, "converges to the rounding level")
                : result(
                    nil, .inconclusive,
                    "the error falls only to \(formatNumber(smallest, significantDigits: 2)) of ⟨∇L, u⟩ (the noise of L hides smaller ones here); the test cannot confirm the gradient to \(formatNumber(passThreshold))"
                )
        }
        let order = StepSweep.slope(tail.map { log10(steps[$0].h) }, tail.map { log10(steps[$0].error) })
        // A kink crossed: the one-sided gap of a smooth function halves with h; a kink's stays.
        let kinked = zip(tail, tail.dropFirst()).contains { coarse, fine in
            steps[fine].gap > 0.7 * steps[coarse].gap && steps[fine].gap > 20 * steps[fine].noise
        }
        if kinked {
            return result(
                order, .inconclusive,
                "the direction crosses a kink (the one-sided gap does not shrink with h): the order cannot judge it")
        }
        let last = steps[tail[tail.count - 1]]
        let clearlyWrong =
            last.error > max(precision.orderWrongThreshold * abs(expected), 20 * last.noise, absoluteFloor)
        // Two neighbouring steps smaller than the tail's that resolve the gradient outweigh it: a
        // wrong gradient's constant error would stand there too. What bent the larger steps is
        // what they reach (Float ReLU: steps of 0.34 and 0.17 crossed an input at −0.158, with
        // errors of 3 and 4.8; 0.085 and 0.042 resolved it to 1e-5).
        if order < failingOrder && clearlyWrong {
            if let (_, fine) = resolvingPairs.first(where: { $0.0 > tail[tail.count - 1] }) {
                return result(
                    order, .pass,
                    "converges to \(formatNumber(steps[fine].relativeError, significantDigits: 2)) of ⟨∇L, u⟩ at h = \(formatNumber(steps[fine].h, significantDigits: 2)); the larger steps' errors (up to \(formatNumber(last.relativeError, significantDigits: 2))) come from what they reach, a kink or curvature"
                )
            }
            return result(
                order, .fail,
                "the error does not shrink with h (order \(cFormat("%.2f", abs(order) < 0.005 ? 0 : order)), relative error \(formatNumber(last.relativeError, significantDigits: 2))): the gradient is wrong, whatever the tolerance"
            )
        }
        if !resolved {
            return result(
                order, .inconclusive,
                "the error falls only to \(formatNumber(smallest, significantDigits: 2)) of ⟨∇L, u⟩ by h = \(formatNumber(steps[steps.count - 1].h, significantDigits: 2)) (noise or too few steps); the test cannot confirm the gradient to \(formatNumber(passThreshold))"
            )
        }
        return result(order, .pass, "converges as h^\(cFormat("%.2f", order))")
    }
}

/// One step of the Taylor test: the central quotient along u at step h and what it is judged by.
struct TaylorStep: Sendable {
    var h: Double
    var quotient: Double
    /// |quotient − ⟨∇L, u⟩|, and that relative to |⟨∇L, u⟩|.
    var error: Double
    var relativeError: Double
    /// What rounding alone can do to the quotient: the noise of L (at least a few ulps) over h.
    var noise: Double
    /// The one-sided gap |(L₊ − L) − (L − L₋)| / h (a kink's does not shrink with h).
    var gap: Double
    /// No discrete decision flipped at ±h.
    var clean: Bool

    /// Ten halvings from 1e-2 × the tensor's spread (`minimumSteps`), fewer when the steps so far
    /// are `settled`, and up to twenty more while the error still falls and has not reached the
    /// pass threshold (a feature narrower than the tensor's spread).
    static func along(
        _ u: Tensor, of tensor: Int, in probe: Probe, expected: Double, baseValue: Double, choice: StepChoice,
        precision: Precision, startScale: Double = 1, settled: ([TaylorStep]) -> Bool
    ) throws -> [TaylorStep] {
        let epsilon = precision.epsilon
        let saved = probe.value(of: tensor)
        defer { probe.restore(tensor, to: saved) }
        var steps: [TaylorStep] = []
        var h = startScale * 1e-2 * choice.spread / u.maxMagnitude
        while true {
            probe.place(tensor, at: saved, plus: u, scaledBy: h)
            let (plus, flippedUp) = try probe.evaluateMarked()
            probe.place(tensor, at: saved, plus: u, scaledBy: -h)
            let (minus, flippedDown) = try probe.evaluateMarked()
            let quotient = (plus - minus) / (2 * h)
            var floor = max(choice.floor, 8 * epsilon * max(abs(plus), abs(minus)))
            if plus == baseValue && minus == baseValue {
                // L did not change at all: what it could not show is below its rounding (see Judge.flat).
                floor = max(floor, 16 * epsilon * max(abs(baseValue), 1))
            }
            let error = abs(quotient - expected)
            steps.append(
                TaylorStep(
                    h: h, quotient: quotient, error: error, relativeError: error / max(abs(expected), 1e-300),
                    noise: floor / h, gap: abs((plus - baseValue) - (baseValue - minus)) / h,
                    clean: !(flippedUp || flippedDown)))
            h /= 2
            let k = steps.count
            if k < ConvergenceOrder.minimumSteps {
                if settled(steps) { return steps }
                continue
            }
            let (last, before) = (steps[k - 1], steps[k - 2])
            let stillFalling =
                k < 30 && last.relativeError > precision.orderPassThreshold && last.error > 10 * last.noise
                && last.error < 0.6 * before.error
            if !stillFalling { return steps }
        }
    }
}

/// The Taylor test's directions, one standard normal tensor per probed tensor in order from the
/// test's own generator, drawn on another thread from the start of a check (what they are does
/// not depend on anything the check finds before it reads them): the same values as drawn in
/// turn, off the check's own path (a million values take 5 ms).
struct TaylorDirections {
    private let drawn: Background<[Tensor]>

    init(shapes: [[Int]], generator: SeededGenerator) {
        drawn = Background {
            var generator = generator
            return shapes.map { Tensor.normal($0, using: &generator) }
        }
    }

    /// The direction of tensor `index`, as a closure the Taylor test calls when it needs it.
    func direction(_ index: Int) -> () -> Tensor { { drawn.value[index] } }
}
