import Foundation

/// Softmax followed by cross-entropy, averaged over the batch.
///
/// Shapes: logits x `[N, C]`, targets t `[N, C]` (one-hot, or rows of probabilities).
/// Forward: L = −(1/N) Σₙ Σ_c t_nc · log softmax(x)_nc, with the log-sum-exp shifted by
/// each row's max (logits of ±1000 stay finite). Backward: ∂L/∂x = (softmax(x) − t) / N.
public final class SoftmaxWithLoss: LossLayer {
    public let kindName = "SoftmaxWithLoss"
    private var probabilities: Tensor?
    private var target: Tensor?

    public init() {}

    public func forward(_ x: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        guard x.rank == 2, x.shape[0] > 0, x.shape[1] > 0 else {
            throw .shapeMismatch(layer: kindName, expected: "logits of shape [N, C]", actual: [x.shape])
        }
        guard t.shape == x.shape else {
            throw .shapeMismatch(layer: kindName, expected: "targets of the logits' shape \(x.shape)", actual: [t.shape])
        }
        let logP = logSoftmaxRows(x)
        probabilities = logP.map { exp($0) }
        target = t
        var total = 0.0
        for i in 0..<x.count where t.data[i] != 0 { total -= t.data[i] * logP.data[i] }
        return total / Double(x.shape[0])
    }

    public func backward() throws(LayerError) -> Tensor {
        guard let p = probabilities, let t = target else { throw .backwardBeforeForward(layer: kindName) }
        let n = Double(p.shape[0])
        return p.zipMap(t) { pi, ti in (pi - ti) / n }
    }
}
