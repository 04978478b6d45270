import Foundation
import SlopeLayers

/// Finite-difference verification of a backward pass.
///
/// ```swift
/// let report = try GradientCheck().run(Affine(inFeatures: 3, outFeatures: 2, using: &rng), inputs: [x])
/// if report.verdict == .fail { print(report.diagnosis) }
/// ```
///
/// For a layer f and inputs x, the checked scalar is L = Σ u ⊙ f(x, θ) with a **seeded
/// random** upstream u (an all-ones upstream hides backward passes that ignore it).
/// Every input and parameter tensor is checked; the layer's parameters are restored
/// to their original values afterwards.
public struct GradientCheck: Sendable {
    public var method: FiniteDifference
    public var tolerance: Tolerance
    public var mode: CheckMode
    public var seed: UInt64
    /// Report elements at kinks (one-sided differences that disagree, consistent with
    /// the analytic value) as kinks instead of failures.
    public var allowKinks: Bool
    /// Also check the invariants (shapes, untouched arguments, determinism, linearity…).
    public var checkInvariants: Bool
    /// Failing elements kept per tensor in the report.
    public var worstCount: Int
    /// Also run the convergence-order (Taylor) test on every tensor: 20 forward passes each.
    public var orderTest = true
    /// Use an all-ones upstream instead of a random one. Only for demonstrating why
    /// random matters: a backward that ignores its upstream passes with ones.
    public var onesUpstream = false

    public init(
        method: FiniteDifference = .default, tolerance: Tolerance = .default, mode: CheckMode = .exhaustive,
        seed: UInt64 = 0, allowKinks: Bool = true, checkInvariants: Bool = true, worstCount: Int = 5
    ) {
        self.method = method
        self.tolerance = tolerance
        self.mode = mode
        self.seed = seed
        self.allowKinks = allowKinks
        self.checkInvariants = checkInvariants
        self.worstCount = worstCount
    }

