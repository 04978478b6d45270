import SlopeLayers

/// Half the summed squared error, the seed's chain-network loss: L = ½ Σ (y − t)².
///
/// Backward: ∂L/∂y = y − t. (With one example per batch this is ½(y − t)² per sample.)
public final class HalfSquaredError: LossLayer {
    public let kindName = "HalfSquaredError"
    private var difference: Tensor?

    public init() {}

    public func forward(_ y: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        guard y.shape == t.shape, y.count > 0 else {
            throw .shapeMismatch(
                layer: kindName, expected: "non-empty prediction and target of equal shape", actual: [y.shape, t.shape])
        }
        let d = y - t
        difference = d
        return 0.5 * d.dot(d)
    }

    public func backward() throws(LayerError) -> Tensor {
        guard let d = difference else { throw .backwardBeforeForward(layer: kindName) }
        return d
    }
}
