import SlopeLayers
import _Differentiation

/// `Tensor` as a value Swift's automatic differentiation can differentiate: its own tangent
/// vector (TangentVector = Tensor), so a pullback maps an upstream tensor to a gradient tensor.
///
/// `zero` is the scalar 0, the additive identity of every shape (SlopeLayers' `+`, `-` and
/// `+=` treat it so): the differentiator asks for a zero before it knows any shape. A gradient
/// that is still that zero when a pullback returns means "no contribution"; the check widens
/// it to zeros of the input's shape.
extension Tensor: AdditiveArithmetic {
    public static var zero: Tensor { Tensor(scalar: 0) }
}

extension Tensor: Differentiable {
    public typealias TangentVector = Tensor

    public mutating func move(by offset: Tensor) { self += offset }
}

/// Derivatives of the element-wise arithmetic, so functions built from it are differentiable:
/// d(a ± b) = da ± db; d(a ⊙ b) = da ⊙ b + a ⊙ db; d(a·s) = da·s + a·ds; d Σa = Σ da.
extension Tensor {
    @derivative(of: +)
    @usableFromInline static func vjpAdd(_ a: Tensor, _ b: Tensor) -> (value: Tensor, pullback: (Tensor) -> (Tensor, Tensor)) {
        (a + b, { v in (v, v) })
    }

    @derivative(of: -)
    @usableFromInline static func vjpSubtract(_ a: Tensor, _ b: Tensor) -> (value: Tensor, pullback: (Tensor) -> (Tensor, Tensor))
    {
        (a - b, { v in (v, -v) })
    }

    @derivative(of: *)
    @usableFromInline static func vjpMultiply(_ a: Tensor, _ b: Tensor) -> (value: Tensor, pullback: (Tensor) -> (Tensor, Tensor))
    {
        (a * b, { v in v.isScalarZero ? (.zero, .zero) : (v * b, v * a) })
    }

    @derivative(of: *)
    @usableFromInline static func vjpScale(_ a: Tensor, _ s: Double) -> (value: Tensor, pullback: (Tensor) -> (Tensor, Double)) {
        (a * s, { v in (v * s, v.isScalarZero ? 0 : v.dot(a)) })
    }

    @derivative(of: -)
    @usableFromInline static func vjpNegate(_ a: Tensor) -> (value: Tensor, pullback: (Tensor) -> Tensor) {
        (-a, { v in -v })
    }
}

extension Tensor {
    /// Σ of every element (`sum()`) is differentiable: ∂/∂a Σa = 1 everywhere.
    @derivative(of: sum())
    @usableFromInline func vjpSum() -> (value: Double, pullback: (Double) -> Tensor) {
        (sum(), { [shape] v in Tensor(shape: shape, repeating: v) })
    }
}
