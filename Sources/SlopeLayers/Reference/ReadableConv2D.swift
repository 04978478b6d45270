/// `Conv2D` as direct loops over its formula, the readable reference for its im2col and
/// matrix-product paths.
///
/// y[n, o, p, q] = b[o] + Σ_c,i,j W[o, c, i, j] · x[n, c, sh·p + i − ph, sw·q + j − pw]
/// (terms outside the image are zero padding). Each term's partial derivatives give the
/// backward: ∂L/∂x[n, c, …] += dout·W, ∂L/∂W[o, c, i, j] += dout·x, ∂L/∂b[o] += dout.
final class ReadableConv2D: UnaryLayer {
    let kindName = "Conv2D (readable)"
    let W: Parameter
    let b: Parameter
    let stride: (Int, Int)
    let padding: (Int, Int)
    private var x: Tensor?
    var parameters: [Parameter] { [W, b] }

    init(weight: Tensor, bias: Tensor, stride: (Int, Int), padding: (Int, Int)) {
        W = Parameter("W", weight)
        b = Parameter("b", bias)
        self.stride = stride
        self.padding = padding
    }

    /// Output height and width for an input of height h and width w.
    private func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        let (kh, kw) = (W.value.shape[2], W.value.shape[3])
        return ((h + 2 * padding.0 - kh) / stride.0 + 1, (w + 2 * padding.1 - kw) / stride.1 + 1)
    }

    /// Calls `term(n, o, p, q, c, i, j, row, column)` for every term of the sum whose input
    /// element (row, column) lies inside the image.
    @inline(__always)
    private func forEachTerm(_ shape: [Int], _ term: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let (batch, channels, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, kh, kw) = (W.value.shape[0], W.value.shape[2], W.value.shape[3])
        let (ho, wo) = outputSize(h, w)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for p in 0..<ho {
                    for q in 0..<wo {
                        for c in 0..<channels {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let row = stride.0 * p + i - padding.0, column = stride.1 * q + j - padding.1
                                    if row >= 0, row < h, column >= 0, column < w { term(n, o, p, q, c, i, j, row, column) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank == 4, x.shape[1] == W.value.shape[1] else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(W.value.shape[1]), H, W]", actual: [x.shape])
        }
        let (ho, wo) = outputSize(x.shape[2], x.shape[3])
        guard ho > 0, wo > 0 else {
            throw .windowTooLarge(layer: kindName, window: Array(W.value.shape[2...]), input: Array(x.shape[2...]))
        }
        self.x = x
        var y = Tensor.zeros([x.shape[0], W.value.shape[0], ho, wo])
        for n in 0..<x.shape[0] {
            for o in 0..<W.value.shape[0] {
                for p in 0..<ho { for q in 0..<wo { y[n, o, p, q] = b.value[o] } }
            }
        }
        let weights = W.value
        forEachTerm(x.shape) { n, o, p, q, c, i, j, row, column in
            y[n, o, p, q] += weights[o, c, i, j] * x[n, c, row, column]
        }
        return y
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        let (ho, wo) = outputSize(x.shape[2], x.shape[3])
        try requireUpstream(dout, matches: [x.shape[0], W.value.shape[0], ho, wo])
        let weights = W.value
        var dx = Tensor.zeros(x.shape)
        var dW = Tensor.zeros(weights.shape)
        forEachTerm(x.shape) { n, o, p, q, c, i, j, row, column in
            let d = dout[n, o, p, q]
            dx[n, c, row, column] += d * weights[o, c, i, j]
            dW[o, c, i, j] += d * x[n, c, row, column]
        }
        W.gradient.add(dW)
        for n in 0..<x.shape[0] {
            for o in 0..<W.value.shape[0] {
                for p in 0..<ho { for q in 0..<wo { b.gradient[o] += dout[n, o, p, q] } }
            }
        }
        return dx
    }
}
