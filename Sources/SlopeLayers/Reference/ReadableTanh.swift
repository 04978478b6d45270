import Foundation

/// `Tanh` in plain Swift, the readable reference for its C paths.
///
/// Forward: y = tanh x. Backward: ∂L/∂x = dout · (1 − y²).
final class ReadableTanh: UnaryLayer {
    let kindName = "Tanh (readable)"
    private var y: Tensor?

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = x.map { Foundation.tanh($0) }
        self.y = y
        return y
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        return dout.zipMap(y) { d, t in d * (1 - t * t) }
    }
}
