import SlopeLayers

/// The precision the checked code computes in.
///
/// The finite differences are always taken in Double; what changes is how much rounding
/// the checked values carry, and so what the checker can resolve. Double code is judged as
/// before; Float code (ε = 2⁻²³ ≈ 1.2e-7) gets a rounding floor of ε_Float·|L|, a Taylor test
/// that asks for the error to fall below 1e-3 of ⟨∇L, u⟩ (not 1e-6: Float's best central
/// difference errs by ≈ 2e-5), and invariants compared to 1e-4 instead of 1e-9.
/// See the README, "Check a function, a Swift autodiff derivative, or Float code".
public enum Precision: String, Sendable, Codable, CaseIterable {
    case double
    case float

    /// The machine epsilon of the checked code.
    public var epsilon: Double { self == .double ? Double.ulpOfOne : Double(Float.ulpOfOne) }

    /// The Taylor test passes only when the error falls below this share of ⟨∇L, u⟩.
    var orderPassThreshold: Double { self == .double ? ConvergenceOrder.passThreshold : 1e-3 }
    /// A Taylor error that levels off above this share of ⟨∇L, u⟩ is a wrong gradient.
    var orderWrongThreshold: Double { self == .double ? ConvergenceOrder.wrongThreshold : 1e-3 }
    /// Relative errors below this count as rounding (the difference is exact).
    var orderExactThreshold: Double { self == .double ? ConvergenceOrder.exactThreshold : 1e-5 }
    /// Two gradients that should be equal (repeatability, linearity) may differ by this
    /// share of their size.
    var invariantTolerance: Double { self == .double ? 1e-9 : 1e-4 }
    /// The step and tolerance of the invariants' directional difference.
    var directionalStep: Double { self == .double ? 1e-6 : 1e-2 }
    var directionalTolerance: Double { self == .double ? 1e-4 : 1e-2 }

    /// What Float code's own rounding of one input does to L when the check moves it: the
    /// layer puts x ± h on the Float grid, up to half an ulp from where the check put it (and x
    /// itself, off the grid, by as much), so L moves by up to |∂L/∂x|·ulp. 0 for double code.
    /// Near 1 it is the size of L's own rounding; at an offset of 1e3 (an ulp of 6e-5) the
    /// quotient at a step of 0.006 moves by 1%, and correct Float LayerNorm, BatchNorm and
    /// Softmax failed there.
    func inputRounding(value x: Double, derivative: Double) -> Double {
        self == .float ? abs(derivative) * Double(Float(x).ulp) : 0
    }

    /// What Float code's rounding of its outputs does to L = ⟨u, y⟩: Σ|uᵢ|·ulp(yᵢ)/2 (0 for
    /// double). L's measured noise shows it only when the noise points move L past it; where L
    /// cancels (a LayerNorm's outputs sum to 0) it is far above ε·|L|.
    /// (The sum `inputRounding(values:derivatives:)` takes, with the outputs for the values and
    /// the upstream for their derivatives.)
    func outputRounding(of output: Tensor, upstream: Tensor) -> Double {
        inputRounding(values: [output], derivatives: [upstream])
    }

    /// The spacing of the grid the checked code puts `values` on, at their largest: an ulp of
    /// Float there for Float code, 0 for double (whose grid is the check's own).
    func gridSpacing(of values: Tensor) -> Double {
        self == .float ? Double(Float(values.maxMagnitude).ulp) : 0
    }

    /// The same when every value moves at once (a random direction, the Taylor test, the
    /// invariants' directional difference): Σ|∂L/∂xᵢ|·ulpᵢ/2 over `values` and their
    /// `derivatives`, tensor by tensor.
    func inputRounding(values: [Tensor], derivatives: [Tensor]) -> Double {
        guard self == .float else { return 0 }
        var total = 0.0
        for (value, derivative) in zip(values, derivatives) {
            for i in 0..<min(value.count, derivative.count) {
                total += abs(derivative.data[i]) * Double(Float(value.data[i]).ulp) / 2
            }
        }
        return total
    }
}

/// How the checked code rounds, measured at the checked point — the precision it actually
/// computes at, whatever its inputs' and outputs' type.
///
/// Code with Double tensors on its edges may compute in Float inside (a GELU written with
/// Float maths, a dense layer in the user's own `[Float]` types). Judged as Double, such a
/// correct layer fails the invariants that compare two gradients to 1e-9. So every check
/// measures, before anything is judged:
///
/// - **the backward**: the gradients for the upstream u and for s·u (s = 1 + 3/4096). Exact
///   linear code gives s·∇ to a few Double ulps; code that rounds to Float inside is off by
///   about 6e-8 of the gradients' size. `backward` is the largest such share over the tensors.
///   A second scale, s = 1 − 5/4096, tells rounding (deviations unrelated between the scales)
///   from a backward affine in its upstream, a gradient off by a constant (`systematic`).
/// - **the forward**: L at eight points 1e-9·spread apart along a random direction; the
///   rounding noise read off their high differences (Hamming's estimate, as ``StepChoice`` measures the noise of L) as a share of
///   |L| is `forward`.
///
/// A backward level between ``floatBand`` bounds is rounding of Float code: the check then
/// judges at Float precision (and says so). Above the band a backward that is not linear in its upstream
/// is not rounding but a bug — the invariant reports it as before; below it, Double.
public struct RoundingLevel: Sendable, Codable, Equatable, CustomStringConvertible {
    /// |∇(s·u) − s·∇(u)| / |∇(u)|, the largest over the checked tensors.
    public var backward: Double
    /// The noise of L near the checked point, as a share of |L|: Hamming's estimate from the
    /// step choice's points along a random direction through the largest tensor (0 until the
    /// check has chosen that tensor's step).
    public var forward: Double
    /// The backward's departure from linear scales with the upstream's scale as an added
    /// constant's does: not rounding but a bug (never judged at Float precision).
    public var systematic: Bool

