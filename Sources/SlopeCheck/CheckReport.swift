import Foundation
import SlopeLayers

/// The three-way verdict of an element, a tensor, a check or a run.
public enum Verdict: String, Sendable, Codable, Comparable {
    /// Analytic and numeric agree (or agree with a one-sided difference at a kink).
    case pass
    /// The finite difference straddles a discrete decision and cannot judge the element.
    case inconclusive
    /// Analytic and numeric disagree beyond tolerance, or an invariant is broken.
    case fail

    private var rank: Int { self == .pass ? 0 : self == .inconclusive ? 1 : 2 }
    public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
}

/// One checked element (or, in fast mode, one random direction).
public struct ElementResult: Sendable, Codable, Equatable {
    /// The multi-index in the tensor; empty for a direction in fast mode.
    public var index: [Int]
    /// For fast mode: which random direction.
    public var direction: Int?
    public var analytic: Double
    public var numeric: Double
    public var absoluteError: Double
    public var relativeError: Double
    /// The allowance this element was judged against (atol + floor + rtol·|n|).
    public var allowance: Double
    /// The error model behind `allowance`: the rounding floor 16·ε·max|L|/h and the step h.
    public var roundingFloor: Double = 0
    public var step: Double = 0
    /// One-sided differences (L(x) − L(x−h))/h and (L(x+h) − L(x))/h.
    public var backwardDifference: Double
    public var forwardDifference: Double
    public var verdict: Verdict
    /// True when the element sits at a kink (one-sided differences disagree or a decision flipped).
    public var isKink: Bool
    public var note: String?
    /// The absolute part of the allowance (atol, noise over the step, truncation estimate):
    /// the smallest error this element could have shown (adaptive rule).
    public var resolution: Double?
    /// For a direction: Σ|gᵢuᵢ|, the size of the directional derivative's terms.
    public var scale: Double?
    /// The value of the checked element (input or parameter) there.
    public var value: Double?

    public var location: String {
        if let direction { return "direction \(direction)" }
        return "[\(index.map(String.init).joined(separator: ", "))]"
    }
}

/// The result for one input or parameter tensor.
public struct TensorReport: Sendable, Codable {
    public var tensor: ProbedTensorID
    public var shape: [Int]
    /// Elements (or directions) checked, and the tensor's element count.
    public var checked: Int
    public var elementCount: Int
    public var failed: Int
    public var kinks: Int
    public var inconclusive: Int
    public var maxAbsoluteError: Double
    public var maxRelativeError: Double
    /// The worst element: the failing one with the largest error, else the largest error overall.
    public var worst: ElementResult?
    /// The worst few failing elements, worst first.
    public var worstFailures: [ElementResult]
    /// A reading of the pattern of analytic vs numeric when elements fail.
    public var signature: BugSignature?
    public var verdict: Verdict
    /// Relative errors of the checked elements, counted per decade.
    public var census: ErrorCensus = ErrorCensus()
    /// What the check covered and what it could have missed (sampled and fast modes).
    public var coverage: String?
    /// The Taylor test along a random direction (nil when turned off).
    public var order: ConvergenceOrder?
    /// How the step was chosen and the noise of L measured (adaptive rule).
    public var stepChoice: StepChoice?
    /// The smallest error the check could have seen in this tensor: the largest absolute
    /// part of any element's allowance.
    public var resolution: Double?
    /// The first inconclusive element, with its reason.
    public var firstInconclusive: ElementResult?
    /// Whether the elements were checked by compression, and if not why (exhaustive mode on
    /// tensors large enough to try; nil otherwise).
    public var compression: CompressionSummary?
    /// Every checked element's values, for error maps (see ``ElementRetention``; nil in
    /// reports written before they were kept, and for tensors not retained).
    public var elements: ElementValues?
}

extension TensorReport {
    /// Why the tensor is inconclusive: the first inconclusive element's reason, or the Taylor test's.
    public var inconclusiveReason: String {
        var reasons: [String] = []
        if let element = firstInconclusive {
            reasons.append(
                "\(inconclusive) of \(checked) elements: at \(element.location), \(element.note ?? "no verdict")")
        }
        if let order, order.verdict == .inconclusive { reasons.append("Taylor test: \(order.note)") }
        if let resolution, reasons.isEmpty {
            reasons.append("errors below \(formatNumber(resolution, significantDigits: 2)) could not be seen")
        }
        return reasons.isEmpty ? "no element could be judged" : reasons.joined(separator: "; ")
    }
}

