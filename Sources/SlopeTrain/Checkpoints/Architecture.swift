import SlopeLayers

/// A network's shape as a checkpoint records it: each layer's kind, its configuration
/// and its parameter shapes, and the loss kind. Two networks with equal architectures
/// can exchange parameters.
public struct Architecture: Codable, Equatable, Sendable {
    public struct Layer: Codable, Equatable, Sendable {
        public var kind: String
        /// Numbers that define the layer (`inFeatures`, `alpha`, `kernel` …); pairs are two numbers.
        public var config: [String: [Double]]
        /// Parameter shapes by the layer's own parameter names (`W`, `b`).
        public var parameters: [String: [Int]]
    }

    public var layers: [Layer]
    public var loss: String?

    /// Describes `network`.
    public init(_ network: Sequential) {
        layers = network.layers.map(Self.describe)
        loss = network.lossLayer?.kindName
    }

    static func describe(_ layer: any SlopeLayers.Layer) -> Layer {
        var config: [String: [Double]] = [:]
        switch layer {
        case let affine as Affine:
            config = ["inFeatures": [Double(affine.inFeatures)], "outFeatures": [Double(affine.outFeatures)]]
        case let leaky as LeakyReLU:
            config = ["alpha": [leaky.alpha]]
        case let dropout as Dropout:
            config = ["rate": [dropout.rate]]
        case let norm as BatchNorm:
            config = ["features": [Double(norm.features)], "epsilon": [norm.epsilon], "momentum": [norm.momentum]]
        case let conv as Conv2D:
            config = [
                "inChannels": [Double(conv.inChannels)], "outChannels": [Double(conv.outChannels)],
                "kernel": [Double(conv.kernel.0), Double(conv.kernel.1)],
                "stride": [Double(conv.stride.0), Double(conv.stride.1)],
                "padding": [Double(conv.padding.0), Double(conv.padding.1)],
            ]
        case let pool as MaxPool2D:
            config = [
                "kernel": [Double(pool.kernel.0), Double(pool.kernel.1)],
                "stride": [Double(pool.stride.0), Double(pool.stride.1)],
            ]
        case let pool as AvgPool2D:
            config = [
                "kernel": [Double(pool.kernel.0), Double(pool.kernel.1)],
                "stride": [Double(pool.stride.0), Double(pool.stride.1)],
            ]
        case let scale as Scale:
            config = scale.buggyGradient ? ["buggyGradient": [1]] : [:]
        default:
            break
        }
        var shapes: [String: [Int]] = [:]
        for parameter in layer.parameters { shapes[parameter.name] = parameter.value.shape }
        return Layer(kind: layer.kindName, config: config, parameters: shapes)
    }
}
