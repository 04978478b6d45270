import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

/// The soundness suite: correct layers and planted bugs at inputs a user can point the check
/// at — offsets 0…1e6, output and input scales 1e-8…1e8, translation-invariant layers
/// (BatchNorm, Softmax, a user LayerNorm), a high-curvature smooth function (sin 40x), true
/// kinks away from zero (hardtanh at exactly ±1, ReLU at exactly 0, max-pool ties) and every
/// built-in kind, over several seeds.
///
/// Required of the adaptive rule, and asserted: no correct layer fails; every 1% bug fails;
/// no bug passes (a 5e-6 bug, inside rtol, fails or is inconclusive); inconclusive is rare.
/// The same cases under the first round's relative rule are counted side by side (printed,
/// not asserted): `swift test --filter SoundnessTests` shows both lines.
@Suite struct SoundnessTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        /// Builds the layer and its inputs for a seed.
        var make: @Sendable (UInt64) -> (any Layer, [Tensor])
        var description: String { name }
    }

    static let offsets: [Double] = [0, 1e3, 1e4, 1e5, 1e6]
    static let seeds: [UInt64] = [0, 1, 2, 3, 4]

    static func uniform(_ shape: [Int], _ generator: inout SeededGenerator, offset: Double = 0, scale: Double = 1)
        -> Tensor
    {
        Tensor.uniform(shape, in: -2..<2, using: &generator) * scale + offset
    }

    static var cases: [Case] {
        var cases: [Case] = []
        for offset in offsets {
            cases.append(
                Case(name: "LayerNorm +\(formatNumber(offset))") { seed in
                    var g = SeededGenerator(seed: seed)
                    return (LayerNorm(features: 6, using: &g), [uniform([4, 6], &g, offset: offset)])
                })
            cases.append(
                Case(name: "BatchNorm +\(formatNumber(offset))") { seed in
                    var g = SeededGenerator(seed: seed &+ 100)
                    let layer = BatchNorm(features: 4)
                    layer.gamma.value = Tensor.uniform([4], in: 0.5..<1.5, using: &g)
                    layer.beta.value = Tensor.uniform([4], in: -0.5..<0.5, using: &g)
                    return (layer, [uniform([6, 4], &g, offset: offset)])
                })
            cases.append(
                Case(name: "Softmax +\(formatNumber(offset))") { seed in
                    var g = SeededGenerator(seed: seed &+ 200)
                    return (Softmax(), [uniform([3, 5], &g, offset: offset)])
                })
        }
        for scale in [1e-8, 1e8] {
            cases.append(
                Case(name: "\(formatNumber(scale))·Tanh") { seed in
                    var g = SeededGenerator(seed: seed &+ 300)
                    return (Scaled(Tanh(), by: scale), [uniform([3, 4], &g)])
                })
            cases.append(
                Case(name: "LayerNorm of x·\(formatNumber(scale))") { seed in
                    var g = SeededGenerator(seed: seed &+ 400)
                    return (LayerNorm(features: 5, using: &g), [uniform([3, 5], &g, scale: scale)])
                })
            cases.append(
                Case(name: "Affine of x·\(formatNumber(scale))") { seed in
                    var g = SeededGenerator(seed: seed &+ 500)
                    return (Affine(inFeatures: 4, outFeatures: 3, using: &g), [uniform([5, 4], &g, scale: scale)])
                })
        }
        cases.append(
            Case(name: "sin(40x)") { seed in
                var g = SeededGenerator(seed: seed &+ 600)
                return (Sin40(), [uniform([3, 4], &g)])
            })
        cases.append(
            Case(name: "Hardtanh at ±1") { seed in
                var g = SeededGenerator(seed: seed &+ 700)
                var x = uniform([3, 4], &g, scale: 0.6)
                for i in stride(from: 0, to: x.count, by: 2) { x.data[i] = i % 4 == 0 ? 1 : -1 }
                return (Hardtanh(), [x])
            })
        cases.append(
            Case(name: "ReLU at 0") { seed in
                var g = SeededGenerator(seed: seed &+ 800)
                var x = uniform([3, 4], &g)
                for i in stride(from: 0, to: x.count, by: 3) { x.data[i] = 0 }
                return (ReLU(), [x])
            })
        cases.append(
            Case(name: "MaxPool2D ties") { seed in
                var g = SeededGenerator(seed: seed &+ 900)
                var x = uniform([1, 2, 4, 4], &g)
                for window in stride(from: 0, to: x.count, by: 8) { x.data[window + 1] = x.data[window] }
                return (MaxPool2D(kernel: (2, 2)), [x])
            })
        for kind in LayerKind.allCases {
            cases.append(
                Case(name: kind.rawValue) { seed in
                    let example = LayerExample.make(kind, seed: seed)
                    return (example.layer, example.inputs)
                })
        }
        return cases
    }

    struct Tally: CustomStringConvertible {
        var falseAlarms = 0, correctInconclusive = 0, correct = 0
        var missedBig = 0, bigInconclusive = 0, big = 0
        var passedSmall = 0, smallInconclusive = 0, small = 0
        var description: String {
            "correct: \(falseAlarms) false alarms, \(correctInconclusive) inconclusive of \(correct) · "
                + "1% bugs: \(missedBig) passed, \(bigInconclusive) inconclusive of \(big) · "
                + "5e-6 bugs: \(passedSmall) passed, \(smallInconclusive) inconclusive of \(small)"
        }
    }

    static func tally(_ check: GradientCheck, failures: inout [String]) -> Tally {
        var tally = Tally()
        for item in cases {
            for seed in seeds {
                var seeded = check
                seeded.seed = seed
                let (layer, inputs) = item.make(seed)
                let correct = seeded.run(layer, inputs: inputs, name: item.name)
                tally.correct += 1
                if correct.verdict == .fail {
                    tally.falseAlarms += 1
                    failures.append("false alarm: \(item) seed \(seed): \(correct.diagnosis)")
                }
                if correct.verdict == .inconclusive { tally.correctInconclusive += 1 }
                let (big, bigInputs) = item.make(seed)
                let onePercent = seeded.run(Planted(big, factor: 1.01), inputs: bigInputs, name: item.name)
                tally.big += 1
                if onePercent.verdict == .pass {
                    tally.missedBig += 1
                    failures.append("1% bug passed: \(item) seed \(seed)")
                }
                if onePercent.verdict == .inconclusive {
                    tally.bigInconclusive += 1
                    failures.append("1% bug only inconclusive: \(item) seed \(seed): \(onePercent.diagnosis)")
                }
                let (small, smallInputs) = item.make(seed)
                let tiny = seeded.run(Planted(small, factor: 1 + 5e-6), inputs: smallInputs, name: item.name)
                tally.small += 1
                if tiny.verdict == .inconclusive { tally.smallInconclusive += 1 }
                if tiny.verdict == .pass {
                    tally.passedSmall += 1
                    failures.append("5e-6 bug passed: \(item) seed \(seed)")
                }
            }
        }
        return tally
    }

    @Test func adaptiveRuleIsSoundEverywhere() {
        var failures: [String] = []
        let tally = Self.tally(GradientCheck(), failures: &failures)
        print("soundness, adaptive rule: \(tally)")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(tally.falseAlarms == 0 && tally.missedBig == 0 && tally.passedSmall == 0)
        // Inconclusive only where double precision cannot resolve: rare.
        #expect(Double(tally.correctInconclusive) <= 0.05 * Double(tally.correct), "\(tally)")
    }

}

