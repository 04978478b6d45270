import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

/// A layer seen through Float: inputs, parameters, output, upstream and gradients rounded to
/// Float on the way in and out (the arithmetic inside stays Double). The noise a Float
/// layer's results carry, on every built-in kind, for the Float-aware rule.
final class ThroughFloat: Layer {
    let inner: any Layer
    var kindName: String { inner.kindName }
    var arity: Int { inner.arity }
    var parameters: [Parameter] { inner.parameters }

    init(_ inner: any Layer) { self.inner = inner }

    static func rounded(_ t: Tensor) -> Tensor { t.map { Double(Float($0)) } }

    /// Runs `body` with every parameter rounded to Float, then restores the exact values.
    func withRoundedParameters<T>(_ body: () throws(LayerError) -> T) throws(LayerError) -> T {
        let saved = parameters.map(\.value)
        for p in parameters { p.value = Self.rounded(p.value) }
        defer { for (p, v) in zip(parameters, saved) { p.value = v } }
        return try body()
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        Self.rounded(try withRoundedParameters { () throws(LayerError) in try inner.forward(inputs.map(Self.rounded)) })
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let before = parameters.map(\.gradient)
        let gradients = try withRoundedParameters { () throws(LayerError) in try inner.backward(Self.rounded(upstream)) }
        for (p, old) in zip(parameters, before) where p.gradient.shape == old.shape {
            p.gradient = old + Self.rounded(p.gradient - old)
        }
        return gradients.map(Self.rounded)
    }
}

/// Every built-in kind through Float, 5 seeds each, correct and with a 1% bug, under the
/// Float-aware rule: no false alarm, and the 1% bugs missed (passed) counted and bounded.
@Suite struct FloatPropertyTests {
    static let seeds: [UInt64] = [0, 1, 2, 3, 4]

    @Test func everyKindThroughFloat() {
        var falseAlarms: [String] = []
        var missed: [String] = []
        var (correct, correctInconclusive, bugs, bugsInconclusive) = (0, 0, 0, 0)
        for kind in LayerKind.allCases {
            for seed in Self.seeds {
                var check = GradientCheck().forFloat
                check.seed = seed
                let example = LayerExample.make(kind, seed: seed)
                let right = check.run(ThroughFloat(example.layer), inputs: example.inputs, name: kind.rawValue)
                correct += 1
                if right.verdict == .fail { falseAlarms.append("\(kind) seed \(seed): \(right.diagnosis)") }
                if right.verdict == .inconclusive { correctInconclusive += 1 }
                let buggy = LayerExample.make(kind, seed: seed)
                let bug = check.run(
                    Planted(ThroughFloat(buggy.layer), factor: 1.01), inputs: buggy.inputs, name: kind.rawValue)
                bugs += 1
                if bug.verdict == .pass { missed.append("\(kind) seed \(seed)") }
                if bug.verdict == .inconclusive { bugsInconclusive += 1 }
            }
        }
        print(
            "Float property suite (17 kinds × 5 seeds, through Float): correct: \(falseAlarms.count) false alarms, \(correctInconclusive) inconclusive of \(correct) · 1% bugs: \(missed.count) passed, \(bugsInconclusive) inconclusive of \(bugs)"
                + (missed.isEmpty ? "" : " (passed: \(missed.joined(separator: ", ")))"))
        #expect(falseAlarms.isEmpty, "\(falseAlarms.joined(separator: "\n"))")
        #expect(missed.isEmpty, "\(missed.joined(separator: ", "))")
    }
}

