import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

/// A failing network check names the layer whose own backward is wrong.
@Suite struct NetworkCulpritTests {
    @Test func theWrongLayerIsNamed() throws {
        var rng = SeededGenerator(seed: 9)
        let network = Sequential(
            [
                Affine(inFeatures: 3, outFeatures: 4, using: &rng), TanhSignFlipped(),
                Affine(inFeatures: 4, outFeatures: 2, using: &rng),
            ],
            loss: MSE())
        let x = Tensor.uniform([5, 3], using: &rng), t = Tensor.uniform([5, 2], using: &rng)
        let report = GradientCheck().run(network: network, input: x, target: t)
        #expect(report.verdict == .fail)
        let culprit = try #require(report.culprit)
        #expect(culprit.layer == "layer 1 (Broken.TanhSignFlipped)")
        #expect(
            report.diagnosis.hasPrefix("network: the backward of layer 1 (Broken.TanhSignFlipped) is wrong: input x:"),
            "\(report.diagnosis)")
    }

    @Test func aWrongLossIsNamed() throws {
        guard case .network(let network, let input, let target) = BrokenLayer.lossHalfGradient.subject(seed: 1) else {
            Issue.record("the zoo's LossHalfGradient is a network")
            return
        }
        let report = GradientCheck().run(network: network, input: input, target: target)
        #expect(report.culprit?.layer == "the loss (MSE(½-gradient))", "\(report.diagnosis)")
    }

    @Test func aCorrectNetworkNamesNoOne() {
        var rng = SeededGenerator(seed: 10)
        let network = Sequential([Affine(inFeatures: 2, outFeatures: 3, using: &rng), Tanh()], loss: MSE())
        let report = GradientCheck().run(
            network: network, input: .uniform([4, 2], using: &rng), target: .uniform([4, 3], using: &rng))
        #expect(report.verdict == .pass)
        #expect(report.culprit == nil)
    }
}
