import Testing

@testable import SlopeLayers

@Suite struct AffineTests {
    // x = [[1, 2, 3], [4, 5, 6]], W = [[1, 0], [0, 1], [1, −1]], b = [0.5, −0.5]
    func makeLayer() -> Affine {
        Affine(weight: tensor([3, 2], [1, 0, 0, 1, 1, -1]), bias: tensor([2], [0.5, -0.5]))
    }
    let x = tensor([2, 3], [1, 2, 3, 4, 5, 6])
    let dout = tensor([2, 2], [1, 2, 3, 4])

    @Test func forwardByHand() throws {
        // xW = [[1 + 3, 2 − 3], [4 + 6, 5 − 6]] = [[4, −1], [10, −1]]; + b
        #expect(try makeLayer().forward(x) == tensor([2, 2], [4.5, -1.5, 10.5, -1.5]))
    }

    @Test func backwardByHand() throws {
        let layer = makeLayer()
        _ = try layer.forward(x)
        // ∂L/∂x = dout·Wᵀ, Wᵀ = [[1, 0, 1], [0, 1, −1]]: [[1, 2, 1 − 2], [3, 4, 3 − 4]]
        #expect(try layer.backward(dout) == [tensor([2, 3], [1, 2, -1, 3, 4, -1])])
        // ∂L/∂W = xᵀ·dout = [[1·1 + 4·3, 1·2 + 4·4], [2 + 15, 4 + 20], [3 + 18, 6 + 24]]
        #expect(layer.W.gradient == tensor([3, 2], [13, 18, 17, 24, 21, 30]))
        // ∂L/∂b = Σₙ doutₙ = [1 + 3, 2 + 4]
        #expect(layer.b.gradient == tensor([2], [4, 6]))
        #expect(layer.parameters.map(\.name) == ["W", "b"])
        #expect(layer.parameter(named: "b") === layer.b)
    }

    /// backwardParameters adds exactly what backwardInput adds, in both the C and the BLAS
    /// path, and changes neither the upstream gradient nor the cached input.
    @Test(arguments: [(2, 3, 2), (90, 1, 25), (90, 25, 1), (40, 35, 30)])
    func backwardParametersAddsWhatBackwardInputAdds(n: Int, inCount: Int, out: Int) throws {
        var g = SeededGenerator(seed: 11)
        let full = Affine(inFeatures: inCount, outFeatures: out, using: &g)
        full.b.value = .uniform([out], using: &g)
        let only = Affine(weight: full.W.value, bias: full.b.value)
        let x = Tensor.uniform([n, inCount], using: &g), dout = Tensor.uniform([n, out], using: &g)
        let (xCopy, doutCopy) = (x, dout)
        for layer in [full, only] { _ = try layer.forward(x) }
        for _ in 0..<2 {  // twice: both accumulate
            _ = try full.backwardInput(dout)
            try only.backwardParameters(dout)
        }
        #expect(only.W.gradient == full.W.gradient)
        #expect(only.b.gradient == full.b.gradient)
        #expect(x == xCopy && dout == doutCopy)
        #expect(try only.backwardInput(dout) == full.backwardInput(dout))  // the input gradient is still right
    }

    @Test func aBatchLargeEnoughForBLASMatchesTheLoops() throws {
        // N·in·out = 40·35·30 = 42,000 ≥ blasThreshold: forward and both products go through dgemm.
        var g = SeededGenerator(seed: 3)
        let (n, i, o) = (40, 35, 30)
        let layer = Affine(inFeatures: i, outFeatures: o, using: &g)
        layer.b.value = .uniform([o], using: &g)
        let x = Tensor.uniform([n, i], using: &g), dout = Tensor.uniform([n, o], using: &g)
        let y = try layer.forward(x)
        let dx = try layer.backward(dout)[0]
        let W = layer.W.value, b = layer.b.value
        var maxError = 0.0
        for r in 0..<n {
            for c in 0..<o {
                var total = b[c]
                for k in 0..<i { total += x[r, k] * W[k, c] }
                maxError = max(maxError, abs(total - y[r, c]))
            }
            for k in 0..<i {
                var total = 0.0
                for c in 0..<o { total += dout[r, c] * W[k, c] }
                maxError = max(maxError, abs(total - dx[r, k]))
            }
        }
        for k in 0..<i {
            for c in 0..<o {
                var total = 0.0
                for r in 0..<n { total += x[r, k] * dout[r, c] }
                maxError = max(maxError, abs(total - layer.W.gradient[k, c]))
            }
        }
        #expect(maxError < 1e-12)
    }

    @Test func glorotInitialisationIsSeededBoundedAndBiasIsZero() {
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = Affine(inFeatures: 4, outFeatures: 2, using: &g1)
        let b = Affine(inFeatures: 4, outFeatures: 2, using: &g2)
        #expect(a.W.value == b.W.value)
        #expect(a.W.value.shape == [4, 2] && a.inFeatures == 4 && a.outFeatures == 2)
        #expect(a.W.value.maxMagnitude < 1.0)  // √(6/6) = 1
        #expect(a.b.value == .zeros([2]))
    }

    @Test func wrongInputShapeNamesTheLayerAndTheShape() {
        let error = expectLayerError(mentioning: ["Affine", "[4, 5]", "[N, 3]"]) {
            _ = try makeLayer().forward(Tensor.zeros([4, 5]))
        }
        #expect(error == .shapeMismatch(layer: "Affine", expected: "x of shape [N, 3]", actual: [[4, 5]]))
        expectLayerError(mentioning: ["Affine", "[3]"]) { _ = try makeLayer().forward(Tensor.zeros([3])) }
    }

    @Test func wrongUpstreamShapeNamesBothShapes() throws {
        let layer = makeLayer()
        _ = try layer.forward(x)
        expectLayerError(mentioning: ["Affine", "[2, 3]", "[2, 2]"]) { _ = try layer.backward(.zeros([2, 3])) }
        #expect(layer.W.gradient == .zeros([3, 2]), "a rejected backward adds nothing")
    }
}
