import SlopeLayers

/// The invariant "every fast path matches its readable reference": a `FastPathLayer` is run
/// down each path this machine has, and its output, input gradients and parameter gradients
/// are compared with those of its plain-Swift reference at the same inputs and upstream.
///
/// The paths sum in other orders (blocks, fused multiply-adds, vector exp and tanh), so they
/// agree with the reference to rounding, not bit for bit. The output may differ by 1e-12 ×
/// its largest value. A gradient may differ by 1e-12 × (its largest value + the largest
/// upstream value × the largest output value): a gradient computed from a rounded output can
/// lose all its relative precision to cancellation — tanh's 1 − y² at y = tanh(20) is a few
/// ulps of y, and vector and scalar tanh differ there by an ulp — while its absolute error
/// stays at rounding of upstream × output. Measured on the gate's cases the differences are
/// below 1e-15 of those sizes; a wrong index, a missed tail or a skipped block is of the
/// order of the values themselves.
struct FastPathComparison {
    static let relativeTolerance = 1e-12

    let layer: any Layer
    let inputs: [Tensor]
    let upstream: Tensor

    func evaluate() -> InvariantResult? {
        guard let fast = layer as? any FastPathLayer else { return nil }
        do { return try compare(fast) } catch {
            return .fail(.fastPathsMatchReference, "threw: \(error)")
        }
    }

    private func compare<L: FastPathLayer>(_ layer: L) throws -> InvariantResult {
        guard !layer.availablePaths.isEmpty else {
            return InvariantResult(
                name: .fastPathsMatchReference, verdict: .inconclusive,
                detail: "the layer lists no paths this machine can run: nothing was compared with its reference")
        }
        let reference = try results(of: layer.readableReference())
        let chosen = layer.forcedPath
        defer {
            layer.forcedPath = chosen
            layer.zeroGradients()
        }
        var worst = 0.0
        for path in layer.availablePaths {
            layer.forcedPath = path
            let taken = try results(of: layer)
            guard taken.map(\.shape) == reference.map(\.shape) else {
                return .fail(
                    .fastPathsMatchReference,
                    "the \(path) path gives tensors of shapes \(taken.map(\.shape)), the reference \(reference.map(\.shape))")
            }
            for (index, (fast, plain)) in zip(taken, reference).enumerated() {
                // The output against its own size; a gradient also against upstream × output.
                let propagated = index == 0 ? 0 : upstream.maxMagnitude * reference[0].maxMagnitude
                let scale = max(plain.maxMagnitude + propagated, Double.leastNormalMagnitude)
                for i in 0..<fast.count {
                    let gap = abs(fast.data[i] - plain.data[i])
                    if !(gap <= Self.relativeTolerance * scale) {
                        return .fail(
                            .fastPathsMatchReference,
                            "the \(path) path's \(name(index)) at \(fast.index(ofFlat: i)) is \(formatNumber(fast.data[i])), the readable reference's \(formatNumber(plain.data[i]))"
                        )
                    }
                    worst = max(worst, gap / scale)
                }
            }
        }
        let paths = layer.availablePaths.map(\.description).joined(separator: ", ")
        return .pass(.fastPathsMatchReference, "\(paths): largest difference \(formatNumber(worst)) of the tensor's size")
    }

    /// Output, input gradients, then parameter gradients of one fresh forward and backward.
    private func results(of target: any Layer) throws -> [Tensor] {
        target.zeroGradients()
        let y = try target.forward(inputs)
        let gradients = try target.backward(upstream.copied())
        return [y] + gradients + target.parameters.map(\.gradient)
    }

    private func name(_ index: Int) -> String {
        if index == 0 { return "output" }
        if index <= inputs.count { return "∂L/∂\(inputNames(of: layer, count: inputs.count)[index - 1])" }
        let parameter = layer.parameters[index - 1 - inputs.count]
        return "∂L/∂\(parameter.name)"
    }
}
