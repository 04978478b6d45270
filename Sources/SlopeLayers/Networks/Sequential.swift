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
        for layer in layers { value = try layer.forward([value]) }
        outputShape = value.shape
        return value
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        var gradient = upstream
        for layer in layers.reversed() { gradient = try layer.backward(gradient)[0] }
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
