import SlopeLayers

/// Exact identities a layer's gradients obey, checked next to the finite differences (as
/// invariants, each by name). They need no step and no tolerance beyond rounding, so they
/// catch bugs that a loose tolerance would let through. A layer declares its own by
/// conforming; the built-in ones:
///
/// - SoftmaxWithLoss: each row of ∂L/∂x sums to 0 (targets are distributions), and
///   adding a constant to a row's logits changes neither loss nor gradient.
/// - BatchNorm (training): ∂L/∂x sums to 0 over the batch for every feature.
/// - Affine: ∂L/∂b equals the batch sum of the upstream.
/// - Conv2D: the dot-product (adjoint) test ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩, with convᵀ the
///   input gradient of backward.
public protocol GradientIdentities: Layer {
    /// The identities at `inputs` with `upstream` (parameter gradients may be left as they are:
    /// the check zeroes them afterwards).
    func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult]
}

/// The same for a loss, at a prediction and its target.
public protocol LossIdentities: LossLayer {
    func identities(prediction: Tensor, target: Tensor) throws -> [InvariantResult]
}

extension LossAsLayer: GradientIdentities {
    public func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        guard let loss = loss as? any LossIdentities else { return [] }
        return try loss.identities(prediction: inputs[0], target: target)
    }
}

/// Runs a target's identities, if it has any; one that throws is a failed identity.
struct Identities {
    let layer: any Layer
    let inputs: [Tensor]
    let upstream: Tensor

    func evaluate() -> [InvariantResult] {
        guard let layer = layer as? any GradientIdentities else { return [] }
        do { return try layer.identities(inputs: inputs, upstream: upstream) } catch {
            return [.fail(.identityRuns, "threw: \(error)")]
        }
    }
}

extension SoftmaxWithLoss: LossIdentities {
    public func identities(prediction x: Tensor, target: Tensor) throws -> [InvariantResult] {
        let loss = try forward(x, target)
        let g = try backward()
        var results: [InvariantResult] = []
        let (rows, columns) = (x.shape[0], x.shape[1])
        var worst = 0.0
        for r in 0..<rows {
            var total = 0.0
            for c in 0..<columns { total += g.data[r * columns + c] }
            worst = max(worst, abs(total))
        }
        let size = max(g.maxMagnitude, 1e-300)
        results.append(
            worst <= 1e-12 * max(size, 1)
                ? .pass(.softmaxRowsSumToZero, "largest |row sum| \(formatNumber(worst))")
                : .fail(.softmaxRowsSumToZero, "a row of ∂L/∂x sums to \(formatNumber(worst)), not 0"))
        var shifted = x
        for r in 0..<rows {
            let c = 7.25 * Double(r + 1)
            for k in 0..<columns { shifted.data[r * columns + k] += c }
        }
        let shiftedLoss = try forward(shifted, target)
        let shiftedGradient = try backward()
        var gap = abs(shiftedLoss - loss)
        for i in 0..<g.count { gap = max(gap, abs(shiftedGradient.data[i] - g.data[i])) }
        results.append(
            gap <= 1e-10 * max(1, abs(loss))
                ? .pass(.softmaxShiftInvariance)
                : .fail(
                    .softmaxShiftInvariance,
                    "adding a constant to a row of logits changed the loss or gradient by \(formatNumber(gap))"))
        return results
    }
}

extension BatchNorm: GradientIdentities {
    public func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        guard isTraining else { return [] }
        zeroGradients()
        _ = try forward(inputs[0])
        let dx = try backward(upstream)[0]
        zeroGradients()
        return [Self.sumsToZero(dx, at: inputs[0])]
    }
}

extension BatchNorm {
    /// The identity on a computed ∂L/∂x at x: every feature's batch sum 0, to rounding.
    static func sumsToZero(_ dx: Tensor, at x: Tensor) -> InvariantResult {
        let worst = dx.sum(axis: 0).maxMagnitude
        return worst <= sumTolerance(x) * max(1, dx.maxMagnitude * Double(dx.shape[0]))
            ? .pass(.batchNormSumsToZero)
            : .fail(.batchNormSumsToZero, "a feature's ∂L/∂x sums to \(formatNumber(worst)) over the batch")
    }

    /// The relative rounding the batch sums of ∂L/∂x carry: 1e-10, or more where centring loses
    /// digits. Each x − mean carries about ε·|x| of error against a spread σ, so a feature at
    /// 1e6 ± 2 computes x̂ to about 2e-10 and sums ∂L/∂x to 1e-9, not 0 (a correct BatchNorm at
    /// an offset of 1e6 failed the identity at 3 of 55 seeds); 64·ε·max|x|/σ over the features
    /// allows that. A forgotten mean or variance term leaves sums of the size of ∂L/∂x itself.
    static func sumTolerance(_ x: Tensor) -> Double {
        guard let batch = x.shape.first, batch > 1, x.count > 0 else { return 1e-10 }
        let features = x.count / batch
        var conditioning = 0.0
        for f in 0..<features {
            var (mean, largest) = (0.0, 0.0)
            for b in 0..<batch {
                mean += x.data[b * features + f]
                largest = max(largest, abs(x.data[b * features + f]))
            }
            mean /= Double(batch)
            var variance = 0.0
            for b in 0..<batch { variance += (x.data[b * features + f] - mean) * (x.data[b * features + f] - mean) }
            let spread = (variance / Double(batch)).squareRoot()
            conditioning = max(conditioning, largest / max(spread, .leastNormalMagnitude))
        }
        return max(1e-10, 64 * Double.ulpOfOne * conditioning)
    }
}

extension Affine: GradientIdentities {
    public func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        zeroGradients()
        _ = try forward(inputs[0])
        _ = try backward(upstream)
        let expected = upstream.sum(axis: 0)
        let gap = (b.gradient - expected).maxMagnitude
        zeroGradients()
        return [
            gap <= 1e-12 * max(1, expected.maxMagnitude)
                ? .pass(.affineBiasIsUpstreamSum)
                : .fail(
                    .affineBiasIsUpstreamSum, "∂L/∂b differs from the batch sum of the upstream by \(formatNumber(gap))")
        ]
    }
}

extension Conv2D: GradientIdentities {
    public func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        zeroGradients()
        let y = try forward(inputs[0])
        let dx = try backward(upstream)[0]
        zeroGradients()
        // ⟨conv(x), u⟩ with the bias taken out, against ⟨x, convᵀ(u)⟩.
        var left = y.dot(upstream)
        let (n, o) = (y.shape[0], y.shape[1])
        let plane = y.shape[2] * y.shape[3]
        for image in 0..<n {
            for channel in 0..<o {
                var total = 0.0
                for p in 0..<plane { total += upstream.data[(image * o + channel) * plane + p] }
                left -= b.value.data[channel] * total
            }
        }
        let right = inputs[0].dot(dx)
        let gap = abs(left - right)
        return [
            gap <= 1e-10 * max(1, abs(left))
                ? .pass(.convolutionAdjoint)
                : .fail(
                    .convolutionAdjoint,
                    "⟨conv(x), u⟩ = \(formatNumber(left)) but ⟨x, convᵀ(u)⟩ = \(formatNumber(right))")
        ]
    }
}
