import Foundation
import SlopeTestSupport
import Testing

@testable import SlopeLayers

@Suite struct ReLUTests {
    @Test func forwardBackwardAndDecisions() throws {
        let relu = ReLU()
        let x = tensor([5], [-2, -0.5, 0, 0.5, 3])
        #expect(try relu.forward(x) == tensor([5], [0, 0, 0, 0.5, 3]))
        // ∂L/∂x = dout·[x > 0] (0 at x = 0)
        #expect(try relu.backward(tensor([5], [1, 2, 3, 4, 5])) == [tensor([5], [0, 0, 0, 4, 5])])
        #expect(relu.decisions == [0, 0, 0, 1, 1])
    }
}

@Suite struct LeakyReLUTests {
    @Test func forwardAndBackwardWithAlphaATenth() throws {
        let layer = LeakyReLU(alpha: 0.1)
        let x = tensor([5], [-2, -0.5, 0, 0.5, 3])
        // y = x for x > 0, 0.1x otherwise
        #expect(isClose(try layer.forward(x), tensor([5], [-0.2, -0.05, 0, 0.5, 3])))
        // ∂L/∂x = dout·(x > 0 ? 1 : 0.1)
        #expect(isClose(try layer.backward(tensor([5], [1, 2, 3, 4, 5]))[0], tensor([5], [0.1, 0.2, 0.3, 4, 5])))
        #expect(layer.decisions == [0, 0, 0, 1, 1])
    }

    @Test func registryDefaultAlphaIsOneHundredth() throws {
        let layer = try buildLayer(.leakyReLU)
        #expect(try layer.forward([tensor([1], [-3])]) == tensor([1], [-0.03]))
    }
}

@Suite struct SigmoidTests {
    @Test func forwardAndBackwardByHand() throws {
        let layer = Sigmoid()
        // σ(0) = 1/2, σ(ln 3) = 1/(1 + 1/3) = 3/4, σ(−ln 3) = 1/4
        let x = tensor([3], [0, log(3), -log(3)])
        #expect(isClose(try layer.forward(x), tensor([3], [0.5, 0.75, 0.25]), rtol: 1e-15, atol: 1e-15))
        // σ' = y(1 − y): 1/4, 3/16, 3/16; times dout [1, 1, 2]
        let dx = try layer.backward(tensor([3], [1, 1, 2]))[0]
        #expect(isClose(dx, tensor([3], [0.25, 0.1875, 0.375]), rtol: 1e-14))
    }

    @Test func saturatesToExactLimitsAtPlusMinusAThousand() throws {
        let layer = Sigmoid()
        let y = try layer.forward(tensor([2, 2], [1000, -1000, 40, -800]))
        #expect(y.isFinite)
        #expect(y[0, 0] == 1 && y[0, 1] == 0)
        #expect(isClose(y[1, 0], 1, rtol: 1e-16) && y[1, 1] >= 0 && y[1, 1] < 1e-300)
        let dx = try layer.backward(Tensor(shape: [2, 2], repeating: 1))[0]
        #expect(dx.isFinite)
        #expect(dx[0, 0] == 0 && dx[0, 1] == 0)
    }

    /// Every path (scalar, glibc's AVX2 exp, Slope's own AVX-512 exp) is within 4 ulps of
    /// 1/(1 + e⁻ˣ) with libm's exp across the whole range, and exact where σ is 0, ½ or 1.
    @Test func everyPathIsWithinFourUlpsOfTheFormula() throws {
        let layer = Sigmoid()
        defer { layer.forcedPath = nil }
        var values = (0...200_000).map { -745 + 1490 * Double($0) / 200_000 }
        values += (0...20_000).map { -40 + 80 * Double($0) / 20_000 }
        let specials: [Double] = [0, -0.0, .infinity, -.infinity, 1000, -1000, 709.9, -709.9, 745.5, -745.5]
        for path in layer.availablePaths {
            layer.forcedPath = path
            let y = try layer.forward(Tensor(shape: [values.count], data: values)).data
            var worst = 0.0
            for (x, s) in zip(values, y) {
                let expected = 1 / (1 + exp(-x))
                worst = max(worst, abs(s - expected) / expected.ulp)
            }
            #expect(worst <= 4, "\(path): \(worst) ulps")
            let z = try layer.forward(Tensor(shape: [specials.count + 1], data: specials + [.nan])).data
            #expect(Array(z.prefix(specials.count)) == specials.map { 1 / (1 + exp(-$0)) }, "\(path)")
            #expect(z.last!.isNaN, "\(path)")
        }
    }
}

