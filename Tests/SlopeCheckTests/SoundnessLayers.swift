import Foundation
import SlopeLayers

// Layers a user might write, for the soundness suite: each correct, with its formula.

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
