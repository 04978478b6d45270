import Foundation
import Testing

@testable import SlopeCheck
@testable import SlopeLayers

/// The judge alone: stencil quotients in, a verdict out — no layer, no probe.
@Suite struct JudgeTests {
    /// The default judge of a tensor whose L rounds at `floor` and whose largest derivative is 1.
    static func judge(floor: Double = 1e-16, allowKinks: Bool = true, gradientScale: Double = 1) -> Judge {
        var check = GradientCheck()
        check.allowKinks = allowKinks
        return Judge(
            check: check, choice: StepChoice(step: 1e-5, spread: 1, noise: floor / 4, floor: floor), baseValue: 1,
            gradientScale: gradientScale)
    }

    /// The quotients of a smooth f with f'(x) = d and f'''(x) = t at step h (central: d + t·h²/6).
    static func smooth(_ d: Double, curvature c: Double = 0, third t: Double = 0, step h: Double) -> StencilLevel {
        StencilLevel(
            step: h, numeric: d + t * h * h / 6, forward: d + c * h / 2, backward: d - c * h / 2, scale: 1, flipped: false)
    }

    /// |x| at 0 (left −1, right +1) seen at step h, however small.
    static func kink(step h: Double) -> StencilLevel {
        StencilLevel(step: h, numeric: 0, forward: 1, backward: -1, scale: 1, flipped: false)
    }

    @Test func agreementWithinNoiseAndRtolPassesAtOnce() {
        let outcome = Self.judge().atOnce(analytic: 0.5, Self.smooth(0.5 + 1e-9, step: 1e-5))
        #expect(outcome.verdict == .pass)
        // Allowed: atol 0 + 16·ε·|L| / h = 3.6e-10 of rounding; an error of 1e-9 passes, 1e-3 would not.
        #expect(abs(outcome.resolution - 16 * Double.ulpOfOne / 1e-5) < 1e-20)
        #expect(Self.judge().atOnce(analytic: 0.5, Self.smooth(0.5 + 1e-3, step: 1e-5)).verdict == .fail)
    }

    @Test func aDisagreementSeenAtBothStepsThatTruncationCannotExplainFails() {
        let judge = Self.judge()
        // A gradient off by 1%: the quotients converge to 0.5, the analytic value is 0.505.
        let first = judge.atOnce(analytic: 0.505, Self.smooth(0.5, third: 1, step: 1e-3))
        #expect(first.verdict == .fail)
        let refined = judge.refined(
            analytic: 0.505, coarse: Self.smooth(0.5, third: 1, step: 1e-3), fine: Self.smooth(0.5, third: 1, step: 2.5e-4))
        #expect(refined?.verdict == .fail)
        #expect(refined?.note?.text.contains("cannot explain it") == true)
        // Extrapolated, the numeric value is 0.5 up to rounding.
        #expect(abs((refined?.numeric ?? 0) - 0.5) < 1e-12)
    }

    /// A max-pool loser 0.046 below its window's winner, moved by steps of 0.36 and 0.09: both
    /// cross the tie, the forward quotient u·(h − δ)/h, the backward 0. The one-sided gap shrinks
    /// to 0.56 of itself, neither a clean kink's (≥ 0.6) nor a smooth function's (a quarter):
    /// no verdict at these steps, where Richardson's model would have failed a right 0. At
    /// h/16 = 0.022 the step no longer reaches the tie and the 0 passes. A wrong gradient of a
    /// smooth function, whose gap does shrink to a quarter, still fails.
    @Test func aKinkInsideBothStepsIsNotJudgedByRichardson() {
        let judge = Self.judge(floor: 1e-10)
        let (u, tie) = (0.0275, 0.046)
        func crossing(step h: Double) -> StencilLevel {
            let forward = u * max(h - tie, 0) / h
            return StencilLevel(step: h, numeric: forward / 2, forward: forward, backward: 0, scale: 1, flipped: false)
        }
        #expect(judge.refined(analytic: 0, coarse: crossing(step: 0.36), fine: crossing(step: 0.09)) == nil)
        #expect(judge.refined(analytic: 0, coarse: crossing(step: 0.09), fine: crossing(step: 0.0225))?.verdict == .pass)
        let wrong = judge.refined(
            analytic: 0.505, coarse: Self.smooth(0.5, curvature: 2, step: 0.36),
            fine: Self.smooth(0.5, curvature: 2, step: 0.09))
        #expect(wrong?.verdict == .fail)
    }

