/// A named, trainable tensor and the gradient accumulated for it.
///
/// A reference type: the layer reads `value`, backward adds into `gradient`,
/// and an optimizer updates `value` in place — all through the same object.
public final class Parameter {
    public let name: String
    // Accessed without the run-time exclusivity check (here and in the layers' cached
    // tensors): a training step of the sine fit makes about fifty such accesses, and checking
    // them cost more than the step's arithmetic outside the kernels. Two accesses to one of
    // these never overlap in Slope's code; the check only guarded against that.
    @exclusivity(unchecked) public var value: Tensor
    @exclusivity(unchecked) public var gradient: Tensor

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
        self.gradient = .zeros(value.shape)
    }

    public func zeroGradient() {
        gradient.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Runs `body` on the value's elements, to change in place, and the gradient's, to read:
    /// an optimizer's step. (From another module, `value` and `gradient` are reached with the
    /// exclusivity check this module leaves out; through here they are not.)
    public func update(
        _ body: (_ value: UnsafeMutableBufferPointer<Double>, _ gradient: UnsafeBufferPointer<Double>) -> Void
    ) {
        // Both through in-place (mutating) accesses: a read access to a class's stored
        // property copies the array out (a retain and a release). The gradient is only read;
        // were it shared, copy-on-write would copy it first, unchanged.
        gradient.data.withUnsafeMutableBufferPointer { g in
            value.data.withUnsafeMutableBufferPointer { body($0, UnsafeBufferPointer(g)) }
        }
    }

    /// True when no gradient element is NaN or ±∞ (read in place, branch-free: x·0 is 0
    /// exactly for finite x).
    public var gradientIsFinite: Bool {
        gradient.data.withUnsafeMutableBufferPointer { g in
            var probe = 0.0
            for v in g { probe += v * 0 }
            return probe == 0
        }
    }

    /// ‖gradient‖₂, read in place (the same sum, in the same order, as `gradient.norm`).
    public var gradientNorm: Double {
        gradient.data.withUnsafeMutableBufferPointer { g in
            var total = 0.0
            for v in g { total += v * v }
            return total.squareRoot()
        }
    }

    /// Adds noise uniform in ±0.5 to every value: an example's biases and scales moved off
    /// their initial 0 and 1, so a backward that ignores them cannot pass by luck.
    public func moveOffInitialValues(using generator: inout SeededGenerator) {
        value = value + .uniform(value.shape, in: -0.5..<0.5, using: &generator)
    }
}

