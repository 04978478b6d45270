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
    /// The case's own settings, applied to the gate's (a precision, a tolerance, a mode).
    package let settings: @Sendable (GradientCheck) -> GradientCheck

    public init(
        name: String, summary: String, isDeliberatelyBroken: Bool = false, fixtureKind: FixtureKind? = nil,
        settings: @escaping @Sendable (GradientCheck) -> GradientCheck = { $0 },
        make: @escaping @Sendable (UInt64) throws -> CheckSubject
    ) {
        self.name = name
        self.summary = summary
        self.isDeliberatelyBroken = isDeliberatelyBroken
        self.fixtureKind = fixtureKind
        self.settings = settings
        self.make = make
    }

    /// This case with its own settings on top of the gate's: `.with { $0.forFloat }`,
    /// `.with { var c = $0; c.tolerance = Tolerance(rtol: 1e-4, atol: 0); return c }`.
    public func with(_ settings: @escaping @Sendable (GradientCheck) -> GradientCheck) -> CheckCase {
        let previous = self.settings
        return CheckCase(
            name: name, summary: summary, isDeliberatelyBroken: isDeliberatelyBroken, fixtureKind: fixtureKind,
            settings: { settings(previous($0)) }, make: make)
    }

    /// A layer of several outputs (an LSTM step's h and c) and its inputs: L = Σₖ ⟨uₖ, yₖ⟩, and a
    /// failure names the outputs the wrong gradient flows through.
    public static func multiOutputLayer(
        _ name: String, summary: String = "", fixture: FixtureKind? = nil, constantInputs: Set<Int> = [],
        make: @escaping @Sendable (UInt64) throws -> (any MultiOutputLayer, [Tensor])
    ) -> CheckCase {
        CheckCase(name: name, summary: summary, fixtureKind: fixture) { seed in
            let (layer, inputs) = try make(seed)
            return .check { check, name in check.run(layer, inputs: inputs, constantInputs: constantInputs, name: name) }
        }
    }

    /// A function and its vector–Jacobian product at inputs built from a seed, with named inputs.
    public static func function(
        _ name: String, summary: String = "", inputNames: [String] = [],
        make:
            @escaping @Sendable (UInt64) throws -> (
                function: ([Tensor]) throws -> Tensor, vjp: ([Tensor], Tensor) throws -> [Tensor], inputs: [Tensor]
            )
    ) -> CheckCase {
        CheckCase(name: name, summary: summary) { seed in
            let (function, vjp, inputs) = try make(seed)
            return .check { check, name in check.run(function: function, vjp: vjp, at: inputs, inputNames: inputNames, name: name)
            }
        }
    }

    /// Float code (flat `[Float]` inputs and output) and its vjp, checked with Float's settings.
    public static func float(
        _ name: String, summary: String = "", inputNames: [String] = [],
        make:
            @escaping @Sendable (UInt64) throws -> (
                forward: ([[Float]]) throws -> [Float], vjp: ([[Float]], [Float]) throws -> [[Float]], inputs: [Tensor]
            )
    ) -> CheckCase {
        CheckCase(name: name, summary: summary) { seed in
            let (forward, vjp, inputs) = try make(seed)
            return .check { check, name in check.run(float: forward, vjp: vjp, at: inputs, inputNames: inputNames, name: name) }
        }
    }

    /// Float code checked against its Double twin (the twin against finite differences, the
    /// Float code against the twin).
    public static func float(
        _ name: String, summary: String = "", inputNames: [String] = [],
        twin make:
            @escaping @Sendable (UInt64) throws -> (
                forward: ([[Float]]) throws -> [Float], vjp: ([[Float]], [Float]) throws -> [[Float]],
                twin: ([Tensor]) throws -> Tensor, twinVJP: ([Tensor], Tensor) throws -> [Tensor], inputs: [Tensor]
            )
    ) -> CheckCase {
        CheckCase(name: name, summary: summary) { seed in
            let (forward, vjp, twin, twinVJP, inputs) = try make(seed)
            return .check { check, name in
                check.run(
                    float: forward, vjp: vjp, twin: twin, twinVJP: twinVJP, at: inputs, inputNames: inputNames, name: name)
            }
        }
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
        guard let (layer, inputs) = subject.layerAndInputs else { return 0 }
        return inputs.reduce(0) { $0 + $1.count } + layer.parameters.reduce(0) { $0 + $1.value.count }
    }

    /// Builds the subject at `seed` and checks it; a builder that throws is a failed check.
    public func check(with check: GradientCheck, seed: UInt64? = nil, workers: Int = 1) -> CheckReport {
        var seeded = settings(check)
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

/// What a check runs on: a layer with inputs, a network with its input and target, or any
/// other check (Float code against its Double twin, Swift's autodiff, …) run with the gate's
/// settings.
public enum CheckSubject {
    case layer(any Layer, inputs: [Tensor])
    case network(Sequential, input: Tensor, target: Tensor)
    /// A check of its own kind: given the gate's settings and the case's name, it returns the
    /// report (e.g. `{ check, name in check.run(float: f, vjp: v, twin: t, twinVJP: tv, at: x, name: name) }`).
    case check((GradientCheck, String) -> CheckReport)

    public func check(with check: GradientCheck, name: String) -> CheckReport {
        switch self {
        case .layer(let layer, let inputs): check.run(layer, inputs: inputs, name: name)
        case .network(let network, let input, let target): check.run(network: network, input: input, target: target, name: name)
        case .check(let run): run(check, name)
        }
    }

    /// The layer and inputs a layer or network check runs (nil for a check of its own kind).
    public var layerAndInputs: (any Layer, [Tensor])? {
        switch self {
        case .layer(let layer, let inputs): (layer, inputs)
        case .network(let network, let input, let target): (NetworkWithLoss(network, target: target), [input])
        case .check: nil
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
