import Foundation
import SlopeLayers

/// The verdict of one element (or one random direction) from the stencil's quotients at one or
/// more steps: numbers in, an ``ElementOutcome`` out. It never calls the layer, so it is tested
/// without one (`JudgeTests`).
///
/// The rule, in the order ``ElementPlan`` asks:
/// 1. **Flat** (`flat`): L did not change at all at x ± h. A derivative larger than what L
///    could have shown over h fails; a smaller one passes with that resolution.
/// 2. **At once** (`atOnce`): analytic and numeric agree within the noise of L over h plus rtol.
/// 3. **Refined** (`refined`, at h/4, h/16, h/64): a kink needs evidence (a one-sided gap that
///    does not shrink with h), and then the analytic value must match a one-sided derivative or
///    their mean; a smooth element is judged on Richardson's extrapolation, allowed its
///    truncation estimate, and fails only when truncation cannot explain the disagreement and
///    it was seen at both steps.
/// 4. **Undecided** (`undecided`): no verdict after every refinement is inconclusive, with why.
/// 5. **Resolution** (`requireResolution`): a pass that could not have seen an error of
///    `tolerance.resolution` × the tensor's largest derivative is inconclusive.
struct Judge: Sendable {
    var tolerance: Tolerance
    var allowKinks: Bool
    /// The order p of the stencil's truncation error O(hᵖ).
    var order: Int
    /// ε of the precision the checked code computes in.
    var epsilon: Double
    /// The absolute error allowed for one evaluation of L (``StepChoice/floor``).
    var floor: Double
    /// L at the unperturbed point.
    var baseValue: Double
    /// The tensor's largest analytic derivative: how small an error matters.
    var gradientScale: Double
    /// Added to every allowance; for a direction, rtol·Σ|gᵢuᵢ| (each term within rtol of its own).
    var extraAllowance = 0.0

    init(check: GradientCheck, choice: StepChoice, baseValue: Double, gradientScale: Double) {
        tolerance = check.tolerance
        allowKinks = check.allowKinks
        order = check.method.order
        epsilon = check.precision.epsilon
        floor = choice.floor
        self.baseValue = baseValue
        self.gradientScale = gradientScale
    }

    /// This judge with L's rounding taken as at least `floor` (a Float input's own rounding).
    func withFloor(atLeast floor: Double) -> Judge {
        var judge = self
        judge.floor = max(judge.floor, floor)
        return judge
    }

    /// This judge for one element of the checked code at `value`: for Float code, that
    /// element's own rounding to the Float grid in L's floor (`Precision.inputRounding`).
    func forElement(at value: Double, derivative: Double, precision: Precision) -> Judge {
        precision == .float ? withFloor(atLeast: precision.inputRounding(value: value, derivative: derivative)) : self
    }

    /// Halvings by 4 an element may take before it is judged (h, h/4, h/16, h/64).
    static let refinements = 3

    /// The absolute allowance of a quotient at `level`: atol plus the noise of L over the step
    /// (twice that for a one-sided difference).
    func noiseAllowance(_ level: StencilLevel, oneSided: Bool = false) -> Double {
        let floor = max(self.floor, tolerance.roundingFactor * epsilon * level.scale)
        return tolerance.atol + (oneSided ? 2 : 1) * floor / level.step
    }

    /// Whether a pass with this resolution sees errors of the size that matters.
    func resolves(_ outcome: ElementOutcome) -> Bool { resolves(outcome.resolution) }

    func resolves(_ resolution: Double) -> Bool { resolution <= tolerance.resolution * gradientScale }

    /// L did not change at all (bit for bit) at x ± h, yet the analytic derivative is not 0.
    /// L would have shown a derivative d once d·h exceeded its rounding, taken as the noise
    /// floor with |L| counted as at least 1 (softmax at logits ±1000 computes its loss as
    /// exactly 0, the rounding of a log near 1): a larger |a| fails; a smaller one passes with
    /// that resolution, which `requireResolution` then weighs against the tensor's largest
    /// derivative. Nil when L changed or a = 0.
    func flat(analytic a: Double, _ level: StencilLevel) -> ElementOutcome? {
        guard Self.isFlat(analytic: a, level) else { return nil }
        let floor = max(self.floor, tolerance.roundingFactor * epsilon * max(abs(baseValue), 1))
        let resolution = tolerance.atol + floor / level.step
        return outcome(
            analytic: a, numeric: 0, level: level, resolution: resolution, verdict: abs(a) > resolution ? .fail : .pass,
            note: .flat(step: level.step, resolution: resolution), extra: 0)
    }

    /// L did not move at x ± h although the analytic derivative is a number other than 0.
    static func isFlat(analytic a: Double, _ level: StencilLevel) -> Bool {
        level.forward == 0 && level.backward == 0 && a != 0 && a.isFinite
    }

