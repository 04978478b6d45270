/// A computation graph: layers whose outputs feed other layers.
///
/// Build it in order — inputs first, then each node from values that already exist —
/// so the order of construction is a topological order. Forward runs it front to back;
/// backward runs it back to front and **sums** the gradients of a value used twice
/// (x·x gets 2x). A graph is itself a `Layer` whose inputs are its `input(_:)` values in
/// the order they were declared, so a whole graph can be gradient-checked.
///
/// ```swift
/// let g = Graph()
/// let a = g.input("a"), b = g.input("b"), c = g.input("c")
/// let u = g.apply(Mul(), b, c)            // u = b·c
/// let v = g.apply(Add(), a, u)            // v = a + u
/// g.output = g.apply(Mul(), g.constant(Tensor(scalar: 3)), v)   // J = 3v
/// ```
public final class Graph: Layer {
    /// A value in the graph: an input, a constant, or a node's output.
    public struct Value: Hashable, Sendable {
        public let id: Int
    }

    private enum Source {
        case input(name: String)
        case constant(Tensor)
        case node(any Layer, [Value])
    }

    public let kindName = "Graph"
    private var sources: [Source] = []
    private var inputOrder: [Value] = []
    private var values: [Tensor?] = []
    /// The value forward returns (the last node by default).
    public var output: Value?

    public init() {}

    public var arity: Int { inputOrder.count }
    public var inputNames: [String] {
        inputOrder.map { if case .input(let name) = sources[$0.id] { name } else { "" } }
    }

    /// Declares an input; inputs are passed to `forward` in declaration order.
    public func input(_ name: String) -> Value {
        let value = Value(id: sources.count)
        sources.append(.input(name: name))
        inputOrder.append(value)
        return value
    }

    /// A fixed tensor (no gradient is returned for it).
    public func constant(_ tensor: Tensor) -> Value {
        sources.append(.constant(tensor))
        return Value(id: sources.count - 1)
    }

    /// Adds a node applying `layer` to earlier values. Each node needs its own layer
    /// object: a layer caches its last forward, so one object cannot serve two nodes.
    @discardableResult
    public func apply(_ layer: any Layer, _ arguments: Value...) -> Value {
        precondition(arguments.allSatisfy { $0.id < sources.count }, "a node may only use earlier values")
        precondition(
            !sources.contains { if case .node(let l, _) = $0 { l === layer } else { false } },
            "layer \(layer.kindName) is already a node of this graph; give each node its own layer")
        sources.append(.node(layer, arguments))
        return Value(id: sources.count - 1)
    }

    public var parameters: [Parameter] {
        layers.flatMap(\.parameters)
    }

    /// `2.Affine.W`: the node's index among the graph's layers, its kind, the parameter.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, node in
            node.parameters.map { ("\(index).\(node.kindName).\($0.name)", $0) }
        }
    }

    public var sublayers: [any Layer] { layers }

    /// The layers in the graph, in topological order.
    public var layers: [any Layer] {
        sources.compactMap { if case .node(let layer, _) = $0 { layer } else { nil } }
    }

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        try requireArity(inputs)
        guard !sources.isEmpty else {
            throw .shapeMismatch(layer: kindName, expected: "at least one value in the graph", actual: [])
        }
        values = Array(repeating: nil, count: sources.count)
        for (value, tensor) in zip(inputOrder, inputs) { values[value.id] = tensor }
        for (id, source) in sources.enumerated() {
            switch source {
            case .input: break
            case .constant(let tensor): values[id] = tensor
            case .node(let layer, let arguments):
                values[id] = try layer.forward(arguments.map { values[$0.id]! })
            }
        }
        return values[resultID]!
    }

    /// Forward with inputs by name.
    public func forward(_ inputs: [String: Tensor]) throws(LayerError) -> Tensor {
        var ordered: [Tensor] = []
        for name in inputNames {
            guard let tensor = inputs[name] else { throw .missingConfig(layer: kindName, key: name) }
            ordered.append(tensor)
        }
        return try forward(ordered)
    }

    public func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        guard values.count == sources.count, let result = values[resultID] else {
            throw .backwardBeforeForward(layer: kindName)
        }
        try requireUpstream(upstream, matches: result.shape)
        var gradients = [Tensor?](repeating: nil, count: sources.count)
        gradients[resultID] = upstream
        for id in stride(from: resultID, through: 0, by: -1) {
            guard case .node(let layer, let arguments) = sources[id], let g = gradients[id] else { continue }
            let inputGradients = try layer.backward(g)
            for (argument, gradient) in zip(arguments, inputGradients) {
                if gradients[argument.id] == nil {
                    gradients[argument.id] = gradient
                } else {
                    gradients[argument.id]!.add(gradient)
                }
            }
        }
        return inputOrder.map { gradients[$0.id] ?? .zeros(values[$0.id]!.shape) }
    }

    /// Backward with the input gradients by name.
    public func gradients(_ upstream: Tensor) throws(LayerError) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: zip(inputNames, try backward(upstream)))
    }

    private var resultID: Int { output?.id ?? (sources.count - 1) }
}
