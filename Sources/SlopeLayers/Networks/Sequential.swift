/// A chain of layers, optionally ending in a loss: the one chain that both training and
/// gradient checks run.
///
/// As a `Layer` it maps the input to the last layer's output (the prediction);
/// `loss(_:_:)` adds the loss and `backwardLoss()` returns ∂loss/∂input, accumulating
/// every parameter gradient on the way. `backwardParameters(_:)` is the training step's
/// backward: the same chain, but the first layer only accumulates its parameter gradients
/// (nobody reads ∂L/∂x of the network's input).
///
/// Each layer's output and gradient are checked against the contract of `Layer` (a data
/// array that fills its shape, one gradient of the input's shape): a user's layer may be
/// wrong, and the chain names it (`LayerError.brokenContract`) instead of trapping.
public final class Sequential: UnaryLayer {
    public let kindName = "Sequential"
    public let layers: [any Layer]
    public let lossLayer: (any LossLayer)?
    private let stages: [Stage]
    /// The shape each layer's input had in the last forward pass (to check its gradient).
    /// (Unchecked exclusivity, as `Parameter`'s: accessed on every pass, never overlapping.)
    @exclusivity(unchecked) private var inputShapes: [[Int]] = []

    public init(_ layers: [any Layer], loss: (any LossLayer)? = nil) {
        precondition(layers.allSatisfy { $0.arity == 1 }, "Sequential takes one-input layers")
        self.layers = layers
        self.lossLayer = loss
        stages = layers.map { layer in
            if let unary = layer as? any UnaryLayer { .unary(unary) } else { .general(layer) }
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var sublayers: [any Layer] { layers }

    /// Parameters with unique names: `"<index>.<Kind>.<name>"`, e.g. `"0.Affine.W"`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, layer in
            layer.parameters.map { ("\(index).\(layer.kindName).\($0.name)", $0) }
        }
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        try forward(x) { _, _ in false }.output
    }

    /// The forward pass, asking `stop(index, output)` after each layer whether to stop there
    /// (the trainer's checked step stops at the first non-finite output).
    ///
    /// The loops run over indices of the chain's own arrays: a `for … in` loop copies each
    /// element out (a retain and a release per element and step), an index borrows it.
    public func forward(_ x: Tensor, until stop: (Int, Tensor) -> Bool) throws(LayerError) -> (
        output: Tensor, stoppedAt: Int?
    ) {
        var value = x
        inputShapes.removeAll(keepingCapacity: true)
        let stages = self.stages
        for index in stages.indices {
            inputShapes.append(value.shape)
            value = try stages[index].forward(value)
            guard Tensor.validCount(of: value.shape) == value.count else {
                throw .brokenContract(
                    layer: name(index), detail: "forward returned a tensor of shape \(value.shape) holding \(value.count) values")
            }
            if stop(index, value) { return (value, index) }
        }
        return (value, nil)
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        try backward(upstream, throughFirst: true) { _, _ in false }.gradient
    }

    /// The training step's backward: every layer, the first one through its
    /// `backwardParameters` (its input gradient is not needed).
    public func backwardParameters(_ upstream: Tensor) throws(LayerError) {
        _ = try backward(upstream, throughFirst: false) { _, _ in false }
    }

    /// Each layer's backward, last to first, asking `stop(index, inputGradient)` after each
    /// whether to stop there (the gradient is nil after the first layer's parameter half,
    /// when `throughFirst` is false).
    public func backward(_ upstream: Tensor, throughFirst: Bool, until stop: (Int, Tensor?) -> Bool) throws(LayerError)
        -> (gradient: Tensor, stoppedAt: Int?)
    {
        guard inputShapes.count == layers.count else { throw .backwardBeforeForward(layer: kindName) }
        var gradient = upstream
        let stages = self.stages
        for index in stages.indices.reversed() {
            if index == 0 && !throughFirst {
                try stages[0].backwardParameters(gradient)
                return (gradient, stop(0, nil) ? 0 : nil)
            }
            do { gradient = try stages[index].backward(gradient) } catch .wrongGradientCount(let returned) {
                throw .brokenContract(layer: name(index), detail: "backward returned \(returned) gradients for 1 input")
            }
            guard gradient.shape == inputShapes[index], Tensor.validCount(of: gradient.shape) == gradient.count else {
                throw .brokenContract(
                    layer: name(index),
                    detail: "backward returned a gradient of shape \(gradient.shape) for an input of shape \(inputShapes[index])")
            }
            if stop(index, gradient) { return (gradient, index) }
        }
        return (gradient, nil)
    }

    private func name(_ index: Int) -> String { "layer \(index) (\(layers[index].kindName))" }

    /// The loss of the prediction for `x` against `target`.
    public func loss(_ x: Tensor, _ target: Tensor) throws(LayerError) -> Double {
        guard let lossLayer else { throw .missingConfig(layer: kindName, key: "loss") }
        return try lossLayer.forward(try forward(x), target)
    }

    /// Backward from the loss of the last `loss(_:_:)` call, scaled by `scale`: returns
    /// scale·∂loss/∂x and adds scale·∂loss/∂θ into the parameter gradients.
    @discardableResult
    public func backwardLoss(scaledBy scale: Double = 1) throws(LayerError) -> Tensor {
        guard let lossLayer else { throw .missingConfig(layer: kindName, key: "loss") }
        return try backwardInput(try lossLayer.backward() * scale)
    }

    /// Sets training or inference mode on every layer that has one.
    public func setTraining(_ training: Bool) {
        for case let layer as any ModalLayer in allLayers { layer.isTraining = training }
    }
}

/// A layer as the chain calls it: one-input layers without the array wrapping.
enum Stage {
    case unary(any UnaryLayer)
    case general(any Layer)

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        switch self {
        case .unary(let layer): return try layer.forward(x)
        case .general(let layer): return try layer.forward([x])
        }
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> Tensor {
        switch self {
        case .unary(let layer): return try layer.backwardInput(upstream)
        case .general(let layer):
            let gradients = try layer.backward(upstream)
            guard gradients.count == 1 else { throw .wrongGradientCount(returned: gradients.count) }
            return gradients[0]
        }
    }

    /// Accumulates the parameter gradients; the input gradient may not be computed.
    func backwardParameters(_ upstream: Tensor) throws(LayerError) {
        switch self {
        case .unary(let layer): try layer.backwardParameters(upstream)
        case .general: _ = try backward(upstream)
        }
    }
}
