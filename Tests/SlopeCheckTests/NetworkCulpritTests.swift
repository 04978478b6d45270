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

/// y = x + b; throws once b has moved from where it started (a layer that breaks away from its
/// starting point).
private final class ThrowsOnceMoved: UnaryLayer {
    let kindName = "ThrowsOnceMoved"
    let b = Parameter("b", Tensor(shape: [2], data: [0.1, -0.2]))
    var parameters: [Parameter] { [b] }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard b.value.data == [0.1, -0.2] else { throw .shapeMismatch(layer: kindName, expected: "b unmoved", actual: []) }
        return Tensor(shape: x.shape, data: x.data.indices.map { x.data[$0] + b.value.data[$0 % 2] })
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        for i in dout.data.indices { b.gradient.data[i % 2] += dout.data[i] }
        return dout
    }
}

@Suite struct NetworkInvariantTests {
    /// The loss-against-gradient invariant moves every parameter; a pass that throws there
    /// leaves them as they were, and the invariant says the network did not run.
    @Test func parametersArePutBackWhenAPassAtAMovedPointThrows() {
        let layer = ThrowsOnceMoved()
        let network = NetworkWithLoss(
            Sequential([layer], loss: MSE()), target: Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]))
        let results = NetworkInvariants(
            network: network, input: Tensor(shape: [3, 2], data: [0, 0.5, 1, 1.5, 2, 2.5]), tolerance: .default,
            method: .default
        ).evaluate()
        #expect(layer.b.value.data == [0.1, -0.2])
        #expect(results.contains { $0.name == .networkRuns && $0.verdict == .fail }, "\(results)")
    }
}
