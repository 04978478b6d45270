import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// y[n, :] = W[ids[n], :], an embedding as users write it: the ids arrive as a Double tensor of
/// whole numbers (a constant input), the table W is the parameter. Its backward scatters
/// dW[ids[n], :] += dy[n, :]; the planted bug writes `=` instead of `+=`, which only a batch
/// that repeats an id can show. A forward that meets an id that is not a whole number in range
/// traps (as `Int(exactly:)!` does in users' code): the check must never move the ids.
final class Embedding: Layer {
    let kindName = "Embedding"
    let arity = 2
    let W: Parameter
    let assignsInsteadOfAdding: Bool
    private var ids: [Int] = []

    init(vocabulary: Int, features: Int, assignsInsteadOfAdding: Bool = false, using rng: inout SeededGenerator) {
        W = Parameter("W", .uniform([vocabulary, features], in: -1..<1, using: &rng))
        self.assignsInsteadOfAdding = assignsInsteadOfAdding
    }

    var parameters: [Parameter] { [W] }
    var inputNames: [String] { ["ids", "scale"] }

    /// y[n, :] = scale[n] · W[ids[n], :] (the scale is the differentiable input).
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        let (idTensor, scale) = (inputs[0], inputs[1])
        ids = idTensor.data.map { Int(exactly: $0)! }
        let features = W.value.shape[1]
        var y = Tensor.zeros([ids.count, features])
        for (n, id) in ids.enumerated() {
            for f in 0..<features { y.data[n * features + f] = scale.data[n] * W.value.data[id * features + f] }
        }
        scales = scale
        return y
    }
    private var scales = Tensor.zeros([0])

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let features = W.value.shape[1]
        var dScale = Tensor.zeros(scales.shape)
        for (n, id) in ids.enumerated() {
            for f in 0..<features {
                let g = upstream.data[n * features + f]
                dScale.data[n] += g * W.value.data[id * features + f]
                if assignsInsteadOfAdding {
                    W.gradient.data[id * features + f] = g * scales.data[n]
                } else {
                    W.gradient.data[id * features + f] += g * scales.data[n]
                }
            }
        }
        return [Tensor.zeros([ids.count]), dScale]
    }

    /// A batch of 6 that repeats ids 1 and 3, and its scales.
    static func inputs(using rng: inout SeededGenerator) -> [Tensor] {
        [Tensor(shape: [6], data: [1, 3, 0, 1, 3, 2]), .uniform([6], in: 0.5..<1.5, using: &rng)]
    }
}

@Suite("constant inputs")
struct ConstantInputTests {
    @Test("an embedding with constant ids passes, and the report names the ids as constant", arguments: [0, 1, 2] as [UInt64])
    func correctEmbeddingPasses(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let layer = Embedding(vocabulary: 4, features: 3, using: &rng)
        let report = GradientCheck(seed: seed).run(layer, inputs: Embedding.inputs(using: &rng), constantInputs: [0])
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.constantInputs == ["ids"])
        #expect(report.tensors.map(\.tensor.description) == ["input scale", "param W"])
        #expect(report.inputShapes == [[6], [6]])
        let table = TableReport.render(
            VerifyRun(
                method: "", tolerance: .default, mode: .exhaustive, seed: seed, maxInconclusive: 0, reports: [report], seconds: 0)
        )
        #expect(table.contains("input ids") && table.contains("constant"))
    }

    @Test(
        "`=` in place of `+=` in the embedding's backward fails on W when the batch repeats ids",
        arguments: [0, 1, 2] as [UInt64])
    func assignmentBugFails(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let layer = Embedding(vocabulary: 4, features: 3, assignsInsteadOfAdding: true, using: &rng)
        let report = GradientCheck(seed: seed).run(layer, inputs: Embedding.inputs(using: &rng), constantInputs: [0])
        #expect(report.verdict == .fail)
        #expect(report.tensors.first { $0.tensor.name == "W" }?.verdict == .fail)
        #expect(report.tensors.first { $0.tensor.name == "scale" }?.verdict == .pass)
    }

    @Test("a registered case with constant inputs is checked the same way (the gate's door)")
    func registeredCase() throws {
        let item = CheckCase.layer("Embedding", constantInputs: [0]) { seed in
            var rng = SeededGenerator(seed: seed)
            return (Embedding(vocabulary: 4, features: 3, using: &rng), Embedding.inputs(using: &rng))
        }
        let report = item.check(with: GradientCheck())
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.constantInputs == ["ids"])
    }

    @Test("an index out of range among the constants is a failed check that says so, not a trap")
    func badIndex() {
        var rng = SeededGenerator(seed: 0)
        let layer = Embedding(vocabulary: 4, features: 3, using: &rng)
        let report = GradientCheck().run(layer, inputs: Embedding.inputs(using: &rng), constantInputs: [5])
        #expect(report.verdict == .fail)
        #expect(report.error?.contains("constant input indices [5] for 2 inputs") == true)
    }

    @Test("a function's constant input (a mask) is passed exactly and named; a wrong mask gradient path fails")
    func functionWithConstantMask() {
        var rng = SeededGenerator(seed: 9)
        let x = Tensor.uniform([3, 4], in: -1..<1, using: &rng)
        let mask = Tensor(shape: [3, 4], data: (0..<12).map { Double($0 % 3 == 0 ? 0 : 1) })
        let masked = { (v: [Tensor]) -> Tensor in
            precondition(v[1].data.allSatisfy { $0 == 0 || $0 == 1 }, "the mask was moved")
            return v[0] * v[1]
        }
        let right = GradientCheck().run(
            function: masked, vjp: { v, u in [u * v[1], Tensor.zeros(v[1].shape)] }, at: [x, mask],
            inputNames: ["x", "mask"], constantInputs: [1], name: "masked")
        #expect(right.verdict == .pass, "\(right.diagnosis)")
        #expect(right.constantInputs == ["mask"])
        let wrong = GradientCheck().run(
            function: masked, vjp: { _, u in [u, Tensor.zeros(u.shape)] }, at: [x, mask], inputNames: ["x", "mask"],
            constantInputs: [1], name: "masked")
        #expect(wrong.verdict == .fail)
    }
}
