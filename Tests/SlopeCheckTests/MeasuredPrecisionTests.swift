import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// A layer as users write them: Double tensors in and out, Float arithmetic inside (a GELU
/// with Float maths, a dense layer in the user's own `[Float]` types). Checked with the plain
/// `GradientCheck()`, nothing telling it about Float.
final class FloatInside: Layer {
    let kindName: String
    let arity: Int
    private let forwardFloat: ([[Float]], [[Int]]) -> [Float]
    private let vjpFloat: ([[Float]], [Float], [[Int]]) -> [[Float]]
    private let shapes: [[Int]]
    private let factor: Float
    private var inputs: [[Float]] = []
    private var outputShape: [Int] = []

    init(_ floatCase: FloatCase, factor: Float = 1) {
        kindName = "\(floatCase.name) in Float" + (factor == 1 ? "" : " ×\(factor)")
        arity = floatCase.shapes.count
        forwardFloat = floatCase.forwardFloat
        vjpFloat = floatCase.vjpFloat
        shapes = floatCase.shapes
        self.factor = factor
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        self.inputs = inputs.map { $0.data.map(Float.init) }
        let y = forwardFloat(self.inputs, shapes)
        outputShape = [y.count]
        return Tensor(shape: [y.count], data: y.map(Double.init))
    }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let grads = vjpFloat(inputs, upstream.data.map(Float.init), shapes)
        return zip(grads, shapes).map { g, shape in Tensor(shape: shape, data: g.map { Double($0 * factor) }) }
    }
}

@Suite("measured precision")
struct MeasuredPrecisionTests {
    @Test("a correct layer with Float arithmetic inside is not failed by the plain check", arguments: FloatCase.all.indices)
    func correctFloatInsidePasses(_ index: Int) {
        let floatCase = FloatCase.all[index]
        for seed: UInt64 in [0, 1, 2] {
            let report = GradientCheck(seed: seed).run(FloatInside(floatCase), inputs: floatCase.inputs(seed: seed))
            #expect(report.verdict != .fail, "\(floatCase) seed \(seed):\n\(report.diagnosis)")
        }
    }

    @Test("a 2% bug in a layer with Float arithmetic inside still fails", arguments: FloatCase.all.indices)
    func buggyFloatInsideFails(_ index: Int) {
        let floatCase = FloatCase.all[index]
        for seed: UInt64 in [0, 1, 2] {
            let report = GradientCheck(seed: seed).run(
                FloatInside(floatCase, factor: 1.02), inputs: floatCase.inputs(seed: seed))
            // tanh at +10 is flat in Float (tanh rounds to 1): nothing can be seen there, and the
            // check says so; everywhere else the bug fails.
            if floatCase.name == "tanh at +10" {
                #expect(report.verdict == .inconclusive, "\(floatCase) seed \(seed): \(report.verdict)")
                #expect(report.diagnosis.contains("computes in Float precision"))
            } else {
                #expect(report.verdict == .fail, "\(floatCase) seed \(seed): \(report.verdict)")
            }
        }
    }

    @Test("the report names the precision it measured, and the invariants' evidence never prints two equal numbers")
    func reportNamesThePrecision() throws {
        let gelu = FloatCase.activation("gelu")
        let report = GradientCheck().run(FloatInside(gelu), inputs: gelu.inputs(seed: 0))
        let rounding = try #require(report.rounding)
        #expect(report.precision == .float && rounding.precision == .float)
        #expect(rounding.description.hasPrefix("computes in Float precision: backward linear in the upstream to"))
        #expect(RoundingLevel.floatBand.contains(rounding.backward))
        #expect(distinguishable(0.1658921, 0.1658923) == ("0.1658921", "0.1658923"))
        #expect(distinguishable(2, 2) == ("2", "2"))
    }

    /// L's rounding, read off the step choice of the largest tensor: Float code rounds L near
    /// 6e-8 of |L|, Double code near 1e-16, and Double code that cancels (a BatchNorm at inputs
    /// offset by 1e6) in between.
    @Test("L's rounding is measured where the step choice measured it")
    func lsRoundingIsMeasured() throws {
        let gelu = FloatCase.activation("gelu")
        let float = try #require(GradientCheck().run(FloatInside(gelu), inputs: gelu.inputs(seed: 0)).rounding)
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.uniform([4, 6], in: -2..<2, using: &rng)
        let plain = try #require(GradientCheck().run(Tanh(), inputs: [x]).rounding)
        let offset = try #require(GradientCheck().run(BatchNorm(features: 6), inputs: [x + 1e6]).rounding)
        #expect(float.forward > 1e-9 && float.forward < 1e-5, "\(float)")
        #expect(plain.forward < 1e-14, "\(plain)")
        #expect(offset.forward > 1e-13 && offset.forward < 1e-7, "\(offset)")
    }

    @Test("every built-in kind and code path measures Double precision and is judged as before")
    func builtInsMeasureDouble() throws {
        for item in CheckRegistry.builtIn.cases {
            let report = item.check(with: GradientCheck())
            #expect(
                report.rounding.map { $0.precision == .double } ?? true, "\(item.name): \(String(describing: report.rounding))")
            #expect(report.precision == nil, "\(item.name)")
        }
    }

    @Test("a backward that ignores its upstream is not mistaken for Float rounding")
    func ignoredUpstreamIsNotRounding() throws {
        final class IgnoresUpstream: UnaryLayer {
            let kindName = "IgnoresUpstream"
            private var y = Tensor.zeros([1])
            func forward(_ x: Tensor) throws(LayerError) -> Tensor {
                y = x.map { tanh($0) }
                return y
            }
            func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor { y.map { 1 - $0 * $0 } }
        }
        var rng = SeededGenerator(seed: 3)
        let report = GradientCheck().run(IgnoresUpstream(), inputs: [.uniform([3, 4], in: -2..<2, using: &rng)])
        #expect(report.verdict == .fail)
        #expect(report.rounding?.precision == .double)
        #expect(report.failedInvariants.contains { $0.name == .backwardLinear })
    }
}

/// tanh in Double whose backward adds a constant 5e-5 to every gradient, whatever the upstream:
/// off by more than rtol (1e-5) but less than Float's (1e-4), and not linear in the upstream by
/// a share (≈ 3e-8 with s = 1 + 3/4096) that looks like Float rounding.
final class TanhPlusConstant: UnaryLayer {
    let kindName = "TanhPlusConstant"
    private var y = Tensor.zeros([0])
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        y = x.map { Foundation.tanh($0) }
        return y
    }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        upstream.zipMap(y) { u, y in u * (1 - y * y) + 5e-5 }
    }
}

@Suite("measured precision: bugs that look like rounding")
struct RoundingLookalikeTests {
    @Test("a gradient off by a constant is not mistaken for Float rounding, and fails", arguments: [0, 1, 2] as [UInt64])
    func constantOffsetFails(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let report = GradientCheck(seed: seed).run(TanhPlusConstant(), inputs: [.uniform([3, 4], in: -2..<2, using: &rng)])
        #expect(report.rounding?.precision == .double, "\(String(describing: report.rounding))")
        #expect(report.verdict == .fail)
    }
}
