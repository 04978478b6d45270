import Foundation
import SlopeCheck
import SlopeLayers
import Testing

// The examples of the article "Capabilities a layer may adopt" (SlopeLayers.docc), verbatim:
// one small layer per optional protocol, each checked below as a user would check it.

// MARK: UnaryLayer, with the training shortcut backwardParameters

/// y = x + b over the rows of x `[N, F]`. Backward: ∂L/∂x = dout, ∂L/∂b += Σₙ dout.
final class Bias: UnaryLayer {
    let kindName = "Bias"
    let b = Parameter("b", Tensor(shape: [3], data: [0.1, -0.2, 0.3]))
    var parameters: [Parameter] { [b] }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        Tensor(shape: x.shape, data: x.data.indices.map { x.data[$0] + b.value.data[$0 % 3] })
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        try backwardParameters(dout)
        return dout
    }

    /// A network's first layer: only ∂L/∂b is needed, so nothing is computed for x.
    func backwardParameters(_ dout: Tensor) throws(LayerError) {
        for i in dout.data.indices { b.gradient.data[i % 3] += dout.data[i] }
    }
}

// MARK: DecisionLayer

/// y = min(1, max(−1, x)). Backward: ∂L/∂x = dout·[|x| < 1]. Its decisions: which piece.
final class HardTanh: UnaryLayer, DecisionLayer {
    let kindName = "HardTanh"
    private var x: Tensor?

    var decisions: [Int] { x?.data.map { $0 < -1 ? -1 : ($0 > 1 ? 1 : 0) } ?? [] }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { min(1, max(-1, $0)) }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return dout.zipMap(x) { d, x in abs(x) < 1 ? d : 0 }
    }
}

// MARK: ModalLayer

/// Classic dropout's test-time scaling: y = x while training, y = p·x in inference.
final class KeepScale: UnaryLayer, ModalLayer {
    let kindName = "KeepScale"
    let p = 0.8
    var isTraining = true

    func forward(_ x: Tensor) throws(LayerError) -> Tensor { isTraining ? x : x * p }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { isTraining ? dout : dout * p }
}

// MARK: ResamplingLayer

/// y = m ⊙ x with a random sign mask m, drawn once per shape and kept until `resample()`.
final class RandomSign: UnaryLayer, ResamplingLayer {
    let kindName = "RandomSign"
    private var generator = SeededGenerator(seed: 7)
    private var mask: Tensor?

    func resample() { mask = nil }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        if mask?.shape != x.shape {
            mask = Tensor(shape: x.shape, data: x.data.map { _ in Bool.random(using: &generator) ? 1 : -1 })
        }
        return x.zipMap(mask!) { $0 * $1 }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let mask else { throw .backwardBeforeForward(layer: kindName) }
        return dout.zipMap(mask) { $0 * $1 }
    }
}

// MARK: ConfigurableLayer

/// y = xᵏ for a configured integer k. Backward: ∂L/∂x = k·xᵏ⁻¹·dout.
final class Power: UnaryLayer, ConfigurableLayer {
    let kindName = "Power"
    let k: Int
    private var x: Tensor?

    init(k: Int) { self.k = k }

    var config: [String: ConfigValue] { ["exponent": .number(Double(k))] }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { pow($0, Double(k)) }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return dout.zipMap(x) { d, x in Double(k) * pow(x, Double(k - 1)) * d }
    }
}

// MARK: FastPathLayer

/// y = x ⊙ x, by a plain loop or four lanes at a time. Backward: ∂L/∂x = 2x ⊙ dout.
final class Square: UnaryLayer, FastPathLayer {
    enum Path: String, CustomStringConvertible {
        case scalar, simd4
        var description: String { rawValue }
    }

    let kindName = "Square"
    var availablePaths: [Path] { [.scalar, .simd4] }
    var forcedPath: Path?
    private var x: Tensor?

    func readableReference() -> any Layer { ReadableSquare() }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return (forcedPath ?? .simd4) == .simd4 ? Self.product(x, x) : x.zipMap(x) { $0 * $1 }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let twoX = x * 2
        return (forcedPath ?? .simd4) == .simd4 ? Self.product(twoX, dout) : twoX.zipMap(dout) { $0 * $1 }
    }

    /// a ⊙ b in lanes of four, the tail one at a time.
    private static func product(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = [Double](repeating: 0, count: a.count)
        var i = 0
        while i + 4 <= a.count {
            let lanes = SIMD4(a.data[i..<(i + 4)]) * SIMD4(b.data[i..<(i + 4)])
            for lane in 0..<4 { out[i + lane] = lanes[lane] }
            i += 4
        }
        for j in i..<a.count { out[j] = a.data[j] * b.data[j] }
        return Tensor(shape: a.shape, data: out)
    }
}

