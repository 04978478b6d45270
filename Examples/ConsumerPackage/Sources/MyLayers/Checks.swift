import SlopeCheck
import SlopeLayers

/// The checks of this package, registered once: the test gate (`MyLayersGate verify`) and the
/// fixtures read them.
public enum MyLayersChecks {
    static func input(_ shape: [Int], seed: UInt64, offset: Double = 0) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -2..<2, using: &rng) + offset
    }

    /// How a fixture builds a LayerNorm: `config.features`, parameters γ and β.
    static let layerNormFixture = FixtureKind(name: "LayerNorm", parameterNames: ["gamma", "beta"]) { config in
        guard case .number(let features)? = config["features"], features >= 1 else {
            throw LayerError.missingConfig(layer: "LayerNorm", key: "features")
        }
        return .layer(LayerNorm(features: Int(features)))
    }

    /// How a fixture builds an LSTMStep: `config.input`, `config.hidden`, parameters W and b.
    static let lstmFixture = FixtureKind(name: "LSTMStep", arity: 3, parameterNames: ["W", "b"]) { config in
        guard case .number(let d)? = config["input"], case .number(let k)? = config["hidden"], d >= 1, k >= 1 else {
            throw LayerError.missingConfig(layer: "LSTMStep", key: "input, hidden")
        }
        var rng = SeededGenerator(seed: 0)
        return .multiOutput(LSTMStep(input: Int(d), hidden: Int(k), using: &rng))
    }

    public static let cases: [CheckCase] = [
        .layer("LayerNorm", summary: "y = γ·(x − μ)/σ + β over the last axis", fixture: layerNormFixture) { seed in
            (LayerNorm(features: 6, gamma: input([6], seed: seed &+ 1).data.map { 1 + 0.25 * $0 }), [input([4, 6], seed: seed)])
        },
        .layer("LayerNorm/offset", summary: "the same at inputs offset by 1e4") { seed in
            (LayerNorm(features: 6), [input([4, 6], seed: seed, offset: 1e4)])
        },
        .layer("BuggyGELU", summary: "GELU whose backward loses x·φ(x)") { seed in (BuggyGELU(), [input([3, 4], seed: seed)]) },
        .network("GELUNet", summary: "Affine → BuggyGELU → Affine, MSE") { seed in
            var rng = SeededGenerator(seed: seed)
            let network = Sequential(
                [
                    Affine(inFeatures: 3, outFeatures: 5, using: &rng), BuggyGELU(),
                    Affine(inFeatures: 5, outFeatures: 2, using: &rng),
                ], loss: MSE())
            return (network, input([4, 3], seed: seed &+ 7), input([4, 2], seed: seed &+ 8))
        },
        // Token ids are data: held constant, passed exactly; a batch that repeats ids 1 and 3.
        .layer("Embedding", summary: "y[n] = W[ids[n]], ids constant", constantInputs: [0]) { seed in
            var rng = SeededGenerator(seed: seed)
            return (Embedding(vocabulary: 5, features: 3, using: &rng), [Tensor(shape: [6], data: [1, 3, 0, 1, 3, 4])])
        },
        // Two outputs, h and c: L = ⟨u_h, h′⟩ + ⟨u_c, c′⟩.
        .multiOutputLayer("LSTMStep", summary: "one LSTM step: (x, h, c) → (h′, c′)", fixture: lstmFixture) { seed in
            var rng = SeededGenerator(seed: seed)
            let step = LSTMStep(input: 3, hidden: 2, using: &rng)
            return (step, [input([2, 3], seed: seed &+ 1), input([2, 2], seed: seed &+ 2), input([2, 2], seed: seed &+ 3)])
        },
        // Code in the user's own [Float] types, checked with Float's settings and named inputs.
        .float("FloatDense", summary: "y = x·W + b in Float", inputNames: ["x", "W", "b"]) { seed in
            let dense = FloatDense(rows: 4, inputs: 3, outputs: 2)
            return (
                dense.forward, dense.vjp,
                [input([4, 3], seed: seed), input([3, 2], seed: seed &+ 1), input([2], seed: seed &+ 2)]
            )
        },
        // Run only with --include-broken: its backward traps (an index off by one).
        CheckCase(name: "OffByOneConv", summary: "1-D convolution whose backward reads past the end", isDeliberatelyBroken: true)
        {
            seed in .layer(OffByOneConv(weights: [0.5, -1, 0.25]), inputs: [input([2, 6], seed: seed)])
        },
    ]
}
