import Foundation
import SlopeAutodiff
import SlopeCheck
import SlopeLayers
import SlopeTesting
import Testing
import _Differentiation

// Custom derivatives a user registers with Swift's autodiff, right and wrong.

/// y = sin(3x) element-wise; ūᵀ∂y/∂x = 3·cos(3x) ⊙ ū.
func sin3(_ x: Tensor) -> Tensor { x.map { sin(3 * $0) } }

@derivative(of: sin3)
func sin3Derivative(_ x: Tensor) -> (value: Tensor, pullback: (Tensor) -> Tensor) {
    (sin3(x), { u in x.zipMap(u) { 3 * cos(3 * $0) * $1 } })
}

/// The same function with a derivative that forgets the chain rule's inner factor 3.
func sin3Forgetful(_ x: Tensor) -> Tensor { x.map { sin(3 * $0) } }

@derivative(of: sin3Forgetful)
func sin3ForgetfulDerivative(_ x: Tensor) -> (value: Tensor, pullback: (Tensor) -> Tensor) {
    (sin3Forgetful(x), { u in x.zipMap(u) { cos(3 * $0) * $1 } })
}

/// x³ in Double, Float, with right and wrong (3x² forgotten as x²) derivatives.
func cube(_ x: Double) -> Double { x * x * x }

@derivative(of: cube)
func cubeDerivative(_ x: Double) -> (value: Double, pullback: (Double) -> Double) { (cube(x), { 3 * x * x * $0 }) }

func cubeForgetful(_ x: Double) -> Double { x * x * x }

@derivative(of: cubeForgetful)
func cubeForgetfulDerivative(_ x: Double) -> (value: Double, pullback: (Double) -> Double) {
    (cubeForgetful(x), { x * x * $0 })
}

/// softplus(x) = log(1 + eˣ) in Float; d/dx = σ(x). The wrong one returns σ(x)·(1 − σ(x)).
func softplus(_ x: Float) -> Float { log(1 + exp(x)) }

@derivative(of: softplus)
func softplusDerivative(_ x: Float) -> (value: Float, pullback: (Float) -> Float) {
    (softplus(x), { 1 / (1 + exp(-x)) * $0 })
}

func softplusWrong(_ x: Float) -> Float { log(1 + exp(x)) }

@derivative(of: softplusWrong)
func softplusWrongDerivative(_ x: Float) -> (value: Float, pullback: (Float) -> Float) {
    let s = 1 / (1 + exp(-x))
    return (softplusWrong(x), { s * (1 - s) * $0 })
}

func softplus(_ x: Double) -> Double { log(1 + exp(x)) }

@derivative(of: softplus)
func softplusDerivative(_ x: Double) -> (value: Double, pullback: (Double) -> Double) {
    (softplus(x), { 1 / (1 + exp(-x)) * $0 })
}

