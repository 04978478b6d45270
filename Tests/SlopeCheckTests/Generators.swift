import SlopeLayers

@testable import SlopeCheck

/// Seeded random draws for the property tests: shapes, configs and values.
///
/// Everything comes from one `SeededGenerator`, so a seed reproduces a case exactly
/// (`DrawnCase.draw(kind, seed:)` twice gives two independent, identical cases).
struct Draw {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// An integer in `range`, uniform.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    mutating func chance(_ p: Double) -> Bool { rng.nextUnit() < p }

    mutating func uniform(_ range: Range<Double>) -> Double { Double.random(in: range, using: &rng) }

    /// Most values in ±3, one in four up to ±50: both the usual scale and the one where
    /// relative steps, rounding floors and saturation start to matter.
    mutating func value() -> Double {
        chance(0.25) ? uniform(-50..<50) : uniform(-3..<3)
    }

    /// Values in ±1000, with the extremes ±1000 themselves (for the stability property).
    mutating func extremeValue() -> Double {
        chance(0.25) ? (chance(0.5) ? 1000 : -1000) : uniform(-1000..<1000)
    }

    mutating func tensor(_ shape: [Int], extreme: Bool = false) -> Tensor {
        var t = Tensor.zeros(shape)
        for i in 0..<t.count { t.data[i] = extreme ? extremeValue() : value() }
        return t
    }

    /// A shape of `rank` axes, each 1…6, shrunk (largest axis first) to at most `limit`
    /// elements so that an exhaustive check stays quick in a debug build.
    mutating func shape(rank: Int, limit: Int = 72) -> [Int] {
        var shape = (0..<rank).map { _ in int(1...6) }
        while Tensor.count(of: shape) > limit, let axis = shape.indices.max(by: { shape[$0] < shape[$1] }) {
            shape[axis] -= 1
        }
        return shape
    }

    /// Rows of one-hot targets.
    mutating func oneHot(rows: Int, classes: Int) -> Tensor {
        var t = Tensor.zeros([rows, classes])
        for row in 0..<rows { t[row, int(0...(classes - 1))] = 1 }
        return t
    }
}

/// One randomly drawn, valid case of a layer kind: its config, its inputs (and target for
/// a loss), and the layer built from them (a loss wrapped as `LossAsLayer`).
struct DrawnCase: CustomStringConvertible {
    let kind: LayerKind
    let seed: UInt64
    let config: [String: ConfigValue]
    let layer: any Layer
    let inputs: [Tensor]
    let target: Tensor?

    var description: String {
        let settings = config.keys.sorted().map { key -> String in
            switch config[key]! {
            case .number(let x): "\(key)=\(formatNumber(x))"
            case .numbers(let xs): "\(key)=\(xs.map { formatNumber($0) })"
            case .flag(let b): "\(key)=\(b)"
            case .tensor(let t): "\(key)=tensor\(t.shape)"
            }
        }
        return "\(kind.rawValue) seed \(seed) config [\(settings.joined(separator: ", "))] inputs \(inputs.map(\.shape))"
            + (target.map { " target \($0.shape)" } ?? "")
    }

