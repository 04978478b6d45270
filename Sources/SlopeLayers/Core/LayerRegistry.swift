/// A value in a layer's config: a number, a list of numbers (kernel `[3, 3]`), a flag or a tensor.
public enum ConfigValue: Sendable, Equatable {
    case number(Double)
    case numbers([Double])
    case flag(Bool)
    case tensor(Tensor)
}

/// A layer built from a kind name: an operation, or a loss.
public enum BuiltLayer {
    case layer(any Layer)
    case loss(any LossLayer)
    /// A layer of several outputs (its fixtures hold one output and one upstream each).
    case multiOutput(any MultiOutputLayer)

    /// All parameters (a loss has none).
    public var parameters: [Parameter] {
        switch self {
        case .layer(let layer): layer.parameters
        case .loss: []
        case .multiOutput(let layer): layer.parameters
        }
    }
}

/// Builds layers from a kind and a config dictionary (the fixture `config` object).
///
/// Unknown kinds, unknown or missing keys, non-integer or non-positive sizes are
/// thrown as `LayerError`s that name the layer and the key.
public enum LayerRegistry {
    /// Builds a layer. Parameters start from `generator` (fixtures then overwrite them).
    public static func build(
        _ kind: LayerKind, config: [String: ConfigValue] = [:], using generator: inout SeededGenerator
    ) throws(LayerError) -> BuiltLayer {
        let reader = ConfigReader(kind: kind, config: config)
        try reader.rejectUnknownKeys()
        try reader.rejectOversizedParameters()
        switch kind {
        case .mul: return .layer(Mul())
        case .add: return .layer(Add())
        case .affine:
            return .layer(
                Affine(
                    inFeatures: try reader.size(.inFeatures), outFeatures: try reader.size(.outFeatures),
                    using: &generator))
        case .relu: return .layer(ReLU())
        case .leakyReLU: return .layer(LeakyReLU(alpha: try reader.number(.alpha, default: 0.01)))
        case .sigmoid: return .layer(Sigmoid())
        case .tanh: return .layer(Tanh())
        case .softmax: return .layer(Softmax())
        case .softmaxWithLoss: return .loss(SoftmaxWithLoss())
        case .sigmoidBCE: return .loss(SigmoidBCE())
        case .mse: return .loss(MSE())
        case .conv2D:
            return .layer(
                Conv2D(
                    inChannels: try reader.size(.inChannels), outChannels: try reader.size(.outChannels),
                    kernel: try reader.pair(.kernel), stride: try reader.pair(.stride, default: (1, 1)),
                    padding: try reader.pair(.padding, default: (0, 0), allowZero: true), using: &generator))
        case .maxPool2D:
            let kernel = try reader.pair(.kernel)
            return .layer(MaxPool2D(kernel: kernel, stride: try reader.pair(.stride, default: kernel)))
        case .avgPool2D:
            let kernel = try reader.pair(.kernel)
            return .layer(AvgPool2D(kernel: kernel, stride: try reader.pair(.stride, default: kernel)))
        case .batchNorm:
            let epsilon = try reader.number(.epsilon, default: 1e-5)
            guard epsilon > 0 else {
                throw .invalidConfig(layer: kind.rawValue, key: "epsilon", reason: "must be positive, got \(epsilon)")
            }
            let momentum = try reader.number(.momentum, default: 0.9)
            guard (0...1).contains(momentum) else {
                throw .invalidConfig(layer: kind.rawValue, key: "momentum", reason: "must be in [0, 1], got \(momentum)")
            }
            let layer = BatchNorm(features: try reader.size(.features), epsilon: epsilon, momentum: momentum)
            layer.isTraining = try reader.flag(.training, default: true)
            return .layer(layer)
        case .dropout:
            let rate = try reader.number(.rate, default: 0.5)
            guard rate >= 0 && rate < 1 else {
                throw .invalidConfig(layer: kind.rawValue, key: "rate", reason: "must be in [0, 1), got \(rate)")
            }
            if let value = reader.declared(.mask) {
                guard case .tensor(let mask) = value else {
                    throw .invalidConfig(layer: kind.rawValue, key: "mask", reason: "must be a tensor of 0s and 1s")
                }
                guard mask.data.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                    throw .invalidConfig(layer: kind.rawValue, key: "mask", reason: "must hold only 0 and 1")
                }
                return .layer(Dropout(rate: rate, mask: mask))
            }
            return .layer(Dropout(rate: rate, seed: UInt64(try reader.count(.seed, default: 0))))
        case .flatten: return .layer(Flatten())
        }
    }

    /// Builds a layer from its kind name (as typed on a command line or read from a file).
    public static func build(
        kindNamed name: String, config: [String: ConfigValue] = [:], using generator: inout SeededGenerator
    ) throws(LayerError) -> BuiltLayer {
        guard let kind = LayerKind(rawValue: name) else {
            throw .unknownKind(name, known: LayerKind.allCases.map(\.rawValue))
        }
        return try build(kind, config: config, using: &generator)
    }
}