/// Every built-in kind at 80 seeds, in double and through Float, exhaustive and in fast mode: no
/// correct layer fails, and no
/// 1% bug passes (where there is one: ReLU at seed 61 has every input below 0, so a gradient
/// of zeros times 1.01 is still right). Before this round's fixes — the state
/// invariant's smaller steps and other points, the judge's smoothness condition, sharpening's
/// look back at h — 8 of the 1,360 correct checks at seeds 0–39 failed, and after the first two
/// 4 of the 6,800 at seeds 40–239, all Float kinks of ReLU, LeakyReLU and max-pool; seeds 0–239
/// all pass now (run once, 24 s).
@Suite struct WideSeedSweepTests {
    /// Whether any input or parameter gradient of the layer is non-zero at these inputs.
    static func hasGradient(_ layer: any Layer, _ inputs: [Tensor]) -> Bool {
        guard let y = try? layer.forward(inputs) else { return true }
        layer.zeroGradients()
        defer { layer.zeroGradients() }
        guard let gradients = try? layer.backward(Tensor(shape: y.shape, repeating: 1)) else { return true }
        return (gradients + layer.parameters.map(\.gradient)).contains { $0.maxMagnitude > 0 }
    }

    @Test(arguments: [false, true])
    func noCorrectLayerFailsAndNoBugPassesAtEightySeeds(fast: Bool) {
        var falseAlarms: [String] = []
        var missed: [String] = []
        let base = fast ? GradientCheck(mode: .fast(directions: 2)) : GradientCheck()
        for kind in LayerKind.allCases {
            for seed in UInt64(0)..<80 {
                for float in [false, true] {
                    var check = float ? base.forFloat : base
                    check.seed = seed
                    let example = LayerExample.make(kind, seed: seed)
                    let layer: any Layer = float ? ThroughFloat(example.layer) : example.layer
                    let report = check.run(layer, inputs: example.inputs, name: kind.rawValue)
                    if report.verdict == .fail {
                        falseAlarms.append("\(float ? "Float" : "double") \(kind) seed \(seed): \(report.diagnosis)")
                    }
                    let buggy = LayerExample.make(kind, seed: seed)
                    guard Self.hasGradient(buggy.layer, buggy.inputs) else { continue }
                    let planted = Planted(float ? ThroughFloat(buggy.layer) : buggy.layer, factor: 1.01)
                    if check.run(planted, inputs: buggy.inputs, name: kind.rawValue).verdict == .pass {
                        missed.append("\(float ? "Float" : "double") \(kind) seed \(seed)")
                    }
                }
            }
        }
        #expect(falseAlarms.isEmpty, "\(falseAlarms.joined(separator: "\n"))")
        #expect(missed.isEmpty, "1% bugs passed: \(missed.joined(separator: ", "))")
    }
}

/// "No state between calls" through Float, at the seeds where it used to fail correct layers:
/// Float's directional step (1e-2) crossed a ReLU or max-pool kink near the other point, and the
/// mismatch was blamed on state. A disagreement now counts only when the differences at h/4 and
/// h/16 disagree too; a layer that does keep state is still failed, through Float as in double.
@Suite struct FloatStateInvariantTests {
    /// The first six failed under one step; max-pool at 89, 110 and 231 still failed under h,
    /// h/4 and h/16, with a kink within h/16 of the other point (now another point is drawn).
    static let formerFalseAlarms: [(LayerKind, UInt64)] = [
        (.relu, 9), (.relu, 40), (.relu, 134), (.leakyReLU, 5), (.maxPool2D, 16), (.maxPool2D, 21),
        (.maxPool2D, 89), (.maxPool2D, 110), (.maxPool2D, 231),
    ]

    @Test(arguments: formerFalseAlarms)
    func aKinkNearTheOtherPointIsNotState(kind: LayerKind, seed: UInt64) {
        var check = GradientCheck().forFloat
        check.seed = seed
        let example = LayerExample.make(kind, seed: seed)
        let report = check.run(ThroughFloat(example.layer), inputs: example.inputs, name: kind.rawValue)
        let state = report.invariants.first { $0.name == .noStateBetweenCalls }
        #expect(state?.verdict == .pass, "\(kind) seed \(seed): \(state?.detail ?? "not run")")
    }

    @Test(arguments: [UInt64(0), 1, 2])
    func aLayerThatKeepsStateStillFailsThroughFloat(seed: UInt64) throws {
        guard case .layer(let layer, let inputs) = BrokenLayer.keepsStateBetweenCalls.subject(seed: seed) else {
            Issue.record("the zoo's stateful layer is not a layer subject")
            return
        }
        var check = GradientCheck().forFloat
        check.seed = seed
        let report = check.run(ThroughFloat(layer), inputs: inputs, name: "stateful")
        let state = try #require(report.invariants.first { $0.name == .noStateBetweenCalls })
        #expect(state.verdict == .fail && state.detail.contains("keep values from earlier calls"), "\(state.detail)")
    }
}