    /// The first look: a pass when analytic and numeric agree within noise and rtol at the
    /// tensor's step and no decision flipped; otherwise `.fail` until refined.
    func atOnce(analytic a: Double, _ level: StencilLevel) -> ElementOutcome {
        let (resolution, verdict) = firstLook(analytic: a, level)
        return outcome(analytic: a, numeric: level.numeric, level: level, resolution: resolution, verdict: verdict)
    }

    /// `atOnce`'s resolution and verdict alone (a compressed tensor's million first looks need
    /// no outcome built).
    func firstLook(analytic a: Double, _ level: StencilLevel) -> (resolution: Double, verdict: Verdict) {
        let resolution = noiseAllowance(level)
        let agrees = abs(a - level.numeric) <= resolution + tolerance.rtol * abs(level.numeric) + extraAllowance
        return (resolution, agrees && !level.flipped && level.numeric.isFinite && a.isFinite ? .pass : .fail)
    }

    /// A verdict from two neighbouring steps (`fine` = `coarse`/4), or nil when they do not
    /// settle it yet.
    func refined(analytic a: Double, coarse: StencilLevel, fine: StencilLevel) -> ElementOutcome? {
        let (fineNoise, coarseNoise) = (noiseAllowance(fine, oneSided: true), noiseAllowance(coarse, oneSided: true))
        // Over smooth L the one-sided gap shrinks to a quarter from h to h/4; what stands above
        // that quarter beyond what noise can add to a gap is a kink's, even where the gap is
        // under 8× the fine step's noise (Float Hardtanh at exactly ±1: a gap of 0.040 at every
        // step, 23× the noise at h, 6× at h/4, and Richardson failed the direction at h/64).
        let unshrunk = fine.gap - coarse.gap / 4 > 2 * fineNoise + coarseNoise / 2
        let kinkEvidence =
            fine.gap > 0.6 * coarse.gap && coarse.gap > 8 * coarseNoise && (fine.gap > 8 * fineNoise || unshrunk)
        if kinkEvidence { return kink(analytic: a, coarse: coarse, fine: fine) }
        if fine.flipped || coarse.flipped { return nil }
        let factor = pow(4, Double(order)) - 1
        let change = fine.numeric - coarse.numeric
        let extrapolated = fine.numeric + change / factor
        let truncation = abs(change) / factor
        let resolution = noiseAllowance(fine) + truncation
        let mismatch = abs(a - extrapolated)
        if mismatch <= resolution + tolerance.rtol * abs(extrapolated) + extraAllowance {
            return outcome(
                analytic: a, numeric: extrapolated, level: fine, resolution: resolution, verdict: .pass,
                note: .agreesExtrapolated(step: fine.step))
        }
        let seenAtBoth =
            abs(a - coarse.numeric) > noiseAllowance(coarse) + tolerance.rtol * abs(coarse.numeric) + extraAllowance
        // Richardson's model holds where L is smooth over both steps: there the one-sided gap
        // shrinks with h (to a quarter from h to h/4). A gap that stays above half of it
        // (without being a clean kink's) says a kink lies inside both steps — a max-pool tie
        // 0.05 away at h = 0.09 and 0.36 shrank it only to 0.56 — and the next, smaller steps decide.
        let smoothOverBoth = fine.gap <= 0.5 * coarse.gap + 2 * noiseAllowance(fine, oneSided: true)
        // A one-sided gap that does not shrink and stands above one side's noise, though not
        // 8× above it as a kink's evidence must: a kink at the point (Float ReLU at exactly 0,
        // a jump of 0.0125 under noise of 0.004), not yet a wrong derivative.
        let gapStays = fine.gap > 0.6 * coarse.gap && fine.gap > noiseAllowance(fine, oneSided: true)
        guard truncation <= 0.1 * mismatch && seenAtBoth && smoothOverBoth && !gapStays else { return nil }
        return outcome(
            analytic: a, numeric: extrapolated, level: fine, resolution: resolution, verdict: .fail,
            note: .disagreesAtBoth(coarse: coarse.step, fine: fine.step, truncation: truncation))
    }

    /// Whether the smooth model the pair (`coarse`, `fine` = `coarse`/4) fits — D + c·sᵖ through
    /// their quotients — also predicts the quotient at `level` (a smaller step), within that
    /// level's noise and half the pair's own truncation estimate. A kink the pair's steps reach
    /// and `level`'s does not leaves `level`'s quotient where the pair's model cannot put it.
    func explains(_ level: StencilLevel, coarse: StencilLevel, fine: StencilLevel) -> Bool {
        let extrapolated = fine.numeric + (fine.numeric - coarse.numeric) / (pow(4, Double(order)) - 1)
        let truncationAtFine = fine.numeric - extrapolated
        let predicted = extrapolated + truncationAtFine * pow(level.step / fine.step, Double(order))
        return abs(level.numeric - predicted) <= noiseAllowance(level) + abs(truncationAtFine) / 2
    }

