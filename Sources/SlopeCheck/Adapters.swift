import SlopeLayers

/// A loss layer seen as a one-input layer with a fixed target: forward returns the loss
/// as a scalar tensor, backward(s) returns s·∂loss/∂prediction. This lets every check
/// treat layers, losses and networks alike.
package final class LossAsLayer: UnaryLayer {
    package let loss: any LossLayer
    package let target: Tensor
    package var kindName: String { loss.kindName }

    package init(_ loss: any LossLayer, target: Tensor) {
        self.loss = loss
        self.target = target
    }

    package func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(scalar: try loss.forward(x, target))
    }

    package func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        return try loss.backward() * upstream.data[0]
    }
}

/// A `Sequential` with its loss and a fixed target, seen as a one-input layer whose
/// output is the scalar loss. Its parameters are the network's.
package final class NetworkWithLoss: UnaryLayer {
    package let network: Sequential
    package let target: Tensor
    package let kindName = "Sequential+loss"

    package init(_ network: Sequential, target: Tensor) {
        precondition(network.lossLayer != nil, "the network has no loss")
        self.network = network
        self.target = target
    }

    package var parameters: [Parameter] { network.parameters }
    package var namedParameters: [(name: String, parameter: Parameter)] { network.namedParameters }
    package var sublayers: [any Layer] { [network] }

    package func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(scalar: try network.loss(x, target))
    }

    package func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard upstream.count == 1 else {
            throw .upstreamShape(layer: kindName, expected: [], actual: upstream.shape)
        }
        return try network.backwardLoss(scaledBy: upstream.data[0])
    }

    /// The training step's backward (the first layer's parameter half only): checked by the
    /// invariant "backwardParameters matches backwardInput".
    package func backwardParameters(_ upstream: Tensor) throws(LayerError) {
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
