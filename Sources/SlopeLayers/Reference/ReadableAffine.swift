/// `Affine` as plain loops, the readable reference for its C kernel and OpenBLAS paths.
///
/// y[i, j] = b[j] + Σₚ x[i, p]·W[p, j]; ∂L/∂x[i, p] = Σⱼ dout[i, j]·W[p, j];
/// ∂L/∂W[p, j] += Σᵢ x[i, p]·dout[i, j]; ∂L/∂b[j] += Σᵢ dout[i, j].
final class ReadableAffine: UnaryLayer {
    let kindName = "Affine (readable)"
    let W: Parameter
    let b: Parameter
    private var x: Tensor?
    var parameters: [Parameter] { [W, b] }

    init(weight: Tensor, bias: Tensor) {
        W = Parameter("W", weight)
        b = Parameter("b", bias)
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let (inCount, out) = (W.value.shape[0], W.value.shape[1])
        guard x.rank == 2, x.shape[1] == inCount else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(inCount)]", actual: [x.shape])
        }
        self.x = x
        var y = Tensor.zeros([x.shape[0], out])
        for i in 0..<x.shape[0] {
            for j in 0..<out {
                var sum = b.value[j]
                for p in 0..<inCount { sum += x[i, p] * W.value[p, j] }
                y[i, j] = sum
            }
        }
        return y
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        let (n, inCount, out) = (x.shape[0], W.value.shape[0], W.value.shape[1])
        try requireUpstream(dout, rows: n, columns: out)
        var dx = Tensor.zeros(x.shape)
        for i in 0..<n {
            for p in 0..<inCount {
                var sum = 0.0
                for j in 0..<out { sum += dout[i, j] * W.value[p, j] }
                dx[i, p] = sum
            }
        }
        for p in 0..<inCount {
            for j in 0..<out {
                var sum = 0.0
                for i in 0..<n { sum += x[i, p] * dout[i, j] }
                W.gradient[p, j] += sum
            }
        }
        for j in 0..<out {
            var sum = 0.0
            for i in 0..<n { sum += dout[i, j] }
            b.gradient[j] += sum
        }
        return dx
    }
}