@Suite struct AutodiffCheckTests {
    static func input(_ shape: [Int], seed: UInt64 = 5) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -2..<2, using: &rng)
    }

    @Test func correctCustomDerivativePasses() {
        let x = Self.input([2, 6])
        let report = expectGradientsCorrect(GradientCheck().run(differentiable: sin3, at: x, name: "sin3"))
        #expect(report.verdict == .pass)
        #expect(report.tensors.first?.order?.verdict == .pass)
    }

    @Test func wrongCustomDerivativeIsCaughtWithTheDiagnosis() throws {
        let x = Self.input([2, 6])
        let report = GradientCheck().run(differentiable: sin3Forgetful, at: x, name: "sin3Forgetful")
        #expect(report.verdict == .fail)
        #expect(
            report.diagnosis.hasPrefix("sin3Forgetful input x: 12 of 12 checked elements wrong"), "\(report.diagnosis)")
        #expect(report.tensors.first?.signature?.description == "analytic is 0.3333× numeric")
        #expect(report.tensors.first?.order?.verdict == .fail)
    }

    /// A function built from the registered arithmetic and a custom derivative, through the
    /// differentiator's own chain rule; and the same with the wrong custom derivative inside.
    @Test func compositionsThroughTheChainRule() {
        let x = Self.input([3, 4])
        let right = GradientCheck().run(differentiable: { x in sin3(x) * x + x * 2.0 - x }, at: x, name: "composite")
        #expect(right.verdict == .pass, "\(right.diagnosis)")
        let wrong = GradientCheck().run(differentiable: { x in sin3Forgetful(x) * x }, at: x, name: "composite")
        #expect(wrong.verdict == .fail)
        let loss = GradientCheck().run(differentiable: { x in (sin3(x) * x).sum() }, at: x, name: "Σ x ⊙ sin3(x)")
        #expect(loss.verdict == .pass, "\(loss.diagnosis)")
        let wrongLoss = GradientCheck().run(differentiable: { x in (sin3Forgetful(x) * x).sum() }, at: x)
        #expect(wrongLoss.verdict == .fail)
        let two = GradientCheck().run(
            differentiable: { x, y in x * y + sin3(y) }, at: x, Self.input([3, 4], seed: 6), name: "x ⊙ y + sin3(y)")
        #expect(two.verdict == .pass, "\(two.diagnosis)")
        #expect(two.tensors.map(\.tensor.description) == ["input x", "input y"])
    }

    @Test func doublesAndArrays() {
        #expect(GradientCheck().run(differentiable: cube, at: 1.3, name: "cube").verdict == .pass)
        let wrong = GradientCheck().run(differentiable: cubeForgetful, at: 1.3, name: "cube")
        #expect(wrong.verdict == .fail)
        #expect(wrong.diagnosis.hasPrefix("cube input x: 1 of 1 checked elements wrong"), "\(wrong.diagnosis)")
        // The standard library's own derivatives (sin, exp on Glibc) through the same door.
        #expect(GradientCheck().run(differentiable: { x in sin(3 * x) * exp(x) }, at: 0.4).verdict == .pass)
        let array = GradientCheck().run(
            differentiable: { (x: [Double]) in x.differentiableMap { cube($0) } }, at: [0.5, -1.2, 2], name: "cubes")
        #expect(array.verdict == .pass, "\(array.diagnosis)")
        let wrongArray = GradientCheck().run(
            differentiable: { (x: [Double]) in x.differentiableMap { cubeForgetful($0) } }, at: [0.5, -1.2, 2])
        #expect(wrongArray.verdict == .fail)
    }

    /// Float derivatives: without a twin (the Float-aware rule) and with a Double twin.
    @Test func floats() {
        #expect(GradientCheck().run(differentiable: { (x: Float) in softplus(x) }, at: 0.7).verdict == .pass)
        let wrong = GradientCheck().run(differentiable: softplusWrong, at: 0.7, name: "softplus")
        #expect(wrong.verdict == .fail)
        #expect(wrong.precision == .float)
        let twin = GradientCheck().run(
            differentiable: { (x: Float) in softplus(x) }, twin: { (x: Double) in softplus(x) }, at: 0.7)
        #expect(twin.verdict == .pass, "\(twin.diagnosis)")
        let port = GradientCheck().run(
            differentiable: softplusWrong, twin: { (x: Double) in softplus(x) }, at: 0.7, name: "softplus")
        #expect(port.verdict == .fail)
        #expect(port.diagnosis.contains("\"Float vjp matches its Double twin\" broken"), "\(port.diagnosis)")
        let array = GradientCheck().run(
            differentiable: { (x: [Float]) in x.differentiableMap { softplus($0) } }, at: [0.5, -1.2, 2])
        #expect(array.verdict == .pass, "\(array.diagnosis)")
    }

    /// The differentiator's shapeless zero: the identity of +, − and +=, and widened to the
    /// input's shape when a pullback returns it (a tensor the output does not depend on).
    @Test func shapelessZero() {
        let x = Self.input([2, 3])
        #expect(Tensor.zero + x == x && x + .zero == x && x - .zero == x && Tensor.zero - x == -x)
        var total = Tensor.zero
        total += x
        total += x
        #expect(total == x * 2)
        var moved = x
        moved.move(by: .zero)
        #expect(moved == x)
        // Each registered pullback meets the shapeless zero (an output nobody used) without trapping.
        let product = valueWithPullback(at: x, x, of: { a, b in a * b }).pullback(.zero)
        #expect(product.0 == .zero && product.1 == .zero)
        let scaled = valueWithPullback(at: x, 2.0, of: { a, s in a * s }).pullback(.zero)
        #expect(scaled.0 == .zero && scaled.1 == 0)
        #expect(valueWithPullback(at: x, x, of: { a, b in a - b }).pullback(.zero).1 == .zero)
        #expect(valueWithPullback(at: x, of: { a in a.sum() }).pullback(0) == .zeros(x.shape))
        let report = GradientCheck().run(differentiable: { x, _ in x * 2.0 }, at: x, Self.input([2, 3], seed: 8))
        #expect(report.problem == nil)
        #expect(report.tensors.map(\.verdict) == [.pass, .inconclusive], "\(report.diagnosis)")
    }
}

/// Swift autodiff checks go through the gate's door as any other kind: a registered case whose
/// subject is a check of its own, with its own settings on top of the gate's.
@Suite struct RegisteredAutodiffTests {
    static let registry = try! CheckRegistry(
        suite: "Autodiff",
        cases: [
            CheckCase(name: "sin3", summary: "sin(3x), its derivative registered") { seed in
                var rng = SeededGenerator(seed: seed)
                let x = Tensor.uniform([2, 5], in: -2..<2, using: &rng)
                return .check { check, name in check.run(differentiable: sin3, at: x, name: name) }
            },
            CheckCase(name: "sin3Forgetful", summary: "a derivative that forgets the 3") { seed in
                var rng = SeededGenerator(seed: seed)
                let x = Tensor.uniform([2, 5], in: -2..<2, using: &rng)
                return .check { check, name in check.run(differentiable: sin3Forgetful, at: x, name: name) }
            }.with { check in
                var fast = check
                fast.mode = .fast(directions: 3)
                return fast
            },
        ])

    @Test func registeredAutodiffChecksRunWithTheirOwnSettings() throws {
        let right = Self.registry.cases[0].check(with: GradientCheck())
        #expect(right.verdict == .pass && right.target == "sin3" && right.mode == .exhaustive)
        let forgetful = Self.registry.cases[1].check(with: GradientCheck())
        #expect(forgetful.verdict == .fail)
        #expect(forgetful.mode == .fast(directions: 3))
    }
}
