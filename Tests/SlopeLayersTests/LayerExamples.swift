@testable import SlopeLayers

/// What the registry and invariant tests add to each kind's shared example
/// (`LayerKind.example(seed:)`): inputs of a shape the layer must reject, and what the
/// error must say about them. The `switch` is exhaustive: a new kind must say.
extension LayerKind.Example {
    /// Inputs of a shape the layer must reject, or nil when every shape is valid.
    var wrongInputs: [Tensor]? { wrongShape?.inputs }

    /// Fragments the wrong-shape error must mention besides the kind name.
    var wrongShapeMentions: [String] { wrongShape?.mentions ?? [] }

    private var wrongShape: (inputs: [Tensor], mentions: [String])? {
        switch kind {
        case .mul, .add: ([.zeros([3, 4]), .zeros([4, 3])], ["[3, 4]", "[4, 3]"])
        case .affine: ([.zeros([4, 2])], ["[4, 2]", "[N, 5]"])
        case .relu, .sigmoid, .tanh, .leakyReLU, .dropout: nil
        case .softmax, .flatten: ([Tensor(scalar: 1)], ["[]"])
        case .softmaxWithLoss: ([.zeros([5, 4])], ["[5, 4]", "[4, 5]"])
        case .sigmoidBCE: ([.zeros([12])], ["[12]", "[4, 3]"])
        case .mse: ([.zeros([3, 3])], ["[3, 3]", "[4, 3]"])
        case .conv2D: ([.zeros([2, 3, 5, 5])], ["[2, 3, 5, 5]", "[N, 2, H, W]"])
        case .maxPool2D: ([.zeros([2, 4, 4])], ["[2, 4, 4]"])
        case .avgPool2D: ([.zeros([4, 4])], ["[4, 4]"])
        case .batchNorm: ([.zeros([5, 2])], ["[5, 2]", "[N, 4]"])
        }
    }
}

/// The example of a kind that is not a loss, failing the test (not skipping it) otherwise.
struct NotALayer: Error, CustomStringConvertible {
    var kind: LayerKind
    var description: String { "\(kind.rawValue) built as a loss, not a layer" }
}

extension LayerKind.Example {
    /// The example's layer; throws `NotALayer` for a loss, so a test over layers cannot pass
    /// by skipping its body.
    func layer(parameterSeed: UInt64? = nil) throws(NotALayer) -> any Layer {
        guard case .layer(let layer) = build(parameterSeed: parameterSeed) else { throw NotALayer(kind: kind) }
        return layer
    }
}