/// Nothing a layer does can crash the checker: each breach of the contract is a failed check
/// with a sentence naming it.
@Suite struct MisbehavingLayerTests {
    static let x = Tensor(shape: [2, 3, 2, 2], data: (0..<24).map { sin(Double($0)) })

    func problem(of layer: any Layer, inputs: [Tensor]) -> CheckReport {
        GradientCheck().run(layer, inputs: inputs)
    }

    @Test func gradientOfTheWrongShape() {
        let report = problem(of: FlattenForgetsReshape(), inputs: [Self.x])
        #expect(report.verdict == .fail)
        #expect(report.problem == .gradientShape(input: "x", shape: [24], expected: [2, 3, 2, 2]))
        #expect(report.diagnosis.contains("backward returned a gradient of shape [24] for input x of shape [2, 3, 2, 2]"))
    }

    @Test func gradientWhoseDataDoesNotFillItsShape() {
        let report = problem(of: ResizedGradient(), inputs: [Tensor(rows: [[1, 2], [3, 4]])])
        #expect(report.problem == .malformedTensor(what: "the gradient of input x", shape: [2, 2], count: 3))
    }

    @Test func wrongNumberOfGradients() {
        #expect(
            problem(of: TanhExtraGradient(), inputs: [Tensor(rows: [[1, 2]])]).problem == .gradientCount(returned: 2, inputs: 1))
        #expect(problem(of: NoGradients(), inputs: [Tensor(rows: [[1, 2]])]).problem == .gradientCount(returned: 0, inputs: 1))
    }

    @Test func outputShapeChangesBetweenCalls() {
        let report = problem(of: TanhShrinksLater(), inputs: [Tensor(rows: [[1, 2], [3, 4]])])
        #expect(report.problem == .outputShapeChanged(from: [2, 2], to: [1, 2]))
        #expect(report.verdict == .fail)
    }

    @Test func throwingForwardOrBackward() {
        let forward = problem(of: Throwing(inBackward: false), inputs: [Tensor(rows: [[1, 2]])])
        #expect(forward.verdict == .fail)
        #expect(forward.diagnosis.contains("forward threw"), "\(forward.diagnosis)")
        let backward = problem(of: Throwing(inBackward: true), inputs: [Tensor(rows: [[1, 2]])])
        #expect(backward.diagnosis.contains("backward threw"), "\(backward.diagnosis)")
    }

    @Test func parameterGradientOfTheWrongShape() {
        let report = problem(of: WrongParameterGradient(), inputs: [Tensor(rows: [[1, 2]])])
        #expect(report.problem == .parameterGradientShape(parameter: "w", shape: [3], expected: [2]))
    }

    @Test func nonFiniteGradientsFailWithASentence() {
        let report = problem(of: NaNGradient(), inputs: [Tensor(rows: [[1, 2]])])
        #expect(report.verdict == .fail)
        #expect(report.tensors.first?.worst?.note == "the analytic gradient is not finite")
    }

    @Test func unlistedParameterIsNamedAloneAndInANetwork() throws {
        let alone = GradientCheck().run(UnlistedScale(scale: 0.7), inputs: [Tensor(rows: [[1, 2]])])
        #expect(alone.verdict == .fail)
        let invariant = try #require(alone.invariants.first { $0.name == .storedParametersListed })
        #expect(invariant.detail.contains("\"s\" (property s)"), "\(invariant.detail)")
        var rng = SeededGenerator(seed: 3)
        let network = Sequential([Affine(inFeatures: 2, outFeatures: 2, using: &rng), UnlistedScale(scale: 0.7)], loss: MSE())
        let inNetwork = GradientCheck().run(
            network: network, input: Tensor(rows: [[1, 2], [0.5, -1]]), target: Tensor(rows: [[0, 1], [1, 0]]))
        #expect(inNetwork.verdict == .fail)
        let named = try #require(inNetwork.invariants.first { $0.name == .storedParametersListed })
        #expect(named.detail.contains("network.layers[1].s"), "\(named.detail)")
    }

    @Test func aUserLayerBreakingTheContractInsideANetworkIsNamed() {
        var rng = SeededGenerator(seed: 5)
        let network = Sequential([Affine(inFeatures: 2, outFeatures: 4, using: &rng), TanhExtraGradient()], loss: MSE())
        let report = GradientCheck().run(network: network, input: Tensor(rows: [[1, 2]]), target: Tensor(rows: [[0, 1, 0, 1]]))
        #expect(report.verdict == .fail)
        #expect(
            report.diagnosis.contains("layer 1 (Broken.ExtraGradient): backward returned 2 gradients for 1 input"),
            "\(report.diagnosis)")
        let noLoss = GradientCheck().run(network: Sequential([Tanh()]), input: Tensor(rows: [[1]]), target: Tensor(rows: [[0]]))
        #expect(noLoss.problem == .networkWithoutLoss)
    }

    @Test func listedParametersAreNotReported() {
        var rng = SeededGenerator(seed: 4)
        #expect(StoredParameters.unlisted(in: Affine(inFeatures: 3, outFeatures: 2, using: &rng)).isEmpty)
        #expect(StoredParameters.unlisted(in: LayerNorm(features: 3, using: &rng)).isEmpty)
        #expect(StoredParameters.unlisted(in: BatchNorm(features: 3)).isEmpty)
    }
}