    /// Float code's own rounding of a moved input, in L's floor: nothing for double code; the
    /// derivative times Float's ulp there for one element (6.1e-5 at 1000); half of that per
    /// element when all move at once. The judge of one Float element takes it in its floor.
    @Test func floatInputRoundingFollowsTheGrid() {
        let ulp1000 = Double(Float(1000).ulp), ulp1 = Double(Float(1).ulp)
        #expect(Precision.double.inputRounding(value: 1000, derivative: 2) == 0)
        #expect(Precision.float.inputRounding(value: 1000, derivative: 2) == 2 * ulp1000)
        let values = [Tensor(shape: [2], data: [1000, 1])], derivatives = [Tensor(shape: [2], data: [-2, 4])]
        #expect(Precision.float.inputRounding(values: values, derivatives: derivatives) == (2 * ulp1000 + 4 * ulp1) / 2)
        #expect(Precision.double.inputRounding(values: values, derivatives: derivatives) == 0)
        let judge = Self.judge(floor: 1e-12)
        #expect(judge.forElement(at: 1000, derivative: 2, precision: .float).floor == 2 * ulp1000)
        #expect(judge.forElement(at: 1000, derivative: 2, precision: .double).floor == 1e-12)
    }

    /// The step choice's noise floor for Float code: its noise points are at least 4 ulps of the
    /// grid at the tensor's largest value apart, and L's noise is at least the outputs' rounding,
    /// Σ|uᵢ|·ulp(yᵢ)/2. Double code keeps neither (its grid is the check's own).
    @Test func floatsGridAndOutputRoundingFollowTheValues() {
        let x = Tensor(shape: [3], data: [1e5, -2, 0.5])
        #expect(Precision.float.gridSpacing(of: x) == Double(Float(1e5).ulp))
        #expect(Precision.double.gridSpacing(of: x) == 0)
        let y = Tensor(shape: [2], data: [1, -1000]), u = Tensor(shape: [2], data: [0.5, -2])
        let expected = (0.5 * Double(Float(1).ulp) + 2 * Double(Float(1000).ulp)) / 2
        #expect(Precision.float.outputRounding(of: y, upstream: u) == expected)
        #expect(Precision.double.outputRounding(of: y, upstream: u) == 0)
    }

    /// A kink at the point under Float's noise: the one-sided gap (0.0125) does not shrink,
    /// stands above one side's noise but under the 8× a kink's evidence needs. No failure at
    /// that pair; a smooth function's gap, shrinking to a quarter, does not stop one.
    @Test func aGapThatStaysIsNotAFailure() {
        let judge = Self.judge(floor: 1e-5)
        func jump(step h: Double) -> StencilLevel {
            StencilLevel(step: h, numeric: 0.00625, forward: 0.0125, backward: 0, scale: 1, flipped: false)
        }
        #expect(judge.noiseAllowance(jump(step: 0.0025), oneSided: true) < 0.0125)
        #expect(8 * judge.noiseAllowance(jump(step: 0.0025), oneSided: true) > 0.0125)
        #expect(judge.refined(analytic: 0, coarse: jump(step: 0.01), fine: jump(step: 0.0025)) == nil)
    }

