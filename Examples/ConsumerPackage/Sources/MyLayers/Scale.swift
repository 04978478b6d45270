import SlopeLayers

/// y = s·x with a learned scalar s. Backward: ∂L/∂x = s·dout, ∂L/∂s += Σ dout ⊙ x.
public final class Scale: UnaryLayer {
    public let kindName = "Scale"
    public let s = Parameter("s", Tensor(scalar: 2))
    public var parameters: [Parameter] { [s] }  // listed, so it is checked and trained
    private var x: Tensor?

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x * s.value.scalar
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        s.gradient.data[0] += dout.dot(x)
        return dout * s.value.scalar
    }
}
