import Foundation

/// `Sigmoid` in plain Swift, the readable reference for its C paths.
///
/// Forward: y = 1 / (1 + e⁻ˣ). Backward: ∂L/∂x = dout · y(1 − y).
final class ReadableSigmoid: UnaryLayer {
    let kindName = "Sigmoid (readable)"
    private var y: Tensor?

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = x.map { 1 / (1 + exp(-$0)) }
        self.y = y
        return y
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return dout.zipMap(y) { d, s in d * s * (1 - s) }
    }
}
