/// A key of a built-in layer's config, spelled as fixtures, checkpoints and error messages
/// spell it. `LayerKind.configKeys` declares which keys each kind takes; the registry reads
/// only declared keys, and layers state their config with the same keys.
public enum ConfigKey: String, CaseIterable, Sendable {
    case inFeatures, outFeatures
    case alpha
    case inChannels, outChannels, kernel, stride, padding
    case features, epsilon, momentum, training
    case rate, seed, mask
}

/// A layer that states the config defining it, so a checkpoint (or anything else) can
/// record its architecture without knowing its concrete type.
///
/// The built-ins give what `LayerRegistry.build` reads back into an equal layer (parameter
/// values aside): sizes as `.number`, pairs (`kernel`, `stride`, `padding`) as two
/// `.numbers`, every default spelled out. Modes and random state — BatchNorm's `training`,
/// Dropout's `seed` or `mask` — are not part of it: they are set per run, and a checkpoint
/// made in training loads into a network in inference. A user's layer may use keys of its own.
public protocol ConfigurableLayer: Layer {
    var config: [String: ConfigValue] { get }
}

extension Dictionary where Key == String, Value == ConfigValue {
    /// A config from built-in keys: `.init(builtIn: [.kernel: .pair(kernel)])`.
    public init(builtIn pairs: KeyValuePairs<ConfigKey, ConfigValue>) {
        self.init(uniqueKeysWithValues: pairs.map { ($0.key.rawValue, $0.value) })
    }

    /// The value of a built-in key: `config[.stride] = .pair((2, 1))`.
    public subscript(key: ConfigKey) -> ConfigValue? {
        get { self[key.rawValue] }
        set { self[key.rawValue] = newValue }
    }
}

extension ConfigValue {
    /// A pair (`kernel`, `stride`, `padding`) as two numbers.
    public static func pair(_ p: (Int, Int)) -> ConfigValue { .numbers([Double(p.0), Double(p.1)]) }
}

extension Affine: ConfigurableLayer {
    public var config: [String: ConfigValue] {
        .init(builtIn: [.inFeatures: .number(Double(inFeatures)), .outFeatures: .number(Double(outFeatures))])
    }
}

extension LeakyReLU: ConfigurableLayer {
    public var config: [String: ConfigValue] { .init(builtIn: [.alpha: .number(alpha)]) }
}

extension Conv2D: ConfigurableLayer {
    public var config: [String: ConfigValue] {
        .init(builtIn: [
            .inChannels: .number(Double(inChannels)), .outChannels: .number(Double(outChannels)), .kernel: .pair(kernel),
            .stride: .pair(stride), .padding: .pair(padding),
        ])
    }
}

extension MaxPool2D: ConfigurableLayer {
    public var config: [String: ConfigValue] { .init(builtIn: [.kernel: .pair(kernel), .stride: .pair(stride)]) }
}

extension AvgPool2D: ConfigurableLayer {
    public var config: [String: ConfigValue] { .init(builtIn: [.kernel: .pair(kernel), .stride: .pair(stride)]) }
}

extension BatchNorm: ConfigurableLayer {
    public var config: [String: ConfigValue] {
        .init(builtIn: [.features: .number(Double(features)), .epsilon: .number(epsilon), .momentum: .number(momentum)])
    }
}

extension Dropout: ConfigurableLayer {
    public var config: [String: ConfigValue] { .init(builtIn: [.rate: .number(rate)]) }
}