    /// Levels in this band are Float-like rounding: above 1e-9 (Float code rounds the upstream
    /// itself to 6e-8 of each element, so its level is 1e-8 or more; Double code stays below
    /// 1e-11 even where its backward cancels, as BatchNorm's does) and at most 1e-5 (a
    /// backward that ignores or squares its upstream is off by 7e-4, s − 1).
    public static let floatBand: ClosedRange<Double> = 1e-9...1e-5

    /// The precision to judge at: `.float` when the code rounds like Float, else `.double`.
    ///
    /// Only the backward decides: it is linear in its upstream whatever the inputs, so its
    /// rounding is the code's own. L's rounding also grows with cancellation in Double code
    /// (a LayerNorm at inputs offset by 1e6 rounds L at 1e-10 of |L|), so it is reported, and
    /// the step choice allows for it, but it does not make Double code Float.
    public var precision: Precision {
        Self.floatBand.contains(backward) && !systematic ? .float : .double
    }

    /// "computes in Float precision: backward linear in the upstream to 6.1e-8, L's rounding 2.3e-8 of |L|".
    public var description: String {
        "computes in \(precision == .float ? "Float" : "Double") precision: backward linear in the upstream to \(formatNumber(backward, significantDigits: 2)), L's rounding \(formatNumber(forward, significantDigits: 2)) of |L|"
    }

    /// Measures the rounding of `layer` at `inputs` (see the type's description).
    static func measure(
        _ layer: any Layer, probe: Probe, upstream: Tensor, analytic: [Tensor], passes: inout CheckCost.Phase
    ) throws -> RoundingLevel {
        // The gradients at s·u for two scales, and how far each is from s·∇(u).
        let parameters = layer.namedParameters
        func deviations(scale s: Double) throws -> [Tensor] {
            for (_, parameter) in parameters { parameter.zeroGradient() }
            _ = try layer.forward(probe.inputs)
            let scaled = try layer.backward(upstream * s) + parameters.map { $0.1.gradient }
            passes.forwardPasses += 1
            passes.backwardPasses += 1
            return zip(analytic, scaled).map { g, gs in g.shape == gs.shape ? gs.zipMap(g) { $0 - $1 * s } : .zeros(g.shape) }
        }
        let (s1, s2) = (1 + 3.0 / 4096, 1 - 5.0 / 4096)
        let (d1, d2) = (try deviations(scale: s1), try deviations(scale: s2))
        var backward = 0.0
        for (g, d) in zip(analytic, d1) {
            let size = g.maxMagnitude * s1
            guard size > 0, size.isFinite else { continue }
            backward = max(backward, d.maxMagnitude / size)
        }
        // Rounding is noise: its deviations at the two scales are unrelated. A backward that is
        // affine in its upstream, ∇(u) = A·u + c (a gradient off by a constant), deviates by
        // (1 − s)·c at each scale: the second is the first times (1 − s₂)/(1 − s₁), element by
        // element.
        let ratio = (1 - s2) / (1 - s1)
        var mismatch = 0.0, size = 0.0
        for (a, b) in zip(d1, d2) {
            let sums = Self.affineDeparture(a.data, b.data, ratio: ratio)
            (mismatch, size) = (mismatch + sums.mismatch, size + sums.size)
        }
        let systematic = size > 0 && mismatch <= 0.25 * size
        // The forward is read later off the step choice's points along the largest tensor
        // (`GradientCheck.check`): eight passes of its own cost as much as the differences of a
        // small tensor.
        return RoundingLevel(backward: backward, forward: 0, systematic: systematic)
    }

    /// Σ|bᵢ − ratio·aᵢ| and Σ|ratio·aᵢ| (in `laneSum`'s order: the order of additions moves
    /// the sums by rounding only, far under the factor of 4 between them that decides).
    static func affineDeparture(_ a: [Double], _ b: [Double], ratio: Double) -> (mismatch: Double, size: Double) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let count = min(a.count, b.count)
                return (laneSum(count) { abs(b[$0] - ratio * a[$0]) }, laneSum(count) { abs(ratio * a[$0]) })
            }
        }
    }
}
