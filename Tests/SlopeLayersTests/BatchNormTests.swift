import SlopeTestSupport
import Testing

@testable import SlopeLayers

@Suite struct BatchNormTests {
    static let epsilon = 1e-5
    // x = [[1, 2], [3, 6], [5, 1]] (N = 3, F = 2), γ = [2, 0.5], β = [1, −1]
    let x = tensor([3, 2], [1, 2, 3, 6, 5, 1])

    func makeLayer() -> BatchNorm {
        let layer = BatchNorm(features: 2, epsilon: Self.epsilon, momentum: 0.9)
        layer.gamma.value = tensor([2], [2, 0.5])
        layer.beta.value = tensor([2], [1, -1])
        return layer
    }

    @Test func trainingForwardByHand() throws {
        let layer = makeLayer()
        let y = try layer.forward(x)
        // feature 0: μ = 3, σ² = (4 + 0 + 4)/3 = 8/3;  feature 1: μ = 3, σ² = (1 + 9 + 4)/3 = 14/3
        let s0 = (8.0 / 3 + Self.epsilon).squareRoot(), s1 = (14.0 / 3 + Self.epsilon).squareRoot()
        // x̂ = (x − μ)/√(σ² + ε); y = γx̂ + β
        let xhat = [-2 / s0, -1 / s1, 0, 3 / s1, 2 / s0, -2 / s1]
        let expected = Tensor(
            shape: [3, 2],
            data: xhat.enumerated().map { k, v in
                k % 2 == 0 ? 2 * v + 1 : 0.5 * v - 1
            })
        #expect(isClose(y, expected, rtol: 1e-14, atol: 1e-15))
        // running statistics: 0.9·old + 0.1·batch, from mean 0 and variance 1
        #expect(isClose(layer.runningMean, tensor([2], [0.3, 0.3]), rtol: 1e-15))
        #expect(isClose(layer.runningVariance, tensor([2], [0.9 + 0.8 / 3, 0.9 + 1.4 / 3]), rtol: 1e-15))
    }

    @Test func trainingBackwardByHand() throws {
        let layer = makeLayer()
        _ = try layer.forward(x)
        let dout = tensor([3, 2], [1, -1, 0.5, 2, -2, 0])
        let dx = try layer.backward(dout)[0]
        // ∂L/∂β = Σₙ dout = [1 + 0.5 − 2, −1 + 2 + 0]
        #expect(isClose(layer.beta.gradient, tensor([2], [-0.5, 1]), rtol: 1e-15))
        // ∂L/∂γ = Σₙ dout·x̂ = [(1·(−2) + 0 − 2·2)/s0, (−1·(−1) + 2·3 + 0)/s1] = [−6/s0, 7/s1]
        let s0 = (8.0 / 3 + Self.epsilon).squareRoot(), s1 = (14.0 / 3 + Self.epsilon).squareRoot()
        #expect(isClose(layer.gamma.gradient, tensor([2], [-6 / s0, 7 / s1]), rtol: 1e-14))
        // ∂L/∂x = γ/(N·s)·(N·dout − Σ dout − x̂·Σ dout·x̂), e.g. x[0,0]:
        //   2/(3 s0)·(3 + 0.5 − (−2/s0)(−6/s0)) = 2/(3 s0)·(3.5 − 12/s0²) ≈ −0.40824064
        // (all six values from numpy with the same formula, confirmed by central differences)
        let expected = tensor(
            [3, 2],
            [
                -0.4082406358493215, -0.19287922878340436, 0.8164950500009426,
                0.038576540119523814, -0.40825441415162106, 0.15430268866388058,
            ])
        #expect(isClose(dx, expected, rtol: 1e-12, atol: 1e-14))
        #expect(isClose(dx[0, 0], 2 / (3 * s0) * (3.5 - 12 / (s0 * s0)), rtol: 1e-13))
        // the gradient of a batch-normalised feature sums to zero over the batch
        #expect(abs(dx.sum(axis: 0)[0]) < 1e-12 && abs(dx.sum(axis: 0)[1]) < 1e-12)
    }

    @Test func inferenceUsesTheRunningStatistics() throws {
        let layer = BatchNorm(features: 1, epsilon: Self.epsilon, momentum: 0.9)
        layer.gamma.value = tensor([1], [2])
        layer.beta.value = tensor([1], [1])
        // one training batch [1, 3]: μ = 2, σ² = 1 → running mean 0.1·2 = 0.2, variance 0.9 + 0.1·1 = 1
        _ = try layer.forward(tensor([2, 1], [1, 3]))
        #expect(isClose(layer.runningMean[0], 0.2) && isClose(layer.runningVariance[0], 1))
        layer.isTraining = false
        // y = γ(x − 0.2)/√(1 + ε) + β; ∂L/∂x = dout·γ/√(1 + ε)
        let s = (1 + Self.epsilon).squareRoot()
        let y = try layer.forward(tensor([2, 1], [1.2, 0.2]))
        #expect(isClose(y, tensor([2, 1], [2 / s + 1, 1]), rtol: 1e-14))
        let dx = try layer.backward(tensor([2, 1], [1, -3]))[0]
        #expect(isClose(dx, tensor([2, 1], [2 / s, -6 / s]), rtol: 1e-14))
        // parameter gradients in inference: ∂L/∂γ = Σ dout·x̂ = 1/s·1 + (−3)·0, ∂L/∂β = Σ dout = −2
        #expect(isClose(layer.gamma.gradient[0], 1 / s, rtol: 1e-14))
        #expect(layer.beta.gradient[0] == -2)
        // inference does not move the running statistics
        #expect(isClose(layer.runningMean[0], 0.2))
    }

    @Test func wrongFeaturesNameTheLayerAndTheShape() {
        expectLayerError(mentioning: ["BatchNorm", "[3, 4]", "[N, 2]"]) { _ = try makeLayer().forward(.zeros([3, 4])) }
        expectLayerError(mentioning: ["BatchNorm", "[0, 2]"]) { _ = try makeLayer().forward(.zeros([0, 2])) }
    }

    @Test func registryConfigSetsEpsilonMomentumAndMode() throws {
        let built = try buildLayer(
            .batchNorm, ["features": .number(3), "epsilon": .number(0.5), "momentum": .number(0.25), "training": .flag(false)])
        let layer = try #require(built as? BatchNorm)
        #expect(layer.features == 3 && layer.epsilon == 0.5 && layer.momentum == 0.25 && !layer.isTraining)
        expectLayerError(mentioning: ["BatchNorm", "epsilon", "0"]) {
            _ = try buildLayer(.batchNorm, ["features": .number(3), "epsilon": .number(0)])
        }
        expectLayerError(mentioning: ["BatchNorm", "momentum", "1.5"]) {
            _ = try buildLayer(.batchNorm, ["features": .number(3), "momentum": .number(1.5)])
        }
    }
}

@Suite struct BatchNormModeTests {
    @Test func backwardUsesTheModeForwardRanIn() throws {
        // forward in training, then switch to inference before backward (as an evaluation
        // callback between a step's forward and backward might): the gradient must still be
        // the training one, which for any dout sums to zero over the batch.
        let layer = BatchNorm(features: 1)
        _ = try layer.forward(tensor([2, 1], [1, 3]))
        layer.isTraining = false
        let dx = try layer.backward(tensor([2, 1], [1, 1]))[0]
        // training: ∂L/∂x = γ/(N s)(N·dout − Σ dout − x̂ Σ dout x̂) = (2 − 2 − x̂·0)/(2s) = 0
        #expect(dx == tensor([2, 1], [0, 0]))
    }
}