    /// Checks a layer at `inputs` with a seeded random upstream.
    public func run(_ layer: any Layer, inputs: [Tensor], name: String? = nil) -> CheckReport {
        let started = Date()
        var generator = SeededGenerator(seed: seed)
        var report = CheckReport(
            target: name ?? layer.kindName, method: method, methodDescription: method.description,
            tolerance: tolerance, mode: mode, seed: seed, inputShapes: inputs.map(\.shape), checkedValue: .nan,
            tensors: [], invariants: [], forwardPasses: 0, seconds: 0)
        report.allowKinks = allowKinks
        let parameters = namedParameters(of: layer)
        let saved = parameters.map { $0.1.value }
        defer { for (parameter, value) in zip(parameters, saved) { parameter.1.value = value } }
        do {
            let output = try layer.forward(inputs)
            let upstream =
                onesUpstream
                ? Tensor(shape: output.shape, repeating: 1) : Tensor.uniform(output.shape, in: -1..<1, using: &generator)
            let probe = Probe.checking(layer, inputs: inputs, upstream: upstream)
            if checkInvariants {
                report.invariants = Invariants(layer: layer, inputs: inputs, upstream: upstream, tolerance: tolerance)
                    .evaluate(using: &generator)
                for (parameter, value) in zip(parameters, saved) { parameter.1.value = value }
            }
            let analytic = try probe.analyticGradients()
            guard analytic.count == probe.ids.count else {
                report.error = "backward returned \(analytic.count - parameters.count) gradients for \(inputs.count) inputs"
                return report
            }
            var engine = Engine(check: self, probe: probe, upstream: upstream)
            engine.copies = copies
            report.checkedValue = try probe.evaluate()
            var orderGenerator = SeededGenerator(seed: seed ^ 0x7A9_1_0DE5)
            for tensor in probe.ids.indices {
                var tensorReport = try engine.check(tensor: tensor, analytic: analytic[tensor], using: &generator)
                if orderTest {
                    let order = try ConvergenceOrder.measure(
                        probe: probe, tensor: tensor, analytic: analytic[tensor], baseDecisions: engine.baseDecisions,
                        absoluteFloor: tolerance.atol, using: &orderGenerator)
                    tensorReport.order = order
                    // Only a clear failure counts: an inconclusive order (a decision flipped along
                    // the direction) leaves the element-wise verdict as it is.
                    if order.verdict == .fail { tensorReport.verdict = .fail }
                    engine.forwardPasses += 20
                }
                report.tensors.append(tensorReport)
            }
            report.forwardPasses = engine.forwardPasses
        } catch {
            report.error = "\(error)"
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Checks a layer that `makeLayer` builds, spreading the element-by-element differences
    /// of exhaustive and sampled modes over `workers` threads. Each worker builds its own
    /// copy (layers cache their last forward pass and cannot be shared), so `makeLayer`
    /// must build the same layer every time (same parameters: from a seed, a file, …).
    /// The report equals the one-thread report element for element.
    public func run(
        making makeLayer: @escaping @Sendable () -> any Layer, inputs: [Tensor], name: String? = nil,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> CheckReport {
        var copy = self
        copy.copies = workers > 1 ? LayerCopies(make: makeLayer, workers: workers) : nil
        return copy.run(makeLayer(), inputs: inputs, name: name)
    }

    /// How to build worker copies of the checked layer (set by `run(making:…)`).
    var copies: LayerCopies?

    /// The settings a report was made with, to rerun it exactly (`slope verify --replay`).
    public init(replaying report: CheckReport) {
        self.init(
            method: report.method, tolerance: report.tolerance, mode: report.mode, seed: report.seed,
            allowKinks: report.allowKinks)
    }

    /// Checks a loss layer's gradient with respect to the prediction.
    public func run(loss: any LossLayer, prediction: Tensor, target: Tensor, name: String? = nil) -> CheckReport {
        run(LossAsLayer(loss, target: target), inputs: [prediction], name: name ?? loss.kindName)
    }

    /// Checks a whole network: its loss at (x, target) against every parameter and the input.
    public func run(network: Sequential, input: Tensor, target: Tensor, name: String? = nil) -> CheckReport {
        let wrapped = NetworkWithLoss(network, target: target)
        var report = run(wrapped, inputs: [input], name: name ?? "network")
        if checkInvariants {
            report.invariants += NetworkInvariants(network: wrapped, input: input, tolerance: tolerance, method: method)
                .evaluate()
        }
        return report
    }
}

/// The element loop of one check.
private struct Engine {
    let check: GradientCheck
    let probe: Probe
    let upstream: Tensor
    var forwardPasses = 0
    var baseValue = 0.0
    var baseDecisions: [Int] = []
    var copies: LayerCopies?

    init(check: GradientCheck, probe: Probe, upstream: Tensor) {
        self.check = check
        self.probe = probe
        self.upstream = upstream
    }

    mutating func evaluate() throws -> (value: Double, decisionsFlipped: Bool) {
        forwardPasses += 1
        let value = try probe.evaluate()
        let flipped = probe.tracksDecisions && probe.decisions() != baseDecisions
        return (value, flipped)
    }

    mutating func check(tensor: Int, analytic: Tensor, using generator: inout SeededGenerator) throws -> TensorReport {
        baseValue = try probe.evaluate()
        baseDecisions = probe.decisions()
        let value = probe.value(of: tensor)
        var results: [ElementResult] = []
        switch check.mode {
        case .exhaustive:
            results = try checkElements(tensor: tensor, Array(0..<value.count), analytic: analytic)
        case .sampled(let k):
            results = try checkElements(tensor: tensor, sample(k, of: value.count, using: &generator), analytic: analytic)
        case .fast(let directions):
            for d in 0..<directions {
                var u = Tensor.zeros(value.shape)
                for i in 0..<u.count { u.data[i] = generator.nextNormal() }
                results.append(try checkDirection(tensor: tensor, direction: u, number: d, analytic: analytic))
            }
        }
        return summarize(tensor: tensor, shape: value.shape, results: results, analytic: analytic)
    }

    /// The given elements of one tensor, on this thread or split over worker copies.
    mutating func checkElements(tensor: Int, _ elements: [Int], analytic: Tensor) throws -> [ElementResult] {
        guard let copies, elements.count >= 4 * copies.workers else {
            return try elements.map { try checkElement(tensor: tensor, element: $0, analytic: analytic.data[$0]) }
        }
        let chunkSize = (elements.count + copies.workers - 1) / copies.workers
        let chunks = stride(from: 0, to: elements.count, by: chunkSize).map {
            Array(elements[$0..<min($0 + chunkSize, elements.count)])
        }
        let (check, upstream, inputs) = (self.check, self.upstream, probe.inputs)
        let (base, decisions) = (baseValue, baseDecisions)
        let outcomes = Verification.parallelMap(chunks) { chunk -> Result<([ElementResult], Int), CheckFailure> in
            do {
                let layer = copies.make()
                var worker = Engine(check: check, probe: .checking(layer, inputs: inputs, upstream: upstream), upstream: upstream)
                worker.baseValue = base
                worker.baseDecisions = decisions
                let results = try chunk.map { try worker.checkElement(tensor: tensor, element: $0, analytic: analytic.data[$0]) }
                return .success((results, worker.forwardPasses))
            } catch {
                return .failure(CheckFailure(message: "\(error)"))
            }
        }
        var results: [ElementResult] = []
        for outcome in outcomes {
            let (chunkResults, passes) = try outcome.get()
            results += chunkResults
            forwardPasses += passes
        }
        return results
    }

    /// k distinct element indices, in increasing order (all of them when k ≥ count).
    func sample(_ k: Int, of count: Int, using generator: inout SeededGenerator) -> [Int] {
        if k >= count { return Array(0..<count) }
        var chosen = Set<Int>()
        while chosen.count < k { chosen.insert(Int(generator.next() % UInt64(count))) }
        return chosen.sorted()
    }

    /// The stencil's difference quotient at step h, with the one-sided differences, the
    /// largest |L| seen (for the rounding floor) and whether a decision flipped.
    /// `place(offset)` moves the probed value to offset·h.
    mutating func stencil(step h: Double, place: (Double) -> Void) throws
        -> (numeric: Double, forward: Double, backward: Double, scale: Double, flipped: Bool)
    {
        var numeric = 0.0
        var plus = baseValue, minus = baseValue
        var scale = abs(baseValue)
        var flipped = false
        for (offset, weight) in check.method.points {
            place(offset)
            let (value, flip) = try evaluate()
            flipped = flipped || flip
            numeric += weight * value
            scale = max(scale, abs(value))
            if offset == 1 { plus = value }
            if offset == -1 { minus = value }
        }
        return (numeric / h, (plus - baseValue) / h, (baseValue - minus) / h, scale, flipped)
    }

    mutating func checkElement(tensor: Int, element: Int, analytic a: Double) throws -> ElementResult {
        let x0 = probe[tensor, element]
        let h = check.method.step(at: x0)
        let probe = self.probe  // a class: the closure moves the element without touching self
        let s = try stencil(step: h) { offset in probe[tensor, element] = x0 + offset * h }
        probe[tensor, element] = x0
        let index = probe.value(of: tensor).index(ofFlat: element)
        return judge(
            analytic: a, numeric: s.numeric, forward: s.forward, backward: s.backward,
            scale: s.scale, step: h, flipped: s.flipped, index: index, direction: nil)
    }

    mutating func checkDirection(tensor: Int, direction d: Tensor, number: Int, analytic: Tensor) throws -> ElementResult {
        let saved = probe.value(of: tensor)
        // Element i moves by at most its own step h·max(1, |xᵢ|), as in the element-wise
        // modes. (Scaling the whole step by the largest |x| moved an element near 0 by up
        // to 50× its step when another held ±50, and honest curvature — BatchNorm of two
        // close rows — then looked like a kink.)
        var u = d
        for i in 0..<u.count { u.data[i] *= max(1, abs(saved.data[i])) }
        let h = check.method.step / max(d.maxMagnitude, 1e-300)
        let probe = self.probe
        let s = try stencil(step: h) { offset in
            probe.restore(tensor, to: saved)
            probe.add(u, scaledBy: offset * h, to: tensor)
        }
        probe.restore(tensor, to: saved)
        let (numeric, scale, flipped) = (s.numeric, s.scale, s.flipped)
        // The analytic directional derivative ⟨∇L, u⟩. Each element within rtol of its own
        // derivative allows the sum an error of rtol·Σ|gᵢuᵢ|, not rtol·|⟨∇L, u⟩|: when the sum
        // cancels (Softmax at ±1000 logits), the smaller bound raised false alarms.
        var a = 0.0
        var magnitude = 0.0
        for i in 0..<u.count {
            a += analytic.data[i] * u.data[i]
            magnitude += abs(analytic.data[i] * u.data[i])
        }
        var result = judge(
            analytic: a, numeric: numeric, forward: s.forward, backward: s.backward,
            scale: scale, step: h, flipped: flipped, index: [], direction: number,
            extraAllowance: check.tolerance.rtol * magnitude)
        if result.isKink && result.verdict == .pass {
            // In a direction, a kink cannot be pinned to one element: inconclusive, not pass.
            result.verdict = .inconclusive
        }
        return result
    }

    func judge(
        analytic a: Double, numeric n: Double, forward: Double, backward: Double, scale: Double, step h: Double,
        flipped: Bool, index: [Int], direction: Int?, extraAllowance: Double = 0
    ) -> ElementResult {
        let tolerance = check.tolerance
        let allowance = tolerance.absoluteAllowance(scale: scale, step: h) + tolerance.rtol * abs(n) + extraAllowance
        let error = abs(a - n)
        var result = ElementResult(
            index: index, direction: direction, analytic: a, numeric: n, absoluteError: error,
            relativeError: relativeError(a, n), allowance: allowance, backwardDifference: backward,
            forwardDifference: forward, verdict: .pass, isKink: false, note: nil)
        if !n.isFinite || !a.isFinite {
            result.verdict = .fail
            result.note = !a.isFinite ? "the analytic gradient is not finite" : "the loss is not finite near this point"
            return result
        }
        result.roundingFloor = tolerance.absoluteAllowance(scale: scale, step: h) - tolerance.atol
        result.step = h
        if error <= allowance { return result }
        let oneSidedGap = abs(forward - backward)
        let disagree = oneSidedGap > max(10 * allowance, 1e-3 * max(abs(forward), abs(backward)))
        guard disagree || flipped else {
            result.verdict = .fail
            return result
        }
        result.isKink = true
        let low = min(forward, backward) - allowance
        let high = max(forward, backward) + allowance
        if !check.allowKinks {
            result.verdict = .fail
            result.note =
                "a kink (one-sided differences \(formatNumber(backward)) and \(formatNumber(forward))); kinks are not allowed"
        } else if a >= low && a <= high {
            result.verdict = .pass
            result.note =
                "kink: analytic lies between the one-sided differences \(formatNumber(backward)) and \(formatNumber(forward))"
        } else if flipped {
            result.verdict = .inconclusive
            result.note = "a discrete decision flips within ±h; the difference cannot judge this element"
        } else {
            result.verdict = .fail
            result.note =
                "at a kink, but analytic lies outside the one-sided differences \(formatNumber(backward)) and \(formatNumber(forward))"
        }
        return result
    }

    func summarize(tensor: Int, shape: [Int], results: [ElementResult], analytic: Tensor) -> TensorReport {
        let failures = results.filter { $0.verdict == .fail }
        let worstFailures = failures.sorted { $0.absoluteError / $0.allowance > $1.absoluteError / $1.allowance }
        let worst = worstFailures.first ?? results.max { $0.absoluteError < $1.absoluteError }
        let verdict = results.map(\.verdict).max() ?? .pass
        var signature: String?
        if !failures.isEmpty {
            var upstreamValues: [Double]?
            if probe.ids[tensor].role == .input, upstream.shape == shape, results.allSatisfy({ $0.direction == nil }) {
                upstreamValues = results.map { upstream.data[flat($0.index, shape)] }
            }
            let complete = results.count == Tensor.count(of: shape) && results.allSatisfy { $0.direction == nil }
            signature = BugSignature.read(
                analytic: results.map(\.analytic), numeric: results.map(\.numeric),
                upstream: upstreamValues, batch: shape.count > 1 ? shape.first : nil, matrixShape: complete ? shape : nil)
        }
        var census = ErrorCensus()
        for result in results { census.add(result.relativeError) }
        return TensorReport(
            tensor: probe.ids[tensor], shape: shape, checked: results.count, elementCount: Tensor.count(of: shape),
            failed: failures.count, kinks: results.filter(\.isKink).count,
            inconclusive: results.filter { $0.verdict == .inconclusive }.count,
            maxAbsoluteError: results.map(\.absoluteError).max() ?? 0,
            maxRelativeError: results.map(\.relativeError).max() ?? 0,
            worst: worst, worstFailures: Array(worstFailures.prefix(check.worstCount)), signature: signature,
            verdict: verdict, census: census,
            coverage: Coverage.statement(mode: check.mode, checked: results.count, elementCount: Tensor.count(of: shape)))
    }

    func flat(_ index: [Int], _ shape: [Int]) -> Int {
        var flat = 0
        for (axis, i) in index.enumerated() { flat = flat * shape[axis] + i }
        return flat
    }
}

/// Builds worker copies of a checked layer.
struct LayerCopies: Sendable {
    let make: @Sendable () -> any Layer
    let workers: Int
}

/// An error raised inside a worker, carried back as text.
struct CheckFailure: Error, CustomStringConvertible, Sendable {
    let message: String
    var description: String { message }
}
