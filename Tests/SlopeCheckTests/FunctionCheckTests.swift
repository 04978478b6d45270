import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// A function and its vjp go through the same check as a layer: correct ones pass (also at
/// hard inputs), planted bugs fail with the diagnosis, and nothing the closures do crashes it.
@Suite struct FunctionCheckTests {
    static func input(_ shape: [Int], seed: UInt64 = 11, offset: Double = 0) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -2..<2, using: &rng) + offset
    }

    /// y = sin(3x), ūᵀ∂y/∂x = 3·cos(3x) ⊙ ū; `innerFactor` 1 forgets the chain rule's 3.
    static func sin3(innerFactor: Double = 3) -> (([Tensor]) throws -> Tensor, ([Tensor], Tensor) throws -> [Tensor]) {
        ({ x in x[0].map { sin(3 * $0) } }, { x, u in [x[0].zipMap(u) { innerFactor * cos(3 * $0) * $1 }] })
    }

    @Test func correctFunctionPasses() {
        let (f, vjp) = Self.sin3()
        let report = GradientCheck().run(function: f, vjp: vjp, at: [Self.input([3, 4])], name: "sin(3x)")
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.tensors.count == 1 && report.tensors[0].order?.verdict == .pass)
        #expect(report.invariants.contains { $0.name == .backwardLinear && $0.verdict == .pass })
    }

    @Test func forgottenInnerFactorFailsWithTheSignature() throws {
        let (f, vjp) = Self.sin3(innerFactor: 1)
        // (Two rows: with three, the signature would also read the ⅓ as "divided by the batch size".)
        let report = GradientCheck().run(function: f, vjp: vjp, at: [Self.input([2, 6])], name: "sin(3x)")
        #expect(report.verdict == .fail)
        #expect(report.diagnosis.hasPrefix("sin(3x) input x: 12 of 12 checked elements wrong"), "\(report.diagnosis)")
        let signature = try #require(report.tensors.first?.signature)
        #expect(signature.description == "analytic is 0.3333× numeric", "\(signature)")
    }

    /// x ⊙ y and log Σ exp at an offset of 1000 (translation invariant: the hard case of the
    /// soundness suite), correct, pass; with the two gradients swapped, fail.
    @Test func twoInputsAndHardInputs() {
        let product = GradientCheck().run(
            function: { x in x[0] * x[1] }, vjp: { x, u in [u * x[1], u * x[0]] },
            at: [Self.input([2, 3]), Self.input([2, 3], seed: 12)], name: "x ⊙ y")
        #expect(product.verdict == .pass, "\(product.diagnosis)")
        #expect(product.tensors.map(\.tensor.description) == ["input x", "input y"])
        let swapped = GradientCheck().run(
            function: { x in x[0] * x[1] }, vjp: { x, u in [u * x[0], u * x[1]] },
            at: [Self.input([2, 3]), Self.input([2, 3], seed: 12)], name: "x ⊙ y")
        #expect(swapped.verdict == .fail)

        let logSumExp: ([Tensor]) throws -> Tensor = { x in
            let m = x[0].data.max() ?? 0
            return Tensor(scalar: m + log(x[0].data.reduce(0) { $0 + exp($1 - m) }))
        }
        let softmax: ([Tensor], Tensor) throws -> [Tensor] = { x, u in
            let m = x[0].data.max() ?? 0
            let e = x[0].map { exp($0 - m) }
            return [e * (u.scalar / e.sum())]
        }
        let hard = GradientCheck().run(
            function: logSumExp, vjp: softmax, at: [Self.input([6], offset: 1000)], name: "logsumexp")
        #expect(hard.verdict == .pass, "\(hard.diagnosis)")
    }

    @Test func vjpIgnoringItsUpstreamFails() {
        let report = GradientCheck().run(
            function: { x in x[0].map(tanh) }, vjp: { x, _ in [x[0].map { 1 - tanh($0) * tanh($0) }] },
            at: [Self.input([2, 3])], name: "tanh")
        #expect(report.verdict == .fail)
        #expect(report.invariants.contains { $0.name == .backwardLinear && $0.verdict == .fail })
    }

    struct Oops: Error, CustomStringConvertible { var description: String { "log of a negative number" } }

    /// A vjp of the wrong count or shape, and closures that throw: a CheckProblem, never a trap.
    @Test func misbehavingClosuresAreProblemsNotCrashes() {
        let x = Self.input([2, 3])
        let f: ([Tensor]) throws -> Tensor = { x in x[0] }
        let count = GradientCheck().run(function: f, vjp: { _, u in [u, u] }, at: [x])
        #expect(count.problem == .gradientCount(returned: 2, inputs: 1))
        #expect(count.diagnosis.contains("breaks the contract of a function and its vjp"), "\(count.diagnosis)")
        let shape = GradientCheck().run(function: f, vjp: { _, u in [u.reshaped([6])] }, at: [x])
        #expect(shape.problem == .gradientShape(input: "x", shape: [6], expected: [2, 3]))
        let forward = GradientCheck().run(function: { _ in throw Oops() }, vjp: { _, u in [u] }, at: [x], name: "f")
        #expect(forward.problem == .threw(stage: "forward", message: "f: log of a negative number"))
        let backward = GradientCheck().run(function: f, vjp: { _, _ in throw Oops() }, at: [x], name: "f")
        #expect(backward.problem == .threw(stage: "backward", message: "f: log of a negative number"))
        var calls = 0
        let changing = GradientCheck().run(
            function: { x in
                calls += 1
                return calls > 1 ? x[0].reshaped([6]) : x[0]
            }, vjp: { _, u in [u] }, at: [x])
        #expect(changing.problem == .outputShapeChanged(from: [2, 3], to: [6]))
    }
}
