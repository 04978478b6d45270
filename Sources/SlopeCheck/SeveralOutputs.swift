import SlopeLayers

/// A layer of several outputs seen as a layer of one: the outputs flattened and laid end to end.
/// A flat upstream of independent uniform values is then an independent upstream per output, and
/// L = ⟨u, y⟩ = Σₖ ⟨uₖ, yₖ⟩. `only` keeps one output's upstream and zeroes the others', to find
/// through which output a wrong gradient flows.
final class StackedOutputs: Layer {
    let inner: any MultiOutputLayer
    let only: Int?
    private(set) var shapes: [[Int]] = []

    init(_ inner: any MultiOutputLayer, only: Int? = nil) {
        self.inner = inner
        self.only = only
    }

    var kindName: String { inner.kindName }
    var arity: Int { inner.arity }
    var parameters: [Parameter] { inner.parameters }
    var namedParameters: [(name: String, parameter: Parameter)] { inner.namedParameters }
    var inputNames: [String] { inner.inputNames }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        let outputs = try inner.forward(inputs)
        shapes = outputs.map(\.shape)
        var data: [Double] = []
        for (k, y) in outputs.enumerated() where only == nil || only == k { data += y.data }
        return Tensor(shape: [data.count], data: data)
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        var offset = 0
        var upstreams: [Tensor] = []
        for (k, shape) in shapes.enumerated() {
            let count = Tensor.count(of: shape)
            if only == nil || only == k {
                upstreams.append(Tensor(shape: shape, data: Array(upstream.data[offset..<(offset + count)])))
                offset += count
            } else {
                upstreams.append(.zeros(shape))
            }
        }
        return try inner.backward(upstreams)
    }
}

extension GradientCheck {
    /// Checks a layer of several outputs: L = Σₖ ⟨uₖ, yₖ⟩ with an independent random upstream
    /// per output. When the check fails, each output's upstream is checked alone, and the report
    /// names the outputs through which the wrong gradient flows (``CheckReport/outputsCarryingError``).
    public func run(
        _ layer: any MultiOutputLayer, inputs: [Tensor], constantInputs: Set<Int> = [], name: String? = nil
    ) -> CheckReport {
        let stacked = StackedOutputs(layer)
        var report = run(stacked, inputs: inputs, constantInputs: constantInputs, name: name ?? layer.kindName)
        let names = layer.outputNames(count: stacked.shapes.count)
        report.outputs = names
        guard report.verdict == .fail, report.problem == nil, names.count > 1 else { return report }
        var alone = self
        alone.checkInvariants = false
        report.outputsCarryingError = names.indices.filter { k in
            alone.run(StackedOutputs(layer, only: k), inputs: inputs, constantInputs: constantInputs, name: names[k])
                .verdict == .fail
        }.map { names[$0] }
        return report
    }

    /// Checks a function of several outputs and its vjp (one upstream per output in, one
    /// gradient per input out), as `run(_:inputs:constantInputs:name:)` checks a `MultiOutputLayer` of
    /// several outputs.
    public func run(
        outputs function: @escaping ([Tensor]) throws -> [Tensor], vjp: @escaping ([Tensor], [Tensor]) throws -> [Tensor],
        at inputs: [Tensor], inputNames: [String] = [], outputNames: [String] = [], constantInputs: Set<Int> = [],
        name: String = "function"
    ) -> CheckReport {
        var report = run(
            FunctionOfSeveralOutputs(
                name: name, arity: inputs.count, inputNames: inputNames, outputNames: outputNames, function: function,
                vjp: vjp),
            inputs: inputs, constantInputs: constantInputs, name: name)
        report.contract = CheckReport.functionContract
        return report
    }
}

/// Closures of several outputs as a layer of several outputs (see ``FunctionLayer``).
final class FunctionOfSeveralOutputs: MultiOutputLayer {
    let kindName: String
    let arity: Int
    let inputNames: [String]
    let outputNames: [String]
    private let function: ([Tensor]) throws -> [Tensor]
    private let vjp: ([Tensor], [Tensor]) throws -> [Tensor]
    private var inputs: [Tensor]?

    init(
        name: String, arity: Int, inputNames: [String], outputNames: [String],
        function: @escaping ([Tensor]) throws -> [Tensor], vjp: @escaping ([Tensor], [Tensor]) throws -> [Tensor]
    ) {
        kindName = name
        self.arity = arity
        self.inputNames = inputNames.count == arity ? inputNames : standardInputNames(count: arity)
        self.outputNames = outputNames
        self.function = function
        self.vjp = vjp
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> [Tensor] {
        guard inputs.count == arity else { throw .wrongInputCount(layer: kindName, expected: arity, actual: inputs.count) }
        let outputs = try wrapping { try function(inputs) }
        self.inputs = inputs
        return outputs
    }

    func backward(_ upstreams: [Tensor]) throws(LayerError) -> [Tensor] {
        guard let inputs else { throw .backwardBeforeForward(layer: kindName) }
        return try wrapping { try vjp(inputs, upstreams) }
    }

    private func wrapping<T>(_ body: () throws -> T) throws(LayerError) -> T {
        do { return try body() } catch let error as LayerError { throw error } catch {
            throw .wrapped(layer: kindName, message: "\(error)")
        }
    }
}
