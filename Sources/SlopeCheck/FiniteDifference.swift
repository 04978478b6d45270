import Foundation

/// A finite-difference method as a value: a stencil and a step rule.
///
/// The step for an element x is `step · max(1, |x|)` (relative for large x, absolute
/// near 0). Central differences have error O(h²); the fourth-order stencil O(h⁴) at
/// twice the evaluations. Reports print `description`, e.g.
/// `central difference (2 points, O(h²)), h = 1e-06·max(1, |x|)`.
public struct FiniteDifference: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Stencil: String, Sendable, Codable, CaseIterable {
        /// (f(x+h) − f(x−h)) / 2h
        case central
        /// (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h (Richardson)
        case fourthOrder
    }

    public var stencil: Stencil
    public var step: Double

    /// Central differences with h = 5e-6·max(1, |x|), near ∛ε — see the README for why.
    public static let `default` = FiniteDifference(stencil: .central, step: 5e-6)

    public static func central(step: Double = 5e-6) -> FiniteDifference { .init(stencil: .central, step: step) }
    public static func fourthOrder(step: Double = 1e-4) -> FiniteDifference { .init(stencil: .fourthOrder, step: step) }

    public init(stencil: Stencil, step: Double) {
        self.stencil = stencil
        self.step = step
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

    /// The step used at x.
    public func step(at x: Double) -> Double { step * max(1, abs(x)) }

    public var description: String {
        let name = stencil == .central ? "central difference (2 points, O(h²))" : "fourth-order difference (4 points, O(h⁴))"
        return "\(name), h = \(formatStep(step))·max(1, |x|)"
    }
}

func formatStep(_ h: Double) -> String {
    let exponent = Int((h.magnitude).log10Floor)
    let mantissa = h / pow10(exponent)
    if abs(mantissa - 1) < 1e-12 { return "1e\(exponent < 0 ? "-" : "")\(String(format: "%02d", abs(exponent)))" }
    return String(format: "%.3g", h)
}

extension Double {
    var log10Floor: Double { (log10(self)).rounded(.down) }
}

func pow10(_ e: Int) -> Double { pow(10, Double(e)) }
