/// Flattens every axis after the first: `[N, d₁, …, d_k]` → `[N, d₁·…·d_k]`.
/// Backward reshapes the gradient back.
public final class Flatten: UnaryLayer {
    public let kindName = "Flatten"
    private var inputShape: [Int]?

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank >= 1 else {
            throw .shapeMismatch(layer: kindName, expected: "at least one axis (the batch)", actual: [x.shape])
        }
        inputShape = x.shape
        return x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)])
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let shape = try cached(inputShape)
        try requireUpstream(dout, matches: [shape[0], Tensor.count(of: shape) / max(shape[0], 1)])
        return dout.reshaped(shape)
    }
}
