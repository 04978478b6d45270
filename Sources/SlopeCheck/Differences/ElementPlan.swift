import Foundation
import SlopeLayers

/// What the finite differences of one tensor found: an outcome per checked element (or per
/// random direction in fast mode), in one ``ElementOutcomes``.
struct TensorDifferences {
    var outcomes: ElementOutcomes
    /// The flat index of each outcome's element; nil when every element was checked, in order.
    var elements: [Int]?
    /// Whether the outcomes are random directions (fast mode), not elements.
    var directions: Bool
    var compression: CompressionSummary?

    /// The flat index of the element behind outcome `i`.
    func element(_ i: Int) -> Int { elements?[i] ?? i }

    /// Fast mode: a direction crossed a kink at the point.
    var kinkAlongADirection: Bool { directions && outcomes.contains { $0.isKink } }

    /// The flat indices of the elements found at kinks (the Taylor test leaves them out).
    var kinks: Set<Int> {
        guard !directions else { return [] }
        var found = Set<Int>()
        for i in outcomes.kinkPositions { found.insert(element(i)) }
        return found
    }
}

/// Which elements of one tensor are visited, and how: every one (compressed when a proven
/// footprint lets several move together, see `CompressedElements.swift`), a sample, or random
/// directions (fast mode); on this thread or split over worker copies of the layer. Each
/// element's quotients come from ``Quotients`` and its verdict from the ``Judge``.
struct ElementPlan {
    let check: GradientCheck
    let probe: Probe
    let upstream: Tensor
    let quotients: Quotients
    /// The tensor's step and noise.
    let choice: StepChoice
    var judge: Judge
    /// L and the outputs at the unperturbed point (nil outputs: the probe has none).
    let baseValue: Double
    let baseOutput: Tensor?
    var copies: LayerCopies?
    /// Where elements done are counted for a progress display (nil: nobody is watching).
    var progress: ProgressTracker?
    /// Fast mode's first direction: the random direction the step choice already drew (nil:
    /// draw every direction).
    var firstDirection: Tensor?

    init(
        check: GradientCheck, probe: Probe, upstream: Tensor, choice: StepChoice, gradientScale: Double,
        baseValue: Double, baseOutput: Tensor?
    ) {
        self.check = check
        self.probe = probe
        self.upstream = upstream
        self.choice = choice
        self.baseValue = baseValue
        self.baseOutput = baseOutput
        quotients = Quotients(method: check.method)
        judge = Judge(check: check, choice: choice, baseValue: baseValue, gradientScale: gradientScale)
    }

    /// The differences of `tensor` in the check's mode.
    mutating func run(tensor: Int, analytic: Tensor, using generator: inout SeededGenerator) throws -> TensorDifferences {
        let count = probe.value(of: tensor).count
        var differences: TensorDifferences
        switch check.mode {
        case .exhaustive:
            var compression: CompressionSummary?
            var compressed: ElementOutcomes?
            if check.compression.isEnabled, count >= max(check.compression.minimumElements, 2) {
                // Its own generator: the rest of the check draws the same numbers with or without it.
                var own = SeededGenerator(seed: check.seed ^ 0xC0_10_0A ^ UInt64(tensor))
                do {
                    (compressed, compression) = try compressedOutcomes(tensor: tensor, analytic: analytic, using: &own)
                } catch {
                    // Moving many elements at once may take a layer where one never goes: what
                    // the layer does one element at a time decides (and throws again if it must).
                    compression = CompressionSummary(fallback: "a pass with elements moved together failed: \(error)")
                }
            }
            let outcomes = try compressed ?? ElementOutcomes(oneAtATime(tensor: tensor, Array(0..<count), analytic: analytic))
            differences = TensorDifferences(outcomes: outcomes, elements: nil, directions: false, compression: compression)
        case .sampled(let k):
            let elements = Self.sample(k, of: count, using: &generator)
            differences = TensorDifferences(
                outcomes: ElementOutcomes(try oneAtATime(tensor: tensor, elements, analytic: analytic)),
                elements: elements.count == count ? nil : elements, directions: false)
        case .fast(let directions):
            var outcomes: [ElementOutcome] = []
            for d in 0..<directions {
                Breadcrumbs.direction(d)
                let u: Tensor
                if d == 0, let first = firstDirection, first.shape == analytic.shape {
                    u = first
                } else {
                    u = Tensor.normal(analytic.shape, using: &generator)
                }
                outcomes.append(try direction(tensor: tensor, u, analytic: analytic))
            }
            // A kink at the point (one direction's one-sided derivatives differ at every step)
            // makes every direction's quotient a one-sided derivative, which no gradient need
            // match: a direction failing there is no evidence of a wrong gradient (Float Hardtanh
            // at exactly ±1, where another direction's one-sided derivatives happened to agree).
            if outcomes.contains(where: \.isKink) {
                for i in outcomes.indices
                where outcomes[i].verdict == .fail && outcomes[i].analytic.isFinite && outcomes[i].numeric.isFinite {
                    outcomes[i].verdict = .inconclusive
                    outcomes[i].note = .kinkAtThePoint
                }
            }
            differences = TensorDifferences(outcomes: ElementOutcomes(outcomes), elements: nil, directions: true)
        }
        judge.requireResolution(&differences.outcomes, directions: differences.directions)
        return differences
    }