/// Relative errors counted per decade: bin 0 holds errors below 1e-16, bin k holds
/// [10^(k−17), 10^(k−16)), the last bin holds errors ≥ 1.
public struct ErrorCensus: Sendable, Codable, Equatable {
    public static let lowestExponent = -16
    public var counts: [Int] = Array(repeating: 0, count: 18)

    public init() {}

    public mutating func add(_ relativeError: Double) {
        counts[Self.bin(of: relativeError)] += 1
    }

    /// The bin of `relativeError`: ⌊log₁₀⌋, as `log10` gives it, clamped to the census's range
    /// (`binByLogarithm`). Read off the binary exponent and one power of ten instead of taking a
    /// logarithm (a million elements' census cost 10 ms); within 1e-12 of a power, where the
    /// logarithm's rounding could decide otherwise, the logarithm decides.
    @inline(__always)
    static func bin(of relativeError: Double) -> Int {
        guard relativeError.isFinite, relativeError > 0 else { return binByLogarithm(relativeError) }
        // r in [2^b, 2^(b+1)): ⌊log₁₀ r⌋ is e or e + 1 for e = ⌊b · log₁₀ 2⌋ (log₁₀ 2 < 1),
        // which is (b · 78913) >> 18 for |b| < 1650 (without a call to floor).
        let b = Int(relativeError.exponent)
        if b >= 0 { return 17 }  // r ≥ 1
        if b < -64 { return 0 }  // r < 2⁻⁶⁴ < 1e-17
        var exponent = (b &* 78913) >> 18
        if exponent < -17 { return 0 }  // r < 1e-17
        let next = powers[exponent + 17]  // 10^(e+1), e + 1 in -16…0
        // (Without a branch: an error's side of a power is a coin toss for the predictor.)
        exponent &+= relativeError >= next ? 1 : 0
        let nearPower =
            abs(relativeError - next) <= next * 1e-12
            || (exponent > -17 && abs(relativeError - powers[exponent + 16]) <= powers[exponent + 16] * 1e-12)
        return nearPower ? binByLogarithm(relativeError) : min(max(exponent + 17, 0), 17)
    }

    /// 1e-16, 1e-15, …, 1: the lower edges of bins 1 to 17.
    /// (A literal: a global initialized by code is checked for initialization at every read.)
    private static let powers: [Double] = [
        1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1,
    ]

    /// The bin by ⌊log₁₀⌋ itself (0 and below in the first bin, not finite in the last).
    static func binByLogarithm(_ relativeError: Double) -> Int {
        guard relativeError.isFinite else { return 17 }
        let exponent = relativeError <= 0 ? ErrorCensus.lowestExponent - 1 : Int(log10(relativeError).rounded(.down))
        return min(max(exponent - ErrorCensus.lowestExponent + 1, 0), 17)
    }

    public mutating func merge(_ other: ErrorCensus) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// The lower edge of bin `i` as a label: "<1e-16", "1e-12", "≥1".
    public static func label(_ i: Int) -> String {
        if i == 0 { return "<1e-16" }
        if i == 17 { return "≥1" }
        return "1e\(i + lowestExponent - 1)"
    }

    public var total: Int { counts.reduce(0, +) }
}

/// A named property every correct backward has, and whether it held.
public struct InvariantResult: Sendable, Codable {
    public var name: InvariantName
    public var verdict: Verdict
    public var detail: String
    /// What checking it cost, in seconds (nil in reports written before it was measured).
    public var seconds: Double?

    public init(name: InvariantName, verdict: Verdict, detail: String) {
        self.name = name
        self.verdict = verdict
        self.detail = detail
    }

    public static func pass(_ name: InvariantName, _ detail: String = "") -> InvariantResult {
        .init(name: name, verdict: .pass, detail: detail)
    }
    public static func fail(_ name: InvariantName, _ detail: String) -> InvariantResult {
        .init(name: name, verdict: .fail, detail: detail)
    }
}

