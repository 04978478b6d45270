import SlopeLayers

/// A function of tensors and its vector–Jacobian product, seen as a layer without parameters.
///
/// y = f(x₁, …, xₖ); backward(ū) = vjp(x, ū) = (ūᵀ ∂f/∂x₁, …, ūᵀ ∂f/∂xₖ), one gradient per input,
/// each of its input's shape. The adapter lets a pair of closures go through the same door as
/// a layer: the same probe, verdicts, bug signatures, Taylor test and invariants. forward keeps
/// its inputs for backward, as a layer caches what backward needs; whatever the closures
/// throw comes back as `LayerError.wrapped`, which the check reports as a ``CheckProblem``.
final class FunctionLayer: Layer {
    let kindName: String
    let arity: Int
    /// The inputs' names ("x", "W", "b"), or x, y, z… when none were given.
    let inputNames: [String]
    private let function: ([Tensor]) throws -> Tensor
    private let vjp: ([Tensor], Tensor) throws -> [Tensor]
    private var inputs: [Tensor]?

    init(
        name: String, arity: Int, inputNames: [String] = [], function: @escaping ([Tensor]) throws -> Tensor,
        vjp: @escaping ([Tensor], Tensor) throws -> [Tensor]
    ) {
        kindName = name
        self.arity = arity
        self.inputNames = inputNames.count == arity ? inputNames : standardInputNames(count: arity)
        self.function = function
        self.vjp = vjp
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        guard inputs.count == arity else {
            throw .wrongInputCount(layer: kindName, expected: arity, actual: inputs.count)
        }
        let output = try wrapping { try function(inputs) }
        self.inputs = inputs
        return output
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        guard let inputs else { throw .backwardBeforeForward(layer: kindName) }
        return try wrapping { try vjp(inputs, upstream) }
    }

    private func wrapping<T>(_ body: () throws -> T) throws(LayerError) -> T {
        do { return try body() } catch let error as LayerError { throw error } catch {
            throw .wrapped(layer: kindName, message: "\(error)")
        }
    }
}

extension GradientCheck {
    /// Checks a function and its vector–Jacobian product at `inputs`, as PyTorch's
    /// `gradcheck(func, inputs)` does: L = Σ u ⊙ function(inputs) with a seeded random
    /// upstream u, the gradients vjp(inputs, u) against finite differences of L, the Taylor
    /// test and the invariants (forward deterministic, vjp linear in u, no state between calls…).
    ///
    /// ```swift
    /// let report = GradientCheck().run(
    ///     function: { x in x[0].map { sin(3 * $0) } },
    ///     vjp: { x, u in [x[0].zipMap(u) { 3 * cos(3 * $0) * $1 }] },
    ///     at: [x], name: "sin(3x)")
    /// ```
    ///
    /// `inputNames` name the inputs in reports ("input b", not "input z"); x, y, z… by default.
    /// `constantInputs` (indices) are data — ids, masks, targets: passed exactly, never perturbed
    /// or checked (the vjp still returns a gradient for each input; those are not read).
    ///
    /// Nothing the closures do can crash the check: a throw, a vjp returning the wrong number
    /// of gradients or one of the wrong shape, or an output whose shape changes, ends the check
    /// with a ``CheckProblem`` (verdict `.fail`).
    public func run(
        function: @escaping ([Tensor]) throws -> Tensor, vjp: @escaping ([Tensor], Tensor) throws -> [Tensor],
        at inputs: [Tensor], inputNames: [String] = [], constantInputs: Set<Int> = [], name: String = "function"
    ) -> CheckReport {
        var report = run(
            FunctionLayer(name: name, arity: inputs.count, inputNames: inputNames, function: function, vjp: vjp),
            inputs: inputs, constantInputs: constantInputs, name: name)
        report.contract = CheckReport.functionContract
        return report
    }
}