/// A Float max-pool whose runner-up sits 0.015 below its window's winner: the element passes at
/// its step (0.0065), and sharpening's larger steps (0.026, 0.1) cross the tie. Their failure
/// must also explain the quotient at the step, which it does not: no failure.
@Suite struct SharpeningAcrossAKinkTests {
    @Test func aKinkBetweenTheStepAndFourTimesItIsNotAFailure() {
        var check = GradientCheck().forFloat
        check.seed = 90
        let example = LayerExample.make(.maxPool2D, seed: 90)
        let report = check.run(ThroughFloat(example.layer), inputs: example.inputs, name: "maxPool2D")
        #expect(report.verdict != .fail, "\(report.diagnosis)")
    }
}

/// Fast mode through Float: a gradient 1% off passed at these seeds — the directions could not
/// resolve it, and the Taylor test called errors at Float's rounding level (1% of ⟨∇L, u⟩ over
/// its small steps) exact. Such a reading is now inconclusive and the test runs again from a step
/// 64× larger, where the noise over h is 64× smaller: no 1% bug passes (seeds 0–119 of every kind).
@Suite struct FastFloatBugTests {
    static let formerPasses: [(LayerKind, UInt64)] = [
        (.leakyReLU, 60), (.sigmoid, 6), (.tanh, 11), (.mse, 4), (.maxPool2D, 65), (.avgPool2D, 23), (.dropout, 86),
        (.flatten, 6),
    ]

    @Test(arguments: formerPasses)
    func aOnePercentBugDoesNotPassInFastFloat(kind: LayerKind, seed: UInt64) {
        var check = GradientCheck(mode: .fast(directions: 2)).forFloat
        check.seed = seed
        let buggy = LayerExample.make(kind, seed: seed)
        let report = check.run(Planted(ThroughFloat(buggy.layer), factor: 1.01), inputs: buggy.inputs, name: kind.rawValue)
        #expect(report.verdict != .pass, "\(kind) seed \(seed)")
    }
}

/// Float code far from 0: LayerNorm, BatchNorm and Softmax at offsets of 1e3 and 1e4, seen
/// through Float, failed at these seeds. The layer puts each moved input on the Float grid (an
/// ulp of 6e-5 at 1e3, 1e-3 at 1e4), up to half an ulp from where the check put it, and at a
/// step of 0.006 that moved the quotient by 1% or more; sharpening then went to steps larger
/// than the values' spread. The input's own rounding is now part of L's noise, sharpening stays
/// under half the spread, and none fails (225 of 1,680 soundness cases through Float failed,
/// then 15, 9 once kinks at the point under Float noise were left undecided, and 5 once the
/// state invariant allowed for the grid: LayerNorm at 1e5, and kinks at ±1 or ties in fast mode).
@Suite struct FloatFarFromZeroTests {
    /// The soundness case `name` at `seed`, seen through Float (its gradients × `factor`).
    static func report(_ name: String, seed: UInt64, fast: Bool = false, factor: Double = 1) throws -> CheckReport {
        let item = try #require(SoundnessTests.cases.first { $0.name == name })
        var check = (fast ? GradientCheck(mode: .fast(directions: 2)) : GradientCheck()).forFloat
        check.seed = seed
        let (layer, inputs) = item.make(seed)
        let seen: any Layer = factor == 1 ? ThroughFloat(layer) : Planted(ThroughFloat(layer), factor: factor)
        return check.run(seen, inputs: inputs, name: name)
    }

    /// Kinks right at the point, seen through Float: a jump in the one-sided differences (0.0064,
    /// 0.0093 and 0.0034 at these seeds) that did not shrink, but stood under 8× the noise a
    /// kink's evidence needs, and Richardson's model failed the right 0 (the judge now leaves
    /// such a pair undecided).
    static let kinksAtThePoint: [(String, UInt64)] = [("ReLU at 0", 49), ("ReLU at 0", 159), ("MaxPool2D ties", 99)]

