import SlopeLayers

/// A tensor's outcomes, one per checked element (or direction): stored one by one, or — for a
/// compressed tensor — each clean pass computed when it is read from its colour's grouped
/// sums (``GroupedLooks``), with the outcomes that replaced a first look (the elements judged
/// again one at a time, a pass found unresolved) stored beside them.
///
/// A million stored outcomes are 120 MB that the kernel zeroes page by page before the first
/// is written (0.06 s of the Tanh 10⁶ check); a compressed tensor's first looks are already in
/// its grouped sums, and reading one back is a few divisions and the judge's comparison.
struct ElementOutcomes: RandomAccessCollection {
    private var stored: [ElementOutcome]
    private let looks: GroupedLooks?
    /// For a compressed tensor: which elements have an outcome in `replaced`.
    private var isReplaced: [Bool]
    private var replaced: [Int: ElementOutcome]

    init(_ outcomes: [ElementOutcome]) {
        (stored, looks, isReplaced, replaced) = (outcomes, nil, [], [:])
    }

    /// Every element's first look from `looks`, until replaced.
    init(looks: GroupedLooks) {
        (stored, self.looks, isReplaced, replaced) = ([], looks, [Bool](repeating: false, count: looks.count), [:])
    }

    var startIndex: Int { 0 }
    var endIndex: Int { looks?.count ?? stored.count }

    /// The positions of the outcomes at kinks. A first look is never one (`Judge.atOnce` does
    /// not find kinks): for a compressed tensor only the replaced outcomes are read.
    var kinkPositions: [Int] {
        guard looks != nil else { return stored.indices.filter { stored[$0].isKink } }
        return replaced.filter { $0.value.isKink }.map(\.key).sorted()
    }

    /// What a summary reads of outcome `i`, without building the outcome for a first look.
    private func essentials(_ i: Int) -> OutcomeEssentials {
        guard let looks, !isReplaced[i] else {
            let outcome = self[i]
            return OutcomeEssentials(
                analytic: outcome.analytic, numeric: outcome.numeric, resolution: outcome.resolution,
                scale: outcome.scale, verdict: outcome.verdict, isKink: outcome.isKink)
        }
        return OutcomeEssentials(
            analytic: looks.analytic.data[i], numeric: looks.numeric[i], resolution: looks.resolution[i], scale: .nan,
            verdict: looks.verdicts[i], isKink: false)
    }

    /// `body` with each outcome's position and essentials, in order: a compressed tensor's first
    /// looks read straight from their columns (a million `essentials(_:)` calls took 12 ms).
    @inline(__always)
    func forEachEssentials(_ body: (Int, OutcomeEssentials) -> Void) {
        guard let looks else {
            for i in indices { body(i, essentials(i)) }
            return
        }
        looks.analytic.data.withUnsafeBufferPointer { analytic in
            looks.numeric.withUnsafeBufferPointer { numeric in
                looks.resolution.withUnsafeBufferPointer { resolution in
                    looks.verdicts.withUnsafeBufferPointer { verdicts in
                        isReplaced.withUnsafeBufferPointer { isReplaced in
                            for i in 0..<analytic.count {
                                body(
                                    i,
                                    isReplaced[i]
                                        ? essentials(i)
                                        : OutcomeEssentials(
                                            analytic: analytic[i], numeric: numeric[i], resolution: resolution[i], scale: .nan,
                                            verdict: verdicts[i], isKink: false))
                            }
                        }
                    }
                }
            }
        }
    }

    subscript(i: Int) -> ElementOutcome {
        get {
            guard let looks else { return stored[i] }
            return isReplaced[i] ? replaced[i]! : looks.outcome(i)
        }
        set {
            guard looks != nil else {
                stored[i] = newValue
                return
            }
            isReplaced[i] = true
            replaced[i] = newValue
        }
    }
}

/// Each element's first look at a compressed tensor, from its colour's pair of passes: the
/// quotients read off the outputs it owns, judged by `Judge.atOnce` as the one-at-a-time path
/// judges its own (see `CompressedElements.swift`). A class: reading an outcome then retains
/// one reference, not each of the arrays behind it.
final class GroupedLooks {
    let sums: GroupedSums
    let steps: [Double]
    let analytic: Tensor
    /// The tensor's values where it was checked.
    let values: Tensor
    let baseValue: Double
    let judge: Judge
    /// The checked code's precision: Float code's judge takes each element's own rounding into
    /// L's floor (`Precision.inputRounding`).
    let precision: Precision
    /// Each first look's numeric derivative, resolution and verdict (what a summary reads).
    /// (Constants: a `var` of a class is checked for exclusive access at every read.)
    let numeric: [Double]
    let resolution: [Double]
    let verdicts: [Verdict]
    /// The elements whose first look is a clean pass (not in a group where a decision flipped,
    /// resolved, L not flat): the rest are judged again one at a time.
    let clean: [Bool]

    /// Every element's first look, judged once.
    init(
        sums: GroupedSums, steps: [Double], analytic: Tensor, values: Tensor, baseValue: Double, judge: Judge,
        precision: Precision = .double
    ) {
        (self.sums, self.steps, self.analytic, self.values) = (sums, steps, analytic, values)
        (self.baseValue, self.judge, self.precision) = (baseValue, judge, precision)
        // Filled as locals and stored once.
        let count = steps.count
        var numeric = [Double](repeating: 0, count: count), resolution = [Double](repeating: 0, count: count)
        var verdicts = [Verdict](repeating: .pass, count: count), clean = [Bool](repeating: false, count: count)
        for e in 0..<count {
            let look = Self.level(e, sums: sums, steps: steps, baseValue: baseValue)
            let a = analytic.data[e]
            let judgeHere = judge.forElement(at: values.data[e], derivative: a, precision: precision)
            let (seen, verdict) = judgeHere.firstLook(analytic: a, look)
            (numeric[e], resolution[e], verdicts[e]) = (look.numeric, seen, verdict)
            clean[e] = !sums.alone[e] && verdict == .pass && judgeHere.resolves(seen) && !Judge.isFlat(analytic: a, look)
        }
        (self.numeric, self.resolution, self.verdicts, self.clean) = (numeric, resolution, verdicts, clean)
    }

    var count: Int { steps.count }

    /// Element e's quotients at its step, from the grouped sums.
    func level(_ e: Int) -> StencilLevel { Self.level(e, sums: sums, steps: steps, baseValue: baseValue) }

    static func level(_ e: Int, sums: GroupedSums, steps: [Double], baseValue: Double) -> StencilLevel {
        let (up, down) = (sums.up[e], sums.down[e])
        let scale = max(abs(baseValue), abs(baseValue + up), abs(baseValue - down))
        return StencilLevel(
            step: steps[e], numeric: sums.central[e] / (sums.movedUp[e] + sums.movedDown[e]),
            forward: up / sums.movedUp[e], backward: down / sums.movedDown[e], scale: scale, flipped: false)
    }

    /// Element e's first look, as the judge gives it.
    func outcome(_ e: Int) -> ElementOutcome {
        let judgeHere = judge.forElement(at: values.data[e], derivative: analytic.data[e], precision: precision)
        var outcome = judgeHere.atOnce(analytic: analytic.data[e], level(e))
        outcome.value = values.data[e]
        return outcome
    }
}

/// What a summary reads of one outcome.
struct OutcomeEssentials {
    var analytic: Double
    var numeric: Double
    var resolution: Double
    /// For a direction: Σ|gᵢuᵢ| (NaN for an element).
    var scale: Double
    var verdict: Verdict
    var isKink: Bool

    var absoluteError: Double { abs(analytic - numeric) }
}
