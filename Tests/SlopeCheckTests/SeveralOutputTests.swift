import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// (r, θ) = polar(x, y) element by element: r = √(x² + y²), θ = atan2(y, x), and its vjp
/// dx = ū_r·x/r − ū_θ·y/r², dy = ū_r·y/r + ū_θ·x/r². The planted bug drops the sign of the
/// θ path's dx, so only output θ carries the wrong gradient.
final class Polar: MultiOutputLayer {
    let kindName = "Polar"
    let arity = 2
    let outputNames = ["r", "theta"]
    let flipsThetaSign: Bool
    private var x = Tensor.zeros([0]), y = Tensor.zeros([0])
    init(flipsThetaSign: Bool = false) { self.flipsThetaSign = flipsThetaSign }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> [Tensor] {
        (x, y) = (inputs[0], inputs[1])
        return [
            x.zipMap(y) { ($0 * $0 + $1 * $1).squareRoot() },
            y.zipMap(x) { atan2($0, $1) },
        ]
    }

    func backward(_ upstreams: [Tensor]) throws(LayerError) -> [Tensor] {
        let (ur, ut) = (upstreams[0], upstreams[1])
        var dx = Tensor.zeros(x.shape), dy = Tensor.zeros(y.shape)
        for i in 0..<x.count {
            let (a, b) = (x.data[i], y.data[i])
            let r2 = a * a + b * b, r = r2.squareRoot()
            dx.data[i] = ur.data[i] * a / r + (flipsThetaSign ? 1 : -1) * ut.data[i] * b / r2
            dy.data[i] = ur.data[i] * b / r + ut.data[i] * a / r2
        }
        return [dx, dy]
    }
}

@Suite("several outputs")
struct SeveralOutputTests {
    static func inputs(seed: UInt64) -> [Tensor] {
        var rng = SeededGenerator(seed: seed)
        return [.uniform([3, 4], in: 0.5..<2, using: &rng), .uniform([3, 4], in: -2..<2, using: &rng)]
    }

    @Test("a correct layer of two outputs passes; the report lists its outputs", arguments: [0, 1, 2] as [UInt64])
    func correctPasses(seed: UInt64) {
        let report = GradientCheck(seed: seed).run(Polar(), inputs: Self.inputs(seed: seed))
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.outputs == ["r", "theta"])
        #expect(report.outputsCarryingError == nil)
    }

    @Test(
        "a bug in one output's path fails, and the report says through which output it flows", arguments: [0, 1, 2] as [UInt64])
    func bugNamesItsOutput(seed: UInt64) {
        let report = GradientCheck(seed: seed).run(Polar(flipsThetaSign: true), inputs: Self.inputs(seed: seed))
        #expect(report.verdict == .fail)
        #expect(report.outputsCarryingError == ["theta"])
        #expect(
            report.diagnosis.contains("the wrong gradient flows through output theta: its upstream alone fails (r alone passes)"))
        #expect(report.tensors.first { $0.tensor.name == "x" }?.verdict == .fail)
    }

    @Test("a function of several outputs, with named inputs, goes through the same door")
    func functionOfSeveralOutputs() {
        let polar = Polar(flipsThetaSign: true)
        let report = GradientCheck().run(
            outputs: { try polar.forward($0) },
            vjp: { x, u in
                _ = try polar.forward(x); return try polar.backward(u)
            },
            at: Self.inputs(seed: 4), inputNames: ["re", "im"], outputNames: ["modulus", "angle"], name: "polar")
        #expect(report.verdict == .fail)
        #expect(report.tensors.map(\.tensor.description) == ["input re", "input im"])
        #expect(report.outputsCarryingError == ["angle"])
    }

    @Test("registered, a layer of several outputs and a function with named inputs run in the gate's door")
    func registered() throws {
        let registry = try CheckRegistry(
            suite: "Outputs",
            cases: [
                .multiOutputLayer("Polar") { seed in (Polar(), Self.inputs(seed: seed)) },
                .function("affine", inputNames: ["x", "W", "b"]) { seed in
                    var rng = SeededGenerator(seed: seed)
                    let inputs: [Tensor] = [
                        .uniform([4, 3], in: -1..<1, using: &rng), .uniform([3, 2], in: -1..<1, using: &rng),
                        .uniform([2], in: -1..<1, using: &rng),
                    ]
                    return (
                        { v in Tensor.matmul(v[0], v[1]).addingRow(v[2]) },
                        { v, u in [Tensor.matmul(u, v[1].transposed()), Tensor.matmul(v[0].transposed(), u), u.sum(axis: 0) * 2]
                        },
                        inputs
                    )
                },
            ])
        let polar = registry.cases[0].check(with: GradientCheck())
        #expect(polar.verdict == .pass && polar.outputs == ["r", "theta"])
        let affine = registry.cases[1].check(with: GradientCheck())
        #expect(affine.verdict == .fail)
        // The doubled bias gradient is reported as input b, not input z.
        #expect(affine.tensors.first { $0.verdict == .fail }?.tensor.description == "input b")
    }
}
