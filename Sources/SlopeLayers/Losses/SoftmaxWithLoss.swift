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

/// Mean squared error over all elements.
///
/// Forward: L = (1/M) Σ (y − t)² with M the element count. Backward: ∂L/∂y = 2(y − t)/M.
/// (Not ½·mean: the seed's code paired this loss with the gradient of half of it.)
public final class MSE: LossLayer {
    public let kindName = "MSE"
    private var difference: Tensor?
    /// y − t and ∂L/∂y are written into reused tensors (see `ReusableTensors`).
    private var differences = ReusableTensors()
    private var gradients = ReusableTensors()

    public init() {}

    public func forward(_ y: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        guard t.shape == y.shape, y.count > 0 else {
            throw .shapeMismatch(
                layer: kindName, expected: "non-empty prediction and target of equal shape", actual: [y.shape, t.shape])
        }
        var sum = 0.0  // Σ dᵢ², added in order as `d.dot(d)` would, in the same pass
        let d = differences.fill(shape: y.shape) { d in
            y.data.withUnsafeBufferPointer { py in
                t.data.withUnsafeBufferPointer { pt in
                    var total = 0.0  // a local: `sum` lives in memory the stores to d might alias
                    for i in 0..<d.count {
                        let di = py[i] - pt[i]
                        d[i] = di
                        total += di * di
                    }
                    sum = total
                }
            }
        }
        difference = d
        return sum / Double(d.count)
    }

    public func backward() throws(LayerError) -> Tensor {
        guard let d = difference else { throw .backwardBeforeForward(layer: kindName) }
        let scale = 2 / Double(d.count)
        return gradients.fill(shape: d.shape) { g in
            d.data.withUnsafeBufferPointer { pd in
                for i in 0..<g.count { g[i] = pd[i] * scale }
            }
        }
    }
}
