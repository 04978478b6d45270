import Foundation
import SlopeLayers

/// How one tensor's finite-difference step was chosen, and the noise it was judged against.
///
/// The step follows the function, not |x|: it is `method.step` times the spread of the
/// tensor's values (root-mean-square deviation from their mean), the distance over which a
/// layer's features change. A translation-invariant layer at inputs offset by 1e5 has the
/// spread of its features, not 1e5. A tensor with no spread (one element, or all equal) falls
/// back to max(1, |x|).
///
/// The noise of L is measured, not assumed: L is evaluated at eight points 1e-2·h apart along
/// a random direction, and the standard deviation of the rounding is read off the 3rd to 6th
/// differences (Hamming's noise estimate, as in Moré and Wild's ECnoise): a smooth function's
/// high differences vanish at so small a spacing, rounding's do not. Every allowance uses
/// `floor`, the larger of 4× that noise and `roundingFactor`·ε·|L| (ε of the checked code's precision).
public struct StepChoice: Sendable, Codable, Equatable {
    /// The base step h of the tensor's elements.
    public var step: Double
    /// The scale it was taken from (the spread of the values, or max(1, |x|)).
    public var spread: Double
    /// The measured standard deviation of the rounding in L near the checked point.
    public var noise: Double
    /// The absolute error allowed for one evaluation of L: max(4·noise, roundingFactor·ε·|L|).
    public var floor: Double

    public var summary: String {
        "h = \(formatNumber(step, significantDigits: 2)) (spread \(formatNumber(spread, significantDigits: 2)) of the values), noise of L \(formatNumber(noise, significantDigits: 2))"
    }

    /// Evaluations of L along the random direction that the noise is read from.
    static let noisePoints = 7

    /// A step before any noise is measured (an estimate's).
    init(step: Double) { self.init(step: step, spread: 0, noise: 0, floor: 0) }

    init(step: Double, spread: Double, noise: Double, floor: Double) {
        self.step = step
        self.spread = spread
        self.noise = noise
        self.floor = floor
    }

    /// The spread of a tensor's values, or max(1, |x|) when they have none.
    static func spread(of values: Tensor) -> Double {
        let n = Double(values.count)
        guard values.count > 1 else { return max(1, values.maxMagnitude) }
        // (Sums in eight lanes: the plain reductions waited on each addition, 4 cycles an element.)
        let (mean, deviation) = values.data.withUnsafeBufferPointer { x in
            let mean = laneSum(x.count) { x[$0] } / n
            return (mean, (laneSum(x.count) { (x[$0] - mean) * (x[$0] - mean) } / n).squareRoot())
        }
        // A spread lost in rounding (all values equal up to a few ulps) is no spread.
        return deviation > 1e-12 * max(abs(mean), 1e-300) && deviation.isFinite ? deviation : max(1, values.maxMagnitude)
    }

    /// Hamming's estimate of the rounding noise σ of a function sampled at equally spaced
    /// points: σ_k² = γ_k · mean((Δᵏf)²), γ_k = (k!)² / (2k)!, the largest over k = 3…6.
    static func noise(of values: [Double]) -> Double {
        var differences = values
        var estimate = 0.0
        var gamma = 1.0
        for k in 1...min(6, values.count - 1) {
            differences = zip(differences.dropFirst(), differences).map { $0 - $1 }
            gamma *= Double(k) / Double(2 * (2 * k - 1))  // (k!)²/(2k)! from (k−1)!²/(2k−2)!
            if k >= 3 {
                let meanSquare = differences.reduce(0) { $0 + $1 * $1 } / Double(differences.count)
                estimate = max(estimate, (gamma * meanSquare).squareRoot())
            }
        }
        return estimate
    }
}

extension Probe {
    /// Chooses the step of `tensor` and measures the noise of L there (`noisePoints` evaluations
    /// along a random direction); returns the direction too (largest element 1: fast mode's first).
    /// `precision` is the checked code's: Float code's points are spaced on its grid, and its
    /// `outputRounding` (``Precision/outputRounding(of:upstream:)``) is a floor of the noise.
    func chooseStep(
        for tensor: Int, method: FiniteDifference, tolerance: Tolerance, precision: Precision = .double, base: Double,
        outputRounding: Double = 0, using generator: inout SeededGenerator
    ) throws -> (choice: StepChoice, direction: Tensor) {
        Breadcrumbs.phase("choosing the step of \(ids[tensor]) (moving it along a random direction)")
        defer { Breadcrumbs.phase("taking the finite differences of \(ids[tensor])") }
        let saved = value(of: tensor)
        let spread = StepChoice.spread(of: saved)
        let h = method.step * spread
        var direction = Tensor.normal(saved.shape, using: &generator)
        direction = direction * (1 / max(direction.maxMagnitude, 1e-300))
        // The points must move the values on the grid the code rounds them to: Float code far
        // from 0 (an ulp of 0.008 at 1e5) put every point of a spacing of 6e-5 back on the
        // same values, and measured a noise of 0 where centring alone rounds by 0.004.
        let spacing = max(1e-2 * h, 4 * precision.gridSpacing(of: saved))
        var values = [base]
        defer { restore(tensor, to: saved) }
        for k in 1...StepChoice.noisePoints {
            place(tensor, at: saved, plus: direction, scaledBy: Double(k) * spacing)
            values.append(try evaluate())
        }
        let noise = StepChoice.noise(of: values)
        let largest = values.map(abs).max() ?? abs(base)
        // (Float code's rounding of its outputs where the points could not show it: L the same
        // bits at all eight, a LayerNorm of inputs 1e-8 apart, measured a noise of 0.)
        let floor = max(4 * noise, tolerance.roundingFactor * precision.epsilon * largest, outputRounding)
        return (StepChoice(step: h, spread: spread, noise: noise, floor: floor), direction)
    }
}
