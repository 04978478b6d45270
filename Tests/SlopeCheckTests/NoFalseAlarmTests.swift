import SlopeLayers
import Testing

@testable import SlopeCheck

/// Every correct layer, at several seeds, in every mode, must pass: no false alarms.
@Suite struct NoFalseAlarmTests {
    static let modes: [CheckMode] = [.exhaustive, .sampled(perTensor: 5), .fast(directions: 3)]

    @Test(arguments: LayerKind.allCases, [0, 1, 2, 3] as [UInt64])
    func correctLayersPassEveryMode(kind: LayerKind, seed: UInt64) {
        for mode in Self.modes {
            let example = LayerExample.make(kind, seed: seed)
            let report = GradientCheck(mode: mode, seed: seed).run(example.layer, inputs: example.inputs, name: kind.rawValue)
            #expect(report.verdict == .pass, "\(kind.rawValue) \(mode) seed \(seed): \(report.diagnosis)")
            #expect(report.invariants.count >= 6)
        }
    }

    @Test(arguments: LayerKind.allCases)
    func fourthOrderStencilPassesToo(kind: LayerKind) {
        let example = LayerExample.make(kind, seed: 5)
        let report = GradientCheck(method: .fourthOrder()).run(example.layer, inputs: example.inputs)
        #expect(report.verdict == .pass, "\(report.diagnosis)")
    }

    @Test func reluAtExactZeroIsAKinkNotAFailure() {
        let x = Tensor(rows: [[0, 1, -1, 0], [2, 0, -0.5, 0.25]])
        let report = GradientCheck().run(ReLU(), inputs: [x])
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.tensors[0].kinks == 3)
        var strict = GradientCheck()
        strict.allowKinks = false
        #expect(strict.run(ReLU(), inputs: [x]).verdict == .fail)
    }

    @Test func maxPoolWithTiesIsNotAFailure() {
        let x = Tensor(shape: [1, 1, 2, 4], data: [1, 1, 0.5, 0.5, 0, 1, 0.5, -1])
        let report = GradientCheck().run(MaxPool2D(kernel: (2, 2)), inputs: [x])
        #expect(report.verdict != .fail, "\(report.diagnosis)")
        #expect(report.tensors[0].kinks > 0)
    }

    /// Fast mode moves each element by its own step: a ±33 in one feature must not inflate
    /// the step of a feature whose two rows are 0.07 apart (BatchNorm's curvature there is
    /// ~20, and a 50× step made it look like a kink: inconclusive for a smooth layer).
    @Test func fastModeStepIsPerElement() {
        let batchNorm = BatchNorm(features: 3)
        batchNorm.gamma.value = Tensor(shape: [3], data: [34.9316747070105, 1.536915491003688, 2.874389816527212])
        batchNorm.beta.value = Tensor(shape: [3], data: [2.516085413408839, 1.0466624625818106, 0.29312195010025244])
        let x = Tensor(rows: [
            [-0.9206416145115419, -2.5115065619798647, -33.31961515307192],
            [2.1910605892877033, -2.5805836061283327, -1.1851374821771934],
        ])
        let report = GradientCheck(mode: .fast(directions: 2), seed: 18).run(batchNorm, inputs: [x])
        #expect(report.verdict == .pass, "\(report.tensors.map { "\($0.tensor) \($0.verdict) \(String(describing: $0.worst))" })")
    }

    @Test func graphAndNetworkTargetsPass() {
        var rng = SeededGenerator(seed: 11)
        let network = Sequential(
            [Affine(inFeatures: 3, outFeatures: 5, using: &rng), Tanh(), Affine(inFeatures: 5, outFeatures: 2, using: &rng)],
            loss: MSE())
        let x = Tensor.uniform([4, 3], using: &rng), t = Tensor.uniform([4, 2], using: &rng)
        let report = GradientCheck().run(network: network, input: x, target: t)
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.invariants.contains { $0.name == .lossMatchesGradient && $0.verdict == .pass })
        #expect(
            report.tensors.map(\.tensor.description) == [
                "input x", "param 0.Affine.W", "param 0.Affine.b", "param 2.Affine.W", "param 2.Affine.b",
            ])

        let g = Graph()
        let a = g.input("a"), b = g.input("b")
        let ab = g.apply(Mul(), a, b)
        g.output = g.apply(Mul(), ab, a)  // a²b: a used twice
        let graphReport = GradientCheck().run(
            g, inputs: [Tensor.uniform([2, 3], using: &rng), Tensor.uniform([2, 3], using: &rng)])
        #expect(graphReport.verdict == .pass, "\(graphReport.diagnosis)")
    }

    @Test func parametersAreRestoredAfterACheck() {
        var rng = SeededGenerator(seed: 2)
        let affine = Affine(inFeatures: 3, outFeatures: 2, using: &rng)
        let before = affine.W.value
        _ = GradientCheck().run(affine, inputs: [Tensor.uniform([2, 3], using: &rng)])
        #expect(affine.W.value == before)
    }
}
