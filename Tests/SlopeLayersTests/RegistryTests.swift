import Testing

@testable import SlopeLayers

@Suite struct RegistryTests {
    @Test(arguments: LayerKind.allCases)
    func buildsEveryKindWithItsNameArityAndParameters(kind: LayerKind) throws {
        let built = kind.example().build()
        switch built {
        case .layer(let layer):
            #expect(!kind.isLoss)
            #expect(layer.kindName == kind.rawValue)
            #expect(layer.arity == kind.arity)
            #expect(layer.parameters.map(\.name) == kind.parameterNames)
        case .multiOutput: Issue.record("no built-in kind has several outputs")
        case .loss(let loss):
            #expect(kind.isLoss)
            #expect(loss.kindName == kind.rawValue)
            #expect(kind.parameterNames.isEmpty)
        }
        #expect(built.parameters.map(\.name) == kind.parameterNames)
        #expect(LayerKind(rawValue: kind.rawValue) == kind)
        #expect(!kind.summary.isEmpty)
    }

    @Test func configReachesTheLayers() throws {
        let affine = try #require(try buildLayer(.affine, LayerKind.affine.example().config) as? Affine)
        #expect(affine.W.value.shape == [5, 3] && affine.b.value.shape == [3])
        let conv = try #require(try buildLayer(.conv2D, LayerKind.conv2D.example().config) as? Conv2D)
        #expect(conv.W.value.shape == [3, 2, 3, 3] && conv.stride == (2, 1) && conv.padding == (1, 1))
        let pool = try #require(try buildLayer(.maxPool2D, ["kernel": .numbers([2, 3])]) as? MaxPool2D)
        #expect(pool.kernel == (2, 3) && pool.stride == (2, 3), "stride defaults to the kernel")
        let leaky = try #require(try buildLayer(.leakyReLU, ["alpha": .number(0.2)]) as? LeakyReLU)
        #expect(leaky.alpha == 0.2)
    }