/// The name of an invariant or identity, as reports print it ("gradient shapes"). A type,
/// not a string, so code and tests refer to each by one constant; a user's own identities
/// (`GradientIdentities`) make theirs with `InvariantName("…")`. Encoded as its text.
public struct InvariantName: Hashable, Sendable, Codable, CustomStringConvertible {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var description: String { text }
    public init(from decoder: any Decoder) throws { text = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    // Every layer (Invariants).
    public static let noStateBetweenCalls = InvariantName("no state between calls")
    public static let gradientShapes = InvariantName("gradient shapes")
    public static let argumentsUntouched = InvariantName("inputs and upstream untouched")
    public static let forwardDeterministic = InvariantName("forward deterministic")
    public static let backwardRuns = InvariantName("backward runs")
    public static let backwardRepeatable = InvariantName("backward repeatable")
    public static let backwardParameters = InvariantName("backwardParameters matches backwardInput")
    public static let backwardLinear = InvariantName("backward linear in upstream")
    public static let storedParametersListed = InvariantName("every stored parameter is listed")
    public static let fastPathsMatchReference = InvariantName("every fast path matches its readable reference")
    // A Float function against its Double twin (FloatTwinComparison).
    public static let floatForwardMatchesTwin = InvariantName("Float forward matches its Double twin")
    public static let floatVJPMatchesTwin = InvariantName("Float vjp matches its Double twin")
    // Networks (NetworkInvariants).
    public static let everyParameterReceivesGradient = InvariantName("every parameter receives a gradient")
    public static let lossMatchesGradient = InvariantName("loss matches its gradient")
    public static let networkRuns = InvariantName("network runs")
    // Identities of particular layers (GradientIdentities).
    public static let identityRuns = InvariantName("identity")
    public static let softmaxRowsSumToZero = InvariantName("identity: gradient rows sum to 0")
    public static let softmaxShiftInvariance = InvariantName("identity: invariant to shifting logits")
    public static let batchNormSumsToZero = InvariantName("identity: input gradient sums to 0 per feature")
    public static let affineBiasIsUpstreamSum = InvariantName("identity: ∂L/∂b = Σ upstream")
    public static let convolutionAdjoint = InvariantName("identity: adjoint ⟨conv(x), u⟩ = ⟨x, convᵀ(u)⟩")
}

/// Everything one gradient check found, with what is needed to replay it.
public struct CheckReport: Sendable, Codable {
    public var target: String
    public var method: FiniteDifference
    public var methodDescription: String
    public var tolerance: Tolerance
    public var mode: CheckMode
    public var seed: UInt64
    public var inputShapes: [[Int]]
    /// The scalar L at the unperturbed point.
    public var checkedValue: Double
    public var tensors: [TensorReport]
    public var invariants: [InvariantResult]
    /// Forward passes spent on finite differences.
    public var forwardPasses: Int
    public var seconds: Double
    /// Why the check could not go on: the layer threw, or broke the contract of `Layer`.
    public var problem: CheckProblem?
    /// The problem as a sentence.
    public var error: String? { problem?.description }
    /// Whether kinks were accepted (part of what `--replay` needs).
    public var allowKinks = true
    /// For a failing network: the first layer whose own check fails.
    public var culprit: Culprit?
    /// The precision the finite differences judged the checked code at (nil: Double, as in
    /// reports written before Float checks; a Float function checked against its Double twin
    /// is judged in Double, with ``floatTwin`` for the Float side).
    public var precision: Precision?
    /// For Float code checked against a Double twin: how far the Float forward and vjp are from the twin's.
    public var floatTwin: FloatTwinComparison?
    /// What the checked code promised, when it is not a `Layer` (a function and its vjp).
    public var contract: String?
    /// How the checked code rounds, measured before judging (nil in reports written before it
    /// was measured, and for checks told their precision).
    public var rounding: RoundingLevel?
    /// The inputs held constant (ids, masks, targets): passed exactly, never perturbed or checked.
    public var constantInputs: [String]?
    /// The outputs of a layer or function of several outputs, in order.
    public var outputs: [String]?
    /// For a failing check of several outputs: those whose upstream alone makes the check fail —
    /// the outputs through which the wrong gradient flows.
    public var outputsCarryingError: [String]?
    /// Where the time went, phase by phase, with the passes of each (nil in reports written
    /// before it was measured).
    public var cost: CheckCost?

    /// The contract of a function checked with its vector–Jacobian product.
    static let functionContract = "a function and its vjp (backward is the vjp)"

    public var verdict: Verdict {
        if error != nil { return .fail }
        return (tensors.map(\.verdict) + invariants.map(\.verdict)).max() ?? .pass
    }

    public var failedInvariants: [InvariantResult] { invariants.filter { $0.verdict == .fail } }

    /// Elements checked over all tensors.
    public var elementsChecked: Int { tensors.reduce(0) { $0 + $1.checked } }

    /// The truncation estimate inside an element's allowance, as " + truncation X", or "".
    private func truncation(_ w: ElementResult) -> String {
        guard let resolution = w.resolution else { return "" }
        let estimate = resolution - w.roundingFloor - tolerance.atol
        return estimate > 1e-3 * resolution ? " + truncation \(formatNumber(estimate, significantDigits: 2))" : ""
    }

