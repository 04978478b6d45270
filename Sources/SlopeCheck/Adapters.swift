import SlopeLayers

/// A loss layer seen as a one-input layer with a fixed target: forward returns the loss
/// as a scalar tensor, backward(s) returns s·∂loss/∂prediction. This lets every check
/// treat layers, losses and networks alike.
public final class LossAsLayer: UnaryLayer {
    public let loss: any LossLayer
    public let target: Tensor
    public var kindName: String { loss.kindName }

    public init(_ loss: any LossLayer, target: Tensor) {
        self.loss = loss
        self.target = target
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(scalar: try loss.forward(x, target))
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        return try loss.backward() * upstream.data[0]
    }
}

/// A `Sequential` with its loss and a fixed target, seen as a one-input layer whose
/// output is the scalar loss. Its parameters are the network's.
public final class NetworkWithLoss: UnaryLayer {
    public let network: Sequential
    public let target: Tensor
    public let kindName = "Sequential+loss"

    public init(_ network: Sequential, target: Tensor) {
        precondition(network.lossLayer != nil, "the network has no loss")
        self.network = network
        self.target = target
    }

    public var parameters: [Parameter] { network.parameters }
    public var namedParameters: [(name: String, parameter: Parameter)] { network.namedParameters }
    public var sublayers: [any Layer] { [network] }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(scalar: try network.loss(x, target))
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        return try network.backwardLoss(scaledBy: upstream.data[0])
    }

    /// The training step's backward (the first layer's parameter half only): checked by the
    /// invariant "backwardParameters matches backwardInput".
    public func backwardParameters(_ upstream: Tensor) throws(LayerError) {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        guard let lossLayer = network.lossLayer else { throw .backwardBeforeForward(layer: kindName) }
        try network.backwardParameters(try lossLayer.backward() * upstream.data[0])
    }
}

/// Every decision layer inside a target: itself, or found through its `sublayers`.
func decisionLayers(of layer: any Layer) -> [any DecisionLayer] {
    if let decision = layer as? any DecisionLayer { return [decision] }
    return layer.sublayers.flatMap(decisionLayers(of:))
}

/// The names of `count` inputs: the layer's own, or `x`, `y`, `z`… when it declares another number.
func inputNames(of layer: any Layer, count: Int) -> [String] {
    let declared = layer.inputNames
    return declared.count == count ? declared : standardInputNames(count: count)
}
