/// A chain of layers, optionally ending in a loss.
///
/// As a `Layer` it maps the input to the last layer's output (the prediction);
/// `loss(_:_:)` adds the loss and `backwardLoss()` returns ∂loss/∂input, accumulating
/// every parameter gradient on the way.
public final class Sequential: UnaryLayer {
    public let kindName = "Sequential"
    public let layers: [any Layer]
    public let lossLayer: (any LossLayer)?
    private var outputShape: [Int]?
    /// The shape each layer's input had in the last forward pass (to check its gradient).
    private var inputShapes: [[Int]] = []

    public init(_ layers: [any Layer], loss: (any LossLayer)? = nil) {
        precondition(layers.allSatisfy { $0.arity == 1 }, "Sequential takes one-input layers")
        self.layers = layers
        self.lossLayer = loss
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Parameters with unique names: `"<index>.<Kind>.<name>"`, e.g. `"0.Affine.W"`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, layer in
            layer.parameters.map { ("\(index).\(layer.kindName).\($0.name)", $0) }
        }
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        var value = x
        inputShapes.removeAll(keepingCapacity: true)
        for (index, layer) in layers.enumerated() {
            inputShapes.append(value.shape)
            value = try layer.forward([value])
            guard Tensor.validCount(of: value.shape) == value.count else {
                throw .brokenContract(
                    layer: "layer \(index) (\(layer.kindName))",
                    detail: "forward returned a tensor of shape \(value.shape) holding \(value.count) values")
            }
        }
        outputShape = value.shape
        return value
    }

    /// Each layer's backward, last to first; a gradient of the wrong number or shape is a
    /// `LayerError` naming the layer (a user's layer may be wrong; the chain must not trap).
    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard inputShapes.count == layers.count else { throw .backwardBeforeForward(layer: kindName) }
        var gradient = upstream
        for (index, layer) in layers.enumerated().reversed() {
            let gradients = try layer.backward(gradient)
            let name = "layer \(index) (\(layer.kindName))"
            guard gradients.count == 1 else {
                throw .brokenContract(layer: name, detail: "backward returned \(gradients.count) gradients for 1 input")
            }
            guard gradients[0].shape == inputShapes[index], Tensor.validCount(of: gradients[0].shape) == gradients[0].count
            else {
                throw .brokenContract(
                    layer: name,
                    detail:
                        "backward returned a gradient of shape \(gradients[0].shape) for an input of shape \(inputShapes[index])")
            }
            gradient = gradients[0]
        }
        return gradient
    }

    /// The loss of the prediction for `x` against `target`.
    public func loss(_ x: Tensor, _ target: Tensor) throws(LayerError) -> Double {
        guard let lossLayer else { throw .missingConfig(layer: kindName, key: "loss") }
        return try lossLayer.forward(try forward(x), target)
    }

    /// Backward from the loss of the last `loss(_:_:)` call: returns ∂loss/∂x.
    @discardableResult
    public func backwardLoss() throws(LayerError) -> Tensor {
        guard let lossLayer else { throw .missingConfig(layer: kindName, key: "loss") }
        return try backwardInput(try lossLayer.backward())
    }

    /// Sets training or inference mode on every layer that has one.
    public func setTraining(_ training: Bool) {
        for case let layer as any ModalLayer in layers { layer.isTraining = training }
    }
}
