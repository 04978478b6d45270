import SlopeLayers

/// A layer of each kind at a small default size, with seeded inputs: what `slope verify`
/// checks when given no network of the user's, and what the demo shows.
///
/// Inputs are uniform in [−2, 2); the sizes keep an exhaustive check of every kind
/// well under a second. Loss layers come wrapped as `LossAsLayer` with their targets.
public struct LayerExample {
    public let kind: LayerKind
    public let config: [String: ConfigValue]
    public let layer: any Layer
    public let inputs: [Tensor]

    /// The default example of `kind`, drawn from `seed`.
    public static func make(_ kind: LayerKind, seed: UInt64 = 0) -> LayerExample {
        var rng = SeededGenerator(seed: seed &+ 0x5107E &* UInt64(LayerKind.allCases.firstIndex(of: kind)! + 1))
        func input(_ shape: [Int]) -> Tensor { .uniform(shape, in: -2..<2, using: &rng) }
        let config: [String: ConfigValue]
        var inputs: [Tensor]
        var target: Tensor?
        switch kind {
        case .mul, .add:
            config = [:]
            inputs = [input([3, 4]), input([3, 4])]
        case .affine:
            config = ["inFeatures": .number(5), "outFeatures": .number(3)]
            inputs = [input([4, 5])]
        case .relu, .sigmoid, .tanh:
            config = [:]
            inputs = [input([3, 4])]
        case .leakyReLU:
            config = ["alpha": .number(0.1)]
            inputs = [input([3, 4])]
        case .softmax:
            config = [:]
            inputs = [input([3, 5])]
        case .softmaxWithLoss:
            config = [:]
            inputs = [input([4, 5])]
            var t = Tensor.zeros([4, 5])
            for row in 0..<4 { t[row, Int(rng.next() % 5)] = 1 }
            target = t
        case .sigmoidBCE:
            config = [:]
            inputs = [input([4, 3])]
            target = .uniform([4, 3], in: 0..<1, using: &rng)
        case .mse:
            config = [:]
            inputs = [input([4, 3])]
            target = input([4, 3])
        case .conv2D:
            config = [
                "inChannels": .number(2), "outChannels": .number(3), "kernel": .numbers([3, 3]),
                "stride": .numbers([2, 1]), "padding": .numbers([1, 1]),
            ]
            inputs = [input([2, 2, 5, 5])]
        case .maxPool2D, .avgPool2D:
            config = ["kernel": .numbers([2, 2]), "stride": .numbers([2, 2])]
            inputs = [input([2, 2, 5, 4])]
        case .batchNorm:
            config = ["features": .number(4)]
            inputs = [input([5, 4])]
        case .dropout:
            config = ["rate": .number(0.4), "seed": .number(Double(seed % 1000))]
            inputs = [input([4, 6])]
        case .flatten:
            config = [:]
            inputs = [input([2, 3, 2, 2])]
        }
        let built = try! LayerRegistry.build(kind, config: config, using: &rng)
        let layer: any Layer
        switch built {
        case .layer(let l): layer = l
        case .loss(let loss): layer = LossAsLayer(loss, target: target!)
        }
        for parameter in layer.parameters where parameter.name == "b" || parameter.name == "beta" || parameter.name == "gamma" {
            // Non-trivial biases and scales, so a backward that ignores them cannot pass by luck.
            parameter.value = parameter.value + .uniform(parameter.value.shape, in: -0.5..<0.5, using: &rng)
        }
        return LayerExample(kind: kind, config: config, layer: layer, inputs: inputs)
    }
}