    /// A gap that does not shrink is a kink's even where it is under 8× the fine step's noise,
    /// once what stands above a smooth function's quarter is more than noise can add to a gap
    /// (Float Hardtanh at exactly ±1: 0.040 at every step, 23× the noise at h, 6× at h/4). The
    /// same pair with the gap shrinking to a quarter, as over smooth L, is no kink.
    @Test func aGapThatDoesNotShrinkAboveItsNoiseIsAKink() {
        let judge = Self.judge(floor: 3e-6)
        func level(step h: Double, gap: Double) -> StencilLevel {
            StencilLevel(step: h, numeric: 1.38, forward: 1.38 + gap / 2, backward: 1.38 - gap / 2, scale: 1, flipped: false)
        }
        let (coarse, fine) = (level(step: 0.0026, gap: 0.040), level(step: 0.00066, gap: 0.040))
        #expect(8 * judge.noiseAllowance(fine, oneSided: true) > 0.040)
        #expect(8 * judge.noiseAllowance(coarse, oneSided: true) < 0.040)
        #expect(judge.refined(analytic: 0.036, coarse: coarse, fine: fine)?.isKink == true)
        let shrinking = judge.refined(analytic: 0.036, coarse: coarse, fine: level(step: 0.00066, gap: 0.010))
        #expect(shrinking?.isKink != true)
    }

    /// Sharpening's look back: the smooth model through two larger steps must predict the
    /// quotient at the step where the element passed. It does for a smooth function (with or
    /// without a wrong analytic value); it does not where a max-pool tie 0.015 away bends the
    /// larger steps' quotients (0 at h = 0.0065, −0.009 at 0.026, −0.036 at 0.103).
    @Test func aFailureAtLargerStepsMustExplainTheQuotientAtTheStep() {
        let judge = Self.judge(floor: 1e-12)
        let smooth = [0.0065, 0.026, 0.104].map { Self.smooth(0.5, third: 2, step: $0) }
        #expect(judge.explains(smooth[0], coarse: smooth[2], fine: smooth[1]))
        func level(_ numeric: Double, _ h: Double) -> StencilLevel {
            StencilLevel(step: h, numeric: numeric, forward: 2 * numeric, backward: 0, scale: 1, flipped: false)
        }
        #expect(!judge.explains(level(0, 0.0065), coarse: level(-0.036, 0.103), fine: level(-0.009, 0.026)))
    }

    @Test func truncationThatExplainsTheGapIsRefinedToAPass() {
        let judge = Self.judge()
        // A large third derivative: at h = 1e-2 the quotient is off by 1.7e-3, at h/4 by 1e-4.
        let coarse = Self.smooth(0.5, third: 100, step: 1e-2)
        #expect(judge.atOnce(analytic: 0.5, coarse).verdict == .fail)
        let refined = judge.refined(analytic: 0.5, coarse: coarse, fine: Self.smooth(0.5, third: 100, step: 2.5e-3))
        #expect(refined?.verdict == .pass)
        #expect(refined?.note == .agreesExtrapolated(step: 2.5e-3))
    }

    @Test func aKinkNeedsEvidenceAndThenMatchesASide() {
        let judge = Self.judge()
        let (coarse, fine) = (Self.kink(step: 1e-5), Self.kink(step: 2.5e-6))
        #expect(judge.refined(analytic: 1, coarse: coarse, fine: fine)?.verdict == .pass)
        #expect(judge.refined(analytic: 1, coarse: coarse, fine: fine)?.note == .kinkMatches(.right, left: -1, right: 1))
        #expect(judge.refined(analytic: -1, coarse: coarse, fine: fine)?.note == .kinkMatches(.left, left: -1, right: 1))
        #expect(judge.refined(analytic: 0, coarse: coarse, fine: fine)?.note == .kinkMatches(.mean, left: -1, right: 1))
        let neither = judge.refined(analytic: 3, coarse: coarse, fine: fine)
        #expect(neither?.verdict == .fail && neither?.isKink == true)
        // Not allowed: a kink fails whatever the analytic value.
        #expect(Self.judge(allowKinks: false).refined(analytic: 1, coarse: coarse, fine: fine)?.verdict == .fail)
        // A one-sided gap that shrinks with h is curvature, not a kink: judged as smooth.
        let curved = judge.refined(
            analytic: 0.5, coarse: Self.smooth(0.5, curvature: 4, step: 1e-3),
            fine: Self.smooth(0.5, curvature: 4, step: 2.5e-4))
        #expect(curved?.verdict == .pass && curved?.isKink == false)
    }

