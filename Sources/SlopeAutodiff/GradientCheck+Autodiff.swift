import SlopeCheck
import SlopeLayers
import _Differentiation

/// Checks of Swift's own automatic differentiation: the pullback that `valueWithPullback(at:of:)`
/// builds for a `@differentiable(reverse)` function, custom `@derivative(of:)` registrations
/// included, against finite differences. Each goes through `run(function:vjp:at:name:)`, so
/// every verdict, signature, the Taylor test and the invariants apply.
///
/// ```swift
/// let report = GradientCheck().run(differentiable: { x in sin3(x) }, at: x, name: "sin3")
/// ```
extension GradientCheck {
    /// Checks the pullback of a function of a tensor.
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Tensor) -> Tensor, at x: Tensor,
        name: String = "function"
    ) -> CheckReport {
        run(
            function: { x in f(x[0]) },
            vjp: { x, u in [widened(valueWithPullback(at: x[0], of: f).pullback(u), like: x[0])] }, at: [x], name: name)
    }

    /// Checks the gradient of a scalar function of a tensor (a loss).
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Tensor) -> Double, at x: Tensor,
        name: String = "function"
    ) -> CheckReport {
        run(
            function: { x in Tensor(scalar: f(x[0])) },
            vjp: { x, u in [widened(valueWithPullback(at: x[0], of: f).pullback(u.scalar), like: x[0])] }, at: [x],
            name: name)
    }

    /// Checks the pullback of a function of two tensors, with respect to both.
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Tensor, Tensor) -> Tensor, at x: Tensor, _ y: Tensor,
        name: String = "function"
    ) -> CheckReport {
        run(
            function: { x in f(x[0], x[1]) },
            vjp: { x, u in
                let (dx, dy) = valueWithPullback(at: x[0], x[1], of: f).pullback(u)
                return [widened(dx, like: x[0]), widened(dy, like: x[1])]
            }, at: [x, y], name: name)
    }

    /// Checks the derivative of a function of one Double.
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Double) -> Double, at x: Double,
        name: String = "function"
    ) -> CheckReport {
        run(
            function: { x in Tensor(scalar: f(x[0].scalar)) },
            vjp: { x, u in [Tensor(scalar: valueWithPullback(at: x[0].scalar, of: f).pullback(u.scalar))] },
            at: [Tensor(scalar: x)], name: name)
    }

    /// Checks the pullback of a function of an array of Doubles.
    public func run(
        differentiable f: @escaping @differentiable(reverse) ([Double]) -> [Double], at x: [Double],
        name: String = "function"
    ) -> CheckReport {
        run(
            function: { x in
                let y = f(x[0].data)
                return Tensor(shape: [y.count], data: y)
            },
            vjp: { x, u in
                let gradient = valueWithPullback(at: x[0].data, of: f).pullback(.init(u.data)).base
                return [Tensor(shape: [gradient.count], data: gradient).widenedIfEmpty(like: x[0])]
            }, at: [Tensor(shape: [x.count], data: x)], name: name)
    }

    /// Checks the derivative of a function of one Float, with the Float-aware step and
    /// tolerance (see `GradientCheck.forFloat`).
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Float) -> Float, at x: Float, name: String = "function"
    ) -> CheckReport {
        run(
            float: { x in [f(x[0][0])] }, vjp: { x, u in [[valueWithPullback(at: x[0][0], of: f).pullback(u[0])]] },
            at: [Tensor(scalar: Double(x))], name: name)
    }

    /// Checks the pullback of a function of an array of Floats, with the Float-aware step and tolerance.
    public func run(
        differentiable f: @escaping @differentiable(reverse) ([Float]) -> [Float], at x: [Float],
        name: String = "function"
    ) -> CheckReport {
        run(
            float: { x in f(x[0]) }, vjp: { x, u in [valueWithPullback(at: x[0], of: f).pullback(.init(u)).base] },
            at: [Tensor(shape: [x.count], data: x.map(Double.init))], name: name)
    }

    /// Checks a Float function against its Double twin: the twin's derivative against finite
    /// differences in Double, and the Float derivative against the twin's (in ε_Float).
    public func run(
        differentiable f: @escaping @differentiable(reverse) (Float) -> Float,
        twin: @escaping @differentiable(reverse) (Double) -> Double, at x: Float, name: String = "function"
    ) -> CheckReport {
        run(
            float: { x in [f(x[0][0])] }, vjp: { x, u in [[valueWithPullback(at: x[0][0], of: f).pullback(u[0])]] },
            twin: { x in Tensor(scalar: twin(x[0].scalar)) },
            twinVJP: { x, u in [Tensor(scalar: valueWithPullback(at: x[0].scalar, of: twin).pullback(u.scalar))] },
            at: [Tensor(scalar: Double(x))], name: name)
    }
}

/// A gradient that is still the differentiator's shapeless zero (no contribution), as zeros
/// of the input's shape; any other gradient as it is (a wrong shape is the check's to report).
func widened(_ gradient: Tensor, like input: Tensor) -> Tensor {
    gradient.isScalarZero && !input.shape.isEmpty ? .zeros(input.shape) : gradient
}

extension Tensor {
    /// An empty array tangent (the zero of `[Double].TangentVector`) as zeros of the input's shape.
    func widenedIfEmpty(like input: Tensor) -> Tensor { count == 0 && input.count > 0 ? .zeros(input.shape) : self }
}
