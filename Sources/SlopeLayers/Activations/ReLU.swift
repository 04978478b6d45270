/// Rectified linear unit.
///
/// Forward: y = max(0, x). Backward: ∂L/∂x = dout · [x > 0] (the subgradient 0 is used at x = 0).
/// Any shape. Its decisions (the mask x > 0) are exposed for kink tracking.
public final class ReLU: UnaryLayer, DecisionLayer {
    public let kindName = "ReLU"
    private var x: Tensor?

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { $0 > 0 ? $0 : 0 }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        try requireUpstream(dout, matches: x.shape)
        return dout.zipMap(x) { d, xi in xi > 0 ? d : 0 }
    }

    public var decisions: [Int] { x?.data.map { $0 > 0 ? 1 : 0 } ?? [] }
}

/// Leaky rectified linear unit with slope `alpha` below zero.
///
/// Forward: y = x for x > 0, αx otherwise. Backward: ∂L/∂x = dout · (x > 0 ? 1 : α).
public final class LeakyReLU: UnaryLayer, DecisionLayer {
    public let kindName = "LeakyReLU"
    public let alpha: Double
    private var x: Tensor?

    public init(alpha: Double = 0.01) { self.alpha = alpha }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let alpha = alpha
        return x.map { $0 > 0 ? $0 : alpha * $0 }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        try requireUpstream(dout, matches: x.shape)
        let alpha = alpha
        return dout.zipMap(x) { d, xi in xi > 0 ? d : alpha * d }
    }

    public var decisions: [Int] { x?.data.map { $0 > 0 ? 1 : 0 } ?? [] }
}