    /// An element with evidence of a kink: it passes when the analytic value matches the
    /// right-hand or the left-hand derivative or their mean (and kinks are allowed).
    func kink(analytic a: Double, coarse: StencilLevel, fine: StencilLevel) -> ElementOutcome {
        let noise = noiseAllowance(fine, oneSided: true)
        guard allowKinks else {
            return outcome(
                analytic: a, numeric: fine.numeric, level: fine, resolution: noiseAllowance(fine), verdict: .fail,
                isKink: true, note: .kinkNotAllowed(left: fine.backward, right: fine.forward), extra: 0)
        }
        // One-sided quotients err by O(h): the change from h to h/4 is three times the error left.
        let errorRight = abs(fine.forward - coarse.forward) / 3
        let errorLeft = abs(fine.backward - coarse.backward) / 3
        let candidates: [(KinkSide, Double, Double)] = [
            (.right, fine.forward, errorRight),
            (.left, fine.backward, errorLeft),
            (.mean, (fine.forward + fine.backward) / 2, (errorRight + errorLeft) / 2),
        ]
        for (side, value, error) in candidates where abs(a - value) <= noise + error + tolerance.rtol * abs(value) {
            return outcome(
                analytic: a, numeric: value, level: fine, resolution: noise + error, verdict: .pass, isKink: true,
                note: .kinkMatches(side, left: fine.backward, right: fine.forward), extra: 0)
        }
        return outcome(
            analytic: a, numeric: fine.numeric, level: fine, resolution: noise, verdict: .fail, isKink: true,
            note: .kinkMatchesNeither(left: fine.backward, right: fine.forward), extra: 0)
    }

    /// No verdict after every refinement: inconclusive, saying why.
    func undecided(analytic a: Double, last: StencilLevel) -> ElementOutcome {
        outcome(
            analytic: a, numeric: last.numeric, level: last, resolution: noiseAllowance(last), verdict: .inconclusive,
            isKink: last.flipped, note: last.flipped ? .decisionFlips(step: last.step) : .unsettled(step: last.step),
            extra: 0)
    }

    /// A pass must be able to see an error of the size that matters: when the absolute part of
    /// an element's allowance exceeds `resolution` × the tensor's largest numeric derivative
    /// (or its largest analytic one, when that is larger: sampled elements may all sit where the
    /// derivative is 0), the element is inconclusive. Directions are measured by Σ|gᵢuᵢ|.
    func requireResolution(_ outcomes: inout ElementOutcomes, directions: Bool) {
        // One read of each outcome (a compressed tensor's are computed when read): the passes
        // that could be unresolved are those above the limit's lower bound, the analytic scale.
        var numericScale = 0.0
        var candidates: [(Int, Double)] = []
        let lowerLimit = directions ? 0 : tolerance.resolution * gradientScale
        outcomes.forEachEssentials { i, outcome in
            let size = directions ? outcome.scale : abs(outcome.numeric)
            if numericScale < size || numericScale.isNaN { numericScale = size }
            if outcome.verdict == .pass, !(outcome.resolution <= lowerLimit) { candidates.append((i, outcome.resolution)) }
        }
        let largest = max(outcomes.isEmpty ? 0 : numericScale, directions ? 0 : gradientScale)
        let limit = tolerance.resolution * largest
        for (i, seen) in candidates where seen > limit {
            outcomes[i].verdict = .inconclusive
            outcomes[i].note = largest == 0 ? .noChange(resolution: seen) : .unresolved(resolution: seen, largest: largest)
        }
    }

    func outcome(
        analytic a: Double, numeric n: Double, level: StencilLevel, resolution: Double, verdict: Verdict,
        isKink: Bool = false, note: ElementNote? = nil, extra: Double? = nil
    ) -> ElementOutcome {
        var result = ElementOutcome(
            analytic: a, numeric: n, allowance: resolution + tolerance.rtol * abs(n) + (extra ?? extraAllowance),
            resolution: resolution, roundingFloor: noiseAllowance(level) - tolerance.atol, step: level.step,
            forward: level.forward, backward: level.backward, verdict: verdict, isKink: isKink, note: note)
        if !n.isFinite || !a.isFinite {
            result.verdict = .fail
            result.note = .notFinite(analytic: !a.isFinite)
        }
        return result
    }
}