/// BatchNorm's identity (∂L/∂x sums to 0 over the batch per feature) at an offset of 1e6: the
/// centring's rounding puts the sums near 1e-9, which a fixed 1e-10 called broken at 3 of 55
/// seeds; the tolerance follows the conditioning (64·ε·max|x|/σ). A gradient whose mean term was
/// left out still fails it there, by orders of magnitude.
@Suite struct BatchNormIdentityTests {
    static func example(seed: UInt64, offset: Double) -> (BatchNorm, Tensor, Tensor) {
        var g = SeededGenerator(seed: seed &+ 100)
        let layer = BatchNorm(features: 4)
        layer.gamma.value = Tensor.uniform([4], in: 0.5..<1.5, using: &g)
        layer.beta.value = Tensor.uniform([4], in: -0.5..<0.5, using: &g)
        let x = SoundnessTests.uniform([6, 4], &g, offset: offset)
        return (layer, x, Tensor.uniform([6, 4], in: -1..<1, using: &g))
    }

    @Test(arguments: [UInt64(5), 27, 37])
    func aCorrectBatchNormFarFromZeroKeepsTheIdentity(seed: UInt64) throws {
        let (layer, x, _) = Self.example(seed: seed, offset: 1e6)
        var check = GradientCheck()
        check.seed = seed
        let report = check.run(layer, inputs: [x], name: "BatchNorm +1e6")
        let identity = try #require(report.invariants.first { $0.name == .batchNormSumsToZero })
        #expect(identity.verdict == .pass, "\(identity.detail)")
    }

