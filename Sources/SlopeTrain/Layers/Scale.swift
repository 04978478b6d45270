import SlopeLayers

/// Multiplies its input by one trainable scalar weight: the seed's chain-network link.
///
/// Forward: y = w·x (any shape). Backward: ∂L/∂x = w·dout, ∂L/∂w += Σ x·dout.
/// With `buggyGradient` the weight gradient is the seed's mistaken Σ w·x·dout
/// (kept to show that a chain trained with it does not learn).
public final class Scale: UnaryLayer, ConfigurableLayer {
    public let kindName = "Scale"
    public let w: Parameter
    public let buggyGradient: Bool
    private var x: Tensor?

    public init(weight: Double, buggyGradient: Bool = false) {
        w = Parameter("w", Tensor(shape: [], data: [weight]))
        self.buggyGradient = buggyGradient
    }

    public var parameters: [Parameter] { [w] }

    /// `buggyGradient` when set (a checkpoint of the correct layer records no config).
    public var config: [String: ConfigValue] { buggyGradient ? ["buggyGradient": .flag(true)] : [:] }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let weight = w.value.data[0]
        return x.map { weight * $0 }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        guard dout.shape == x.shape else { throw .upstreamShape(layer: kindName, expected: x.shape, actual: dout.shape) }
        let weight = w.value.data[0]
        let local = x.dot(dout)
        w.gradient.data[0] += buggyGradient ? weight * local : local
        return dout.map { weight * $0 }
    }

    private func cached(_ x: Tensor?) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return x
    }
}
