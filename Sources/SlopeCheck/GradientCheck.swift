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
    /// Also run the convergence-order (Taylor) test on every tensor: at most 20 forward passes each
    /// (fewer once its first steps settle the verdict), more only for a feature narrower than the tensor.
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
    /// From this many elements in all, the Taylor test's directions are drawn ahead on another
    /// thread (``TaylorDirections``); below it, drawing in turn costs less than waking a thread
    /// (on this project's machine about 10 µs, the draws of 2,000 values). (Tests set it to
    /// compare the two.)
    var taylorDirectionsAheadFrom = 1 << 14

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
    /// The inputs at `constantInputs` (indices: ids, masks, targets) are held constant: passed
    /// exactly, never perturbed or checked; the report names them.
    ///
    /// ```swift
    /// let report = GradientCheck().run(embedding, inputs: [ids, table], constantInputs: [0])
    /// ```
    ///
    /// Nothing the layer does can crash the check: a forward or backward that throws, returns
    /// the wrong number of gradients or gradients of the wrong shape, or changes its output's
    /// shape between calls ends the check with a ``CheckProblem`` that says what and where
    /// (verdict `.fail`).
    public func run(
        _ layer: any Layer, inputs: [Tensor], constantInputs: Set<Int> = [], name: String? = nil
    ) -> CheckReport {
        guard !constantInputs.isEmpty else { return check(layer, inputs: inputs, name: name) }
        switch holdingConstant(constantInputs, of: layer, inputs: inputs) {
        case .failure(let problem):
            return emptyReport(target: name ?? layer.kindName, inputShapes: inputs.map(\.shape), problem: problem)
        case .success(let (held, variables)):
            var report = check(held, inputs: variables, name: name ?? layer.kindName)
            report.inputShapes = inputs.map(\.shape)
            return report
        }
    }

    /// The check itself, as a list of its steps.
    func check(_ layer: any Layer, inputs: [Tensor], name: String?) -> CheckReport {
        HeapReuse.enable()
        let target = name ?? layer.kindName
        var report = emptyReport(target: target, inputShapes: inputs.map(\.shape))
        var clock = PhaseClock()
        let parameters = ParameterSnapshot(of: layer)
        defer { parameters.restore() }
        do {
            // The probe: L = Σ u ⊙ f(x, θ) with a seeded upstream u, the only code that calls the layer.
            var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
            let (probe, upstream) = try clock.firstForwardPass { try start(layer, inputs: inputs, using: &generator) }
            // The contract: gradients of the wrong number or shape cannot be compared.
            let analytic = try clock.measure(\.analytic, probe, "computing the analytic gradients") {
                try probe.analyticGradients()
            }
            // The Taylor test's directions come from a generator of their own, one per tensor in
            // order: drawn on another core while the check does the rest.
            let taylorSeed = SeededGenerator(seed: seed ^ 0x7A9_1_0DE5)
            let taylorDirections =
                orderTest && analytic.reduce(0, { $0 + $1.count }) >= taylorDirectionsAheadFrom
                ? TaylorDirections(shapes: analytic.map(\.shape), generator: taylorSeed) : nil
            report.invariants += clock.measureInvariants { [StoredParameters.invariant(of: layer)] }
            if let held = layer as? WithConstantInputs { report.constantInputs = held.constantNames }
            // The precision the code computes at, measured: everything below is judged at it.
            let check = measuredPrecision(
                layer, probe: probe, upstream: upstream, analytic: analytic, report: &report, cost: &clock.cost.rounding)
            if checkInvariants {
                let invariants = Invariants(
                    layer: layer, inputs: inputs, upstream: upstream, tolerance: tolerance, precision: check.precision)
                report.invariants += clock.measureInvariants(counting: invariants.passes) {
                    invariants.evaluate(using: &generator)
                }
                parameters.restore()
            }
            report.checkedValue = try clock.measure(\.analytic, probe) { try probe.evaluate() }
            let progress = progressTracker(target: target, probe: probe)
            var taylorGenerator = taylorSeed
            for tensor in probe.ids.indices {
                report.tensors.append(
                    try check.tensorReport(
                        tensor, probe: probe, upstream: upstream, analytic: analytic[tensor], progress: progress,
                        clock: &clock, using: &generator, taylor: &taylorGenerator,
                        taylorDirection: taylorDirections?.direction(tensor)))
            }
            // L's rounding (``RoundingLevel/forward``): the noise the step choice read along
            // the largest tensor, as a share of |L|.
            if report.rounding != nil,
                let largest = probe.ids.indices.max(by: { probe.value(of: $0).count < probe.value(of: $1).count }),
                let noise = report.tensors[largest].stepChoice?.noise
            {
                let magnitude = abs(report.checkedValue)
                report.rounding?.forward = magnitude > 0 ? noise / magnitude : 0
            }
            report.forwardPasses = clock.cost.differences.forwardPasses + clock.cost.taylor.forwardPasses
            report.cost = clock.cost
        } catch let problem as CheckProblem {
            report.problem = problem
        } catch {
            report.problem = .threw(stage: "the check", message: "\(error)")
        }
        report.seconds = clock.elapsed
        return report
    }

    /// One tensor: its step and noise, its finite differences (``ElementPlan``) judged by the
    /// ``Judge``, their summary, and the Taylor test along a direction that leaves out the
    /// elements found at kinks. `taylorDirection`: the Taylor test's direction drawn ahead
    /// (``TaylorDirections``), called only when the test runs, so that the check waits for it
    /// no sooner; nil: drawn from `taylorGenerator` there.
    func tensorReport(
        _ tensor: Int, probe: Probe, upstream: Tensor, analytic: Tensor, progress: ProgressTracker?,
        clock: inout PhaseClock, using generator: inout SeededGenerator, taylor taylorGenerator: inout SeededGenerator,
        taylorDirection: (() -> Tensor)? = nil
    ) throws -> TensorReport {
        let id = probe.ids[tensor]
        let shape = probe.value(of: tensor).shape
        let (differences, choice, baseValue) = try clock.measure(\.differences, probe, "taking the finite differences of \(id)") {
            // L from the outputs when they are known (the same bits as evaluate(); compression reuses them).
            let baseOutput = probe.producesOutputs ? try probe.output() : nil
            let baseValue = try baseOutput.map { $0.dot(upstream) } ?? probe.evaluate()
            probe.baseDecisions = probe.decisions()
            let (choice, direction) = try probe.chooseStep(
                for: tensor, method: method, tolerance: tolerance, precision: precision, base: baseValue,
                outputRounding: baseOutput.map { precision.outputRounding(of: $0, upstream: upstream) } ?? 0,
                using: &generator)
            var plan = ElementPlan(
                check: self, probe: probe, upstream: upstream, choice: choice, gradientScale: analytic.maxMagnitude,
                baseValue: baseValue, baseOutput: baseOutput)
            (plan.copies, plan.progress, plan.firstDirection) = (copies, progress, direction)
            return (try plan.run(tensor: tensor, analytic: analytic, using: &generator), choice, baseValue)
        }
        var report = clock.summarizing {
            TensorReport(summarizing: differences, of: id, shape: shape, upstream: upstream, check: self)
        }
        report.stepChoice = choice
        if orderTest {
            // Float code rounds every element the direction moves (`Precision.inputRounding`).
            var along = choice
            along.floor = max(
                choice.floor, precision.inputRounding(values: [probe.value(of: tensor)], derivatives: [analytic]))
            var order = try clock.measure(\.taylor, probe, "running the Taylor test of \(id)") {
                try ConvergenceOrder.measure(
                    probe: probe, tensor: tensor, analytic: analytic, baseValue: baseValue, choice: along,
                    kinks: differences.kinks, absoluteFloor: tolerance.atol, precision: precision,
                    direction: taylorDirection?(), using: &taylorGenerator)
            }
            // Fast mode cannot leave out the elements at a kink the directions found: a Taylor
            // failure along a direction through them is no evidence of a wrong gradient (Float
            // Hardtanh at exactly ±1 and ReLU at 0, soundness cases at seeds 60–499).
            if differences.kinkAlongADirection && order.verdict == .fail {
                order.verdict = .inconclusive
                order.note =
                    "a direction of the finite differences crosses a kink at this point, and the Taylor test's may: "
                    + order.note
            }
            report.order = order
            // The Taylor test is the evidence below rtol: a tensor passes only when it passes too.
            report.verdict = max(report.verdict, order.verdict)
        }
        if keptElements.keeps(report.verdict, elementCount: report.elementCount) {
            report.elements = ElementValues(differences, elementCount: report.elementCount)
        }
        return report
    }

    /// The first forward pass, and the probe around it.
    func start(_ layer: any Layer, inputs: [Tensor], using generator: inout SeededGenerator) throws -> (Probe, Tensor) {
        Breadcrumbs.phase("running the first forward pass")
        let output = try CheckProblem.validated(
            CheckProblem.running("forward") { try layer.forward(inputs) }, as: "the forward output")
        let upstream =
            onesUpstream
            ? Tensor(shape: output.shape, repeating: 1) : Tensor.uniform(output.shape, in: -1..<1, using: &generator)
        return (Probe.checking(layer, inputs: inputs, upstream: upstream), upstream)
    }

    /// This check at the precision the code computes in (``RoundingLevel``): Float's step and
    /// tolerance for code that rounds as Float does, unless the user chose their own.
    func measuredPrecision(
        _ layer: any Layer, probe: Probe, upstream: Tensor, analytic: [Tensor], report: inout CheckReport,
        cost: inout CheckCost.Phase
    ) -> GradientCheck {
        guard measuresPrecision, precision == .double else { return self }
        Breadcrumbs.phase("measuring how the checked code rounds")
        let start = DispatchTime.now()
        defer { cost.seconds += seconds(since: start) }
        guard
            let rounding = try? RoundingLevel.measure(
                layer, probe: probe, upstream: upstream, analytic: analytic, passes: &cost)
        else { return self }
        report.rounding = rounding
        guard rounding.precision == .float else { return self }
        var check = method == .default && tolerance == .default ? forFloat : self
        check.precision = .float
        report.method = check.method
        report.methodDescription = check.methodDescription
        report.tolerance = check.tolerance
        report.precision = .float
        return check
    }

    /// A progress display's counter over every element the check will visit (nil: nobody watches).
    func progressTracker(target: String, probe: Probe) -> ProgressTracker? {
        guard let progress else { return nil }
        let counts = probe.ids.indices.map { probe.value(of: $0).count }
        let total: Int =
            switch mode {
            case .exhaustive: counts.reduce(0, +)
            case .sampled(let k): counts.reduce(0) { $0 + min(k, $1) }
            case .fast: 0
            }
        return total > 0 ? ProgressTracker(target: target, elementCount: total, report: progress) : nil
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
            target: target, method: method, methodDescription: methodDescription, tolerance: tolerance, mode: mode,
            seed: seed, inputShapes: inputShapes, checkedValue: .nan, tensors: [], invariants: [], forwardPasses: 0,
            seconds: 0)
        report.allowKinks = allowKinks
        report.precision = precision == .double ? nil : precision
        report.problem = problem
        return report
    }

    /// The settings a report was made with, to rerun it exactly (`slope verify --replay`). A
    /// report made with the retired relative step rule is rerun with today's rule, and the new
    /// report's method says so.
    public init(replaying report: CheckReport) {
        self.init(
            method: report.method.today, tolerance: report.tolerance, mode: report.mode, seed: report.seed,
            allowKinks: report.allowKinks)
        precision = report.precision ?? .double
        if report.method.stepRule != .adaptive { replayedRule = report.method.stepRule }
    }

    /// The step rule of the replayed report, when it was not today's.
    var replayedRule: FiniteDifference.StepRule?

    /// The method as a report prints it.
    var methodDescription: String {
        guard let replayedRule else { return method.description }
        return "\(method.description) (the replayed report used the \(replayedRule.rawValue) step rule, retired in 0.4)"
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

/// A layer's parameter values, put back by `restore()` (a check moves them; it leaves them as it found them).
struct ParameterSnapshot {
    private let parameters: [Parameter]
    private let values: [Tensor]

    init(of layer: any Layer) {
        parameters = layer.namedParameters.map(\.1)
        values = parameters.map(\.value)
    }

    func restore() { for (parameter, value) in zip(parameters, values) { parameter.value = value } }
}

/// The layer of a network whose own backward is wrong, found by checking each layer alone.
public struct Culprit: Sendable, Codable, Equatable {
    /// "layer 1 (GELU)" or "the loss (MSE)".
    public var layer: String
    /// That layer's own diagnosis.
    public var diagnosis: String
}
