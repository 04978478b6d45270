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

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(scalar: try network.loss(x, target))
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        let s = upstream.data[0]
        guard let lossLayer = network.lossLayer else { throw .backwardBeforeForward(layer: kindName) }
        return try network.backwardInput(try lossLayer.backward() * s)
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

/// Unique, readable names for a target's parameters: `W`, `b` for a single layer;
/// `0.Affine.W` for networks and graphs.
func namedParameters(of layer: any Layer) -> [(String, Parameter)] {
    if let network = layer as? Sequential { return network.namedParameters.map { ($0.name, $0.parameter) } }
    if let wrapped = layer as? NetworkWithLoss { return namedParameters(of: wrapped.network) }
    if let graph = layer as? Graph {
        return graph.layers.enumerated().flatMap { index, node in
            node.parameters.map { ("\(index).\(node.kindName).\($0.name)", $0) }
        }
    }
    return layer.parameters.map { ($0.name, $0) }
}

/// Every decision layer inside a target (itself, or the layers of a network or graph).
func decisionLayers(of layer: any Layer) -> [any DecisionLayer] {
    if let decision = layer as? any DecisionLayer { return [decision] }
    if let network = layer as? Sequential { return network.layers.flatMap(decisionLayers(of:)) }
    if let wrapped = layer as? NetworkWithLoss { return decisionLayers(of: wrapped.network) }
    if let graph = layer as? Graph { return graph.layers.flatMap(decisionLayers(of:)) }
    return []
}

/// Input names: `x` for one input, `x`, `y` for two, the declared names for a graph.
func inputNames(of layer: any Layer, count: Int) -> [String] {
    if let graph = layer as? Graph { return graph.inputNames }
    return inputNames(count: count)
}
