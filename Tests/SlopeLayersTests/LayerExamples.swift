@testable import SlopeLayers

/// A small valid config and concrete inputs for every layer kind, used by the
/// registry and invariant tests. The `switch` is exhaustive: a new `LayerKind`
/// without an example here does not compile.
struct LayerExample {
    let kind: LayerKind
    let config: [String: ConfigValue]
    /// The tensor inputs (a loss's prediction is its one input).
    let inputs: [Tensor]
    /// A loss's target (nil for other layers).
    let target: Tensor?
    /// Inputs of a shape the layer must reject, or nil when every shape is valid.
    let wrongInputs: [Tensor]?
    /// Fragments the wrong-shape error must mention besides the kind name.
    let wrongShapeMentions: [String]

    init(_ kind: LayerKind, seed: UInt64 = 17) {
        var g = SeededGenerator(seed: seed)
        func random(_ shape: [Int]) -> Tensor { .uniform(shape, in: -2..<2, using: &g) }
        self.kind = kind
        var config: [String: ConfigValue] = [:]
        var target: Tensor? = nil
        let inputs: [Tensor]
        var wrong: [Tensor]? = nil
        var mentions: [String] = []
        switch kind {
        case .mul, .add:
            inputs = [random([2, 3]), random([2, 3])]
            wrong = [.zeros([2, 3]), .zeros([3, 2])]
            mentions = ["[2, 3]", "[3, 2]"]
        case .affine:
            config = ["inFeatures": .number(3), "outFeatures": .number(2)]
            inputs = [random([4, 3])]
            wrong = [.zeros([4, 5])]
            mentions = ["[4, 5]", "[N, 3]"]
        case .relu, .sigmoid, .tanh:
            inputs = [random([2, 3])]
        case .leakyReLU:
            config = ["alpha": .number(0.2)]
            inputs = [random([2, 3])]
        case .softmax:
            inputs = [random([2, 3])]
            wrong = [Tensor(scalar: 1)]
            mentions = ["[]"]
        case .softmaxWithLoss:
            inputs = [random([2, 3])]
            target = tensor([2, 3], [0, 1, 0, 1, 0, 0])
            wrong = [.zeros([3, 2])]
            mentions = ["[3, 2]", "[2, 3]"]
        case .sigmoidBCE:
            inputs = [random([2, 3])]
            target = tensor([2, 3], [0, 1, 0.25, 1, 0, 0.5])
            wrong = [.zeros([6])]
            mentions = ["[6]", "[2, 3]"]
        case .mse:
            inputs = [random([2, 3])]
            target = random([2, 3])
            wrong = [.zeros([3, 3])]
            mentions = ["[3, 3]", "[2, 3]"]
        case .conv2D:
            config = [
                "inChannels": .number(2), "outChannels": .number(3), "kernel": .numbers([3, 3]),
                "stride": .numbers([2, 2]), "padding": .numbers([1, 1]),
            ]
            inputs = [random([2, 2, 5, 5])]
            wrong = [.zeros([2, 3, 5, 5])]
            mentions = ["[2, 3, 5, 5]", "[N, 2, H, W]"]
        case .maxPool2D:
            config = ["kernel": .number(2), "stride": .number(1)]
            inputs = [random([2, 2, 4, 4])]
            wrong = [.zeros([2, 4, 4])]
            mentions = ["[2, 4, 4]"]
        case .avgPool2D:
            config = ["kernel": .numbers([2, 2])]
            inputs = [random([2, 2, 4, 4])]
            wrong = [.zeros([4, 4])]
            mentions = ["[4, 4]"]
        case .batchNorm:
            config = ["features": .number(3)]
            inputs = [random([4, 3])]
            wrong = [.zeros([4, 2])]
            mentions = ["[4, 2]", "[N, 3]"]
        case .dropout:
            config = ["rate": .number(0.3), "seed": .number(5)]
            inputs = [random([3, 4])]
        case .flatten:
            inputs = [random([2, 3, 2])]
            wrong = [Tensor(scalar: 1)]
            mentions = ["[]"]
        }
        self.config = config
        self.inputs = inputs
        self.target = target
        self.wrongInputs = wrong
        self.wrongShapeMentions = mentions
    }

    /// The layer or loss, built from the registry with a fixed seed.
    func build(seed: UInt64 = 1) throws -> BuiltLayer {
        var generator = SeededGenerator(seed: seed)
        return try LayerRegistry.build(kind, config: config, using: &generator)
    }
}
