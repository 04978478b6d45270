import Foundation
import SlopeLayers

/// What a sampled or fast check covered, and the chance that an error slipped through.
///
/// - sampled: k of n elements, drawn without replacement. If a share f of the elements
///   is wrong, all k draws miss them with probability C(n − fn, k)/C(n, k) ≤ (1 − f)ᵏ.
///   Reported for f = 10% and for a single wrong element (k/n).
/// - fast: each direction u has N(0, 1) entries, so a gradient error e ≠ 0 shows as
///   ⟨e, u⟩ ~ N(0, ‖e‖²). It hides below the allowance a only when |⟨e, u⟩| < a, with
///   probability ≤ √(2/π)·a/‖e‖ per direction; d independent directions multiply.
///   Reported for an error ten times the allowance: ≤ (0.08)ᵈ.
package enum Coverage {
    public static func statement(mode: CheckMode, checked: Int, elementCount n: Int) -> String? {
        switch mode {
        case .exhaustive:
            return nil
        case .sampled:
            if checked >= n { return "all \(n) elements checked" }
            let missTenPercent = hypergeometricMiss(n: n, wrong: max(1, Int((0.1 * Double(n)).rounded(.up))), draws: checked)
            let missOne = 1 - Double(checked) / Double(n)
            return
                "\(checked) of \(n) elements; a bug in 10% of them slips through with p ≤ \(formatProbability(missTenPercent)), a single wrong element with p = \(formatProbability(missOne))"
        case .fast(let d):
            let perDirection = (2 / Double.pi).squareRoot() * 0.1
            return
                "\(d) random direction\(d == 1 ? "" : "s") over all \(n) elements; an error 10× the allowance slips through with p ≤ \(formatProbability(pow(perDirection, Double(d))))"
        }
    }

    /// P(no wrong element among `draws` drawn without replacement).
    static func hypergeometricMiss(n: Int, wrong: Int, draws: Int) -> Double {
        guard draws <= n - wrong else { return 0 }
        var p = 1.0
        for i in 0..<draws { p *= Double(n - wrong - i) / Double(n - i) }
        return p
    }

    static func formatProbability(_ p: Double) -> String {
        p == 0 ? "0" : p >= 0.01 ? cFormat("%.2f", p) : cFormat("%.0e", p)
    }
}
