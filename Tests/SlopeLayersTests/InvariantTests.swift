import SlopeTestSupport
import Testing

@testable import SlopeLayers

/// Properties every layer kind must have, checked on the example of each `LayerKind`
/// (LayerExamples.swift), built from the registry.
@Suite struct InvariantTests {
    /// A random upstream of `shape` (ones would hide bugs).
    static func upstream(_ shape: [Int], seed: UInt64 = 99) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return .uniform(shape, in: -1..<1, using: &g)
    }

    @Test(arguments: LayerKind.allCases)
    func backwardLeavesUpstreamInputsAndCacheUntouched(kind: LayerKind) throws {
        let example = kind.example()
        let inputs = example.inputs.map { $0.copied() }
        switch example.build() {
        case .layer(let layer):
            let output = try layer.forward(inputs)
            let dout = Self.upstream(output.shape)
            let doutCopy = dout.copied()
            let first = try layer.backward(dout)
            #expect(dout == doutCopy, "upstream modified")
            #expect(inputs == example.inputs, "forward or backward modified an input")
            // a second backward sees the same cache, so returns the same input gradients
            #expect(try layer.backward(dout) == first, "the cached forward state changed during backward")
            #expect(try layer.forward(inputs) == output)
        case .multiOutput: Issue.record("no built-in kind has several outputs")
        case .loss(let loss):
            let target = try #require(example.target)
            let targetCopy = target.copied()
            _ = try loss.forward(inputs[0], target)
            let first = try loss.backward()
            #expect(inputs == example.inputs && target == targetCopy, "a loss modified its arguments")
            #expect(try loss.backward() == first)
        }
    }

    @Test(arguments: LayerKind.allCases)
    func gradientShapesEqualInputShapes(kind: LayerKind) throws {
        let example = kind.example()
        switch example.build() {
        case .layer(let layer):
            let output = try layer.forward(example.inputs)
            let grads = try layer.backward(Self.upstream(output.shape))
            #expect(grads.map(\.shape) == example.inputs.map(\.shape))
            for parameter in layer.parameters { #expect(parameter.gradient.shape == parameter.value.shape) }
        case .multiOutput: Issue.record("no built-in kind has several outputs")
        case .loss(let loss):
            _ = try loss.forward(example.inputs[0], try #require(example.target))
            #expect(try loss.backward().shape == example.inputs[0].shape)
        }
    }

    @Test(arguments: LayerKind.allCases.filter { !$0.isLoss })
    func parameterGradientsAccumulateOverTwoBackwardCalls(kind: LayerKind) throws {
        let example = kind.example()
        let layer = try example.layer()
        #expect(layer.parameters.map(\.name) == kind.parameterNames)
        let output = try layer.forward(example.inputs)
        let dout = Self.upstream(output.shape)
        layer.zeroGradients()
        _ = try layer.backward(dout)
        let once = layer.parameters.map(\.gradient)
        for g in once { #expect(g.maxMagnitude > 0, "\(kind.rawValue): a parameter got no gradient") }
        _ = try layer.backward(dout)
        for (parameter, g) in zip(layer.parameters, once) {
            #expect(isClose(parameter.gradient, g * 2, rtol: 1e-14, atol: 1e-15), "\(parameter.name) did not accumulate")
        }
        layer.zeroGradients()
        #expect(layer.parameters.allSatisfy { $0.gradient.maxMagnitude == 0 })
    }

    @Test(arguments: LayerKind.allCases)
    func forwardIsDeterministic(kind: LayerKind) throws {
        let example = kind.example()
        switch (example.build(parameterSeed: 4), example.build(parameterSeed: 4)) {
        case (.layer(let a), .layer(let b)):
            let y = try a.forward(example.inputs)
            #expect(try a.forward(example.inputs) == y, "the same layer twice")
            #expect(try b.forward(example.inputs) == y, "two layers built from the same seed")
        case (.loss(let a), .loss(let b)):
            let target = try #require(example.target)
            let value = try a.forward(example.inputs[0], target)
            #expect(try a.forward(example.inputs[0], target) == value)
            #expect(try b.forward(example.inputs[0], target) == value)
            #expect(value.isFinite)
        default:
            Issue.record("the registry built \(kind.rawValue) as a layer once and as a loss once")
        }
    }

    /// Central differences of L = Σ upstream ⊙ f(x) (or of the loss) for every input and
    /// parameter element: a cross-check of the hand-derived values on other shapes.
    @Test(arguments: LayerKind.allCases)
    func analyticGradientsMatchCentralDifferences(kind: LayerKind) throws {
        let example = kind.example()
        let h = 1e-6
        var worst = 0.0
        func compare(_ analytic: Double, _ numeric: Double) {
            worst = max(worst, abs(analytic - numeric) / max(1, abs(numeric)))
        }
        switch example.build() {
        case .layer(let layer):
            let dout = Self.upstream(try layer.forward(example.inputs).shape)
            let objective = { (inputs: [Tensor]) throws -> Double in try layer.forward(inputs).dot(dout) }
            _ = try layer.forward(example.inputs)
            layer.zeroGradients()
            let grads = try layer.backward(dout)
            let parameterGrads = layer.parameters.map(\.gradient)
            for (i, input) in example.inputs.enumerated() {
                for k in 0..<input.count {
                    var plus = example.inputs, minus = example.inputs
                    plus[i].data[k] += h
                    minus[i].data[k] -= h
                    compare(grads[i].data[k], (try objective(plus) - objective(minus)) / (2 * h))
                }
            }
            for (parameter, analytic) in zip(layer.parameters, parameterGrads) {
                for k in 0..<parameter.value.count {
                    let saved = parameter.value.data[k]
                    parameter.value.data[k] = saved + h
                    let up = try objective(example.inputs)
                    parameter.value.data[k] = saved - h
                    let down = try objective(example.inputs)
                    parameter.value.data[k] = saved
                    compare(analytic.data[k], (up - down) / (2 * h))
                }
            }
        case .multiOutput: Issue.record("no built-in kind has several outputs")
        case .loss(let loss):
            let target = try #require(example.target)
            let x = example.inputs[0]
            _ = try loss.forward(x, target)
            let grad = try loss.backward()
            for k in 0..<x.count {
                var plus = x, minus = x
                plus.data[k] += h
                minus.data[k] -= h
                compare(grad.data[k], (try loss.forward(plus, target) - loss.forward(minus, target)) / (2 * h))
            }
        }
        #expect(worst < 1e-7, "\(kind.rawValue): worst relative error \(worst)")
    }

    @Test(arguments: LayerKind.allCases)
    func backwardBeforeForwardNamesTheLayer(kind: LayerKind) throws {
        let example = kind.example()
        let built = example.build()
        let error = expectLayerError(mentioning: [kind.rawValue, "before forward"]) {
            switch built {
            case .layer(let layer): _ = try layer.backward(Self.upstream(example.inputs[0].shape))
            case .multiOutput: Issue.record("no built-in kind has several outputs")
            case .loss(let loss): _ = try loss.backward()
            }
        }
        #expect(error == .backwardBeforeForward(layer: kind.rawValue))
    }

    @Test(arguments: LayerKind.allCases.filter { !$0.isLoss })
    func wrongInputCountNamesTheLayerAndTheCounts(kind: LayerKind) throws {
        let example = kind.example()
        let layer = try example.layer()
        let tooMany = example.inputs + [example.inputs[0]]
        let expected = kind.arity == 1 ? "takes 1 input, got 2" : "takes 2 inputs, got 3"
        expectLayerError(mentioning: [kind.rawValue, expected]) { _ = try layer.forward(tooMany) }
        expectLayerError(mentioning: [kind.rawValue, "got 0"]) { _ = try layer.forward([]) }
    }

    @Test(arguments: LayerKind.allCases)
    func wrongShapesNameTheLayerAndTheShapes(kind: LayerKind) throws {
        let example = kind.example()
        let built = example.build()
        guard let wrong = example.wrongInputs else {
            // element-wise kinds accept any shape: the output keeps it
            guard case .layer(let layer) = built else { Issue.record("a loss needs a wrong shape"); return }
            let x = Self.upstream([2, 1, 3])
            #expect(try layer.forward([x]).shape == [2, 1, 3])
            return
        }
        expectLayerError(mentioning: [kind.rawValue] + example.wrongShapeMentions) {
            switch built {
            case .layer(let layer): _ = try layer.forward(wrong)
            case .multiOutput: Issue.record("no built-in kind has several outputs")
            case .loss(let loss): _ = try loss.forward(wrong[0], try #require(example.target))
            }
        }
    }

    @Test(arguments: LayerKind.allCases.filter { !$0.isLoss })
    func upstreamOfTheWrongShapeNamesBothShapes(kind: LayerKind) throws {
        let example = kind.example()
        let layer = try example.layer()
        let shape = try layer.forward(example.inputs).shape
        var bigger = shape
        bigger[0] += 1
        // another count, and the same count under another shape
        for bad in [Tensor.zeros(bigger), Tensor.zeros([Tensor.count(of: shape)])] {
            let error = expectLayerError(mentioning: [kind.rawValue, "\(bad.shape)", "\(shape)"]) {
                _ = try layer.backward(bad)
            }
            #expect(error == .upstreamShape(layer: kind.rawValue, expected: shape, actual: bad.shape))
        }
        layer.zeroGradients()
        _ = try? layer.backward(.zeros(bigger))
        #expect(layer.parameters.allSatisfy { $0.gradient.maxMagnitude == 0 }, "a rejected backward added to a gradient")
    }
}