/// `Square` as its formula reads: y = x ⊙ x, ∂L/∂x = 2x ⊙ dout.
final class ReadableSquare: UnaryLayer {
    let kindName = "Square (readable)"
    private var x: Tensor?

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { $0 * $0 }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return x.zipMap(dout) { 2 * $0 * $1 }
    }
}

// MARK: DeclaresFootprints

/// y = x/(1 + |x|), any shape. Backward: ∂L/∂x = dout/(1 + |x|)².
final class Softsign: UnaryLayer {
    let kindName = "Softsign"
    private var x: Tensor?

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { $0 / (1 + abs($0)) }
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return dout.zipMap(x) { d, x in d / ((1 + abs(x)) * (1 + abs(x))) }
    }
}

/// Elementwise: element i of x moves output i only (every axis linked to itself, radius 0).
extension Softsign: DeclaresFootprints {
    func footprint(of tensor: ProbedTensorID, shape: [Int], outputShape: [Int]) -> [AxisLink]? {
        shape.indices.map { AxisLink(input: $0, output: $0) }
    }
}

// MARK: GradientIdentities

/// y = −x. Backward: ∂L/∂x = −dout.
final class Negate: UnaryLayer {
    let kindName = "Negate"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x * -1 }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout * -1 }
}

/// An exact identity, checked beside the finite differences: ∂L/∂x is −upstream, bit for bit.
extension Negate: GradientIdentities {
    static let negatesUpstream = InvariantName("identity: ∂L/∂x = −upstream")

    func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        _ = try forward(inputs[0])
        let dx = try backwardInput(upstream)
        return dx.data == upstream.data.map { -$0 }
            ? [.pass(Self.negatesUpstream)]
            : [.fail(Self.negatesUpstream, "∂L/∂x is not −upstream")]
    }
}

@Suite struct CapabilityExamplesTests {
    static func input(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .uniform(shape, in: -2..<2, using: &rng)
    }

    static func invariant(_ name: InvariantName, of report: CheckReport) -> Verdict? {
        report.invariants.first { $0.name == name }?.verdict
    }

    @Test func unaryLayerWithBackwardParameters() {
        let report = GradientCheck().run(Bias(), inputs: [Self.input([4, 3])])
        #expect(report.verdict == .pass)
        #expect(Self.invariant(.backwardParameters, of: report) == .pass)
    }

    @Test func decisionLayer() {
        let layer = HardTanh()
        #expect(GradientCheck().run(layer, inputs: [Self.input([4, 5])]).verdict == .pass)
        #expect(Set(layer.decisions) == [-1, 0, 1])
    }

    @Test func modalLayerInBothModes() throws {
        let layer = KeepScale()
        let network = Sequential([layer])
        for training in [true, false] {
            network.setTraining(training)
            #expect(layer.isTraining == training)
            #expect(GradientCheck().run(layer, inputs: [Self.input([3, 4])]).verdict == .pass)
        }
    }

    @Test func resamplingLayerKeepsItsMaskUntilResampled() throws {
        let layer = RandomSign()
        let x = Self.input([8, 8])
        #expect(GradientCheck().run(layer, inputs: [x]).verdict == .pass)
        let before = try layer.forward(x)
        #expect(try layer.forward(x) == before)
        layer.resample()
        #expect(try layer.forward(x) != before)
    }

    @Test func configurableLayer() {
        let layer = Power(k: 3)
        #expect(layer.config["exponent"] == .number(3))
        #expect(GradientCheck().run(layer, inputs: [Self.input([3, 4])]).verdict == .pass)
    }

    @Test func fastPathLayerIsComparedWithItsReference() {
        let report = GradientCheck().run(Square(), inputs: [Self.input([3, 5])])
        #expect(report.verdict == .pass)
        #expect(Self.invariant(.fastPathsMatchReference, of: report) == .pass)
    }

    @Test func declaredFootprintIsUsed() throws {
        let report = GradientCheck().run(Softsign(), inputs: [Self.input([16, 32])])
        #expect(report.verdict == .pass)
        let compression = try #require(report.tensors[0].compression)
        #expect(compression.declared)
        #expect(compression.colours == 1)
    }

    @Test func gradientIdentityIsReported() {
        let report = GradientCheck().run(Negate(), inputs: [Self.input([3, 4])])
        #expect(report.verdict == .pass)
        #expect(Self.invariant(Negate.negatesUpstream, of: report) == .pass)
    }
}
