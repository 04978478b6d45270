import SlopeLayers

/// A layer seen with some of its inputs held constant: token ids, masks, targets, indices —
/// any input that is data, not a variable. The check sees only the other inputs: a constant is
/// never perturbed (not even by the invariants), its gradient is neither asked for nor judged,
/// and its values reach the layer exactly as given, every call. Reports name it as constant.
///
/// Everything else passes through: the parameters, the decisions (through `sublayers`), the
/// input names.
final class WithConstantInputs: Layer {
    let inner: any Layer
    /// The constant inputs' values, by their index among all the layer's inputs.
    let constants: [Int: Tensor]
    let total: Int

    init(_ inner: any Layer, constants: [Int: Tensor], total: Int) {
        self.inner = inner
        self.constants = constants
        self.total = total
    }

    var kindName: String { inner.kindName }
    var arity: Int { total - constants.count }
    var parameters: [Parameter] { inner.parameters }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    var sublayers: [any Layer] { [inner] }

    /// The names of every input (the layer's own, or x, y, z…).
    var allInputNames: [String] { SlopeCheck.inputNames(of: inner, count: total) }
    var inputNames: [String] { allInputNames.enumerated().filter { constants[$0.offset] == nil }.map(\.element) }
    var constantNames: [String] { allInputNames.enumerated().filter { constants[$0.offset] != nil }.map(\.element) }

    /// All inputs, the constants in their places.
    func merged(_ variables: [Tensor]) -> [Tensor] {
        var remaining = variables.makeIterator()
        return (0..<total).map { constants[$0] ?? remaining.next() ?? Tensor.zeros([0]) }
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        guard inputs.count == arity else { throw .wrongInputCount(layer: kindName, expected: arity, actual: inputs.count) }
        return try inner.forward(merged(inputs))
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let all = try inner.backward(upstream)
        guard all.count == total else {
            throw .brokenContract(
                layer: kindName,
                detail:
                    "backward returned \(all.count) gradient\(all.count == 1 ? "" : "s") for \(total) inputs (counting the constant ones)"
            )
        }
        return all.enumerated().filter { constants[$0.offset] == nil }.map(\.element)
    }
}

extension WithConstantInputs {
    /// `layer` with `constantInputs` of `inputs` held, and the inputs left to vary.
    static func holding(_ constantInputs: Set<Int>, of layer: any Layer, inputs: [Tensor]) -> (any Layer, [Tensor]) {
        let valid = constantInputs.filter { inputs.indices.contains($0) }
        guard !valid.isEmpty else { return (layer, inputs) }
        let wrapped = WithConstantInputs(
            layer, constants: Dictionary(uniqueKeysWithValues: valid.map { ($0, inputs[$0]) }), total: inputs.count)
        return (wrapped, inputs.enumerated().filter { !valid.contains($0.offset) }.map(\.element))
    }
}

extension GradientCheck {
    /// The layer with the inputs at `constantInputs` (indices) held constant, and the inputs
    /// it still takes; a problem when an index names no input.
    func holdingConstant(
        _ constantInputs: Set<Int>, of layer: any Layer, inputs: [Tensor]
    ) -> Result<(any Layer, [Tensor]), CheckProblem> {
        let valid = constantInputs.filter { inputs.indices.contains($0) }
        guard valid.count == constantInputs.count else {
            return .failure(
                .threw(
                    stage: "the check",
                    message:
                        "constant input indices \(constantInputs.sorted()) for \(inputs.count) input\(inputs.count == 1 ? "" : "s")"
                ))
        }
        let wrapped = WithConstantInputs(
            layer, constants: Dictionary(uniqueKeysWithValues: valid.map { ($0, inputs[$0]) }), total: inputs.count)
        return .success((wrapped, inputs.enumerated().filter { !valid.contains($0.offset) }.map(\.element)))
    }
}
