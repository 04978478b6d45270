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
    /// The precision the checked code computes in: Float code carries more rounding, and the
    /// rounding floor, the Taylor test and the invariants allow for it. `run(float:…)` sets it.
    public var precision: Precision = .double
    /// Measure how the checked code rounds before judging it (``RoundingLevel``): code with
    /// Double edges that computes in Float inside is then judged at Float precision, and the
    /// report says so. Only checks that start at `.double` measure.
    public var measuresPrecision = true
    /// Exhaustive mode perturbs elements with disjoint output footprints together, proven on
    /// every run (see ``Compression``); `.off` checks one element at a time.
    public var compression = Compression.automatic
    /// Which tensors keep every checked element's values in the report (for error maps).
    public var keptElements = ElementRetention.failing
    /// Called (at most four times a second, from any thread) with the elements done so far in
    /// exhaustive and sampled modes, for a progress display.
    public var progress: (@Sendable (CheckProgress) -> Void)?
    /// Seconds after which a check that runs where it can be stopped — inside a Swift Testing
    /// exit test (SlopeTesting) — is ended and reported as unfinished, saying where it was.
    /// nil: the test's `.timeLimit`, or 10 minutes. (A gate's limit is its `--timeout` rule.)
    public var timeLimit: Double?

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
    ///
    /// Nothing the layer does can crash the check: a forward or backward that throws, returns
    /// the wrong number of gradients or gradients of the wrong shape, or changes its output's
    /// shape between calls ends the check with a ``CheckProblem`` that says what and where
    /// (verdict `.fail`).
    public func run(_ layer: any Layer, inputs: [Tensor], name: String? = nil) -> CheckReport {
        let started = Date()
        var cost = CheckCost()
        var phase = DispatchTime.now()
        // The seconds since the last phase ended, for the phase that just ended.
        func lap() -> Double {
            defer { phase = DispatchTime.now() }
            return seconds(since: phase)
        }
        var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
        var report = emptyReport(target: name ?? layer.kindName, inputShapes: inputs.map(\.shape))
        let parameters = layer.namedParameters
        let saved = parameters.map { $0.1.value }
        defer { for (parameter, value) in zip(parameters, saved) { parameter.1.value = value } }
        do {
            Breadcrumbs.phase("running the first forward pass")
            let output = try CheckProblem.validated(
                CheckProblem.running("forward") { try layer.forward(inputs) }, as: "the forward output")
            let upstream =
                onesUpstream
                ? Tensor(shape: output.shape, repeating: 1) : Tensor.uniform(output.shape, in: -1..<1, using: &generator)
            let probe = Probe.checking(layer, inputs: inputs, upstream: upstream)
            // The contract first: gradients of the wrong number or shape cannot be compared.
            Breadcrumbs.phase("computing the analytic gradients")
            let analytic = try probe.analyticGradients()
            cost.analytic = CheckCost.Phase(seconds: lap(), forwardPasses: 2, backwardPasses: 1)
            var stored = StoredParameters.invariant(of: layer)
            stored.seconds = lap()
            cost.invariants.seconds = stored.seconds ?? 0
            report.invariants.append(stored)
            if let held = layer as? WithConstantInputs { report.constantInputs = held.constantNames }
            // The precision the code computes at, measured: everything below is judged at it.
            var check = self
            if measuresPrecision, precision == .double {
                Breadcrumbs.phase("measuring how the checked code rounds")
                var own = SeededGenerator(seed: seed ^ 0x9EC1_5100)
                if let rounding = try? RoundingLevel.measure(
                    layer, probe: probe, upstream: upstream, analytic: analytic, passes: &cost.rounding, using: &own)
                {
                    report.rounding = rounding
                    cost.rounding.seconds = lap()
                    if rounding.precision == .float {
                        // Float's step and tolerance, unless the user chose their own.
                        let defaults = method == .default && tolerance == .default
                        check = defaults ? check.forFloat : check
                        check.precision = .float
                        report.method = check.method
                        report.methodDescription = check.method.description
                        report.tolerance = check.tolerance
                        report.precision = .float
                    }
                }
            }
            _ = lap()
            if checkInvariants {
                let invariants = Invariants(
                    layer: layer, inputs: inputs, upstream: upstream, tolerance: tolerance, precision: check.precision)
                report.invariants += invariants.evaluate(using: &generator)
                for (parameter, value) in zip(parameters, saved) { parameter.1.value = value }
                cost.invariants.seconds += lap()
                cost.invariants.forwardPasses = invariants.passes.forward
                cost.invariants.backwardPasses = invariants.passes.backward
            }
            var engine = Engine(check: check, probe: probe, upstream: upstream)
            engine.copies = copies
            if let progress {
                let counts = probe.ids.indices.map { probe.value(of: $0).count }
                let total: Int =
                    switch mode {
                    case .exhaustive: counts.reduce(0, +)
                    case .sampled(let k): counts.reduce(0) { $0 + min(k, $1) }
                    case .fast: 0
                    }
                if total > 0 {
                    engine.progress = ProgressTracker(target: name ?? layer.kindName, elementCount: total, report: progress)
                }
            }
            report.checkedValue = try probe.evaluate()
            cost.analytic.forwardPasses += 1
            _ = lap()
            var orderGenerator = SeededGenerator(seed: seed ^ 0x7A9_1_0DE5)
            for tensor in probe.ids.indices {
                Breadcrumbs.phase("taking the finite differences of \(probe.ids[tensor])")
                let passesBefore = engine.forwardPasses
                var tensorReport = try engine.check(tensor: tensor, analytic: analytic[tensor], using: &generator)
                cost.differences.seconds += lap()
                cost.differences.forwardPasses += engine.forwardPasses - passesBefore
                if orderTest {
                    Breadcrumbs.phase("running the Taylor test of \(probe.ids[tensor])")
                    let order = try ConvergenceOrder.measure(
                        probe: probe, tensor: tensor, analytic: analytic[tensor], baseValue: engine.baseValue,
                        baseDecisions: engine.baseDecisions, choice: tensorReport.stepChoice, excluded: engine.kinks,
                        absoluteFloor: tolerance.atol, precision: check.precision, using: &orderGenerator)
                    tensorReport.order = order
                    engine.forwardPasses += 2 * order.steps.count
                    cost.taylor.seconds += lap()
                    cost.taylor.forwardPasses += 2 * order.steps.count
                    if method.stepRule == .adaptive {
                        // The Taylor test is the evidence below rtol: a tensor passes only when it passes too.
                        tensorReport.verdict = max(tensorReport.verdict, order.verdict)
                    } else if order.verdict == .fail {
                        // The relative rule: only a clear failure counts.
                        tensorReport.verdict = .fail
                    }
                }
                if !keptElements.keeps(tensorReport.verdict, elementCount: tensorReport.elementCount) {
                    tensorReport.elements = nil
                }
                report.tensors.append(tensorReport)
            }
            report.forwardPasses = engine.forwardPasses
            cost.report = engine.summarySeconds
            cost.elementResults = max(cost.differences.seconds - engine.passSeconds - engine.summarySeconds, 0)
            report.cost = cost
        } catch let problem as CheckProblem {
            report.problem = problem
        } catch {
            report.problem = .threw(stage: "the check", message: "\(error)")
        }
        // Set here, not in a `defer`: a defer runs after the returned copy is made.
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

    /// The generator of the upstream (and samples, directions) is seeded from the check's seed
    /// mixed with a constant, never with the seed itself: a user who draws the inputs from
    /// `SeededGenerator(seed: seed)` would otherwise get inputs equal to 2·u, and at x̂ ∝ u a
    /// normalisation layer's L = Σ u ⊙ x̂ is stationary — every derivative near 0, nothing to see.
    static func upstreamSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x5EED_0F_0097_A1CE }

    /// How to build worker copies of the checked layer (set by `run(making:…)`).
    var copies: LayerCopies?

    /// A report with this check's settings and nothing checked yet; `problem` says why nothing
    /// will be.
    package func emptyReport(target: String, inputShapes: [[Int]], problem: CheckProblem? = nil) -> CheckReport {
        var report = CheckReport(
            target: target, method: method, methodDescription: method.description, tolerance: tolerance, mode: mode,
            seed: seed, inputShapes: inputShapes, checkedValue: .nan, tensors: [], invariants: [], forwardPasses: 0,
            seconds: 0)
        report.allowKinks = allowKinks
        report.precision = precision == .double ? nil : precision
        report.problem = problem
        return report
    }

    /// The settings a report was made with, to rerun it exactly (`slope verify --replay`).
    public init(replaying report: CheckReport) {
        self.init(
            method: report.method, tolerance: report.tolerance, mode: report.mode, seed: report.seed,
            allowKinks: report.allowKinks)
        precision = report.precision ?? .double
    }

    /// Checks a loss layer's gradient with respect to the prediction.
    public func run(loss: any LossLayer, prediction: Tensor, target: Tensor, name: String? = nil) -> CheckReport {
        run(LossAsLayer(loss, target: target), inputs: [prediction], name: name ?? loss.kindName)
    }

    /// Checks a whole network: its loss at (x, target) against every parameter and the input.
    public func run(network: Sequential, input: Tensor, target: Tensor, name: String? = nil) -> CheckReport {
        guard network.lossLayer != nil else {
            return emptyReport(target: name ?? "network", inputShapes: [input.shape], problem: .networkWithoutLoss)
        }
        let wrapped = NetworkWithLoss(network, target: target)
        var report = run(wrapped, inputs: [input], name: name ?? "network")
        if checkInvariants {
            report.invariants += NetworkInvariants(network: wrapped, input: input, tolerance: tolerance, method: method)
                .evaluate()
        }
        if report.verdict == .fail { report.culprit = culprit(in: network, input: input, target: target) }
        return report
    }

    /// The first layer (or the loss) whose own check fails at the activations it saw in the
    /// network: "layer 1 (GELU)" and its diagnosis, or nil when each passes alone.
    func culprit(in network: Sequential, input: Tensor, target: Tensor) -> Culprit? {
        var single = self
        single.mode = mode == .exhaustive ? .sampled(perTensor: 64) : mode
        var activation = input
        for (index, layer) in network.layers.enumerated() {
            let report = single.run(layer, inputs: [activation], name: "layer \(index) (\(layer.kindName))")
            if report.verdict == .fail { return Culprit(layer: report.target, diagnosis: report.diagnosis) }
            guard let next = try? layer.forward([activation]) else { return nil }
            activation = next
        }
        if let loss = network.lossLayer {
            let report = single.run(loss: loss, prediction: activation, target: target, name: "the loss (\(loss.kindName))")
            if report.verdict == .fail { return Culprit(layer: report.target, diagnosis: report.diagnosis) }
        }
        return nil
    }
}

/// The layer of a network whose own backward is wrong, found by checking each layer alone.
public struct Culprit: Sendable, Codable, Equatable {
    /// "layer 1 (GELU)" or "the loss (MSE)".
    public var layer: String
    /// That layer's own diagnosis.
    public var diagnosis: String
}