    /// The case of `kind` drawn from `seed`. With `extreme`, inputs lie in ±1000.
    static func draw(_ kind: LayerKind, seed: UInt64, extreme: Bool = false) -> DrawnCase {
        var d = Draw(seed: seed &* 0x9E37_79B9 &+ UInt64(LayerKind.allCases.firstIndex(of: kind)!))
        var config: [String: ConfigValue] = [:]
        var inputs: [Tensor]
        var target: Tensor?
        func anyShape(_ d: inout Draw, minRank: Int = 1) -> [Int] { d.shape(rank: d.int(minRank...4)) }
        switch kind {
        case .mul, .add:
            let shape = anyShape(&d)
            let x = d.tensor(shape, extreme: extreme)
            // One in four cases broadcasts a one-element scalar, on either side.
            if d.chance(0.25) {
                let scalar = d.tensor(d.chance(0.5) ? [] : [1], extreme: extreme)
                inputs = d.chance(0.5) ? [x, scalar] : [scalar, x]
            } else {
                inputs = [x, d.tensor(shape, extreme: extreme)]
            }
        case .affine:
            let (n, i, o) = (d.int(1...6), d.int(1...6), d.int(1...6))
            config = .init(builtIn: [.inFeatures: .number(Double(i)), .outFeatures: .number(Double(o))])
            inputs = [d.tensor([n, i], extreme: extreme)]
        case .relu, .sigmoid, .tanh, .softmax:
            inputs = [d.tensor(anyShape(&d), extreme: extreme)]
        case .leakyReLU:
            if d.chance(0.8) { config[.alpha] = .number(d.uniform(0..<0.5)) }
            inputs = [d.tensor(anyShape(&d), extreme: extreme)]
        case .softmaxWithLoss:
            let (n, c) = (d.int(1...6), d.int(1...6))
            inputs = [d.tensor([n, c], extreme: extreme)]
            target = d.oneHot(rows: n, classes: c)
        case .sigmoidBCE:
            let shape = anyShape(&d)
            inputs = [d.tensor(shape, extreme: extreme)]
            var t = Tensor.zeros(shape)
            // Soft targets in [0, 1], with exact 0s and 1s mixed in.
            for i in 0..<t.count { t.data[i] = d.chance(0.3) ? Double(d.int(0...1)) : d.uniform(0..<1) }
            target = t
        case .mse:
            let shape = anyShape(&d)
            inputs = [d.tensor(shape, extreme: extreme)]
            target = d.tensor(shape, extreme: extreme)
        case .conv2D:
            let (n, c, o) = (d.int(1...2), d.int(1...3), d.int(1...3))
            let kernel = (d.int(1...4), d.int(1...4))
            let stride = (d.int(1...3), d.int(1...3))
            let padding = (d.int(0...2), d.int(0...2))
            // The padded image must hold one window: H + 2p ≥ k.
            let h = d.int(max(1, kernel.0 - 2 * padding.0)...6)
            let w = d.int(max(1, kernel.1 - 2 * padding.1)...6)
            config = .init(builtIn: [.inChannels: .number(Double(c)), .outChannels: .number(Double(o)), .kernel: .pair(kernel)])
            if d.chance(0.8) { config[.stride] = .pair(stride) }
            if d.chance(0.8) { config[.padding] = .pair(padding) }
            let usedPadding = config[.padding] == nil ? (0, 0) : padding
            inputs = [
                d.tensor([n, c, max(h, kernel.0 - 2 * usedPadding.0), max(w, kernel.1 - 2 * usedPadding.1)], extreme: extreme)
            ]
        case .maxPool2D, .avgPool2D:
            let (n, c) = (d.int(1...2), d.int(1...3))
            let kernel = (d.int(1...4), d.int(1...4))
            // Windows fit; a stride that leaves a ragged edge is allowed.
            let (h, w) = (d.int(kernel.0...6), d.int(kernel.1...6))
            config[.kernel] = .pair(kernel)
            if d.chance(0.8) { config[.stride] = .pair((d.int(1...3), d.int(1...3))) }
            inputs = [d.tensor([n, c, h, w], extreme: extreme)]
        case .batchNorm:
            let training = d.chance(0.8)
            let (n, f) = (d.int((training ? 2 : 1)...6), d.int(1...5))
            config[.features] = .number(Double(f))
            if d.chance(0.5) { config[.epsilon] = .number(d.chance(0.5) ? 1e-5 : d.uniform(1e-6..<1e-2)) }
            if d.chance(0.5) { config[.momentum] = .number(d.uniform(0..<1)) }
            if !training || d.chance(0.3) { config[.training] = .flag(training) }
            inputs = [d.tensor([n, f], extreme: extreme)]
        case .dropout:
            let shape = anyShape(&d)
            config[.rate] = .number(d.uniform(0..<0.9))
            if d.chance(0.25) {
                var mask = Tensor.zeros(shape)
                for i in 0..<mask.count { mask.data[i] = d.chance(0.5) ? 1 : 0 }
                config[.mask] = .tensor(mask)
            } else {
                config[.seed] = .number(Double(d.int(0...1000)))
            }
            inputs = [d.tensor(shape, extreme: extreme)]
        case .flatten:
            inputs = [d.tensor(anyShape(&d), extreme: extreme)]
        }
        let built = try! LayerRegistry.build(kind, config: config, using: &d.rng)
        let layer: any Layer
        switch built {
        case .layer(let l): layer = l
        case .loss(let loss): layer = LossAsLayer(loss, target: target!)
        case .multiOutput(let several): layer = StackedOutputs(several)
        }
        // Biases and scales drawn like the inputs (registry defaults are 0 and 1), so a
        // backward that ignores them cannot pass by luck.
        for parameter in layer.parameters where ["b", "beta", "gamma"].contains(parameter.name) {
            parameter.value = d.tensor(parameter.value.shape)
        }
        return DrawnCase(kind: kind, seed: seed, config: config, layer: layer, inputs: inputs, target: target)
    }

    /// A seeded upstream of the layer's output shape (uniform in [−1, 1)).
    func upstream() throws -> Tensor {
        var rng = SeededGenerator(seed: seed &+ 0xD0_0D)
        return .uniform(try layer.forward(inputs).shape, in: -1..<1, using: &rng)
    }
}
