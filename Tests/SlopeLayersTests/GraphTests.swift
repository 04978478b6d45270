import Testing

@testable import SlopeLayers

@Suite struct GraphTests {
    /// J = 3(a + b·c), the seed's example, built from Mul, Add and a scalar constant 3.
    func seedExample() -> Graph {
        let g = Graph()
        let a = g.input("a"), b = g.input("b"), c = g.input("c")
        let u = g.apply(Mul(), b, c)  // u = b·c
        let v = g.apply(Add(), a, u)  // v = a + u
        g.output = g.apply(Mul(), g.constant(Tensor(scalar: 3)), v)  // J = 3v
        return g
    }

    @Test func seedExampleGivesThirtyThreeAndGradientsThreeSixNine() throws {
        let g = seedExample()
        // a = 5, b = 3, c = 2: J = 3(5 + 3·2) = 33
        let j = try g.forward([Tensor(scalar: 5), Tensor(scalar: 3), Tensor(scalar: 2)])
        #expect(j == Tensor(scalar: 33))
        // ∂J/∂a = 3, ∂J/∂b = 3c = 6, ∂J/∂c = 3b = 9 (exact)
        let grads = try g.backward(Tensor(scalar: 1))
        #expect(grads == [Tensor(scalar: 3), Tensor(scalar: 6), Tensor(scalar: 9)])
    }

    @Test func inputsAndGradientsByName() throws {
        let g = seedExample()
        #expect(g.inputNames == ["a", "b", "c"] && g.arity == 3)
        let j = try g.forward(["c": Tensor(scalar: 2), "a": Tensor(scalar: 5), "b": Tensor(scalar: 3)])
        #expect(j.scalar == 33)
        // an upstream of 2 doubles every gradient (J is linear in the upstream)
        let grads = try g.gradients(Tensor(scalar: 2))
        #expect(grads == ["a": Tensor(scalar: 6), "b": Tensor(scalar: 12), "c": Tensor(scalar: 18)])
        expectLayerError(mentioning: ["Graph", "\"c\""]) { _ = try g.forward(["a": Tensor(scalar: 5), "b": Tensor(scalar: 3)]) }
    }

    @Test func aValueMultipliedByItselfGetsTwoX() throws {
        let g = Graph()
        let x = g.input("x")
        g.apply(Mul(), x, x)  // y = x·x
        let xs = tensor([3], [1, -2, 3])
        #expect(try g.forward([xs]) == tensor([3], [1, 4, 9]))
        // ∂y/∂x = x + x = 2x: both operand gradients land on the same value and are summed
        #expect(try g.backward(tensor([3], [1, 1, 1])) == [tensor([3], [2, -4, 6])])
    }

    @Test func aDiamondSumsTheGradientsOfBothPaths() throws {
        // x feeds p = 3x and q = x + 1; J = p·q = 3x² + 3x, ∂J/∂x = 6x + 3
        let g = Graph()
        let x = g.input("x")
        let p = g.apply(Mul(), x, g.constant(Tensor(scalar: 3)))
        let q = g.apply(Add(), x, g.constant(Tensor(scalar: 1)))
        g.apply(Mul(), p, q)
        // x = 2: J = 6·3 = 18; ∂J/∂x = q·3 + p·1 = 9 + 6 = 15
        #expect(try g.forward([Tensor(scalar: 2)]).scalar == 18)
        #expect(try g.backward(Tensor(scalar: 1)) == [Tensor(scalar: 15)])
    }

    @Test func anInputThatDoesNotReachTheOutputGetsZeros() throws {
        let g = Graph()
        let x = g.input("x"), unused = g.input("unused")
        let y = g.apply(ReLU(), x)
        _ = g.apply(Sigmoid(), unused)  // built after y, but not part of the output
        g.output = y
        _ = try g.forward([tensor([2], [-1, 2]), tensor([3], [1, 2, 3])])
        #expect(try g.backward(tensor([2], [5, 5])) == [tensor([2], [0, 5]), .zeros([3])])
    }

    @Test func parametersOfItsLayersAccumulate() throws {
        // y = Affine(x) with W = [[2]], b = [1]: ∂L/∂W = Σ x·dout, ∂L/∂b = Σ dout
        let g = Graph()
        let affine = Affine(weight: tensor([1, 1], [2]), bias: tensor([1], [1]))
        g.apply(affine, g.input("x"))
        #expect(g.parameters.map(\.name) == ["W", "b"] && g.layers.count == 1)
        #expect(try g.forward([tensor([2, 1], [1, 3])]) == tensor([2, 1], [3, 7]))
        #expect(try g.backward(tensor([2, 1], [1, 1])) == [tensor([2, 1], [2, 2])])
        #expect(affine.W.gradient == tensor([1, 1], [4]) && affine.b.gradient == tensor([1], [2]))
        g.zeroGradients()
        #expect(affine.W.gradient == tensor([1, 1], [0]) && affine.b.gradient == tensor([1], [0]))
    }

    @Test func errorsNameTheGraphOrTheFailingLayer() throws {
        let g = seedExample()
        expectLayerError(mentioning: ["Graph", "before forward"]) { _ = try g.backward(Tensor(scalar: 1)) }
        expectLayerError(mentioning: ["Graph", "takes 3 inputs, got 2"]) {
            _ = try g.forward([Tensor(scalar: 1), Tensor(scalar: 1)])
        }
        // a node's own shape error surfaces with that node's name
        expectLayerError(mentioning: ["Mul", "[2]", "[3]"]) {
            _ = try g.forward([Tensor(scalar: 1), .zeros([2]), .zeros([3])])
        }
        _ = try g.forward([Tensor(scalar: 5), Tensor(scalar: 3), Tensor(scalar: 2)])
        expectLayerError(mentioning: ["Graph", "[2]", "[]"]) { _ = try g.backward(.zeros([2])) }
    }
}
