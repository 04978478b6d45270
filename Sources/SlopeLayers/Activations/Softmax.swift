import Foundation

/// Softmax over the last axis.
///
/// Forward: yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) (shifting by the max keeps
/// logits of ±1000 finite). Backward: ∂L/∂x = y ⊙ (dout − Σⱼ doutⱼ yⱼ), row by row.
public final class Softmax: UnaryLayer {
    public let kindName = "Softmax"
    private var y: Tensor?

    public init() {}

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank >= 1, let width = x.shape.last, width > 0 else {
            throw .shapeMismatch(layer: kindName, expected: "at least one axis of positive extent", actual: [x.shape])
        }
        let y = softmaxRows(x)
        self.y = y
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let y = try cached(y)
        try requireUpstream(dout, matches: y.shape)
        let width = y.shape.last!
        var dx = dout
        for row in 0..<(y.count / width) {
            let base = row * width
            var dot = 0.0
            for j in 0..<width { dot += dout.data[base + j] * y.data[base + j] }
            for j in 0..<width { dx.data[base + j] = y.data[base + j] * (dout.data[base + j] - dot) }
        }
        return dx
    }
}

/// Row-wise softmax over the last axis, shifted by each row's max.
func softmaxRows(_ x: Tensor) -> Tensor {
    var y = x
    forEachRow(of: x) { base, width, top, total in
        for j in 0..<width { y.data[base + j] = exp(x.data[base + j] - top) / total }
    }
    return y
}

/// Row-wise log-softmax: x − max − log Σ exp(x − max).
func logSoftmaxRows(_ x: Tensor) -> Tensor {
    var y = x
    forEachRow(of: x) { base, width, top, total in
        let logTotal = log(total)
        for j in 0..<width { y.data[base + j] = x.data[base + j] - top - logTotal }
    }
    return y
}

/// Calls `body(base, width, max, Σ exp(x − max))` for every row of the last axis: the
/// shift by the max is what keeps logits of ±1000 finite.
private func forEachRow(of x: Tensor, _ body: (Int, Int, Double, Double) -> Void) {
    let width = x.shape.last ?? 1
    for row in 0..<(x.count / max(width, 1)) {
        let base = row * width
        var top = -Double.infinity
        for j in 0..<width { top = max(top, x.data[base + j]) }
        var total = 0.0
        for j in 0..<width { total += exp(x.data[base + j] - top) }
        body(base, width, top, total)
    }
}
