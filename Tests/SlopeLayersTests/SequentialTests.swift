import Foundation
import SlopeTestSupport
import Testing

@testable import SlopeLayers

@Suite struct SequentialTests {
    // Affine(2→2) → Sigmoid → Affine(2→1), MSE. X = [[1, 2], [0, −1]], T = [[1], [0]],
    // W1 = [[0.5, −1], [0.25, 0.5]], b1 = [0, 0.1], W2 = [[1], [−2]], b2 = [0.3].
    func makeNetwork() -> (Sequential, Affine, Affine) {
        let first = Affine(weight: tensor([2, 2], [0.5, -1, 0.25, 0.5]), bias: tensor([2], [0, 0.1]))
        let second = Affine(weight: tensor([2, 1], [1, -2]), bias: tensor([1], [0.3]))
        return (Sequential([first, Sigmoid(), second], loss: MSE()), first, second)
    }
    let x = tensor([2, 2], [1, 2, 0, -1])
    let t = tensor([2, 1], [1, 0])

    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    @Test func forwardAndLossByHand() throws {
        let (net, _, _) = makeNetwork()
        // z1 = X·W1 + b1 = [[0.5 + 0.5, −1 + 1 + 0.1], [−0.25, −0.5 + 0.1]] = [[1, 0.1], [−0.25, −0.4]]
        let h = [1, 0.1, -0.25, -0.4].map(Self.sigmoid)
        // y = h·W2 + b2 = h₀ − 2h₁ + 0.3 per row
        let y = [h[0] - 2 * h[1] + 0.3, h[2] - 2 * h[3] + 0.3]
        #expect(isClose(try net.forward(x), tensor([2, 1], y), rtol: 1e-14))
        // L = ((y₀ − 1)² + y₁²)/2 ≈ 0.52117799
        let loss = try net.loss(x, t)
        #expect(isClose(loss, ((y[0] - 1) * (y[0] - 1) + y[1] * y[1]) / 2, rtol: 1e-14))
        #expect(isClose(loss, 0.5211779939860157, rtol: 1e-12))
    }

    @Test func backwardLossByHand() throws {
        let (net, first, second) = makeNetwork()
        _ = try net.loss(x, t)
        let dx = try net.backwardLoss()
        // dy = 2(y − T)/2 = y − T; dW2 = hᵀ·dy; db2 = Σ dy; dh = dy·W2ᵀ; dz1 = dh ⊙ h(1 − h);
        // dW1 = Xᵀ·dz1; db1 = Σ dz1; dX = dz1·W1ᵀ (values from numpy, same chain)
        let h = [1, 0.1, -0.25, -0.4].map(Self.sigmoid)
        let y = [h[0] - 2 * h[1] + 0.3, h[2] - 2 * h[3] + 0.3]
        let dy = [y[0] - 1, y[1]]
        #expect(
            isClose(second.W.gradient, tensor([2, 1], [h[0] * dy[0] + h[2] * dy[1], h[1] * dy[0] + h[3] * dy[1]]), rtol: 1e-14))
        #expect(isClose(second.b.gradient, tensor([1], [-1.08370098]), rtol: 1e-8))
        #expect(isClose(second.W.gradient, tensor([2, 1], [-0.773246916533542, -0.5609067006371645]), rtol: 1e-12))
        #expect(
            isClose(
                first.W.gradient,
                tensor([2, 2], [-0.20032785873537565, 0.5081783931231794, -0.3847059383084687, 0.9852184262653227]), rtol: 1e-12))
        #expect(isClose(first.b.gradient, tensor([2], [-0.2162776378976582, 0.5393167531042153]), rtol: 1e-12))
        #expect(
            isClose(
                dx, tensor([2, 2], [-0.6083423224908672, 0.20400723187774578, -0.03911324956217722, 0.011581735199947329]),
                rtol: 1e-12))
    }

    @Test func backwardOfTheSequentialEqualsTheChainOfItsLayers() throws {
        let (net, _, _) = makeNetwork()
        let (first, sigmoid, second) = (
            Affine(weight: tensor([2, 2], [0.5, -1, 0.25, 0.5]), bias: tensor([2], [0, 0.1])), Sigmoid(),
            Affine(weight: tensor([2, 1], [1, -2]), bias: tensor([1], [0.3]))
        )
        let dout = tensor([2, 1], [0.7, -1.3])
        _ = try net.forward(x)
        let viaNet = try net.backward(dout)[0]
        _ = try second.forward(try sigmoid.forward(try first.forward(x)))
        let viaLayers = try first.backward(try sigmoid.backward(try second.backward(dout)[0])[0])[0]
        #expect(viaNet == viaLayers)
    }

    @Test func zeroGradientsClearsEveryParameter() throws {
        let (net, _, _) = makeNetwork()
        _ = try net.loss(x, t)
        try net.backwardLoss()
        #expect(net.parameters.allSatisfy { $0.gradient.maxMagnitude > 0 })
        net.zeroGradients()
        #expect(net.parameters.allSatisfy { $0.gradient.maxMagnitude == 0 })
        #expect(net.parameters.map(\.gradient.shape) == [[2, 2], [2], [2, 1], [1]])
    }

    @Test func namedParametersAreUniqueAndOrdered() {
        let (net, first, second) = makeNetwork()
        let named = net.namedParameters
        #expect(named.map(\.name) == ["0.Affine.W", "0.Affine.b", "2.Affine.W", "2.Affine.b"])
        #expect(named[0].parameter === first.W && named[3].parameter === second.b)
    }

    @Test func withoutALossLossIsAnError() {
        let net = Sequential([ReLU()])
        expectLayerError(mentioning: ["Sequential", "loss"]) { _ = try net.loss(x, t) }
        expectLayerError(mentioning: ["Sequential", "loss"]) { try net.backwardLoss() }
    }

    @Test func aLayerErrorInsideNamesThatLayer() {
        let (net, _, _) = makeNetwork()
        expectLayerError(mentioning: ["Affine", "[2, 3]", "[N, 2]"]) { _ = try net.forward(.zeros([2, 3])) }
        expectLayerError(mentioning: ["MSE", "[2, 1]", "[2, 2]"]) { _ = try net.loss(x, .zeros([2, 2])) }
    }

    @Test func setTrainingReachesEveryModalLayer() throws {
        let norm = BatchNorm(features: 2), drop = Dropout(rate: 0.5, seed: 1)
        let net = Sequential([norm, ReLU(), drop])
        net.setTraining(false)
        #expect(!norm.isTraining && !drop.isTraining)
        // in inference (fresh running statistics: mean 0, variance 1) the net is ReLU(x/√(1 + ε))
        let y = try net.forward(tensor([1, 2], [2, -1]))
        #expect(isClose(y, tensor([1, 2], [2 / (1 + 1e-5).squareRoot(), 0]), rtol: 1e-14))
        net.setTraining(true)
        #expect(norm.isTraining && drop.isTraining)
    }
}