    @Test func aFlatLossFailsADerivativeItWouldHaveShownAndPassesOneItCouldNot() {
        let judge = Self.judge(floor: 1e-14)
        let flat = StencilLevel(step: 1e-5, numeric: 0, forward: 0, backward: 0, scale: 1, flipped: false)
        // L would show a derivative above atol + 1e-14 / 1e-5 = 1e-9.
        #expect(judge.flat(analytic: 1e-3, flat)?.verdict == .fail)
        #expect(judge.flat(analytic: 1e-12, flat)?.verdict == .pass)
        #expect(judge.flat(analytic: 0, flat) == nil)
        #expect(judge.flat(analytic: 1, Self.smooth(1, step: 1e-5)) == nil)
    }

    @Test func aPassThatCouldNotSeeASmallErrorIsInconclusive() {
        // Noise 1e-7 over h = 1e-5: errors below 1e-2 are invisible, a tenth of the largest derivative.
        let judge = Self.judge(floor: 1e-7, gradientScale: 0.1)
        var outcomes = ElementOutcomes([judge.atOnce(analytic: 0.1, Self.smooth(0.1, step: 1e-5))])
        #expect(outcomes[0].verdict == .pass)
        #expect(!judge.resolves(outcomes[0]))
        judge.requireResolution(&outcomes, directions: false)
        #expect(outcomes[0].verdict == .inconclusive)
        #expect(outcomes[0].note?.text.contains("resolves errors only down to") == true)
    }

    @Test func aDecisionThatFlipsAtEveryStepIsUndecided() {
        let flipping = StencilLevel(step: 1e-7, numeric: 3, forward: 3, backward: 3, scale: 1, flipped: true)
        let outcome = Self.judge().undecided(analytic: 1, last: flipping)
        #expect(outcome.verdict == .inconclusive)
        #expect(outcome.note == .decisionFlips(step: 1e-7))
    }

    @Test func aNonFiniteValueAlwaysFails() {
        let judge = Self.judge()
        #expect(judge.atOnce(analytic: .nan, Self.smooth(1, step: 1e-5)).note == .notFinite(analytic: true))
        #expect(judge.atOnce(analytic: 1, Self.smooth(.infinity, step: 1e-5)).verdict == .fail)
    }
}

/// Tanh until one element of the second half of x alone has moved from `start`: then its
/// output changes shape. The element loop meets that on the worker that has the second half.
private final class ShapeChangesInTheSecondHalf: Layer {
    let start: Tensor
    var kindName: String { "ShapeChangesInTheSecondHalf" }
    init(start: Tensor) { self.start = start }
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        let moved = (0..<start.count).filter { inputs[0].data[$0] != start.data[$0] }
        return moved.count == 1 && moved[0] >= start.count / 2 ? Tensor(shape: [1], data: [0]) : inputs[0].map(tanh)
    }
    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] { [upstream] }
}

@Suite struct WorkerErrorTests {
    /// A contract broken inside a worker copy is reported as that contract, as on one thread
    /// (the workers once flattened it into "could not run").
    @Test func aProblemOnAWorkerStaysTyped() {
        let x = Tensor(shape: [64], data: (0..<64).map { sin(Double($0)) })
        var check = GradientCheck(checkInvariants: false)
        check.compression = .off
        check.measuresPrecision = false
        let alone = check.run(ShapeChangesInTheSecondHalf(start: x), inputs: [x])
        let workers = check.run(making: { ShapeChangesInTheSecondHalf(start: x) }, inputs: [x], workers: 2)
        #expect(alone.problem == .outputShapeChanged(from: [64], to: [1]))
        #expect(workers.problem == alone.problem, "\(workers.problem.map { "\($0)" } ?? "no problem")")
    }
}