    /// k distinct element indices, in increasing order (all of them when k ≥ count).
    static func sample(_ k: Int, of count: Int, using generator: inout SeededGenerator) -> [Int] {
        if k >= count { return Array(0..<count) }
        var chosen = Set<Int>()
        while chosen.count < k { chosen.insert(Int(generator.next() % UInt64(count))) }
        return chosen.sorted()
    }

    // MARK: One element at a time

    /// The given elements of one tensor, on this thread or split over worker copies.
    func oneAtATime(tensor: Int, _ elements: [Int], analytic: Tensor) throws -> [ElementOutcome] {
        let workers = copies?.workers ?? 1
        guard workers > 1, elements.count >= 4 * workers else {
            return try elements.map {
                defer { progress?.advance(by: 1) }
                return try element(tensor: tensor, $0, analytic: analytic.data[$0])
            }
        }
        let chunkSize = (elements.count + workers - 1) / workers
        let chunks = stride(from: 0, to: elements.count, by: chunkSize).map {
            Array(elements[$0..<min($0 + chunkSize, elements.count)])
        }
        return try fanOut(chunks) { plan, chunk in
            try chunk.map {
                defer { plan.progress?.advance(by: 1) }
                return try plan.element(tensor: tensor, $0, analytic: analytic.data[$0])
            }
        }.flatMap { $0 }
    }

    /// One element's verdict: at the tensor's step; when that does not pass, at h/4, h/16,
    /// h/64 until the judge decides; a pass that cannot see small errors, at larger steps.
    func element(tensor: Int, _ element: Int, analytic a: Double) throws -> ElementOutcome {
        let probe = self.probe
        let x0 = probe[tensor, element]
        defer { probe[tensor, element] = x0 }
        func level(_ h: Double) throws -> StencilLevel {
            try quotients(
                step: h, base: baseValue,
                place: { offset in
                    probe[tensor, element] = x0 + offset * h
                    return probe[tensor, element] - x0
                }, evaluate: probe.evaluateMarked)
        }
        // A step too small for x0 to move by it exactly enough: the smallest that does.
        let quantum = (check.method.stencil == .central ? 64 : 1e8) * x0.ulp
        let h = max(choice.step, quantum)
        var plan = self
        plan.judge = judge.forElement(at: x0, derivative: a, precision: check.precision)
        var outcome = try plan.decide(analytic: a, from: h, quantum: quantum, level: level)
        if outcome.verdict == .pass, outcome.note?.isFlat != true {
            outcome = try plan.sharpened(outcome, analytic: a, from: h, level: level)
        }
        outcome.value = x0
        return outcome
    }

    /// The judge's verdict at h, refined at h/4, h/16, h/64 while it cannot decide.
    ///
    /// A failure of a pair must also explain the quotient a quarter of the finer step down (the
    /// smooth model through the pair predicts it): a kink inside both steps of the pair (a Float
    /// ReLU input 6e-4 from 0 at steps of 0.0042 and 0.001, whose one-sided gap shrank to 0.49
    /// of the coarse one, under the 0.5 the judge reads as smooth) leaves that quotient where the
    /// model cannot put it, and the next pair decides instead. Over smooth L the model predicts
    /// it whatever the analytic gradient, so a wrong gradient still fails, two passes later.
    func decide(
        analytic a: Double, from h: Double, quantum: Double = 0, level: (Double) throws -> StencilLevel
    ) throws -> ElementOutcome {
        var coarse = try level(h)
        if let flat = judge.flat(analytic: a, coarse) { return flat }
        let first = judge.atOnce(analytic: a, coarse)
        if first.verdict == .pass { return first }
        var step = h
        var taken: StencilLevel?  // the next finer quotient, when a failure's check took it
        for _ in 0..<Judge.refinements {
            step /= 4
            guard step >= quantum else { break }
            let fine = try taken ?? level(step)
            taken = nil
            if let decided = judge.refined(analytic: a, coarse: coarse, fine: fine) {
                guard decided.verdict == .fail, !decided.isKink, step / 4 >= quantum else { return decided }
                let next = try level(step / 4)
                if judge.explains(next, coarse: coarse, fine: fine) { return decided }
                taken = next
            }
            coarse = fine
        }
        return judge.undecided(analytic: a, last: coarse)
    }

    /// The largest step sharpening takes, as a share of the tensor's spread: at a step of the
    /// function's own scale (1.6 on a BatchNorm feature of spread 1.3) Richardson's model no
    /// longer holds, and its "truncation cannot explain it" failed correct Float code.
    static let largestSharpenedStep = 0.5