/// Reads typed values out of a config dictionary with errors that name the key.
struct ConfigReader {
    let kind: LayerKind
    let config: [String: ConfigValue]
    var layer: String { kind.rawValue }

    func rejectUnknownKeys() throws(LayerError) {
        let keys = kind.configKeys
        let allowed = (keys.required + keys.optional).map(\.rawValue)
        let unknown = config.keys.filter { !allowed.contains($0) }.sorted()
        if !unknown.isEmpty { throw .unknownConfigKeys(layer: layer, keys: unknown, allowed: allowed) }
        for key in keys.required where config[key.rawValue] == nil { throw .missingConfig(layer: layer, key: key.rawValue) }
    }

    /// The value of a declared key: reading a key `configKeys` does not declare is a
    /// programmer error (the declaration and the parser would disagree).
    func declared(_ key: ConfigKey) -> ConfigValue? {
        let keys = kind.configKeys
        precondition((keys.required + keys.optional).contains(key), "\(layer) reads undeclared config key \(key.rawValue)")
        return config[key]
    }

    func number(_ key: ConfigKey, default value: Double) throws(LayerError) -> Double {
        switch declared(key) {
        case nil: return value
        case .number(let x)?:
            guard x.isFinite else { throw .invalidConfig(layer: layer, key: key.rawValue, reason: "must be finite, got \(x)") }
            return x
        case .numbers(let xs)? where xs.count == 1:
            guard xs[0].isFinite else {
                throw .invalidConfig(layer: layer, key: key.rawValue, reason: "must be finite, got \(xs[0])")
            }
            return xs[0]
        default: throw .invalidConfig(layer: layer, key: key.rawValue, reason: "must be a number")
        }
    }

    func flag(_ key: ConfigKey, default value: Bool) throws(LayerError) -> Bool {
        switch declared(key) {
        case nil: return value
        case .flag(let b)?: return b
        default: throw .invalidConfig(layer: layer, key: key.rawValue, reason: "must be true or false")
        }
    }

    /// Refuses parameter tensors above `Tensor.maximumElementCount` before allocating them.
    func rejectOversizedParameters() throws(LayerError) {
        let elements: Double
        switch kind {
        case .affine:
            elements = (try? number(.inFeatures, default: 0)).map { $0 * ((try? number(.outFeatures, default: 0)) ?? 0) } ?? 0
        case .conv2D:
            var kernelSize = 1.0
            switch declared(.kernel) {
            case .number(let k)?: kernelSize = k * k
            case .numbers(let ks)? where ks.count == 2: kernelSize = ks[0] * ks[1]
            default: break
            }
            elements =
                ((try? number(.inChannels, default: 0)) ?? 0) * ((try? number(.outChannels, default: 0)) ?? 0) * kernelSize
        default: return
        }
        if elements > Double(Tensor.maximumElementCount) {
            throw .invalidConfig(
                layer: layer, key: kind == .affine ? "inFeatures × outFeatures" : "inChannels × outChannels × kernel",
                reason:
                    "asks for a weight of \(formatNumber(elements)) elements, above the limit of \(Tensor.maximumElementCount) (1 GiB of doubles)"
            )
        }
    }

    /// A non-negative integer.
    func count(_ key: ConfigKey, default value: Int) throws(LayerError) -> Int {
        guard declared(key) != nil else { return value }
        let x = try number(key, default: 0)
        guard x >= 0, x == x.rounded(), x < 1e15 else {
            throw .invalidConfig(
                layer: layer, key: key.rawValue, reason: "must be a non-negative integer, got \(formatNumber(x))")
        }
        return Int(x)
    }

    /// A positive integer size.
    func size(_ key: ConfigKey) throws(LayerError) -> Int {
        guard declared(key) != nil else { throw .missingConfig(layer: layer, key: key.rawValue) }
        let x = try number(key, default: 0)
        guard x >= 1, x == x.rounded(), x <= 1e7 else {
            throw .invalidConfig(
                layer: layer, key: key.rawValue, reason: "must be a positive integer (at most 10⁷), got \(formatNumber(x))")
        }
        return Int(x)
    }

    /// A pair of integers given as `n` or `[a, b]` (positive, or non-negative when `allowZero`).
    func pair(_ key: ConfigKey, default value: (Int, Int)? = nil, allowZero: Bool = false) throws(LayerError) -> (Int, Int) {
        let values: [Double]
        switch declared(key) {
        case nil:
            guard let value else { throw .missingConfig(layer: layer, key: key.rawValue) }
            return value
        case .number(let x)?: values = [x, x]
        case .numbers(let xs)? where xs.count == 2: values = xs
        default: throw .invalidConfig(layer: layer, key: key.rawValue, reason: "must be an integer or a pair [a, b]")
        }
        let low: Double = allowZero ? 0 : 1
        for x in values where !(x >= low && x == x.rounded() && x <= 1e7) {
            throw .invalidConfig(
                layer: layer, key: key.rawValue,
                reason: "must hold \(allowZero ? "non-negative" : "positive") integers, got \(formatNumber(x))")
        }
        return (Int(values[0]), Int(values[1]))
    }
}