/// A differentiable operation from tensors to a tensor.
///
/// `forward` caches what backward needs; `backward(dout)` returns ∂L/∂input for each
/// input (same shapes as the inputs) given dout = ∂L/∂output, and **adds**
/// ∂L/∂θ into each parameter's gradient. Neither may modify its arguments or the
/// cached input.
///
/// ## Capabilities a layer may adopt
///
/// Beyond these requirements a layer may adopt any of eight optional protocols. Each one
/// answers a question that Slope's checker, networks, trainer or checkpoints ask of *every*
/// layer, built-in or yours, so adopting it is all a layer of yours needs to be treated
/// exactly as the built-ins are (the article "Capabilities a layer may adopt" in this
/// module's documentation shows each with a compiled example):
///
/// - `UnaryLayer` (SlopeLayers): one input; implement `forward(_:)` and `backwardInput(_:)`
///   on single tensors, and optionally `backwardParameters(_:)`, the training shortcut for a
///   network's first layer (checked against `backwardInput` by the invariant
///   "backwardParameters matches backwardInput").
/// - `DecisionLayer` (SlopeLayers): exposes the discrete decisions of its last forward pass
///   (a ReLU mask, an argmax), so a check recognises a finite difference that straddles a kink.
/// - `ModalLayer` (SlopeLayers): behaves differently while training (BatchNorm, Dropout);
///   `Sequential.setTraining(_:)` switches every one inside a network.
/// - `ResamplingLayer` (SlopeLayers): draws randomness once and keeps it until `resample()`,
///   which the trainer calls once per step, so a check's repeated passes see one function.
/// - `ConfigurableLayer` (SlopeLayers): states the config that defines it, so a checkpoint
///   records the architecture without knowing the concrete type.
/// - `FastPathLayer` (SlopeLayers): has more than one implementation (a C kernel, BLAS,
///   intrinsics), can be forced down each, and keeps a readable plain-Swift reference that
///   the check compares every path with.
/// - `DeclaresFootprints` (SlopeCheck): says which outputs each element of a tensor can
///   move, a hint for exhaustive checks by compression (proven before it is used).
/// - `GradientIdentities` (SlopeCheck; `LossIdentities` for a `LossLayer`): exact identities
///   of the gradient, checked beside the finite differences and reported by name.
///
/// A layer that adopts none of them is checked, trained and registered all the same.
public protocol Layer: AnyObject {
    /// The layer's kind name (the CLI and fixture vocabulary), e.g. `"Affine"`.
    var kindName: String { get }
    /// How many inputs `forward` takes.
    var arity: Int { get }
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor
    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor]
    /// The trainable parameters in a fixed order (never discovered by reflection).
    var parameters: [Parameter] { get }
    /// `parameters` with names unique within this layer, as reports print them: `W`, `b`;
    /// `0.Affine.W` inside a network. Defaults to each parameter's own name.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// The layers this one is made of (a network's layers, a graph's nodes), so a check can
    /// look inside (for decision layers); none by default.
    var sublayers: [any Layer] { get }
    /// The inputs' names in order: `x`, `y`, `z`, `input3`… by default, a graph's declared names.
    var inputNames: [String] { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var arity: Int { 1 }
    public var namedParameters: [(name: String, parameter: Parameter)] { parameters.map { ($0.name, $0) } }
    public var sublayers: [any Layer] { [] }
    public var inputNames: [String] { standardInputNames(count: arity) }

    /// Clears every parameter gradient.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The parameter called `name`, if any.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    /// Checks the number of inputs.
    func requireArity(_ inputs: [Tensor]) throws(LayerError) {
        guard inputs.count == arity else {
            throw .wrongInputCount(layer: kindName, expected: arity, actual: inputs.count)
        }
    }
}

/// `x`, `y`, `z`, then `input3`, `input4`…: the names of `count` inputs no layer named.
public func standardInputNames(count: Int) -> [String] {
    let names = ["x", "y", "z"]
    return (0..<count).map { $0 < names.count ? names[$0] : "input\($0)" }
}

/// A layer of one input: implement `forward(_:)`/`backward(_:)` on single tensors
/// and get the array-based `Layer` requirements for free.
public protocol UnaryLayer: Layer {
    func forward(_ x: Tensor) throws(LayerError) -> Tensor
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor
    /// The parameter half of `backwardInput`: adds ∂L/∂θ into every parameter's gradient
    /// exactly as `backwardInput` does, and may skip computing ∂L/∂x — for a network's
    /// first layer, whose input gradient nobody reads. Defaults to `backwardInput`.
    func backwardParameters(_ upstream: Tensor) throws(LayerError)
}

extension UnaryLayer {
    public func backwardParameters(_ upstream: Tensor) throws(LayerError) {
        _ = try backwardInput(upstream)
    }

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        try requireArity(inputs)
        return try forward(inputs[0])
    }

    public func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        [try backwardInput(upstream)]
    }
}

/// Layers whose output switches between pieces at discrete decisions (the ReLU
/// mask, the max-pool argmax). Checkers compare the decisions at x−h and x+h: a
/// flip means the finite difference straddles a kink.
public protocol DecisionLayer: Layer {
    /// The discrete decisions taken by the last forward pass, one number per decision.
    var decisions: [Int] { get }
}

/// A scalar loss of a prediction and a target.
///
/// `forward` returns the loss; `backward()` returns ∂loss/∂prediction.
public protocol LossLayer: AnyObject {
    var kindName: String { get }
    func forward(_ prediction: Tensor, _ target: Tensor) throws(LayerError) -> Double
    func backward() throws(LayerError) -> Tensor
}

/// Layers that behave differently while training (BatchNorm, Dropout).
public protocol ModalLayer: Layer {
    var isTraining: Bool { get set }
}

/// Layers that draw randomness once and keep it, so that repeated passes (a gradient check's)
/// see one function: a trainer calls `resample()` once per step (Dropout's mask).
public protocol ResamplingLayer: Layer {
    func resample()
}

extension Layer {
    /// This layer and every layer inside it (through `sublayers`), depth first.
    public var allLayers: [any Layer] { [self] + sublayers.flatMap(\.allLayers) }
}