    /// A pass that cannot see errors of `resolution` × the tensor's largest derivative (the
    /// noise over h dominates) is re-judged at larger steps, 4h, 16h, 64h, with Richardson's
    /// extrapolation between neighbours, keeping the verdict that sees the most.
    func sharpened(
        _ outcome: ElementOutcome, analytic a: Double, from h: Double, level: (Double) throws -> StencilLevel
    ) throws -> ElementOutcome {
        guard !judge.resolves(outcome) else { return outcome }
        var best = outcome
        var fine = try level(4 * h)
        var atH: StencilLevel?  // the quotient at h, taken once, when a failure must explain it
        for k in 2...Judge.refinements + 1 {
            guard h * pow(4, Double(k)) <= Self.largestSharpenedStep * choice.spread else { break }
            let coarse = try level(h * pow(4, Double(k)))
            guard let decided = judge.refined(analytic: a, coarse: coarse, fine: fine), !decided.isKink else { break }
            // A failure the larger steps see must also explain the quotient at h, where the
            // element passed: a kink between h and 4h (a Float max-pool's runner-up 0.015 below
            // the winner, at h = 0.0065) bends the larger steps' quotients and not h's.
            if decided.verdict == .fail {
                let quotient = try atH ?? level(h)
                atH = quotient
                guard judge.explains(quotient, coarse: coarse, fine: fine) else { break }
            }
            if decided.resolution < best.resolution { best = decided }
            if judge.resolves(best) { break }
            fine = coarse
        }
        return best
    }

    // MARK: Random directions (fast mode)

    /// The directional derivative ⟨∇L, u⟩ against the stencil along u, the largest element
    /// moving by the tensor's step. Each element within rtol of its own derivative allows the
    /// sum an error of rtol·Σ|gᵢuᵢ|, not rtol·|⟨∇L, u⟩|: when the sum cancels (Softmax at ±1000
    /// logits), the smaller bound raised false alarms. A kink cannot be pinned to one element
    /// of a direction: it is inconclusive, never a pass.
    func direction(tensor: Int, _ u: Tensor, analytic: Tensor) throws -> ElementOutcome {
        let saved = probe.value(of: tensor)
        let probe = self.probe
        defer { probe.restore(tensor, to: saved) }
        let (a, magnitude) = dotAndMagnitude(analytic, u)
        var alongU = self
        alongU.judge.extraAllowance = check.tolerance.rtol * magnitude
        alongU.judge = alongU.judge.withFloor(
            atLeast: check.precision.inputRounding(values: [saved], derivatives: [analytic]))
        var outcome = try alongU.decide(analytic: a, from: choice.step / max(u.maxMagnitude, 1e-300)) { h in
            try quotients(
                step: h, base: baseValue,
                place: { offset in
                    probe.place(tensor, at: saved, plus: u, scaledBy: offset * h)
                    return offset * h
                }, evaluate: probe.evaluateMarked)
        }
        // (An undecided direction is inconclusive already, with its own reason.)
        if outcome.isKink && outcome.verdict != .inconclusive {
            outcome.verdict = .inconclusive
            outcome.note = .directionCrossesKink
        }
        outcome.scale = magnitude
        return outcome
    }

    // MARK: Workers

    /// `body` on each chunk, on worker copies of the layer (each its own probe), in parallel;
    /// their passes are added to this probe's. An error a worker throws is rethrown as it was
    /// (a ``CheckProblem`` stays one).
    func fanOut<R: Sendable>(
        _ chunks: [[Int]], _ body: @escaping @Sendable (ElementPlan, [Int]) throws -> R
    ) throws -> [R] {
        guard let copies else { return try chunks.map { try body(self, $0) } }
        let (check, upstream, inputs, decisions) = (self.check, self.upstream, probe.inputs, probe.baseDecisions)
        let (choice, scale, base, output, tracker) = (self.choice, judge.gradientScale, baseValue, baseOutput, progress)
        let outcomes = Verification.parallelMap(chunks) { chunk -> (Result<R, WorkerError>, CheckCost.Phase) in
            let probe = Probe.checking(copies.make(), inputs: inputs, upstream: upstream)
            probe.baseDecisions = decisions
            var plan = ElementPlan(
                check: check, probe: probe, upstream: upstream, choice: choice, gradientScale: scale, baseValue: base,
                baseOutput: output)
            plan.progress = tracker
            let result = Result { try body(plan, chunk) }.mapError(WorkerError.init)
            return (result, probe.passes)
        }
        for (_, passes) in outcomes { probe.absorb(passes) }
        return try outcomes.map { try $0.0.mapError { $0.error }.get() }
    }
}

/// An error thrown on a worker thread, carried back unchanged.
struct WorkerError: Error, @unchecked Sendable {
    let error: any Error
}

/// Builds worker copies of a checked layer.
struct LayerCopies: Sendable {
    let make: @Sendable () -> any Layer
    let workers: Int
}

extension ElementNote {
    var isFlat: Bool { if case .flat = self { true } else { false } }
}
