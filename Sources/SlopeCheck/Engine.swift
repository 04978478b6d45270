import Foundation
import SlopeLayers

/// The stencil evaluated once around the probed value, at step h.
struct StencilLevel {
    /// The nominal step.
    var step: Double
    /// The difference quotient of the stencil.
    var numeric: Double
    /// (L(x + h) − L(x)) / h₊ and (L(x) − L(x − h)) / h₋.
    var forward: Double
    var backward: Double
    /// The largest |L| seen (for the rounding floor).
    var scale: Double
    /// Whether a discrete decision of a `DecisionLayer` changed at x ± h.
    var flipped: Bool

    var gap: Double { abs(forward - backward) }
}

/// The element loop of one check.
struct Engine {
    let check: GradientCheck
    let probe: Probe
    let upstream: Tensor
    var forwardPasses = 0
    /// Seconds inside the layer's passes (the rest of a check's differences is the checker's own).
    var passSeconds = 0.0
    /// Seconds summarising tensors' results into reports.
    var summarySeconds = 0.0
    var baseValue = 0.0
    var baseDecisions: [Int] = []
    var copies: LayerCopies?
    /// The step and noise of the tensor being checked (adaptive rule).
    var choice: StepChoice?
    /// The flat indices of the last checked tensor's elements found at kinks.
    var kinks: Set<Int> = []
    /// The largest analytic derivative of the tensor being checked (how small an error matters).
    var gradientScale = 0.0
    /// Every element's result of the last checked tensor, in flat order (for tests).
    var lastResults: [ElementResult] = []
    /// f at the unperturbed point, for the tensor being checked (nil: the probe has no outputs).
    var baseOutput: Tensor?
    /// Where elements done are counted for a progress display (nil: nobody is watching).
    var progress: ProgressTracker?

    /// Halvings by 4 an element may take before it is judged (h, h/4, h/16, h/64).
    static let refinements = 3

    init(check: GradientCheck, probe: Probe, upstream: Tensor) {
        self.check = check
        self.probe = probe
        self.upstream = upstream
    }

    var adaptive: Bool { check.method.stepRule == .adaptive }
    var tolerance: Tolerance { check.tolerance }

    mutating func evaluate() throws -> (value: Double, decisionsFlipped: Bool) {
        forwardPasses += 1
        let start = DispatchTime.now()
        let value = try probe.evaluate()
        passSeconds += seconds(since: start)
        let flipped = probe.tracksDecisions && probe.decisions() != baseDecisions
        return (value, flipped)
    }

    mutating func check(tensor: Int, analytic: Tensor, using generator: inout SeededGenerator) throws -> TensorReport {
        // L from the outputs when they are known (the same bits as evaluate(); compression reuses them).
        let passing = DispatchTime.now()
        baseOutput = probe.producesOutputs ? try probe.output() : nil
        baseValue = try baseOutput.map { $0.dot(upstream) } ?? probe.evaluate()
        baseDecisions = probe.decisions()
        let value = probe.value(of: tensor)
        if adaptive {
            choice = try probe.chooseStep(
                for: tensor, method: check.method, tolerance: tolerance, epsilon: check.precision.epsilon, base: baseValue,
                using: &generator)
            forwardPasses += 7
        }
        // The base pass and the step's passes (counted as the differences' passes, timed so).
        passSeconds += seconds(since: passing)
        gradientScale = analytic.maxMagnitude
        var results: [ElementResult] = []
        var compression: CompressionSummary?
        switch check.mode {
        case .exhaustive:
            if check.compression.isEnabled, value.count >= max(check.compression.minimumElements, 2) {
                // Its own generator: the rest of the check draws the same numbers with or without it.
                var own = SeededGenerator(seed: check.seed ^ 0xC0_10_0A ^ UInt64(tensor))
                var compressed: [ElementResult]?
                do {
                    (compressed, compression) = try compressedResults(tensor: tensor, analytic: analytic, using: &own)
                } catch {
                    // Moving many elements at once may take a layer where one never goes: what
                    // the layer does one element at a time decides (and throws again if it must).
                    compression = CompressionSummary(fallback: "a pass with elements moved together failed: \(error)")
                }
                results = try compressed ?? checkElements(tensor: tensor, Array(0..<value.count), analytic: analytic)
            } else {
                results = try checkElements(tensor: tensor, Array(0..<value.count), analytic: analytic)
            }
        case .sampled(let k):
            results = try checkElements(tensor: tensor, sample(k, of: value.count, using: &generator), analytic: analytic)
        case .fast(let directions):
            for d in 0..<directions {
                Breadcrumbs.direction(d)
                var u = Tensor.zeros(value.shape)
                for i in 0..<u.count { u.data[i] = generator.nextNormal() }
                results.append(try checkDirection(tensor: tensor, direction: u, number: d, analytic: analytic))
            }
        }
        if adaptive { requireResolution(&results) }
        lastResults = results
        kinks = []
        for i in results.indices where results[i].isKink && results[i].direction == nil {
            kinks.insert(Tensor.flatIndex(results[i].index, in: value.shape))
        }
        let summarising = DispatchTime.now()
        var report = summarize(tensor: tensor, shape: value.shape, results: results, analytic: analytic)
        summarySeconds += seconds(since: summarising)
        report.stepChoice = choice
        report.compression = compression
        return report
    }