    @Test(arguments: kinksAtThePoint)
    func aKinkAtThePointUnderFloatNoiseIsNotAFailure(name: String, seed: UInt64) throws {
        let report = try Self.report(name, seed: seed)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
    }

    /// "No state between calls" at offsets of 1e5 and 1e6: its directional step (1e-2) is as
    /// small as Float's grid there (an ulp of 0.008 and 0.06), and the grid's own rounding of the
    /// moved values was blamed on state. It is now part of the difference's allowance.
    @Test(arguments: [("Softmax +100000", UInt64(1), false), ("Softmax +1e+06", 10, true)])
    func theGridFarFromZeroIsNotState(name: String, seed: UInt64, fast: Bool) throws {
        let report = try Self.report(name, seed: seed, fast: fast)
        let state = try #require(report.invariants.first { $0.name == .noStateBetweenCalls })
        #expect(state.verdict != .fail, "\(state.detail)")
        #expect(report.verdict != .fail, "\(report.diagnosis)")
    }

    static let formerFalseAlarms: [(String, UInt64)] = [
        ("LayerNorm +1000", 15), ("BatchNorm +1000", 1), ("BatchNorm +1000", 7), ("Softmax +1000", 4),
        ("Softmax +1000", 7), ("LayerNorm +10000", 48), ("LayerNorm +10000", 85), ("BatchNorm +10000", 21),
        ("BatchNorm +10000", 23), ("BatchNorm +10000", 53),
    ]

    @Test(arguments: formerFalseAlarms)
    func aCorrectFloatLayerFarFromZeroDoesNotFail(name: String, seed: UInt64) throws {
        let report = try Self.report(name, seed: seed)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
    }

    /// LayerNorm at an offset of 1e5: the step choice's noise points, 6e-5 apart, were put back
    /// on the same Float values (an ulp of 0.008 there) and measured a noise of 0; they are now
    /// at least 4 ulps of the grid apart.
    @Test func theNoiseIsMeasuredOnTheGrid() throws {
        let report = try Self.report("LayerNorm +100000", seed: 19)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        #expect(try Self.report("LayerNorm +100000", seed: 19, factor: 1.01).verdict != .pass)
    }

    /// Fast mode at kinks right at the point (Hardtanh at exactly ±1, ReLU at 0, max-pool
    /// ties), seen through Float: a direction whose one-sided derivatives happened to agree
    /// failed, though another showed the kink.
    static let fastKinksAtThePoint: [(String, UInt64)] = [
        ("Hardtanh at ±1", 5), ("Hardtanh at ±1", 94), ("Hardtanh at ±1", 143), ("ReLU at 0", 2), ("ReLU at 0", 6),
        ("ReLU at 0", 18), ("MaxPool2D ties", 30), ("MaxPool2D ties", 152), ("MaxPool2D ties", 208),
    ]

    /// ReLU at 0, seed 6: the direction whose one-sided derivatives agreed is the tensor's
    /// largest error, and says why it is not a failure.
    @Test func aDirectionBesideAKinkSaysWhy() throws {
        let report = try Self.report("ReLU at 0", seed: 6, fast: true)
        let worst = try #require(report.tensors.first?.worst)
        #expect(worst.verdict == .inconclusive)
        #expect(worst.note?.contains("another direction crosses a kink at this point") == true, "\(worst.note ?? "")")
    }

    @Test(arguments: fastKinksAtThePoint)
    func aKinkAtThePointFailsNoDirection(name: String, seed: UInt64) throws {
        let report = try Self.report(name, seed: seed, fast: true)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        #expect(try Self.report(name, seed: seed, fast: true, factor: 1.01).verdict != .pass)
    }

