extension LayerKind {
    /// A small valid config of a kind with seeded inputs (and a loss's target): the one
    /// example of each kind that `slope verify` checks by default, the demo shows and the
    /// tests build on. The `switch` is exhaustive: a new kind without an example does not
    /// compile.
    ///
    /// Inputs are uniform in [−2, 2); the sizes keep an exhaustive check of every kind well
    /// under a second.
    public struct Example {
        public let kind: LayerKind
        public let config: [String: ConfigValue]
        /// The tensor inputs (a loss's prediction is its one input).
        public let inputs: [Tensor]
        /// A loss's target (nil for other layers).
        public let target: Tensor?
        /// The generator after the inputs were drawn: `build()` continues from it.
        let generator: SeededGenerator

        /// The layer or loss from the registry, its parameters drawn from the example's
        /// seed (or from `parameterSeed`). Biases and scales (`b`, `beta`, `gamma`) are moved
        /// off the registry's 0 and 1, so a backward that ignores them cannot pass by luck.
        /// The same example builds the same layer every time.
        public func build(parameterSeed: UInt64? = nil) -> BuiltLayer {
            var rng = parameterSeed.map { SeededGenerator(seed: $0) } ?? generator
            // The example's config is valid by construction (RegistryTests builds every kind).
            let built: BuiltLayer
            do { built = try LayerRegistry.build(kind, config: config, using: &rng) } catch {
                preconditionFailure("the \(kind.rawValue) example's config is invalid: \(error)")
            }
            for parameter in built.parameters where ["b", "beta", "gamma"].contains(parameter.name) {
                parameter.moveOffInitialValues(using: &rng)
            }
            return built
        }
    }

    /// The example of this kind drawn from `seed`.
    public func example(seed: UInt64 = 0) -> Example {
        var rng = SeededGenerator(seed: seed &+ 0x5107E &* UInt64(LayerKind.allCases.firstIndex(of: self)! + 1))
        func input(_ shape: [Int]) -> Tensor { .uniform(shape, in: -2..<2, using: &rng) }
        var config: [String: ConfigValue] = [:]
        let inputs: [Tensor]
        var target: Tensor?
        switch self {
        case .mul, .add:
            inputs = [input([3, 4]), input([3, 4])]
        case .affine:
            config = .init(builtIn: [.inFeatures: .number(5), .outFeatures: .number(3)])
            inputs = [input([4, 5])]
        case .relu, .sigmoid, .tanh:
            inputs = [input([3, 4])]
        case .leakyReLU:
            config = .init(builtIn: [.alpha: .number(0.1)])
            inputs = [input([3, 4])]
        case .softmax:
            inputs = [input([3, 5])]
        case .softmaxWithLoss:
            inputs = [input([4, 5])]
            var t = Tensor.zeros([4, 5])
            for row in 0..<4 { t[row, Int(rng.next() % 5)] = 1 }
            target = t
        case .sigmoidBCE:
            inputs = [input([4, 3])]
            target = .uniform([4, 3], in: 0..<1, using: &rng)
        case .mse:
            inputs = [input([4, 3])]
            target = input([4, 3])
        case .conv2D:
            config = .init(builtIn: [
                .inChannels: .number(2), .outChannels: .number(3), .kernel: .pair((3, 3)), .stride: .pair((2, 1)),
                .padding: .pair((1, 1)),
            ])
            inputs = [input([2, 2, 5, 5])]
        case .maxPool2D, .avgPool2D:
            config = .init(builtIn: [.kernel: .pair((2, 2)), .stride: .pair((2, 2))])
            inputs = [input([2, 2, 5, 4])]
        case .batchNorm:
            config = .init(builtIn: [.features: .number(4)])
            inputs = [input([5, 4])]
        case .dropout:
            config = .init(builtIn: [.rate: .number(0.4), .seed: .number(Double(seed % 1000))])
            inputs = [input([4, 6])]
        case .flatten:
            inputs = [input([2, 3, 2, 2])]
        }
        return Example(kind: self, config: config, inputs: inputs, target: target, generator: rng)
    }
}