/// One element's (or direction's) verdict and the numbers behind it, without an allocation:
/// a tensor's outcomes are one array, and its note is words only when a report prints it.
struct ElementOutcome: Sendable {
    var analytic: Double
    var numeric: Double
    /// The allowance it was judged against (resolution + rtol·|numeric|).
    var allowance: Double
    /// The absolute part of the allowance: the smallest error it could have shown.
    var resolution: Double
    var roundingFloor: Double
    var step: Double
    /// The one-sided quotients (L(x + h) − L(x))/h and (L(x) − L(x − h))/h.
    var forward: Double
    var backward: Double
    var verdict: Verdict
    var isKink: Bool
    var note: ElementNote?
    /// The element's value where it was checked (NaN for a direction).
    var value = Double.nan
    /// For a direction: Σ|gᵢuᵢ|, the size of the directional derivative's terms.
    var scale = Double.nan

    var absoluteError: Double { abs(analytic - numeric) }
}

/// Which derivative an element at a kink matched.
enum KinkSide: Sendable {
    case right, left, mean

    var words: String {
        switch self {
        case .right: "the right-hand derivative"
        case .left: "the left-hand derivative"
        case .mean: "the mean of the one-sided derivatives"
        }
    }
}

/// Why an element got its verdict, in numbers; `text` is the sentence a report prints.
enum ElementNote: Sendable, Equatable {
    case agreesExtrapolated(step: Double)
    case disagreesAtBoth(coarse: Double, fine: Double, truncation: Double)
    case kinkNotAllowed(left: Double, right: Double)
    case kinkMatches(KinkSide, left: Double, right: Double)
    case kinkMatchesNeither(left: Double, right: Double)
    case directionCrossesKink
    case kinkAtThePoint
    case flat(step: Double, resolution: Double)
    case decisionFlips(step: Double)
    case unsettled(step: Double)
    case notFinite(analytic: Bool)
    case noChange(resolution: Double)
    case unresolved(resolution: Double, largest: Double)

    var text: String {
        func short(_ x: Double) -> String { formatNumber(x, significantDigits: 2) }
        func sides(_ left: Double, _ right: Double) -> String {
            "left-hand \(formatNumber(left)), right-hand \(formatNumber(right))"
        }
        switch self {
        case .agreesExtrapolated(let step): return "agrees at h = \(short(step)) (Richardson)"
        case .disagreesAtBoth(let coarse, let fine, let truncation):
            return
                "disagrees at h = \(short(coarse)) and h = \(short(fine)); the truncation estimate \(short(truncation)) cannot explain it"
        case .kinkNotAllowed(let left, let right):
            return "a kink (one-sided derivatives \(sides(left, right))); kinks are not allowed"
        case .kinkMatches(let side, let left, let right):
            return "kink (the one-sided gap does not shrink with h; \(sides(left, right))): analytic matches \(side.words)"
        case .kinkMatchesNeither(let left, let right):
            return
                "at a kink (\(sides(left, right)) at every step), analytic matches neither one-sided derivative nor their mean"
        case .directionCrossesKink: return "the direction crosses a kink (the one-sided derivatives differ at every step)"
        case .kinkAtThePoint:
            return
                "another direction crosses a kink at this point: along this one the quotients are one-sided derivatives, which no gradient need match"
        case .flat(let step, let resolution):
            return
                "L does not change at all when this moves by h = \(short(step)); a derivative below \(short(resolution)) could not show"
        case .decisionFlips(let step):
            return "a discrete decision flips within ±h at every step down to h = \(short(step))"
        case .unsettled(let step):
            return "the differences do not settle as h shrinks to \(short(step)) (neither smooth nor a clean kink)"
        case .notFinite(let analytic):
            return analytic ? "the analytic gradient is not finite" : "the loss is not finite near this point"
        case .noChange(let resolution):
            return
                "L does not change with this tensor here (every derivative is 0 to within \(short(resolution))): no error could be seen; check at other inputs"
        case .unresolved(let resolution, let largest):
            return
                "the check resolves errors only down to \(short(resolution)), \(short(resolution / largest)) of the largest derivative \(formatNumber(largest, significantDigits: 3)) (noise of L over the step)"
        }
    }
}

extension ElementResult {
    /// The report's record of an outcome at `index` (an element) or `direction` (fast mode).
    init(_ outcome: ElementOutcome, index: [Int], direction: Int? = nil) {
        self.init(
            index: index, direction: direction, analytic: outcome.analytic, numeric: outcome.numeric,
            absoluteError: outcome.absoluteError, relativeError: SlopeCheck.relativeError(outcome.analytic, outcome.numeric),
            allowance: outcome.allowance, backwardDifference: outcome.backward, forwardDifference: outcome.forward,
            verdict: outcome.verdict, isKink: outcome.isKink, note: outcome.note?.text)
        roundingFloor = outcome.roundingFloor
        step = outcome.step
        resolution = outcome.resolution
        scale = outcome.scale.isNaN ? nil : outcome.scale
        value = outcome.value.isNaN ? nil : outcome.value
    }
}