    /// Fast mode at kinks right at the point, the Taylor test's turn: its own direction crosses
    /// the kinks the finite differences' directions found, so its failure there is no evidence
    /// (it is inconclusive, and says why). Hardtanh at exactly ±1 and ReLU at 0 failed at these
    /// seeds (of 60–499; with the polar method's directions ReLU at 0 failed at 114, 198 and 332).
    static let fastTaylorAcrossAKinkAtThePoint: [(String, UInt64)] = [
        ("Hardtanh at ±1", 158), ("Hardtanh at ±1", 219), ("Hardtanh at ±1", 267), ("Hardtanh at ±1", 417),
        ("ReLU at 0", 378),
    ]

    @Test(arguments: fastTaylorAcrossAKinkAtThePoint)
    func theTaylorTestAcrossAKinkAtThePointFailsNothing(name: String, seed: UInt64) throws {
        let report = try Self.report(name, seed: seed, fast: true)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        let order = try #require(report.tensors.first?.order)
        #expect(order.verdict == .inconclusive && order.note.contains("crosses a kink at this point"), "\(order.note)")
        #expect(try Self.report(name, seed: seed, fast: true, factor: 1.01).verdict != .pass)
    }

    /// A kink inside both steps of a pair, through Float: a ReLU input 6e-4 from 0 at steps of
    /// 0.0042 and 0.001 (its one-sided gap shrank to 0.49 of the coarse one, which the judge
    /// reads as smooth), a max-pool tie inside both, and in fast mode Hardtanh at exactly ±1
    /// where both directions cross the kinks: Richardson's model through the pair failed them.
    /// A failure must now also explain the next finer quotient, which the kink leaves where the
    /// model cannot put it (seeds of 60–499; the first two failed with the polar method's
    /// directions too).
    static let kinksInsideBothSteps: [(String, UInt64, Bool)] = [
        ("ReLU at 0", 129, false), ("MaxPool2D ties", 189, false), ("Hardtanh at ±1", 176, true),
    ]

    @Test(arguments: kinksInsideBothSteps)
    func aKinkInsideBothStepsIsNotAFailure(name: String, seed: UInt64, fast: Bool) throws {
        let report = try Self.report(name, seed: seed, fast: fast)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        #expect(try Self.report(name, seed: seed, fast: fast, factor: 1.01).verdict != .pass)
    }

    /// LayerNorm of inputs scaled by 1e-8: the noise points moved L by less than Float's
    /// rounding of the outputs, so all eight read the same bits and measured a noise of 0, far
    /// under the rounding of L = ⟨u, y⟩ when the outputs cancel. That rounding (Σ|uᵢ|·ulp(yᵢ)/2)
    /// is now a floor of L's noise for Float code.
    @Test func theOutputsRoundingIsAFloorOfTheNoise() throws {
        let report = try Self.report("LayerNorm of x·1e-08", seed: 73)
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        #expect(try Self.report("LayerNorm of x·1e-08", seed: 73, factor: 1.01).verdict != .pass)
    }

    /// Max-pool through Float at seed 506: the Taylor test's two largest steps (0.29 and 0.14)
    /// reached a kink (errors of 74 and 71 of ⟨∇L, u⟩) and it failed, though its smaller steps
    /// resolved the gradient (5e-5 and 3e-4 at 0.072 and 0.036). In both modes; the 1% bug there
    /// does not pass. (ReLU at seed 161 did this while the directions were drawn by the polar
    /// method; no ReLU seed of 0–2,999 does with today's.)
    @Test(arguments: [false, true])
    func taylorStepsThatReachAKinkDoNotFailIt(fast: Bool) {
        var check = (fast ? GradientCheck(mode: .fast(directions: 2)) : GradientCheck()).forFloat
        check.seed = 506
        let example = LayerExample.make(.maxPool2D, seed: 506)
        let report = check.run(ThroughFloat(example.layer), inputs: example.inputs, name: "maxPool2D")
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        let buggy = LayerExample.make(.maxPool2D, seed: 506)
        #expect(check.run(Planted(ThroughFloat(buggy.layer), factor: 1.01), inputs: buggy.inputs).verdict != .pass)
    }

    @Test func aOnePercentBugFarFromZeroStillDoesNotPass() throws {
        for (name, seed) in Self.formerFalseAlarms {
            #expect(try Self.report(name, seed: seed, factor: 1.01).verdict != .pass, "\(name) seed \(seed)")
        }
    }
}
