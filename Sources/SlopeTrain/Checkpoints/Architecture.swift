import SlopeLayers

/// A network's shape as a checkpoint records it: each layer's kind, its configuration
/// and its parameter shapes, and the loss kind. Two networks with equal architectures
/// can exchange parameters.
public struct Architecture: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var kind: String
        /// Numbers that define the layer (`inFeatures`, `alpha`, `kernel` …); pairs are two numbers.
        public var config: [String: [Double]]
        /// Parameter shapes by the layer's own parameter names (`W`, `b`).
        public var parameters: [String: [Int]]
    }

    public var layers: [Entry]
    public var loss: String?

    /// Describes `network`.
    public init(_ network: Sequential) {
        layers = network.layers.map(Self.describe)
        loss = network.lossLayer?.kindName
    }

    /// The layer's kind name, its `ConfigurableLayer.config` as numbers (a flag is 1 or 0; a
    /// tensor, which is state like a fixed mask, is not recorded) and its parameter shapes.
    /// A layer that states no config records none.
    static func describe(_ layer: any Layer) -> Entry {
        var config: [String: [Double]] = [:]
        for (key, value) in (layer as? any ConfigurableLayer)?.config ?? [:] {
            switch value {
            case .number(let x): config[key] = [x]
            case .numbers(let xs): config[key] = xs
            case .flag(let b): config[key] = [b ? 1 : 0]
            case .tensor: continue
            }
        }
        var shapes: [String: [Int]] = [:]
        for parameter in layer.parameters { shapes[parameter.name] = parameter.value.shape }
        return Entry(kind: layer.kindName, config: config, parameters: shapes)
    }
}