    /// One paragraph for a person: what failed, where, by how much, and the likely bug.
    public var diagnosis: String {
        if let problem {
            switch problem {
            case .threw: return "\(target): could not run: \(problem)"
            case .caseNotBuilt, .networkWithoutLoss, .reference, .unfinished: return "\(target): \(problem)"
            default: break
            }
            return "\(target): breaks the contract of \(contract ?? "Layer"): \(problem)"
        }
        var lines: [String] = []
        if let culprit {
            var first = culprit.diagnosis.split(separator: "\n").first.map(String.init) ?? ""
            if first.hasPrefix(culprit.layer + " ") { first.removeFirst(culprit.layer.count + 1) }
            lines.append("\(target): the backward of \(culprit.layer) is wrong: \(first)")
        }
        for t in tensors where t.verdict == .fail {
            var line =
                t.failed == 0
                ? "\(target) \(t.tensor): all \(t.checked) checked elements within tolerance, but the Taylor test fails"
                : "\(target) \(t.tensor): \(t.failed) of \(t.checked) checked elements wrong"
            if let w = t.worst, t.failed > 0 {
                let at = w.value.map { " (\(t.tensor.name) = \(formatNumber($0)))" } ?? ""
                if w.analytic == 0 && w.numeric != 0 {
                    // A relative error of 1 (or of 1e+299 against a tiny value) says less than this.
                    line += "; worst at \(w.location)\(at): analytic 0 where numeric is \(formatNumber(w.numeric))"
                    line += " (abs error \(formatNumber(w.absoluteError, significantDigits: 3))"
                } else {
                    line +=
                        "; worst at \(w.location)\(at): analytic \(formatNumber(w.analytic)), numeric \(formatNumber(w.numeric))"
                    line +=
                        " (abs error \(formatNumber(w.absoluteError, significantDigits: 3)), rel error \(formatNumber(w.relativeError, significantDigits: 3))"
                }
                if w.step > 0 {
                    line +=
                        "; allowed \(formatNumber(w.allowance, significantDigits: 2)) = atol \(formatNumber(tolerance.atol, significantDigits: 2))"
                        + " + rounding \(formatNumber(w.roundingFloor, significantDigits: 2))"
                        + truncation(w) + " + rtol·|n| \(formatNumber(tolerance.rtol * abs(w.numeric), significantDigits: 2))"
                        + " at h = \(formatNumber(w.step, significantDigits: 2))"
                }
                line += ")"
                if let note = w.note { line += " — \(note)" }
            }
            if let signature = t.signature { line += "\n    likely: \(signature)" }
            if let choice = t.stepChoice, t.failed > 0 { line += "\n    step: \(choice.summary)" }
            if let order = t.order, order.verdict == .fail { line += "\n    convergence: \(order.note)" }
            lines.append(line)
        }
        for t in tensors where t.verdict == .inconclusive {
            lines.append("\(target) \(t.tensor): inconclusive — \(t.inconclusiveReason)")
        }
        for invariant in failedInvariants {
            lines.append("\(target) invariant \"\(invariant.name)\" broken: \(invariant.detail)")
        }
        if let carrying = outputsCarryingError, let outputs, !carrying.isEmpty {
            let fine = outputs.filter { !carrying.contains($0) }
            lines.append(
                "\(target): the wrong gradient flows through output\(carrying.count == 1 ? "" : "s") \(carrying.joined(separator: ", ")): its upstream alone fails"
                    + (fine.isEmpty ? "" : " (\(fine.joined(separator: ", ")) alone passes)"))
        }
        if let rounding, rounding.precision == .float, !lines.isEmpty {
            lines.append("\(target) was judged at the precision it was measured to compute at: \(rounding)")
        }
        return lines.joined(separator: "\n")
    }
}

/// How many elements a check visits.
public enum CheckMode: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Every element of every tensor.
    case exhaustive
    /// `perTensor` seeded elements of each tensor (all of them when the tensor is smaller).
    case sampled(perTensor: Int)
    /// `directions` random directions u per tensor: ⟨∇L, u⟩ against the directional difference.
    case fast(directions: Int)

    public var description: String {
        switch self {
        case .exhaustive: "exhaustive"
        case .sampled(let k): "sampled (\(k) per tensor)"
        case .fast(let d): "fast (\(d) direction\(d == 1 ? "" : "s") per tensor)"
        }
    }
}
