import Testing

@testable import SlopeLayers

@Suite struct MulTests {
    @Test func forwardAndBackwardOfEqualShapes() throws {
        let mul = Mul()
        let x = tensor([3], [1, 2, 3]), y = tensor([3], [4, 5, 6])
        // z = x ⊙ y = [4, 10, 18]
        #expect(try mul.forward([x, y]) == tensor([3], [4, 10, 18]))
        // ∂L/∂x = dout ⊙ y = [1·4, 1·5, 2·6]; ∂L/∂y = dout ⊙ x = [1·1, 1·2, 2·3]
        let grads = try mul.backward(tensor([3], [1, 1, 2]))
        #expect(grads == [tensor([3], [4, 5, 12]), tensor([3], [1, 2, 6])])
    }

    @Test func scalarOnTheRightIsBroadcastAndItsGradientSummed() throws {
        let mul = Mul()
        let x = tensor([2, 2], [1, 2, 3, 4])
        // z = 3x
        #expect(try mul.forward([x, Tensor(scalar: 3)]) == tensor([2, 2], [3, 6, 9, 12]))
        // ∂L/∂x = 3·dout; ∂L/∂s = Σ dout ⊙ x = 1·1 + 0·2 + 2·3 + 1·4 = 11, shape [] like s
        let grads = try mul.backward(tensor([2, 2], [1, 0, 2, 1]))
        #expect(grads[0] == tensor([2, 2], [3, 0, 6, 3]))
        #expect(grads[1] == Tensor(scalar: 11))
    }

    @Test func oneElementTensorOnTheLeftIsBroadcast() throws {
        let mul = Mul()
        let s = tensor([1], [-2]), y = tensor([2, 2], [1, 2, 3, 4])
        #expect(try mul.forward([s, y]) == tensor([2, 2], [-2, -4, -6, -8]))
        // ∂L/∂s = Σ dout ⊙ y = 1 + 2 + 3 + 4 = 10 (shape [1]); ∂L/∂y = −2·dout
        let grads = try mul.backward(Tensor(shape: [2, 2], repeating: 1))
        #expect(grads == [tensor([1], [10]), Tensor(shape: [2, 2], repeating: -2)])
    }

    @Test func mismatchedShapesNameTheLayerAndBothShapes() {
        expectLayerError(mentioning: ["Mul", "[2, 3]", "[3, 2]"]) {
            _ = try Mul().forward([.zeros([2, 3]), .zeros([3, 2])])
        }
    }
}

@Suite struct AddTests {
    @Test func forwardAndBackwardOfEqualShapes() throws {
        let add = Add()
        #expect(try add.forward([tensor([2], [1, 2]), tensor([2], [10, 20])]) == tensor([2], [11, 22]))
        // ∂L/∂x = ∂L/∂y = dout
        let dout = tensor([2], [3, -1])
        #expect(try add.backward(dout) == [dout, dout])
    }

    @Test func scalarIsBroadcastAndGetsTheSumOfTheUpstream() throws {
        let add = Add()
        let x = tensor([2, 2], [1, 2, 3, 4])
        #expect(try add.forward([x, Tensor(scalar: 10)]) == tensor([2, 2], [11, 12, 13, 14]))
        // ∂L/∂x = dout; ∂L/∂s = Σ dout = 1 + 0 + 2 + 1 = 4
        let dout = tensor([2, 2], [1, 0, 2, 1])
        #expect(try add.backward(dout) == [dout, Tensor(scalar: 4)])
        // scalar on the left
        let left = Add()
        #expect(try left.forward([Tensor(scalar: -1), x]) == tensor([2, 2], [0, 1, 2, 3]))
        #expect(try left.backward(dout) == [Tensor(scalar: 4), dout])
    }

    @Test func mismatchedShapesNameTheLayerAndBothShapes() {
        expectLayerError(mentioning: ["Add", "[2, 3]", "[6]"]) {
            _ = try Add().forward([.zeros([2, 3]), .zeros([6])])
        }
    }
}
