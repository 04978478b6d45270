import Foundation
import SlopeLayers

// Layers a user might write, for the soundness suite: each correct, with its formula.

/// Layer normalisation over the last axis of [N, F]:
/// x̂ = (x − μ)/√(σ² + ε), y = γ ⊙ x̂ + β (μ, σ² per row).
/// Backward: dx̂ = dy ⊙ γ; dx = (dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)) / √(σ² + ε);
/// dγ = Σ_rows dy ⊙ x̂, dβ = Σ_rows dy.
final class TestLayerNorm: UnaryLayer {
    let kindName = "LayerNorm"
    let gamma: Parameter
    let beta: Parameter
    let epsilon = 1e-5
    private var normalized: Tensor?
    private var inverseDeviation: [Double] = []

    init(features: Int, using generator: inout SeededGenerator) {
        gamma = Parameter("gamma", Tensor.uniform([features], in: 0.5..<1.5, using: &generator))
        beta = Parameter("beta", Tensor.uniform([features], in: -0.5..<0.5, using: &generator))
    }

    var parameters: [Parameter] { [gamma, beta] }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let (n, f) = (x.shape[0], x.shape[1])
        var xhat = Tensor.zeros(x.shape)
        var y = Tensor.zeros(x.shape)
        inverseDeviation = []
        for r in 0..<n {
            let row = x.data[(r * f)..<((r + 1) * f)]
            let mean = row.reduce(0, +) / Double(f)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(f)
            let inverse = 1 / (variance + epsilon).squareRoot()
            inverseDeviation.append(inverse)
            for c in 0..<f {
                xhat.data[r * f + c] = (x.data[r * f + c] - mean) * inverse
                y.data[r * f + c] = gamma.value.data[c] * xhat.data[r * f + c] + beta.value.data[c]
            }
        }
        normalized = xhat
        return y
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let xhat = normalized else { throw .backwardBeforeForward(layer: kindName) }
        let (n, f) = (xhat.shape[0], xhat.shape[1])
        var dx = Tensor.zeros(xhat.shape)
        for r in 0..<n {
            var dxhat = [Double](repeating: 0, count: f)
            for c in 0..<f {
                let i = r * f + c
                dxhat[c] = dy.data[i] * gamma.value.data[c]
                gamma.gradient.data[c] += dy.data[i] * xhat.data[i]
                beta.gradient.data[c] += dy.data[i]
            }
            let meanD = dxhat.reduce(0, +) / Double(f)
            var meanDX = 0.0
            for c in 0..<f { meanDX += dxhat[c] * xhat.data[r * f + c] }
            meanDX /= Double(f)
            for c in 0..<f {
                dx.data[r * f + c] = (dxhat[c] - meanD - xhat.data[r * f + c] * meanDX) * inverseDeviation[r]
            }
        }
        return dx
    }
}

/// y = sin(40x), dy/dx = 40·cos(40x): smooth, with curvature 1600.
final class Sin40: UnaryLayer {
    let kindName = "Sin40"
    private var x: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return Tensor(shape: x.shape, data: x.data.map { sin(40 * $0) })
    }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return Tensor(shape: x.shape, data: zip(x.data, dy.data).map { 40 * cos(40 * $0) * $1 })
    }
}

/// y = clamp(x, −1, 1); dy/dx = 1 strictly inside, 0 outside and at ±1 (one of the one-sided
/// derivatives there). Not a `DecisionLayer`: its kinks are found by the evidence alone.
final class Hardtanh: UnaryLayer {
    let kindName = "Hardtanh"
    private var x: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return Tensor(shape: x.shape, data: x.data.map { min(1, max(-1, $0)) })
    }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return Tensor(shape: x.shape, data: zip(x.data, dy.data).map { $0 > -1 && $0 < 1 ? $1 : 0 })
    }
}

/// y = s·f(x) for any layer f: outputs (and gradients) of any scale.
final class Scaled: Layer {
    let inner: any Layer
    let scale: Double
    var kindName: String { "\(formatNumber(scale))·\(inner.kindName)" }
    var arity: Int { inner.arity }
    var parameters: [Parameter] { inner.parameters }

    init(_ inner: any Layer, by scale: Double) {
        self.inner = inner
        self.scale = scale
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor { try inner.forward(inputs) * scale }
    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] { try inner.backward(upstream * scale) }
}

/// A planted bug: every gradient of `inner` (inputs and parameters) multiplied by `factor`.
final class Planted: Layer {
    let inner: any Layer
    let factor: Double
    var kindName: String { inner.kindName }
    var arity: Int { inner.arity }
    var parameters: [Parameter] { inner.parameters }

    init(_ inner: any Layer, factor: Double) {
        self.inner = inner
        self.factor = factor
    }

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor { try inner.forward(inputs) }

    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let before = parameters.map(\.gradient)
        let gradients = try inner.backward(upstream)
        for (parameter, old) in zip(parameters, before) {
            parameter.gradient = old + (parameter.gradient - old) * factor
        }
        return gradients.map { $0 * factor }
    }
}

// Layers that break the contract of `Layer`, for the checker-never-crashes tests.

/// Returns a gradient whose data does not fill its shape (its `data` array was resized).
final class ResizedGradient: UnaryLayer {
    let kindName = "ResizedGradient"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        var g = dy
        g.data.removeLast()
        return g
    }
}

/// Returns no gradient at all.
final class NoGradients: Layer {
    let kindName = "NoGradients"
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor { inputs[0] }
    func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] { [] }
}

/// Throws in forward after its first call, or in backward always.
final class Throwing: UnaryLayer {
    let kindName = "Throwing"
    let inBackward: Bool
    private var calls = 0
    init(inBackward: Bool) { self.inBackward = inBackward }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        calls += 1
        if !inBackward && calls > 1 { throw .invalidConfig(layer: kindName, key: "calls", reason: "refuses a second call") }
        return x
    }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        if inBackward { throw .backwardBeforeForward(layer: kindName) }
        return dy
    }
}

/// A parameter gradient of the wrong shape.
final class WrongParameterGradient: UnaryLayer {
    let kindName = "WrongParameterGradient"
    let w = Parameter("w", Tensor(shape: [2], data: [0.5, 1.5]))
    var parameters: [Parameter] { [w] }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x * w.value.data[0] }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        w.gradient = Tensor(shape: [3], data: [1, 2, 3])
        return dy * w.value.data[0]
    }
}

/// Returns NaN gradients.
final class NaNGradient: UnaryLayer {
    let kindName = "NaNGradient"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor { dy * .nan }
}