/// The Taylor test's reading alone: steps in, a verdict out.
@Suite struct TaylorReadingTests {
    /// Ten halvings from h = 1e-2 where the quotient errs by `error(h)` against ⟨∇L, u⟩ = 1.
    static func steps(_ error: (Double) -> Double, noise: Double = 1e-14) -> [TaylorStep] {
        (0..<10).map { k in
            let h = 1e-2 / pow(2, Double(k))
            return TaylorStep(
                h: h, quotient: 1 + error(h), error: abs(error(h)), relativeError: abs(error(h)), noise: noise / h,
                gap: 0, clean: true)
        }
    }

    @Test func aRightGradientConvergesAsHSquared() {
        let order = ConvergenceOrder.reading(Self.steps { 3 * $0 * $0 }, expected: 1, absoluteFloor: 0, precision: .double)
        #expect(order.verdict == .pass)
        #expect(abs((order.fitted ?? 0) - 2) < 0.01)
    }

    @Test func aWrongGradientLevelsOff() {
        let order = ConvergenceOrder.reading(
            Self.steps { 3 * $0 * $0 + 1e-3 }, expected: 1, absoluteFloor: 0, precision: .double)
        #expect(order.verdict == .fail)
        #expect(order.note.contains("does not shrink with h"))
    }

    @Test func errorsAtTheRoundingLevelAreExact() {
        let order = ConvergenceOrder.reading(Self.steps { _ in 1e-15 }, expected: 1, absoluteFloor: 0, precision: .double)
        #expect(order.verdict == .pass && order.fitted == nil)
    }

    /// The largest steps reach a kink (Float ReLU: 0.34 and 0.17 crossed an input at −0.158,
    /// with errors of 3 and 4.8) and the smaller ones resolve the gradient under the noise the
    /// tail is read above: a wrong gradient's constant error would stand at those smaller steps
    /// too, so they outweigh the larger ones. Small errors at the largest steps and a level
    /// error at the smaller ones still fail: the resolving pair must lie below the tail.
    @Test func stepsThatResolveBelowTheTailOutweighIt() {
        let reached = ConvergenceOrder.reading(
            Self.steps({ $0 > 4e-3 ? 3 + 200 * $0 : 1e-5 }, noise: 1e-8), expected: 1, absoluteFloor: 0, precision: .float)
        #expect(reached.verdict == .pass, "\(reached.note)")
        #expect(reached.note.contains("come from what they reach"))
        let wrong = ConvergenceOrder.reading(
            Self.steps({ $0 > 4e-3 ? 1e-7 : 0.1 }, noise: 1e-12), expected: 1, absoluteFloor: 0, precision: .float)
        #expect(wrong.verdict == .fail, "\(wrong.note)")
    }

    /// Float code whose rounding over these steps is as large as a 1% error: the errors are "at
    /// the rounding level", but a level above the 1e-3 a pass vouches for confirms nothing — a
    /// gradient 1% off was called exact there. The same errors under that threshold still are.
    @Test func roundingAboveWhatAPassConfirmsIsNotExact() {
        let loud = ConvergenceOrder.reading(
            Self.steps({ _ in 1e-2 }, noise: 1e-4), expected: 1, absoluteFloor: 0, precision: .float)
        #expect(loud.verdict == .inconclusive, "\(loud.note)")
        #expect(loud.note.contains("above the"))
        let quiet = ConvergenceOrder.reading(
            Self.steps({ _ in 1e-4 }, noise: 1e-5), expected: 1, absoluteFloor: 0, precision: .float)
        #expect(quiet.verdict == .pass, "\(quiet.note)")
    }

    /// The first k steps of a sequence, as the test sees them when it asks whether to go on.
    static func settlesAfter(_ steps: [TaylorStep]) -> Int? {
        (3...steps.count).first { ConvergenceOrder.settled(Array(steps.prefix($0)), expected: 1, precision: .double) }
    }

