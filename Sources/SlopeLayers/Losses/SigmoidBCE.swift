import Foundation

/// Sigmoid followed by binary cross-entropy, computed from logits, averaged over all elements.
///
/// Shapes: logits x and targets t of equal shape, t in [0, 1].
/// Forward: L = mean(max(x, 0) − x·t + log(1 + e^−|x|)) (the stable form: no overflow at ±1000).
/// Backward: ∂L/∂x = (σ(x) − t) / count.
public final class SigmoidBCE: LossLayer {
    public let kindName = "SigmoidBCE"
    private var x: Tensor?
    private var target: Tensor?

    public init() {}

    public func forward(_ x: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        guard t.shape == x.shape, x.count > 0 else {
            throw .shapeMismatch(
                layer: kindName, expected: "non-empty logits and targets of equal shape", actual: [x.shape, t.shape])
        }
        self.x = x
        target = t
        var total = 0.0
        for i in 0..<x.count {
            let xi = x.data[i]
            total += max(xi, 0) - xi * t.data[i] + log1p(exp(-abs(xi)))
        }
        return total / Double(x.count)
    }

    public func backward() throws(LayerError) -> Tensor {
        guard let x, let t = target else { throw .backwardBeforeForward(layer: kindName) }
        let n = Double(x.count)
        return x.zipMap(t) { xi, ti in
            let s = xi >= 0 ? 1 / (1 + exp(-xi)) : exp(xi) / (1 + exp(xi))
            return (s - ti) / n
        }
    }
}
