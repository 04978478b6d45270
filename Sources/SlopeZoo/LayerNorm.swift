import SlopeLayers

/// A correct layer written the way a user writes one (plain loops, parameters listed): the
/// soundness suite's hard case at large offsets and the compression benchmark's
/// "LayerNorm-like [64, 256]" row check the same code.
///
/// Layer normalisation over the last axis of [N, F]:
/// x̂ = (x − μ)/√(σ² + ε), y = γ ⊙ x̂ + β (μ, σ² per row).
/// Backward: dx̂ = dy ⊙ γ; dx = (dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)) / √(σ² + ε);
/// dγ = Σ_rows dy ⊙ x̂, dβ = Σ_rows dy.
public final class LayerNorm: UnaryLayer {
    public let kindName = "LayerNorm"
    public let gamma: Parameter
    public let beta: Parameter
    public let epsilon = 1e-5
    private var normalized: Tensor?
    private var inverseDeviation: [Double] = []

    public init(features: Int, using generator: inout SeededGenerator) {
        gamma = Parameter("gamma", Tensor.uniform([features], in: 0.5..<1.5, using: &generator))
        beta = Parameter("beta", Tensor.uniform([features], in: -0.5..<0.5, using: &generator))
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
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

    public func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
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
