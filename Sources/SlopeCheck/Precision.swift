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
}