    /// The given elements of one tensor, on this thread or split over worker copies.
    mutating func checkElements(tensor: Int, _ elements: [Int], analytic: Tensor) throws -> [ElementResult] {
        guard let copies, elements.count >= 4 * copies.workers else {
            return try elements.map {
                defer { self.progress?.advance(by: 1) }
                return try checkElement(tensor: tensor, element: $0, analytic: analytic.data[$0])
            }
        }
        let chunkSize = (elements.count + copies.workers - 1) / copies.workers
        let chunks = stride(from: 0, to: elements.count, by: chunkSize).map {
            Array(elements[$0..<min($0 + chunkSize, elements.count)])
        }
        let (check, upstream, inputs) = (self.check, self.upstream, probe.inputs)
        let (base, decisions, choice, scale) = (baseValue, baseDecisions, self.choice, gradientScale)
        let tracker = progress
        let outcomes = Verification.parallelMap(chunks) { chunk -> Result<([ElementResult], Int, Double), CheckFailure> in
            do {
                let layer = copies.make()
                var worker = Engine(check: check, probe: .checking(layer, inputs: inputs, upstream: upstream), upstream: upstream)
                worker.baseValue = base
                worker.baseDecisions = decisions
                worker.choice = choice
                worker.gradientScale = scale
                let results = try chunk.map {
                    defer { tracker?.advance(by: 1) }
                    return try worker.checkElement(tensor: tensor, element: $0, analytic: analytic.data[$0])
                }
                return .success((results, worker.forwardPasses, worker.passSeconds))
            } catch {
                return .failure(CheckFailure(message: "\(error)"))
            }
        }
        var results: [ElementResult] = []
        for outcome in outcomes {
            let (chunkResults, passes, spent) = try outcome.get()
            results += chunkResults
            forwardPasses += passes
            passSeconds += spent
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

    /// The stencil at step h. `place(offset)` moves the probed value to offset·h and returns
    /// the move actually made (x + offset·h rounds; the quotients divide by the real move).
    mutating func stencil(step h: Double, place: (Double) -> Double) throws -> StencilLevel {
        var numeric = 0.0
        var plus = baseValue, minus = baseValue
        var movedUp = h, movedDown = h
        var scale = abs(baseValue)
        var flipped = false
        for (offset, weight) in check.method.points {
            let moved = place(offset)
            let (value, flip) = try evaluate()
            flipped = flipped || flip
            numeric += weight * value
            scale = max(scale, abs(value))
            if offset == 1 { (plus, movedUp) = (value, moved) }
            if offset == -1 { (minus, movedDown) = (value, -moved) }
        }
        // The central stencil divides by the real distance between its two points.
        let quotient =
            check.method.stencil == .central && adaptive && movedUp + movedDown > 0
            ? (plus - minus) / (movedUp + movedDown) : numeric / h
        return StencilLevel(
            step: h, numeric: quotient, forward: (plus - baseValue) / movedUp, backward: (baseValue - minus) / movedDown,
            scale: scale, flipped: flipped)
    }

    /// One element's verdict, with the value it was checked at.
    mutating func checkElement(tensor: Int, element: Int, analytic a: Double) throws -> ElementResult {
        var result = try judgeElement(tensor: tensor, element: element, analytic: a)
        result.value = probe[tensor, element]
        return result
    }

    mutating func judgeElement(tensor: Int, element: Int, analytic a: Double) throws -> ElementResult {
        let x0 = probe[tensor, element]
        let index = probe.value(of: tensor).index(ofFlat: element)
        let probe = self.probe  // a class: the closure moves the element without touching self
        defer { probe[tensor, element] = x0 }
        let place = { (h: Double) in
            { (offset: Double) -> Double in
                probe[tensor, element] = x0 + offset * h
                return probe[tensor, element] - x0
            }
        }
        guard adaptive, let choice else {
            let h = check.method.step(at: x0)
            let s = try stencil(step: h, place: place(h))
            return judgeRelative(analytic: a, level: s, index: index, direction: nil)
        }
        // A step too small for x0 to move by it exactly enough: the smallest that does.
        let quantum = (check.method.stencil == .central ? 64 : 1e8) * x0.ulp
        var h = max(choice.step, quantum)
        var levels = [try stencil(step: h, place: place(h))]
        if let flat = judgeFlat(analytic: a, levels[0], index: index, direction: nil) { return flat }
        var result = judgeAtOnce(analytic: a, levels[0], index: index, direction: nil)
        if result.verdict == .pass { return try sharpened(result, analytic: a, from: h, place: place, index: index) }
        for _ in 0..<Self.refinements {
            h /= 4
            guard h >= quantum else { break }
            levels.append(try stencil(step: h, place: place(h)))
            if let decided = judgeRefined(analytic: a, levels, index: index, direction: nil) {
                return decided.verdict == .pass
                    ? try sharpened(decided, analytic: a, from: levels[0].step, place: place, index: index) : decided
            }
        }
        result = undecided(analytic: a, levels, index: index, direction: nil)
        return result
    }

    /// A pass that cannot see errors of `resolution` × the tensor's largest derivative (the
    /// noise over h dominates) is re-judged at larger steps, 4h, 16h, 64h, with Richardson's
    /// extrapolation between neighbours, keeping the verdict that sees the most.
    mutating func sharpened(
        _ result: ElementResult, analytic a: Double, from h: Double, place: (Double) -> (Double) -> Double, index: [Int]
    ) throws -> ElementResult {
        guard let seen = result.resolution, seen > tolerance.resolution * gradientScale else { return result }
        var best = result
        var levels = [try stencil(step: 4 * h, place: place(4 * h))]
        for k in 2...Self.refinements + 1 {
            let step = h * pow(4, Double(k))
            levels.append(try stencil(step: step, place: place(step)))
            let (fine, coarse) = (levels[levels.count - 2], levels[levels.count - 1])
            guard let decided = judgeRefined(analytic: a, [coarse, fine], index: index, direction: nil), !decided.isKink
            else { break }
            if let r = decided.resolution, r < best.resolution ?? .infinity { best = decided }
            if (best.resolution ?? .infinity) <= tolerance.resolution * gradientScale { break }
        }
        return best
    }

    mutating func checkDirection(tensor: Int, direction d: Tensor, number: Int, analytic: Tensor) throws -> ElementResult {
        let saved = probe.value(of: tensor)
        var u = d
        var h: Double
        if adaptive, let choice {
            // The largest element moves by the tensor's step.
            h = choice.step / max(d.maxMagnitude, 1e-300)
        } else {
            // Element i moves by at most its own step h·max(1, |xᵢ|), as in the element-wise modes.
            for i in 0..<u.count { u.data[i] *= max(1, abs(saved.data[i])) }
            h = check.method.step / max(d.maxMagnitude, 1e-300)
        }
        let probe = self.probe
        defer { probe.restore(tensor, to: saved) }
        let direction = u
        let place = { (h: Double) in
            { (offset: Double) -> Double in
                probe.restore(tensor, to: saved)
                probe.add(direction, scaledBy: offset * h, to: tensor)
                return offset * h
            }
        }
        // The analytic directional derivative ⟨∇L, u⟩. Each element within rtol of its own
        // derivative allows the sum an error of rtol·Σ|gᵢuᵢ|, not rtol·|⟨∇L, u⟩|: when the sum
        // cancels (Softmax at ±1000 logits), the smaller bound raised false alarms.
        var a = 0.0
        var magnitude = 0.0
        for i in 0..<u.count {
            a += analytic.data[i] * u.data[i]
            magnitude += abs(analytic.data[i] * u.data[i])
        }
        let extra = tolerance.rtol * magnitude
        var levels = [try stencil(step: h, place: place(h))]
        guard adaptive else {
            var result = judgeRelative(analytic: a, level: levels[0], index: [], direction: number, extraAllowance: extra)
            if result.isKink && result.verdict == .pass {
                // In a direction, a kink cannot be pinned to one element: inconclusive, not pass.
                result.verdict = .inconclusive
            }
            return result
        }
        if var flat = judgeFlat(analytic: a, levels[0], index: [], direction: number) {
            flat.scale = magnitude
            return flat
        }
        var result = judgeAtOnce(analytic: a, levels[0], index: [], direction: number, extraAllowance: extra)
        result.scale = magnitude
        if result.verdict == .pass { return result }
        for _ in 0..<Self.refinements {
            h /= 4
            levels.append(try stencil(step: h, place: place(h)))
            if var decided = judgeRefined(analytic: a, levels, index: [], direction: number, extraAllowance: extra) {
                if decided.isKink {
                    // In a direction, a kink cannot be pinned to one element: inconclusive, never pass.
                    decided.verdict = .inconclusive
                    decided.note = "the direction crosses a kink (the one-sided derivatives differ at every step)"
                }
                decided.scale = magnitude
                return decided
            }
        }
        result = undecided(analytic: a, levels, index: [], direction: number)
        result.scale = magnitude
        return result
    }

    // MARK: Judging (adaptive rule)

    /// The absolute allowance of a quotient at `level`: atol plus the noise of L over the step
    /// (twice that for a one-sided difference).
    func noiseAllowance(_ level: StencilLevel, oneSided: Bool = false) -> Double {
        let floor = max(choice?.floor ?? 0, tolerance.roundingFactor * check.precision.epsilon * level.scale)
        return tolerance.atol + (oneSided ? 2 : 1) * floor / level.step
    }

    func makeResult(
        analytic a: Double, numeric n: Double, level: StencilLevel, resolution: Double, index: [Int], direction: Int?,
        extraAllowance: Double, verdict: Verdict, isKink: Bool = false, note: String? = nil
    ) -> ElementResult {
        let allowance = resolution + tolerance.rtol * abs(n) + extraAllowance
        var result = ElementResult(
            index: index, direction: direction, analytic: a, numeric: n, absoluteError: abs(a - n),
            relativeError: relativeError(a, n), allowance: allowance, backwardDifference: level.backward,
            forwardDifference: level.forward, verdict: verdict, isKink: isKink, note: note)
        result.roundingFloor = noiseAllowance(level) - tolerance.atol
        result.step = level.step
        result.resolution = resolution
        if !n.isFinite || !a.isFinite {
            result.verdict = .fail
            result.note = !a.isFinite ? "the analytic gradient is not finite" : "the loss is not finite near this point"
        }
        return result
    }

    /// L did not change at all (bit for bit) at x ± h, yet the analytic derivative is not 0.
    /// L would have shown a derivative d once d·h exceeded its rounding, taken as the noise
    /// floor with |L| counted as at least 1 (softmax at logits ±1000 computes its loss as
    /// exactly 0, the rounding of a log near 1): a larger
    /// |a| fails; a smaller one passes with that resolution, which the tensor-wide resolution
    /// rule then weighs against the tensor's largest derivative. Nil when L changed or a = 0.
    func judgeFlat(analytic a: Double, _ level: StencilLevel, index: [Int], direction: Int?) -> ElementResult? {
        guard level.forward == 0, level.backward == 0, a != 0, a.isFinite else { return nil }
        let floor = max(choice?.floor ?? 0, tolerance.roundingFactor * check.precision.epsilon * max(abs(baseValue), 1))
        let resolution = tolerance.atol + floor / level.step
        let visible = abs(a) > resolution
        return makeResult(
            analytic: a, numeric: 0, level: level, resolution: resolution, index: index, direction: direction,
            extraAllowance: 0, verdict: visible ? .fail : .pass,
            note:
                "L does not change at all when this moves by h = \(formatNumber(level.step, significantDigits: 2)); a derivative below \(formatNumber(resolution, significantDigits: 2)) could not show"
        )
    }

    /// The first look: a pass when analytic and numeric agree within noise and rtol at the
    /// tensor's step and no decision flipped; otherwise `.fail` until refined.
    func judgeAtOnce(
        analytic a: Double, _ level: StencilLevel, index: [Int], direction: Int?, extraAllowance: Double = 0
    ) -> ElementResult {
        let agrees = abs(a - level.numeric) <= noiseAllowance(level) + tolerance.rtol * abs(level.numeric) + extraAllowance
        return makeResult(
            analytic: a, numeric: level.numeric, level: level, resolution: noiseAllowance(level), index: index,
            direction: direction, extraAllowance: extraAllowance, verdict: agrees && !level.flipped ? .pass : .fail)
    }

    /// A verdict from the last two steps, or nil when they do not settle it yet.
    ///
    /// - A kink needs evidence: the one-sided gap |F − B| of a smooth function shrinks with h
    ///   (by 4 from h to h/4), a kink's does not. With that evidence the analytic value must
    ///   match the left-hand or the right-hand derivative, or their mean.
    /// - Smooth: Richardson's extrapolation of the two central quotients, allowed the
    ///   truncation estimate |D(h/4) − D(h)| / (4ᵖ − 1) besides noise and rtol. A disagreement
    ///   fails only when truncation cannot explain it (the estimate is under a tenth of it)
    ///   and it was seen at both steps.
    func judgeRefined(
        analytic a: Double, _ levels: [StencilLevel], index: [Int], direction: Int?, extraAllowance: Double = 0
    ) -> ElementResult? {
        let (coarse, fine) = (levels[levels.count - 2], levels[levels.count - 1])
        let oneSidedNoise = noiseAllowance(fine, oneSided: true)
        let kinkEvidence =
            fine.gap > 0.6 * coarse.gap && fine.gap > 8 * oneSidedNoise
            && coarse.gap > 8 * noiseAllowance(coarse, oneSided: true)
        if kinkEvidence { return judgeKink(analytic: a, coarse: coarse, fine: fine, index: index, direction: direction) }
        if fine.flipped || coarse.flipped { return nil }
        let factor = pow(4, Double(check.method.order)) - 1
        let change = fine.numeric - coarse.numeric
        let extrapolated = fine.numeric + change / factor
        let truncation = abs(change) / factor
        let resolution = noiseAllowance(fine) + truncation
        let mismatch = abs(a - extrapolated)
        if mismatch <= resolution + tolerance.rtol * abs(extrapolated) + extraAllowance {
            return makeResult(
                analytic: a, numeric: extrapolated, level: fine, resolution: resolution, index: index, direction: direction,
                extraAllowance: extraAllowance, verdict: .pass,
                note: "agrees at h = \(formatNumber(fine.step, significantDigits: 2)) (Richardson)")
        }
        let seenAtBoth =
            abs(a - coarse.numeric) > noiseAllowance(coarse) + tolerance.rtol * abs(coarse.numeric) + extraAllowance
        if truncation <= 0.1 * mismatch && seenAtBoth {
            return makeResult(
                analytic: a, numeric: extrapolated, level: fine, resolution: resolution, index: index, direction: direction,
                extraAllowance: extraAllowance, verdict: .fail,
                note:
                    "disagrees at h = \(formatNumber(coarse.step, significantDigits: 2)) and h = \(formatNumber(fine.step, significantDigits: 2)); the truncation estimate \(formatNumber(truncation, significantDigits: 2)) cannot explain it"
            )
        }
        return nil
    }

    func judgeKink(analytic a: Double, coarse: StencilLevel, fine: StencilLevel, index: [Int], direction: Int?)
        -> ElementResult
    {
        let sides = "left-hand \(formatNumber(fine.backward)), right-hand \(formatNumber(fine.forward))"
        guard check.allowKinks else {
            return makeResult(
                analytic: a, numeric: fine.numeric, level: fine, resolution: noiseAllowance(fine), index: index,
                direction: direction, extraAllowance: 0, verdict: .fail, isKink: true,
                note: "a kink (one-sided derivatives \(sides)); kinks are not allowed")
        }
        // One-sided quotients err by O(h): the change from h to h/4 is three times the error left.
        let errorForward = abs(fine.forward - coarse.forward) / 3
        let errorBackward = abs(fine.backward - coarse.backward) / 3
        let candidates = [
            ("the right-hand derivative", fine.forward, errorForward),
            ("the left-hand derivative", fine.backward, errorBackward),
            ("the mean of the one-sided derivatives", (fine.forward + fine.backward) / 2, (errorForward + errorBackward) / 2),
        ]
        let noise = noiseAllowance(fine, oneSided: true)
        for (name, value, error) in candidates where abs(a - value) <= noise + error + tolerance.rtol * abs(value) {
            return makeResult(
                analytic: a, numeric: value, level: fine, resolution: noise + error, index: index, direction: direction,
                extraAllowance: 0, verdict: .pass, isKink: true,
                note: "kink (the one-sided gap does not shrink with h; \(sides)): analytic matches \(name)")
        }
        return makeResult(
            analytic: a, numeric: fine.numeric, level: fine, resolution: noise, index: index, direction: direction,
            extraAllowance: 0, verdict: .fail, isKink: true,
            note: "at a kink (\(sides) at every step), analytic matches neither one-sided derivative nor their mean")
    }

    /// No verdict after every refinement: inconclusive, saying why.
    func undecided(analytic a: Double, _ levels: [StencilLevel], index: [Int], direction: Int?) -> ElementResult {
        let last = levels[levels.count - 1]
        let why =
            last.flipped
            ? "a discrete decision flips within ±h at every step down to h = \(formatNumber(last.step, significantDigits: 2))"
            : "the differences do not settle as h shrinks to \(formatNumber(last.step, significantDigits: 2)) (neither smooth nor a clean kink)"
        return makeResult(
            analytic: a, numeric: last.numeric, level: last, resolution: noiseAllowance(last), index: index,
            direction: direction, extraAllowance: 0, verdict: .inconclusive, isKink: last.flipped, note: why)
    }

    /// A pass must be able to see an error of the size that matters: when the absolute part of
    /// an element's allowance exceeds `resolution` × the tensor's largest numeric derivative,
    /// the element is inconclusive.
    func requireResolution(_ results: inout [ElementResult]) {
        // The tensor's scale: its largest numeric derivative, or its largest analytic one when
        // that is larger (sampled elements may all sit where the derivative is 0). In place and
        // in one pass: an exhaustive check of a million elements copies nothing here.
        var numericScale: Double?
        for result in results {
            let value = result.direction == nil ? abs(result.numeric) : (result.scale ?? abs(result.numeric))
            if let current = numericScale { if current < value { numericScale = value } } else { numericScale = value }
        }
        let largest = max(numericScale ?? 0, results.first?.direction == nil ? gradientScale : 0)
        for i in results.indices {
            guard results[i].verdict == .pass, let seen = results[i].resolution, seen > tolerance.resolution * largest else {
                continue
            }
            results[i].verdict = .inconclusive
            results[i].note =
                largest == 0
                ? "L does not change with this tensor here (every derivative is 0 to within \(formatNumber(seen, significantDigits: 2))): no error could be seen; check at other inputs"
                : "the check resolves errors only down to \(formatNumber(seen, significantDigits: 2)), \(formatNumber(seen / largest, significantDigits: 2)) of the largest derivative \(formatNumber(largest, significantDigits: 3)) (noise of L over the step)"
        }
    }

    // MARK: Judging (relative rule, the first round's)

    func judgeRelative(
        analytic a: Double, level: StencilLevel, index: [Int], direction: Int?, extraAllowance: Double = 0
    ) -> ElementResult {
        let (n, forward, backward, h, flipped) = (level.numeric, level.forward, level.backward, level.step, level.flipped)
        let allowance =
            tolerance.absoluteAllowance(scale: level.scale, step: h) + tolerance.rtol * abs(n) + extraAllowance
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
        result.roundingFloor = tolerance.absoluteAllowance(scale: level.scale, step: h) - tolerance.atol
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

    // MARK: Summary

    func summarize(tensor: Int, shape: [Int], results: [ElementResult], analytic: Tensor) -> TensorReport {
        // One pass over the results, reading fields in place: a million elements copied into
        // a filtered or mapped array per figure cost half a second (issue 24).
        var failures: [ElementResult] = []
        var largest: Int?
        var verdict = Verdict.pass
        var census = ErrorCensus()
        var inconclusiveCount = 0, kinkCount = 0
        var firstInconclusive: Int?
        var maxAbsoluteError: Double?, maxRelativeError: Double?, resolution: Double?
        for i in results.indices {
            let (absolute, relative) = (results[i].absoluteError, results[i].relativeError)
            switch results[i].verdict {
            case .fail: failures.append(results[i])
            case .inconclusive:
                inconclusiveCount += 1
                if firstInconclusive == nil { firstInconclusive = i }
            case .pass: break
            }
            verdict = max(verdict, results[i].verdict)
            if results[i].isKink { kinkCount += 1 }
            census.add(relative)
            // As Sequence.max(): the first of equal largest values, a NaN never replacing one.
            if largest.map({ results[$0].absoluteError < absolute }) ?? true { largest = i }
            if let current = maxAbsoluteError {
                if current < absolute { maxAbsoluteError = absolute }
            } else {
                maxAbsoluteError = absolute
            }
            if let current = maxRelativeError {
                if current < relative { maxRelativeError = relative }
            } else {
                maxRelativeError = relative
            }
            if let seen = results[i].resolution {
                if let current = resolution { if current < seen { resolution = seen } } else { resolution = seen }
            }
        }
        let worstFailures = failures.sorted { $0.absoluteError / $0.allowance > $1.absoluteError / $1.allowance }
        let worst = worstFailures.first ?? largest.map { results[$0] }
        var signature: BugSignature?
        if !failures.isEmpty {
            var upstreamValues: [Double]?
            if probe.ids[tensor].role == .input, upstream.shape == shape, results.allSatisfy({ $0.direction == nil }) {
                upstreamValues = results.map { upstream.data[Tensor.flatIndex($0.index, in: shape)] }
            }
            let complete = results.count == Tensor.count(of: shape) && results.allSatisfy { $0.direction == nil }
            signature = BugSignature.read(
                analytic: results.map(\.analytic), numeric: results.map(\.numeric),
                upstream: upstreamValues, batch: shape.count > 1 ? shape.first : nil, matrixShape: complete ? shape : nil)
        }
        return TensorReport(
            tensor: probe.ids[tensor], shape: shape, checked: results.count, elementCount: Tensor.count(of: shape),
            failed: failures.count, kinks: kinkCount,
            inconclusive: inconclusiveCount,
            maxAbsoluteError: maxAbsoluteError ?? 0,
            maxRelativeError: maxRelativeError ?? 0,
            worst: worst, worstFailures: Array(worstFailures.prefix(check.worstCount)), signature: signature,
            verdict: verdict, census: census,
            coverage: Coverage.statement(mode: check.mode, checked: results.count, elementCount: Tensor.count(of: shape)),
            order: nil, resolution: resolution,
            firstInconclusive: firstInconclusive.map { results[$0] },
            // Kept when the tensor may yet fail (the Taylor test comes later); the check drops them after.
            elements: check.keptElements.keeps(.fail, elementCount: Tensor.count(of: shape))
                ? ElementValues(results, shape: shape) : nil)
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
