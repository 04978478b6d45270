import SlopeLayers

/// One named thing a gate checks: how to build it (a layer with inputs, or a network with its
/// input and target) from a seed, and, optionally, how to build it from a fixture's config.
///
/// The built-in kinds and a user's own layers are registered the same way:
///
/// ```swift
/// let registry = try CheckRegistry(suite: "MyLayers", cases: [
///     .layer("LayerNorm", summary: "y = γ·(x − μ)/σ + β over the last axis") { seed in
///         var rng = SeededGenerator(seed: seed)
///         return (LayerNorm(features: 8), [Tensor.uniform([4, 8], in: -2..<2, using: &rng)])
///     },
/// ])
/// ```
public struct CheckCase: Sendable {
    public let name: String
    public let summary: String
    /// Shown and run only when asked for (`--include-broken`): the zoo of deliberate bugs.
    public let isDeliberatelyBroken: Bool
    /// How a fixture of this kind builds the layer (nil: the kind has no fixtures).
    public let fixtureKind: FixtureKind?
    let make: @Sendable (UInt64) throws -> CheckSubject

    public init(
        name: String, summary: String, isDeliberatelyBroken: Bool = false, fixtureKind: FixtureKind? = nil,
        make: @escaping @Sendable (UInt64) throws -> CheckSubject
    ) {
        self.name = name
        self.summary = summary
        self.isDeliberatelyBroken = isDeliberatelyBroken
        self.fixtureKind = fixtureKind
        self.make = make
    }

    /// A layer and its inputs, built from a seed (the same seed must build the same layer).
    ///
    /// `constantInputs` are the indices of inputs that are data, not variables (token ids,
    /// masks, targets): passed exactly, never perturbed, never checked, named in the reports.
    public static func layer(
        _ name: String, summary: String = "", fixture: FixtureKind? = nil, constantInputs: Set<Int> = [],
        make: @escaping @Sendable (UInt64) throws -> (any Layer, [Tensor])
    ) -> CheckCase {
        CheckCase(name: name, summary: summary, fixtureKind: fixture) { seed in
            let (layer, inputs) = try make(seed)
            let (held, variables) = WithConstantInputs.holding(constantInputs, of: layer, inputs: inputs)
            return .layer(held, inputs: variables)
        }
    }

    /// A loss with a prediction and a target.
    public static func loss(
        _ name: String, summary: String = "", fixture: FixtureKind? = nil,
        make: @escaping @Sendable (UInt64) throws -> (any LossLayer, prediction: Tensor, target: Tensor)
    ) -> CheckCase {
        CheckCase(name: name, summary: summary, fixtureKind: fixture) { seed in
            let (loss, prediction, target) = try make(seed)
            return .layer(LossAsLayer(loss, target: target), inputs: [prediction])
        }
    }

    /// A network with its loss, an input and a target.
    public static func network(
        _ name: String, summary: String = "",
        make: @escaping @Sendable (UInt64) throws -> (Sequential, input: Tensor, target: Tensor)
    ) -> CheckCase {
        CheckCase(name: name, summary: summary) { seed in
            let (network, input, target) = try make(seed)
            return .network(network, input: input, target: target)
        }
    }

    /// The subject at `seed`; what the builder throws becomes a `RegistryError` naming the case.
    public func subject(seed: UInt64) throws(RegistryError) -> CheckSubject {
        do { return try make(seed) } catch {
            throw .buildFailed(name: name, message: "\(error)")
        }
    }

    /// The number of input and parameter elements an exhaustive check of this case visits
    /// (0 when it cannot be built).
    public func elementCount(seed: UInt64) -> Int {
        guard let subject = try? self.subject(seed: seed) else { return 0 }
        switch subject {
        case .layer(let layer, let inputs):
            return inputs.reduce(0) { $0 + $1.count } + layer.parameters.reduce(0) { $0 + $1.value.count }
        case .network(let network, let input, _): return input.count + network.parameters.reduce(0) { $0 + $1.value.count }
        }
    }

    /// Builds the subject at `seed` and checks it; a builder that throws is a failed check.
    public func check(with check: GradientCheck, seed: UInt64? = nil, workers: Int = 1) -> CheckReport {
        var seeded = check
        if let seed { seeded.seed = seed }
        let subject: CheckSubject
        do { subject = try self.subject(seed: seeded.seed) } catch {
            return seeded.emptyReport(
                target: name, inputShapes: [], problem: .caseNotBuilt(name: name, message: error.message))
        }
        if workers > 1, case .layer(_, let inputs) = subject {
            // Worker copies rebuild the same layer from the same seed.
            let make = self.make
            let seed = seeded.seed
            return seeded.run(
                making: {
                    guard case .layer(let layer, _) = try? make(seed) else { return Unbuildable() }
                    return layer
                }, inputs: inputs, name: name, workers: workers)
        }
        return subject.check(with: seeded, name: name)
    }
}

/// A layer whose builder stopped working between two calls (a copy that cannot be made).
private final class Unbuildable: UnaryLayer {
    let kindName = "Unbuildable"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        throw .brokenContract(layer: kindName, detail: "the case's builder failed when a worker copy was made")
    }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor { throw .backwardBeforeForward(layer: kindName) }
}

