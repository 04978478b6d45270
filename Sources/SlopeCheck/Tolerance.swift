import Foundation
import SlopeLayers

/// When an analytic gradient element a agrees with its numeric estimate n.
///
/// An element passes when |a − n| ≤ atol' + rtol·|n|, where atol' = atol plus the
/// rounding floor of the difference quotient: `roundingFactor`·ε·max|L|/h (ε the
/// Double epsilon, L the checked scalar). The floor keeps large sums from raising
/// false alarms; it is reported next to each verdict. Defaults and their reasons are
/// in the README ("Tolerances").
public struct Tolerance: Sendable, Equatable, Codable, CustomStringConvertible {
    public var rtol: Double
    public var atol: Double
    /// Multiplier of the rounding floor ε·|L|/h; 0 turns the floor off.
    public var roundingFactor: Double

    public static let `default` = Tolerance(rtol: 1e-5, atol: 1e-8, roundingFactor: 16)

    public init(rtol: Double, atol: Double, roundingFactor: Double = 16) {
        self.rtol = rtol
        self.atol = atol
        self.roundingFactor = roundingFactor
    }

    /// The absolute allowance for one element: atol plus the rounding floor.
    public func absoluteAllowance(scale: Double, step: Double) -> Double {
        atol + roundingFactor * Double.ulpOfOne * scale / step
    }

    public var description: String {
        "rtol \(formatNumber(rtol)), atol \(formatNumber(atol)) + \(formatNumber(roundingFactor))·ε·|L|/h"
    }
}

/// Relative error |a − n| / max(|a|, |n|, tiny): the figure the literature quotes
/// (cs231n: ≤ 1e-7 good, > 1e-2 wrong).
public func relativeError(_ a: Double, _ n: Double) -> Double {
    let scale = max(abs(a), abs(n), 1e-300)
    return abs(a - n) / scale
}
