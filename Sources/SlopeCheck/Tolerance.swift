import Foundation
import SlopeLayers

/// When an analytic gradient element a agrees with its numeric estimate n.
///
/// An element passes when |a − n| ≤ atol + noise/h + truncation + rtol·|n|: the noise of the
/// difference quotient (the measured noise of L, at least `roundingFactor`·ε·max|L|, over the
/// step), the estimated truncation error when the element was refined, and rtol. A pass also
/// needs the check to *see*: when the absolute part of the allowance exceeds `resolution` ×
/// the tensor's largest numeric derivative, the element is inconclusive, not passed (an error
/// of the size that matters could hide below it). Defaults and their reasons are in the
/// README ("How a check decides").
public struct Tolerance: Sendable, Equatable, Codable, CustomStringConvertible {
    public var rtol: Double
    public var atol: Double
    /// Multiplier of the rounding floor ε·|L|/h; 0 turns the floor off.
    public var roundingFactor: Double
    /// The largest share of a tensor's largest derivative that may hide below an element's
    /// absolute allowance for its pass to count.
    public var resolution: Double

    /// rtol 1e-5; no absolute tolerance (the measured noise floor takes its place: an atol
    /// hides whole tensors of small gradients); resolution 1e-3.
    public static let `default` = Tolerance(rtol: 1e-5, atol: 0, roundingFactor: 16)

    public init(rtol: Double, atol: Double, roundingFactor: Double = 16, resolution: Double = 1e-3) {
        self.rtol = rtol
        self.atol = atol
        self.roundingFactor = roundingFactor
        self.resolution = resolution
    }

    /// Reports written before `resolution` existed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rtol = try container.decode(Double.self, forKey: .rtol)
        atol = try container.decode(Double.self, forKey: .atol)
        roundingFactor = try container.decode(Double.self, forKey: .roundingFactor)
        resolution = try container.decodeIfPresent(Double.self, forKey: .resolution) ?? 1e-3
    }

    /// The absolute allowance for one element: atol plus the rounding floor.
    public func absoluteAllowance(scale: Double, step: Double) -> Double {
        atol + roundingFactor * Double.ulpOfOne * scale / step
    }

    public var description: String {
        "rtol \(formatNumber(rtol)), atol \(formatNumber(atol)) + noise/h (≥ \(formatNumber(roundingFactor))·ε·|L|/h), resolution \(formatNumber(resolution))"
    }
}

/// Relative error |a − n| / max(|a|, |n|, tiny): the figure the literature quotes
/// (cs231n: ≤ 1e-7 good, > 1e-2 wrong).
package func relativeError(_ a: Double, _ n: Double) -> Double {
    let scale = max(abs(a), abs(n), 1e-300)
    return abs(a - n) / scale
}
