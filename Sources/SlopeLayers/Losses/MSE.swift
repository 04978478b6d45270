import Foundation

/// Mean squared error over all elements.
///
/// Forward: L = (1/M) Σ (y − t)² with M the element count. Backward: ∂L/∂y = 2(y − t)/M.
/// (Not ½·mean: the seed's code paired this loss with the gradient of half of it.)
public final class MSE: LossLayer {
    public let kindName = "MSE"
    // Unchecked exclusivity, as `Parameter`'s: accessed on every pass, never overlapping.
    @exclusivity(unchecked) private var difference: Tensor?
    /// y − t and ∂L/∂y are written into reused tensors (see `ReusableTensors`).
    @exclusivity(unchecked) private var differences = ReusableTensors()
    @exclusivity(unchecked) private var gradients = ReusableTensors()

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