    /// A layer's own `config` is the registry's vocabulary: declared keys only, every required
    /// one, and building from it gives a layer that states the same config. A kind that takes
    /// config keys must state them (checkpoints record architectures through it).
    @Test(arguments: LayerKind.allCases.filter { !$0.isLoss })
    func aLayerStatesTheConfigTheRegistryReadsBack(kind: LayerKind) throws {
        let layer = try kind.example().layer()
        let declared = kind.configKeys.required + kind.configKeys.optional
        guard let configurable = layer as? any ConfigurableLayer else {
            #expect(declared.isEmpty, "\(kind.rawValue) takes \(declared) but states no config")
            return
        }
        let config = configurable.config
        #expect(Set(config.keys).isSubset(of: declared.map(\.rawValue)), "\(config.keys.sorted())")
        for key in kind.configKeys.required { #expect(config[key.rawValue] != nil, "\(kind.rawValue) omits \(key)") }
        let rebuilt = try #require(try buildLayer(kind, config) as? any ConfigurableLayer)
        #expect(rebuilt.config == config)
    }

    @Test func sameSeedSameWeights() throws {
        let a = LayerKind.conv2D.example().build(parameterSeed: 9).parameters
        let b = LayerKind.conv2D.example().build(parameterSeed: 9).parameters
        let c = LayerKind.conv2D.example().build(parameterSeed: 10).parameters
        #expect(a[0].value == b[0].value && a[0].value != c[0].value)
    }

    @Test func unknownKindListsTheKnownKinds() {
        var g = SeededGenerator(seed: 1)
        let error = expectLayerError(mentioning: ["\"Conv3D\""] + LayerKind.allCases.map(\.rawValue)) {
            _ = try LayerRegistry.build(kindNamed: "Conv3D", using: &g)
        }
        #expect(error == .unknownKind("Conv3D", known: LayerKind.allCases.map(\.rawValue)))
        // names are case-sensitive: one vocabulary, no second spelling
        expectLayerError(mentioning: ["\"relu\""]) { _ = try LayerRegistry.build(kindNamed: "relu", using: &g) }
    }

    static let requiredKeys: [(LayerKind, String)] = LayerKind.allCases.flatMap { kind in
        kind.configKeys.required.map { (kind, $0.rawValue) }
    }

    @Test(arguments: requiredKeys)
    func aMissingRequiredKeyIsNamed(kind: LayerKind, key: String) {
        var config = kind.example().config
        config[key] = nil
        let error = expectLayerError(mentioning: [kind.rawValue, "\"\(key)\"", "missing"]) {
            _ = try buildLayer(kind, config)
        }
        #expect(error == .missingConfig(layer: kind.rawValue, key: key))
    }

    @Test(arguments: LayerKind.allCases)
    func anExtraKeyIsNamedWithTheAllowedOnes(kind: LayerKind) {
        var config = kind.example().config
        config["bogus"] = .number(1)
        let allowed = (kind.configKeys.required + kind.configKeys.optional).map(\.rawValue)
        let error = expectLayerError(mentioning: [kind.rawValue, "\"bogus\""] + (allowed.isEmpty ? ["none"] : allowed)) {
            var g = SeededGenerator(seed: 1)
            _ = try LayerRegistry.build(kind, config: config, using: &g)
        }
        #expect(error == .unknownConfigKeys(layer: kind.rawValue, keys: ["bogus"], allowed: allowed))
    }

    static let sizeKeys: [(LayerKind, String)] = [
        (.affine, "inFeatures"), (.affine, "outFeatures"), (.conv2D, "inChannels"), (.conv2D, "outChannels"),
        (.conv2D, "kernel"), (.conv2D, "stride"), (.maxPool2D, "kernel"), (.avgPool2D, "stride"), (.batchNorm, "features"),
    ]

    @Test(arguments: sizeKeys, [0, -3, 2.5])
    func nonPositiveOrFractionalSizesAreRejected(entry: (LayerKind, String), value: Double) {
        let (kind, key) = entry
        var config = kind.example().config
        config[key] = .number(value)
        let error = expectLayerError(mentioning: [kind.rawValue, "\"\(key)\"", formatNumber(value)]) {
            _ = try buildLayer(kind, config)
        }
        guard case .invalidConfig(let layer, let reportedKey, _)? = error else {
            Issue.record("expected invalidConfig, got \(String(describing: error))")
            return
        }
        #expect(layer == kind.rawValue && reportedKey == key)
    }

    @Test func paddingMayBeZeroButNotNegative() throws {
        var config = LayerKind.conv2D.example().config
        config["padding"] = .number(0)
        let conv = try #require(try buildLayer(.conv2D, config) as? Conv2D)
        #expect(conv.padding == (0, 0))
        config["padding"] = .numbers([1, -1])
        expectLayerError(mentioning: ["Conv2D", "\"padding\"", "non-negative", "-1"]) { _ = try buildLayer(.conv2D, config) }
    }

    @Test func malformedValuesAreNamed() {
        var config = LayerKind.conv2D.example().config
        config["kernel"] = .numbers([3, 3, 3])
        expectLayerError(mentioning: ["Conv2D", "\"kernel\"", "pair"]) { _ = try buildLayer(.conv2D, config) }
        expectLayerError(mentioning: ["Affine", "\"inFeatures\"", "number"]) {
            _ = try buildLayer(.affine, ["inFeatures": .flag(true), "outFeatures": .number(2)])
        }
        expectLayerError(mentioning: ["LeakyReLU", "\"alpha\"", "finite"]) {
            _ = try buildLayer(.leakyReLU, ["alpha": .number(.infinity)])
        }
        expectLayerError(mentioning: ["BatchNorm", "\"training\"", "true or false"]) {
            _ = try buildLayer(.batchNorm, ["features": .number(2), "training": .number(1)])
        }
    }

    @Test func aPoolingWindowLargerThanItsInputIsNamedAtForward() throws {
        let pool = try buildLayer(.maxPool2D, ["kernel": .number(5)])
        expectLayerError(mentioning: ["MaxPool2D", "[5, 5]", "[4, 4]"]) { _ = try pool.forward([.zeros([1, 1, 4, 4])]) }
        let avg = try buildLayer(.avgPool2D, ["kernel": .numbers([1, 5])])
        expectLayerError(mentioning: ["AvgPool2D", "[1, 5]", "[4, 4]"]) { _ = try avg.forward([.zeros([1, 1, 4, 4])]) }
    }
}

@Suite struct RegistryLimitTests {
    @Test func aWeightAboveTheMemoryBoundIsRefusedBeforeAllocation() {
        var rng = SeededGenerator(seed: 0)
        #expect {
            _ = try LayerRegistry.build(.affine, config: ["inFeatures": .number(1e6), "outFeatures": .number(1e6)], using: &rng)
        } throws: { error in
            "\(error)".contains("Affine: config \"inFeatures × outFeatures\" asks for a weight of 1e+12 elements")
        }
        #expect(throws: LayerError.self) {
            _ = try LayerRegistry.build(
                .conv2D, config: ["inChannels": .number(5000), "outChannels": .number(5000), "kernel": .numbers([7, 7])],
                using: &rng)
        }
    }
}
