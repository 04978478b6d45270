import Foundation
import SlopeLayers

/// A finite-difference method as a value: a stencil and its base step.
///
/// Each tensor's step is `step · s`, where s is the spread of the tensor's values (their
/// root-mean-square deviation from their mean), not |x|: a translation-invariant layer
/// (LayerNorm, BatchNorm, Softmax) at inputs offset by 1e5 still gets a step of the size of its
/// own features. The noise of L is measured per tensor, every allowance includes it, an element
/// that does not agree at once is re-judged at smaller steps (kinks need evidence: a one-sided
/// gap that does not shrink with h), and a noisy element at larger ones (see the article "How a
/// check decides").
///
/// Central differences have error O(h²); the fourth-order stencil O(h⁴) at twice the
/// evaluations. Reports print `description`.
public struct FiniteDifference: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Stencil: String, Sendable, Codable, CaseIterable {
        /// (f(x+h) − f(x−h)) / 2h
        case central
        /// (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h (Richardson)
        case fourthOrder
    }

    /// The step rule a report was made with. Slope 0.4 has one (`adaptive`); `relative`, the
    /// first round's h = step · max(1, |x|) with one stencil per element, is only read from
    /// older reports, and replaying one uses today's rule (and says so).
    public enum StepRule: String, Sendable, Codable, CaseIterable {
        /// h = step · (spread of the tensor's values), measured noise, refined before judging.
        case adaptive
        /// h = step · max(1, |x|), one stencil, the bracket kink rule (reports before 0.4).
        case relative
    }

    public var stencil: Stencil
    public var step: Double
    /// `.adaptive`, except in a report decoded from Slope 0.2 or earlier, or one made with
    /// `--step-rule relative` before 0.4.
    public private(set) var stepRule: StepRule

    /// Central differences, h = 5e-6 × each tensor's spread, adaptive — see the README for why.
    public static let `default` = FiniteDifference(stencil: .central, step: 5e-6)

    public static func central(step: Double = 5e-6) -> FiniteDifference { .init(stencil: .central, step: step) }
    public static func fourthOrder(step: Double = 1e-4) -> FiniteDifference { .init(stencil: .fourthOrder, step: step) }

    /// The default method of a stencil: `.default` or `.fourthOrder()`.
    public static func standard(_ stencil: Stencil) -> FiniteDifference {
        stencil == .central ? .default : .fourthOrder()
    }

    public init(stencil: Stencil, step: Double) {
        self.stencil = stencil
        self.step = step
        stepRule = .adaptive
    }

    /// This method under today's rule (a report's method from before 0.4 may name the old one).
    public var today: FiniteDifference { FiniteDifference(stencil: stencil, step: step) }

    /// Reports written before step rules existed used the relative rule.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stencil = try container.decode(Stencil.self, forKey: .stencil)
        step = try container.decode(Double.self, forKey: .step)
        stepRule = try container.decodeIfPresent(StepRule.self, forKey: .stepRule) ?? .relative
    }

    /// The order p of the truncation error O(hᵖ).
    public var order: Int { stencil == .central ? 2 : 4 }

    /// Offsets (in units of h) and weights (to divide by h) of the stencil.
    public var points: [(offset: Double, weight: Double)] {
        switch stencil {
        case .central: [(1, 0.5), (-1, -0.5)]
        case .fourthOrder: [(2, -1.0 / 12), (1, 8.0 / 12), (-1, -8.0 / 12), (-2, 1.0 / 12)]
        }
    }

    public var description: String {
        let name = stencil == .central ? "central difference (2 points, O(h²))" : "fourth-order difference (4 points, O(h⁴))"
        switch stepRule {
        case .adaptive: return "\(name), h = \(formatStep(step)) × spread, adaptive"
        case .relative: return "\(name), h = \(formatStep(step))·max(1, |x|)"
        }
    }
}

func formatStep(_ h: Double) -> String {
    let exponent = Int((h.magnitude).log10Floor)
    let mantissa = h / pow10(exponent)
    if abs(mantissa - 1) < 1e-12 {
        let digits = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"  // (printf's %02d)
        return "1e\(exponent < 0 ? "-" : "")\(digits)"
    }
    return cFormat("%.3g", h)
}

extension Double {
    var log10Floor: Double { (log10(self)).rounded(.down) }
}

func pow10(_ e: Int) -> Double { pow(10, Double(e)) }
