import Foundation
import SlopeTestSupport
import Testing

@testable import SlopeLayers

@Suite struct SoftmaxWithLossTests {
    // Row 0: logits [0, ln 2, ln 3] → p = [1/6, 1/3, 1/2], target class 2.
    // Row 1: logits [0, 0, 0] → p = 1/3 each, target class 0.
    let x = tensor([2, 3], [0, log(2), log(3), 0, 0, 0])
    let t = tensor([2, 3], [0, 0, 1, 1, 0, 0])

    @Test func lossAndGradientByHand() throws {
        let loss = SoftmaxWithLoss()
        // L = −(1/2)(log 1/2 + log 1/3) = (ln 2 + ln 3)/2 = ln 6 / 2
        #expect(isClose(try loss.forward(x, t), log(6) / 2, rtol: 1e-15))
        // ∂L/∂x = (p − t)/N: row 0 [1/6, 1/3, −1/2]/2, row 1 [−2/3, 1/3, 1/3]/2
        let hand = tensor([2, 3], [1.0 / 12, 1.0 / 6, -0.25, -1.0 / 3, 1.0 / 6, 1.0 / 6])
        #expect(isClose(try loss.backward(), hand, rtol: 1e-14, atol: 1e-16))
    }

    @Test func softTargetsAreAllowed() throws {
        // one row, logits equal → p = [1/2, 1/2]; t = [1/4, 3/4]: L = −(1/4 + 3/4)·log 1/2 = ln 2
        let loss = SoftmaxWithLoss()
        #expect(isClose(try loss.forward(.zeros([1, 2]), tensor([1, 2], [0.25, 0.75])), log(2), rtol: 1e-15))
        #expect(try loss.backward() == tensor([1, 2], [0.25, -0.25]))
    }

    @Test func logitsOfPlusMinusAThousand() throws {
        let loss = SoftmaxWithLoss()
        let logits = tensor([2, 2], [1000, -1000, -1000, 1000])
        // Row 0 target the big logit: −log softmax = 0. Row 1 targets the small one: −log e^−2000 = 2000.
        let value = try loss.forward(logits, tensor([2, 2], [1, 0, 1, 0]))
        #expect(value.isFinite)
        #expect(isClose(value, (0 + 2000) / 2, rtol: 1e-15))
        // (p − t)/2: row 0 [1 − 1, 0]/2, row 1 [0 − 1, 1]/2
        let grad = try loss.backward()
        #expect(grad.isFinite)
        #expect(grad == tensor([2, 2], [0, 0, -0.5, 0.5]))
    }

    @Test func badShapesNameTheLayerAndShapes() {
        expectLayerError(mentioning: ["SoftmaxWithLoss", "[2, 3]", "[2, 2]"]) {
            _ = try SoftmaxWithLoss().forward(.zeros([2, 3]), .zeros([2, 2]))
        }
        expectLayerError(mentioning: ["SoftmaxWithLoss", "[6]"]) {
            _ = try SoftmaxWithLoss().forward(.zeros([6]), .zeros([6]))
        }
    }
}

@Suite struct SigmoidBCETests {
    @Test func lossAndGradientByHand() throws {
        let loss = SigmoidBCE()
        // σ(0) = 1/2, σ(ln 3) = 3/4, σ(−ln 3) = 1/4. Element losses −[t log σ + (1 − t) log(1 − σ)]:
        //  x = 0,     t = 1:   −log 1/2 = ln 2
        //  x = ln 3,  t = 0:   −log 1/4 = ln 4
        //  x = −ln 3, t = 1:   −log 1/4 = ln 4
        //  x = 0,     t = 1/2: −log 1/2 = ln 2
        // mean = (2 ln 2 + 2 ln 4)/4 = 1.5 ln 2
        let x = tensor([2, 2], [0, log(3), -log(3), 0])
        let t = tensor([2, 2], [1, 0, 1, 0.5])
        #expect(isClose(try loss.forward(x, t), 1.5 * log(2), rtol: 1e-15))
        // ∂L/∂x = (σ − t)/4 = [−1/2, 3/4, −3/4, 0]/4
        #expect(isClose(try loss.backward(), tensor([2, 2], [-0.125, 0.1875, -0.1875, 0]), rtol: 1e-14, atol: 1e-16))
    }

    @Test func logitsOfPlusMinusAThousand() throws {
        let loss = SigmoidBCE()
        // x = 1000, t = 0 → 1000; x = −1000, t = 0 → 0; x = 1000, t = 1 → 0; x = −1000, t = 1 → 1000
        let value = try loss.forward(tensor([4], [1000, -1000, 1000, -1000]), tensor([4], [0, 0, 1, 1]))
        #expect(value.isFinite)
        #expect(isClose(value, 2000.0 / 4, rtol: 1e-15))
        // (σ − t)/4 = [1 − 0, 0 − 0, 1 − 1, 0 − 1]/4
        let grad = try loss.backward()
        #expect(grad.isFinite)
        #expect(grad == tensor([4], [0.25, 0, 0, -0.25]))
    }

    @Test func mismatchedShapesNameTheLayerAndShapes() {
        expectLayerError(mentioning: ["SigmoidBCE", "[3]", "[4]"]) {
            _ = try SigmoidBCE().forward(.zeros([3]), .zeros([4]))
        }
    }
}

@Suite struct MSETests {
    @Test func lossAndGradientByHand() throws {
        let loss = MSE()
        // y − t = [1, 0, −2, 0]: L = (1 + 4)/4 = 1.25; ∂L/∂y = 2(y − t)/4 = [0.5, 0, −1, 0]
        let value = try loss.forward(tensor([2, 2], [1, 2, 3, 4]), tensor([2, 2], [0, 2, 5, 4]))
        #expect(value == 1.25)
        #expect(try loss.backward() == tensor([2, 2], [0.5, 0, -1, 0]))
    }

    @Test func mismatchedShapesNameTheLayerAndShapes() {
        expectLayerError(mentioning: ["MSE", "[2, 2]", "[4]"]) {
            _ = try MSE().forward(.zeros([2, 2]), .zeros([4]))
        }
    }
}
