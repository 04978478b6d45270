/// A differentiable operation from tensors to several tensors: an LSTM step's h and c,
/// attention's output and its weights.
///
/// `forward` returns the outputs in a fixed order; `backward(upstreams)` takes one upstream
/// gradient per output (∂L/∂yₖ, each of its output's shape) and returns ∂L/∂input for each
/// input, **adding** ∂L/∂θ into each parameter's gradient, as `Layer.backward` does. A checker
/// checks it with L = Σₖ ⟨uₖ, yₖ⟩, an independent random upstream per output.
public protocol MultiOutputLayer: AnyObject {
    var kindName: String { get }
    /// How many inputs `forward` takes.
    var arity: Int { get }
    func forward(_ inputs: [Tensor]) throws(LayerError) -> [Tensor]
    func backward(_ upstreams: [Tensor]) throws(LayerError) -> [Tensor]
    var parameters: [Parameter] { get }
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The inputs' names in order: `x`, `y`, `z`… by default.
    var inputNames: [String] { get }
    /// The outputs' names in order (an LSTM step: `h`, `c`); none declared: `y0`, `y1`…
    var outputNames: [String] { get }
}

extension MultiOutputLayer {
    public var arity: Int { 1 }
    public var parameters: [Parameter] { [] }
    public var namedParameters: [(name: String, parameter: Parameter)] { parameters.map { ($0.name, $0) } }
    public var inputNames: [String] { standardInputNames(count: arity) }
    public var outputNames: [String] { [] }

    /// The names of `count` outputs: the declared ones when there are that many, else y0, y1…
    public func outputNames(count: Int) -> [String] {
        outputNames.count == count ? outputNames : (0..<count).map { "y\($0)" }
    }
}
