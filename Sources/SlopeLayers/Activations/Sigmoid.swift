import CKernels

/// Logistic sigmoid.
///
/// Forward: y = 1 / (1 + e⁻ˣ) (finite for any input: σ(±1000) is 1 or 0).
/// Backward: ∂L/∂x = dout · y(1 − y), from the cached *output* y. Any shape.
public final class Sigmoid: UnaryLayer {
    public let kindName = "Sigmoid"
    private var y: Tensor?
    /// y and ∂L/∂x are written into reused tensors (see `ReusableTensors`).
    private var outputs = ReusableTensors()
    private var inputGradients = ReusableTensors()

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = outputs.fill(shape: x.shape) { py in
            x.data.withUnsafeBufferPointer { px in
                slope_sigmoid(px.baseAddress, py.baseAddress, px.count)
            }
        }
        self.y = y
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return inputGradients.fill(shape: y.shape) { dx in
            dout.data.withUnsafeBufferPointer { d in
                y.data.withUnsafeBufferPointer { s in
                    slope_sigmoid_backward(d.baseAddress, s.baseAddress, dx.baseAddress, dx.count)
                }
            }
        }
    }
}

/// Hyperbolic tangent.
///
/// Forward: y = tanh x. Backward: ∂L/∂x = dout · (1 − y²). Any shape.
public final class Tanh: UnaryLayer {
    public let kindName = "Tanh"
    private var y: Tensor?

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        var y = x
        x.data.withUnsafeBufferPointer { px in
            y.data.withUnsafeMutableBufferPointer { py in
                slope_tanh(px.baseAddress, py.baseAddress, px.count)
            }
        }
        self.y = y
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return dout.zipMap(y) { d, t in d * (1 - t * t) }
    }
}
