/// Every layer kind Slope ships, by the name the CLI, the fixtures and the README use.
///
/// Adding a case here without teaching the registry, the examples and the checks
/// about it is a compile error (every `switch` over it is exhaustive).
public enum LayerKind: String, CaseIterable, Sendable, Codable {
    case mul = "Mul"
    case add = "Add"
    case affine = "Affine"
    case relu = "ReLU"
    case leakyReLU = "LeakyReLU"
    case sigmoid = "Sigmoid"
    case tanh = "Tanh"
    case softmax = "Softmax"
    case softmaxWithLoss = "SoftmaxWithLoss"
    case sigmoidBCE = "SigmoidBCE"
    case mse = "MSE"
    case conv2D = "Conv2D"
    case maxPool2D = "MaxPool2D"
    case avgPool2D = "AvgPool2D"
    case batchNorm = "BatchNorm"
    case dropout = "Dropout"
    case flatten = "Flatten"

    /// Loss layers take a prediction and a target and return a scalar.
    public var isLoss: Bool {
        switch self {
        case .softmaxWithLoss, .sigmoidBCE, .mse: true
        default: false
        }
    }

    /// The number of tensor inputs (a loss's prediction counts as one; targets are separate).
    public var arity: Int {
        switch self {
        case .mul, .add: 2
        default: 1
        }
    }

    /// The config keys the registry accepts, and which of them are required: the one list
    /// behind "unknown config key" errors, the registry's reads (it reads no other key) and
    /// the layers' own `config`.
    public var configKeys: (required: [ConfigKey], optional: [ConfigKey]) {
        switch self {
        case .affine: ([.inFeatures, .outFeatures], [])
        case .leakyReLU: ([], [.alpha])
        case .conv2D: ([.inChannels, .outChannels, .kernel], [.stride, .padding])
        case .maxPool2D, .avgPool2D: ([.kernel], [.stride])
        case .batchNorm: ([.features], [.epsilon, .momentum, .training])
        case .dropout: ([.rate], [.seed, .mask])
        case .mul, .add, .relu, .sigmoid, .tanh, .softmax, .softmaxWithLoss, .sigmoidBCE, .mse, .flatten:
            ([], [])
        }
    }

    /// Names of the parameters, in the layer's fixed order.
    public var parameterNames: [String] {
        switch self {
        case .affine, .conv2D: ["W", "b"]
        case .batchNorm: ["gamma", "beta"]
        default: []
        }
    }

    /// Formula and shapes in one line, for `slope verify --list` and the README.
    public var summary: String {
        switch self {
        case .mul: "z = x ⊙ y (two inputs, equal shapes or a scalar)"
        case .add: "z = x + y (two inputs, equal shapes or a scalar)"
        case .affine: "y = x·W + b; x [N,in], W [in,out], b [out]"
        case .relu: "y = max(0, x)"
        case .leakyReLU: "y = x if x > 0 else α·x"
        case .sigmoid: "y = 1/(1 + e^−x)"
        case .tanh: "y = tanh x"
        case .softmax: "y = exp(x − max)/Σ exp(x − max) over the last axis"
        case .softmaxWithLoss: "L = −(1/N) Σ t·log softmax(x); x, t [N,C]"
        case .sigmoidBCE: "L = mean(max(x,0) − x·t + log(1 + e^−|x|))"
        case .mse: "L = mean((y − t)²)"
        case .conv2D: "y = W ⋆ x + b; x [N,C,H,W], W [O,C,kh,kw], stride, zero padding"
        case .maxPool2D: "y = max over kh×kw windows; x [N,C,H,W]"
        case .avgPool2D: "y = mean over kh×kw windows; x [N,C,H,W]"
        case .batchNorm: "y = γ·(x − μ)/√(σ² + ε) + β; x [N,F]"
        case .dropout: "y = x ⊙ m/(1 − p), m a seeded 0/1 mask"
        case .flatten: "[N, d1, …, dk] → [N, d1·…·dk]"
        }
    }
}
