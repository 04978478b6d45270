import SlopeLayers

/// Exact identities some layers' gradients obey, checked next to the finite differences.
/// They need no step and no tolerance tuning beyond rounding, so they catch bugs that a
/// loose tolerance would let through.
///
/// - SoftmaxWithLoss: each row of ∂L/∂x sums to 0 (targets are distributions), and
///   adding a constant to a row's logits changes neither loss nor gradient.
/// - BatchNorm (training): ∂L/∂x sums to 0 over the batch for every feature.
/// - Affine: ∂L/∂b equals the batch sum of the upstream.
/// - Conv2D: the dot-product (adjoint) test ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩, with convᵀ the
///   input gradient of backward.
struct Identities {
    let layer: any Layer
    let inputs: [Tensor]
    let upstream: Tensor

    func evaluate() -> [InvariantResult] {
        do {
            if let wrapped = layer as? LossAsLayer, wrapped.loss is SoftmaxWithLoss { return try softmaxWithLoss(wrapped) }
            if let batchNorm = layer as? BatchNorm, batchNorm.isTraining { return try batchNormSums(batchNorm) }
            if let affine = layer as? Affine { return try affineBias(affine) }
            if let conv = layer as? Conv2D { return try convolutionAdjoint(conv) }
        } catch {
            return [.fail("identity", "threw: \(error)")]
        }
        return []
    }

    func softmaxWithLoss(_ layer: LossAsLayer) throws -> [InvariantResult] {
        let x = inputs[0]
        let one = Tensor(scalar: 1)
        let loss = try layer.forward(x).scalar
        let g = try layer.backward(one)[0]
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
                ? .pass("identity: gradient rows sum to 0", "largest |row sum| \(formatNumber(worst))")
                : .fail("identity: gradient rows sum to 0", "a row of ∂L/∂x sums to \(formatNumber(worst)), not 0"))
        var shifted = x
        for r in 0..<rows {
            let c = 7.25 * Double(r + 1)
            for k in 0..<columns { shifted.data[r * columns + k] += c }
        }
        let shiftedLoss = try layer.forward(shifted).scalar
        let shiftedGradient = try layer.backward(one)[0]
        var gap = abs(shiftedLoss - loss)
        for i in 0..<g.count { gap = max(gap, abs(shiftedGradient.data[i] - g.data[i])) }
        results.append(
            gap <= 1e-10 * max(1, abs(loss))
                ? .pass("identity: invariant to shifting logits")
                : .fail(
                    "identity: invariant to shifting logits",
                    "adding a constant to a row of logits changed the loss or gradient by \(formatNumber(gap))"))
        return results
    }

    func batchNormSums(_ layer: BatchNorm) throws -> [InvariantResult] {
        layer.zeroGradients()
        _ = try layer.forward(inputs[0])
        let dx = try layer.backward(upstream)[0]
        layer.zeroGradients()
        let sums = dx.sum(axis: 0)
        let worst = sums.maxMagnitude
        return [
            worst <= 1e-10 * max(1, dx.maxMagnitude * Double(dx.shape[0]))
                ? .pass("identity: input gradient sums to 0 per feature")
                : .fail(
                    "identity: input gradient sums to 0 per feature",
                    "a feature's ∂L/∂x sums to \(formatNumber(worst)) over the batch")
        ]
    }

    func affineBias(_ layer: Affine) throws -> [InvariantResult] {
        layer.zeroGradients()
        _ = try layer.forward(inputs[0])
        _ = try layer.backward(upstream)
        let expected = upstream.sum(axis: 0)
        let gap = (layer.b.gradient - expected).maxMagnitude
        layer.zeroGradients()
        return [
            gap <= 1e-12 * max(1, expected.maxMagnitude)
                ? .pass("identity: ∂L/∂b = Σ upstream")
                : .fail(
                    "identity: ∂L/∂b = Σ upstream", "∂L/∂b differs from the batch sum of the upstream by \(formatNumber(gap))")
        ]
    }

    func convolutionAdjoint(_ layer: Conv2D) throws -> [InvariantResult] {
        layer.zeroGradients()
        let y = try layer.forward(inputs[0])
        let dx = try layer.backward(upstream)[0]
        layer.zeroGradients()
        // ⟨conv(x), u⟩ with the bias taken out, against ⟨x, convᵀ(u)⟩.
        var left = y.dot(upstream)
        let (n, o) = (y.shape[0], y.shape[1])
        let plane = y.shape[2] * y.shape[3]
        for image in 0..<n {
            for channel in 0..<o {
                var total = 0.0
                for p in 0..<plane { total += upstream.data[(image * o + channel) * plane + p] }
                left -= layer.b.value.data[channel] * total
            }
        }
        let right = inputs[0].dot(dx)
        let gap = abs(left - right)
        return [
            gap <= 1e-10 * max(1, abs(left))
                ? .pass("identity: adjoint ⟨conv(x), u⟩ = ⟨x, convᵀ(u)⟩")
                : .fail(
                    "identity: adjoint ⟨conv(x), u⟩ = ⟨x, convᵀ(u)⟩",
                    "⟨conv(x), u⟩ = \(formatNumber(left)) but ⟨x, convᵀ(u)⟩ = \(formatNumber(right))")
        ]
    }
}