/// What a check runs on: a layer with inputs, or a network with its input and target.
public enum CheckSubject {
    case layer(any Layer, inputs: [Tensor])
    case network(Sequential, input: Tensor, target: Tensor)

    public func check(with check: GradientCheck, name: String) -> CheckReport {
        switch self {
        case .layer(let layer, let inputs): check.run(layer, inputs: inputs, name: name)
        case .network(let network, let input, let target): check.run(network: network, input: input, target: target, name: name)
        }
    }
}

/// A mistake in a registry: one sentence naming the case.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicate(name: String)
    case emptyName
    case unknown(name: String, known: [String])
    case buildFailed(name: String, message: String)

    public var description: String {
        switch self {
        case .duplicate(let name): "the check \"\(name)\" is registered twice"
        case .emptyName: "a check is registered with an empty name"
        case .unknown(let name, let known):
            "unknown check \"\(name)\" (registered: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .buildFailed(let name, let message): "the check \"\(name)\" could not be built: \(message)"
        }
    }

    var message: String {
        if case .buildFailed(_, let message) = self { return message }
        return description
    }
}

/// The checks a gate knows, in the order they run: one suite (its name goes into JUnit and
/// the reports), no closed list.
public struct CheckRegistry: Sendable {
    public let suite: String
    public let cases: [CheckCase]

    /// A registry; duplicate or empty names are refused.
    public init(suite: String, cases: [CheckCase]) throws(RegistryError) {
        var seen = Set<String>()
        for item in cases {
            if item.name.isEmpty { throw .emptyName }
            if !seen.insert(item.name).inserted { throw .duplicate(name: item.name) }
        }
        self.suite = suite
        self.cases = cases
    }

    /// This registry's cases followed by `other`'s, under this suite's name.
    public func adding(_ other: CheckRegistry) throws(RegistryError) -> CheckRegistry {
        try CheckRegistry(suite: suite, cases: cases + other.cases)
    }

    public func named(_ name: String) -> CheckCase? { cases.first { $0.name == name } }

    /// The case called `name`, or an error listing what is registered.
    public func lookup(_ name: String, includeBroken: Bool = true) throws(RegistryError) -> CheckCase {
        guard let found = named(name), includeBroken || !found.isDeliberatelyBroken else {
            throw .unknown(name: name, known: cases.filter { includeBroken || !$0.isDeliberatelyBroken }.map(\.name))
        }
        return found
    }

    /// The cases a gate runs by default (the deliberately broken ones only when asked for).
    public var defaultCases: [CheckCase] { cases.filter { !$0.isDeliberatelyBroken } }

    /// The fixture kinds of every case that has one, by name.
    public var fixtureKinds: [String: FixtureKind] {
        var kinds: [String: FixtureKind] = [:]
        for item in cases { if let kind = item.fixtureKind { kinds[kind.name] = kind } }
        return kinds
    }

    /// Slope's own 17 kinds at their default example sizes, then the other code paths of the
    /// built-in layers (`CodePaths`: "Affine/BLAS", "Conv2D/uneven", "Graph", …), registered
    /// like anyone's.
    public static let builtIn: CheckRegistry = {
        let kinds = LayerKind.allCases.map { kind in
            CheckCase(name: kind.rawValue, summary: kind.summary, fixtureKind: .builtIn(kind)) { seed in
                let example = LayerExample.make(kind, seed: seed)
                return .layer(example.layer, inputs: example.inputs)
            }
        }
        // The names are distinct: LayerKind's raw values, and "Kind/path" names.
        return try! CheckRegistry(suite: "slope", cases: kinds + CodePaths.cases)
    }()
}

/// What fixtures need of a kind: its number of inputs, whether it is a loss, its parameter
/// names in order, and how to build one from a fixture's `config`.
public struct FixtureKind: Sendable {
    public let name: String
    public let arity: Int
    public let isLoss: Bool
    public let parameterNames: [String]
    let build: @Sendable ([String: ConfigValue]) throws -> BuiltLayer

    public init(
        name: String, arity: Int = 1, isLoss: Bool = false, parameterNames: [String] = [],
        build: @escaping @Sendable ([String: ConfigValue]) throws -> BuiltLayer
    ) {
        self.name = name
        self.arity = arity
        self.isLoss = isLoss
        self.parameterNames = parameterNames
        self.build = build
    }

    /// A built-in kind, built by `LayerRegistry` (seeded weights, then the fixture's params).
    public static func builtIn(_ kind: LayerKind) -> FixtureKind {
        FixtureKind(name: kind.rawValue, arity: kind.arity, isLoss: kind.isLoss, parameterNames: kind.parameterNames) {
            config in
            var rng = SeededGenerator(seed: 0)
            return try LayerRegistry.build(kind, config: config, using: &rng)
        }
    }

    /// Every built-in kind, by name.
    public static let builtInKinds: [String: FixtureKind] = Dictionary(
        uniqueKeysWithValues: LayerKind.allCases.map { ($0.rawValue, FixtureKind.builtIn($0)) })
}
