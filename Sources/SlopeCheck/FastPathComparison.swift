import Foundation
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
    /// Where its passes are counted: every one, the reference's and each forced path's, as a
    /// pass down another path (``CheckCost/otherPaths``), with its seconds.
    var passes: PassCounter?

    func evaluate() -> InvariantResult? {
        guard let fast = layer as? any FastPathLayer else { return nil }
        do { return try compare(fast) } catch {
            return .fail(.fastPathsMatchReference, "threw: \(error)")
        }
    }

    /// On a sampled batch, a path runs at full size when its pass would cost at most this many
    /// of the cheapest path's (both estimated from the sample).
    static let fullSizeBudget = 8.0

    private func compare<L: FastPathLayer>(_ layer: L) throws -> InvariantResult {
        guard !layer.availablePaths.isEmpty else {
            return InvariantResult(
                name: .fastPathsMatchReference, verdict: .inconclusive,
                detail: "the layer lists no paths this machine can run: nothing was compared with its reference")
        }
        let chosen = layer.forcedPath
        defer {
            layer.forcedPath = chosen
            layer.zeroGradients()
        }
        var worst = 0.0
        // (A closure: a key path to the generic path type's description was built at run time.)
        let paths = layer.availablePaths.map { $0.description }.joined(separator: ", ")
        guard let sample = try sample(layer) else {
            let reference = try results(of: layer.readableReference(), at: inputs, upstream: upstream)
            for path in layer.availablePaths {
                layer.forcedPath = path
                let taken = try results(of: layer, at: inputs, upstream: upstream)
                if let (at, expected) = difference(taken, reference, upstream: upstream, worst: &worst) {
                    return .fail(.fastPathsMatchReference, "the \(path) path's \(at), the readable reference's \(expected)")
                }
            }
            return .pass(.fastPathsMatchReference, "\(paths): largest difference \(formatNumber(worst)) of the tensor's size")
        }
        // Every path on the sample (``BatchSample``) against the reference: a mistake every path
        // shares shows there. On the whole batch the paths are compared with each other (a path that errs
        // only at this size differs from the others), each whose pass, estimated from the
        // sample, costs at most `fullSizeBudget` of the cheapest one's: plain loops beside
        // OpenBLAS would cost more there than the check's finite differences, and the path the
        // layer takes at this size is the finite differences' to check.
        let reference = try results(of: layer.readableReference(), at: sample.inputs, upstream: sample.upstream)
        var sampleSeconds: [Double] = []
        for path in layer.availablePaths {
            layer.forcedPath = path
            let start = DispatchTime.now()
            let taken = try results(of: layer, at: sample.inputs, upstream: sample.upstream)
            sampleSeconds.append(seconds(since: start))
            if let (at, expected) = difference(taken, reference, upstream: sample.upstream, worst: &worst) {
                return .fail(
                    .fastPathsMatchReference,
                    "on the first \(sample.rows) rows of the batch, the \(path) path's \(at), the readable reference's \(expected)"
                )
            }
        }
        let estimates = sampleSeconds.map { $0 * Double(sample.batch) / Double(sample.rows) }
        let cheapest = max(estimates.min() ?? 0, 1e-9)
        var first: (path: L.Path, results: [Tensor])?
        var skipped: [String] = []
        for (path, sampled) in zip(layer.availablePaths, estimates) {
            var estimate = sampled
            if estimate > Self.fullSizeBudget * cheapest {
                // Timed again before it is left out: a run the scheduler interrupted would
                // misjudge the path's cost.
                layer.forcedPath = path
                let start = DispatchTime.now()
                _ = try results(of: layer, at: sample.inputs, upstream: sample.upstream)
                estimate = min(estimate, seconds(since: start) * Double(sample.batch) / Double(sample.rows))
            }
            guard estimate <= Self.fullSizeBudget * cheapest else {
                skipped.append("\(path) (about \(Int((estimate / cheapest).rounded()))× the cheapest path's pass)")
                continue
            }
            layer.forcedPath = path
            let taken = try results(of: layer, at: inputs, upstream: upstream)
            guard let first else {
                first = (path, taken)
                continue
            }
            if let (at, expected) = difference(taken, first.results, upstream: upstream, worst: &worst) {
                return .fail(.fastPathsMatchReference, "the \(path) path's \(at), the \(first.path) path's \(expected)")
            }
        }
        let fullSize =
            skipped.isEmpty
            ? "the paths against each other on the whole batch"
            : "on the whole batch, the path the layer takes is the finite differences' to check; not run there: \(skipped.joined(separator: ", "))"
        return .pass(
            .fastPathsMatchReference,
            "\(paths): largest difference \(formatNumber(worst)) of the tensor's size (against the reference \(sample.words); \(fullSize))"
        )
    }

    /// The batch's first rows (``BatchSample``), their forward run down the first path; nil:
    /// compare on everything.
    private func sample<L: FastPathLayer>(_ layer: L) throws -> BatchSample? {
        try BatchSample.of(inputs, upstream: upstream) { sampled in
            layer.forcedPath = layer.availablePaths[0]
            let start = DispatchTime.now()
            defer {
                passes?.otherPaths.forwardPasses += 1
                passes?.otherPaths.seconds += seconds(since: start)
            }
            return try layer.forward(sampled)
        }
    }

    /// Where `taken` differs from `plain` beyond rounding ("output at [0, 3] is 1.5") and what
    /// `plain` has there, or nil; `worst` keeps the largest difference seen, as a share of the
    /// tensor's size.
    private func difference(_ taken: [Tensor], _ plain: [Tensor], upstream: Tensor, worst: inout Double) -> (
        String, String
    )? {
        guard taken.map(\.shape) == plain.map(\.shape) else {
            return ("tensors have shapes \(taken.map(\.shape))", "\(plain.map(\.shape))")
        }
        let upstreamSize = upstream.maxMagnitude
        var propagated = 0.0
        for (index, (fast, reference)) in zip(taken, plain).enumerated() {
            // The reference's size and the largest gap in one pass; only a gap beyond the limit,
            // or a NaN or ∞ among the values, is looked at element by element.
            let found = Invariants.sizesAndGap(fast.data, reference.data)
            // The output against its own size; a gradient also against upstream × output.
            if index == 0 { propagated = upstreamSize * found.sizeB }
            let scale = max(found.sizeB + (index == 0 ? 0 : propagated), Double.leastNormalMagnitude)
            let limit = Self.relativeTolerance * scale
            let (largest, apart) =
                found.unordered || !(found.largestGap <= limit)
                ? Self.largestGap(fast.data, reference.data, limit: limit) : (found.largestGap, nil)
            if let i = apart {
                return (
                    "\(name(index)) at \(fast.index(ofFlat: i)) is \(formatNumber(fast.data[i]))",
                    formatNumber(reference.data[i])
                )
            }
            // (Division rounds monotonically: the largest gap over the scale is the largest ratio.)
            worst = max(worst, largest / scale)
        }
        return nil
    }

    /// The largest |a − b| up to the first index where it is not within `limit` (NaN included),
    /// and that index, if any.
    static func largestGap(_ a: [Double], _ b: [Double], limit: Double) -> (largest: Double, apart: Int?) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let count = min(a.count, b.count)
                // Eight at a time while every gap of the eight is within the limit; from the first
                // eight that hold one that is not, one at a time (where the index is found).
                var lanes = SIMD8<Double>(repeating: 0)
                var i = 0
                if let pa = UnsafeRawPointer(a.baseAddress), let pb = UnsafeRawPointer(b.baseAddress) {
                    let bound = SIMD8<Double>(repeating: limit)
                    while i + 8 <= count {
                        let difference =
                            pa.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
                            - pb.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
                        let gap = difference.replacing(with: -difference, where: difference .< 0)
                        guard all(gap .<= bound) else { break }  // (a NaN compares false)
                        lanes.replace(with: gap, where: lanes .< gap)
                        i += 8
                    }
                }
                var largest = lanes.max()
                while i < count {
                    let gap = abs(a[i] - b[i])
                    if !(gap <= limit) { return (largest, i) }
                    if gap > largest { largest = gap }
                    i += 1
                }
                return (largest, nil)
            }
        }
    }

    /// Output, input gradients, then parameter gradients of one fresh forward and backward,
    /// counted and timed as a pass down another path.
    private func results(of target: any Layer, at inputs: [Tensor], upstream: Tensor) throws -> [Tensor] {
        let start = DispatchTime.now()
        defer {
            passes?.otherPaths.forwardPasses += 1
            passes?.otherPaths.backwardPasses += 1
            passes?.otherPaths.seconds += seconds(since: start)
        }
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