    /// The early stop never hides what the ten steps would have shown: a constant error of
    /// 0.5e-6 or more (over half the wrong threshold) never settles, at any truncation
    /// coefficient, while right gradients and linear tensors do.
    @Test func theTestStopsEarlyOnlyWhenTheRestCannotChangeTheVerdict() throws {
        // Linear: errors at rounding from the first step; three steps decide.
        #expect(Self.settlesAfter(Self.steps { _ in 1e-15 }) == 3)
        // Right: c·h² falls under passThreshold/4 at two neighbouring steps, then it stops.
        let right = Self.steps { 3 * $0 * $0 }
        let k = try #require(Self.settlesAfter(right))
        let early = ConvergenceOrder.reading(Array(right.prefix(k)), expected: 1, absoluteFloor: 0, precision: .double)
        #expect(k < 10 && early.verdict == .pass, "\(k) steps: \(early.note)")
        for b in [5e-7, -5e-7, 1.1e-6, -1.1e-6, 5e-6] {
            for c in [-1e3, -30.0, -3.0, -0.3, 0.3, 3.0, 1e3] {
                #expect(Self.settlesAfter(Self.steps { c * $0 * $0 + b }) == nil, "b = \(b), c = \(c)")
            }
        }
        // A decision flip among the first steps: go on.
        var flipped = Self.steps { _ in 1e-15 }
        flipped[1].clean = false
        #expect(Self.settlesAfter(flipped) == nil)
    }

    @Test func aBugBelowTheNoiseIsInconclusiveNotPassed() {
        // Noise 1e-9 over h hides an error of 5e-6 at the small steps, and truncation the rest.
        let order = ConvergenceOrder.reading(
            Self.steps({ 1e3 * $0 * $0 + 5e-6 }, noise: 1e-9), expected: 1, absoluteFloor: 0, precision: .double)
        #expect(order.verdict != .pass, "\(order.note)")
    }
}

/// The Taylor test's directions drawn ahead on another thread are the ones drawn in turn from
/// the same generator, bit for bit and tensor by tensor, and a check that draws them ahead (16,384
/// elements or more) reads its Taylor test as one that draws them in turn.
@Suite struct TaylorDirectionsTests {
    @Test func drawnAheadIsDrawnInTurn() {
        let shapes = [[64, 64], [3], [2, 5], [1]]
        let ahead = TaylorDirections(shapes: shapes, generator: SeededGenerator(seed: 9))
        var inTurn = SeededGenerator(seed: 9)
        for (i, shape) in shapes.enumerated() {
            let expected = Tensor.normal(shape, using: &inTurn)
            let drawn = ahead.direction(i)()
            #expect(drawn.shape == shape)
            #expect(drawn.data.map(\.bitPattern) == expected.data.map(\.bitPattern), "tensor \(i)")
        }
    }

    @Test(arguments: [false, true])
    func aCheckReadsTheSameTaylorTestEitherWay(fast: Bool) throws {
        var rng = SeededGenerator(seed: 12)
        let affine = Affine(inFeatures: 40, outFeatures: 30, using: &rng)
        let x = Tensor.uniform([16, 40], in: -2..<2, using: &rng)
        var reports: [CheckReport] = []
        for threshold in [0, Int.max] {
            var check = fast ? GradientCheck(mode: .fast(directions: 2)) : GradientCheck()
            check.taylorDirectionsAheadFrom = threshold
            reports.append(check.run(affine, inputs: [x]))
        }
        #expect(reports[0].tensors.count == 3)
        for (ahead, inTurn) in zip(reports[0].tensors, reports[1].tensors) {
            let (a, b) = (try #require(ahead.order), try #require(inTurn.order))
            #expect(a.relativeErrors.map(\.bitPattern) == b.relativeErrors.map(\.bitPattern), "\(ahead.tensor)")
            #expect(a.steps == b.steps && a.verdict == b.verdict, "\(ahead.tensor)")
        }
    }
}