@Suite struct TanhTests {
    @Test func forwardAndBackwardByHand() throws {
        let layer = Tanh()
        // tanh(ln 2) = (2 − 1/2)/(2 + 1/2) = 0.6; tanh is odd
        let y = try layer.forward(tensor([3], [0, log(2), -log(2)]))
        #expect(isClose(y, tensor([3], [0, 0.6, -0.6]), rtol: 1e-15, atol: 1e-16))
        // 1 − y² = 1, 0.64, 0.64; times dout [2, 1, 1]
        #expect(isClose(try layer.backward(tensor([3], [2, 1, 1]))[0], tensor([3], [2, 0.64, 0.64]), rtol: 1e-14))
    }

    @Test func saturatesAtPlusMinusAThousand() throws {
        let layer = Tanh()
        #expect(try layer.forward(tensor([2], [1000, -1000])) == tensor([2], [1, -1]))
        #expect(try layer.backward(tensor([2], [1, 1]))[0] == tensor([2], [0, 0]))
    }
}

@Suite struct SoftmaxTests {
    // Row 0: exp([0, ln 2, ln 3]) = [1, 2, 3] → [1/6, 1/3, 1/2]; row 1: equal logits → 1/3 each.
    let x = tensor([2, 3], [0, log(2), log(3), 1, 1, 1])
    let expected = tensor([2, 3], [1.0 / 6, 1.0 / 3, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3])

    @Test func forwardByHand() throws {
        #expect(isClose(try Softmax().forward(x), expected, rtol: 1e-15, atol: 1e-16))
    }

    @Test func backwardByHand() throws {
        let layer = Softmax()
        _ = try layer.forward(x)
        // ∂L/∂x = y ⊙ (dout − Σ dout·y).
        // Row 0, dout = [1, 0, 0]: Σ = 1/6 → [1/6·5/6, 1/3·(−1/6), 1/2·(−1/6)] = [5, −2, −3]/36.
        // Row 1, dout = [1, 2, 3]: Σ = 2 → 1/3·[−1, 0, 1].
        let dx = try layer.backward(tensor([2, 3], [1, 0, 0, 1, 2, 3]))[0]
        let hand = tensor([2, 3], [5.0 / 36, -2.0 / 36, -3.0 / 36, -1.0 / 3, 0, 1.0 / 3])
        #expect(isClose(dx, hand, rtol: 1e-14, atol: 1e-16))
    }

    @Test func worksOnTheLastAxisOfA3DTensor() throws {
        let y = try Softmax().forward(x.reshaped([1, 2, 3]))
        #expect(isClose(y, expected.reshaped([1, 2, 3]), rtol: 1e-15, atol: 1e-16))
    }

    @Test func logitsOfPlusMinusAThousandStayFinite() throws {
        let layer = Softmax()
        let y = try layer.forward(tensor([2, 3], [1000, -1000, 0, 1000, 1000, -1000]))
        #expect(y == tensor([2, 3], [1, 0, 0, 0.5, 0.5, 0]))
        let dx = try layer.backward(tensor([2, 3], [1, 2, 3, 1, -1, 5]))[0]
        // row 0: y = e₀ → y ⊙ (dout − dout₀) = 0; row 1: Σ dout·y = 0 → [0.5, −0.5, 0]
        #expect(dx.isFinite)
        #expect(dx == tensor([2, 3], [0, 0, 0, 0.5, -0.5, 0]))
    }

    @Test func shiftInvariance() throws {
        #expect(isClose(try Softmax().forward(x + 500), expected, rtol: 1e-13, atol: 1e-15))
    }

    @Test func aScalarOrAnEmptyLastAxisIsRejected() {
        expectLayerError(mentioning: ["Softmax", "[]"]) { _ = try Softmax().forward(Tensor(scalar: 1)) }
        expectLayerError(mentioning: ["Softmax", "[2, 0]"]) { _ = try Softmax().forward(.zeros([2, 0])) }
    }
}