    @Test(arguments: [0.0, 1e6])
    func aGradientWithoutItsMeanTermFails(offset: Double) throws {
        let (layer, x, u) = Self.example(seed: 5, offset: offset)
        _ = try layer.forward(x)
        let dx = try layer.backward(u)[0]
        #expect(BatchNorm.sumsToZero(dx, at: x).verdict == .pass)
        // The term that centring ∂L/∂x̂ removes, put back: each feature's sum becomes its mean × N.
        let meanOfUpstream = u.sum(axis: 0) * (1 / 6.0)
        let broken = dx.addingRow(meanOfUpstream)
        #expect(BatchNorm.sumsToZero(broken, at: x).verdict == .fail)
        #expect(BatchNorm.sumTolerance(x) < 1e-6)
    }
}

/// The soundness cases at 20 more seeds (5–24), exhaustive and in fast mode: no correct case
/// fails, no 1% or 5e-6 bug passes. (Seeds 5–59 were run once: BatchNorm's identity at an
/// offset of 1e6 was the only false alarm, in both modes.)
@Suite struct SoundnessAtMoreSeedsTests {
    @Test func noFalseAlarmAndNoPassedBugAtTwentyMoreSeeds() {
        var findings: [String] = []
        for (label, check) in [("exhaustive", GradientCheck()), ("fast", GradientCheck(mode: .fast(directions: 2)))] {
            for item in SoundnessTests.cases {
                for seed in UInt64(5)..<25 {
                    var seeded = check
                    seeded.seed = seed
                    let (layer, inputs) = item.make(seed)
                    let correct = seeded.run(layer, inputs: inputs, name: item.name)
                    if correct.verdict == .fail {
                        findings.append("\(label) false alarm: \(item) seed \(seed): \(correct.diagnosis)")
                    }
                    for factor in [1.01, 1 + 5e-6] {
                        let (buggy, buggyInputs) = item.make(seed)
                        if seeded.run(Planted(buggy, factor: factor), inputs: buggyInputs, name: item.name).verdict == .pass {
                            findings.append("\(label) bug ×\(factor) passed: \(item) seed \(seed)")
                        }
                    }
                }
            }
        }
        #expect(findings.isEmpty, "\(findings.joined(separator: "\n"))")
    }
}
