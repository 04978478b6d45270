import Foundation
import SlopeLayers

/// Layer normalisation over the last axis, with a learned scale and shift per feature.
///
/// Shapes: x `[…, D]` (any rank ≥ 1), γ `[D]`, β `[D]`, y like x. For each row r of D values:
/// μ = (1/D) Σⱼ xⱼ, σ = √((1/D) Σⱼ (xⱼ − μ)² + ε), x̂ⱼ = (xⱼ − μ)/σ, yⱼ = γⱼ x̂ⱼ + βⱼ.
///
/// Backward, with g = dout ⊙ γ (per row): ∂L/∂x = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / σ;
/// ∂L/∂γ += Σ_rows dout ⊙ x̂; ∂L/∂β += Σ_rows dout.
public final class LayerNorm: UnaryLayer {
    public let kindName = "LayerNorm"
    public let gamma: Parameter
    public let beta: Parameter
    public let epsilon: Double
    /// x̂ and 1/σ of the last forward pass.
    private var normalized: Tensor?
    private var inverseDeviations: [Double] = []

    /// γ and β of `features` values (γ = 1, β = 0 unless given).
    public init(features: Int, gamma: [Double]? = nil, beta: [Double]? = nil, epsilon: Double = 1e-5) {
        self.gamma = Parameter("gamma", Tensor(shape: [features], data: gamma ?? Array(repeating: 1, count: features)))
        self.beta = Parameter("beta", Tensor(shape: [features], data: beta ?? Array(repeating: 0, count: features)))
        self.epsilon = epsilon
    }

    public var parameters: [Parameter] { [gamma, beta] }

    private var features: Int { gamma.value.count }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank >= 1, x.shape.last == features else {
            throw .shapeMismatch(layer: kindName, expected: "[…, \(features)]", actual: [x.shape])
        }
        let d = features, rows = x.count / d
        var xHat = x, y = x
        inverseDeviations = Array(repeating: 0, count: rows)
        for r in 0..<rows {
            let row = x.data[(r * d)..<(r * d + d)]
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
            let inverse = 1 / (variance + epsilon).squareRoot()
            inverseDeviations[r] = inverse
            for j in 0..<d {
                let h = (x.data[r * d + j] - mean) * inverse
                xHat.data[r * d + j] = h
                y.data[r * d + j] = gamma.value.data[j] * h + beta.value.data[j]
            }
        }
        normalized = xHat
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let xHat = normalized else { throw .backwardBeforeForward(layer: kindName) }
        guard dout.shape == xHat.shape else {
            throw .upstreamShape(layer: kindName, expected: xHat.shape, actual: dout.shape)
        }
        let d = features, rows = xHat.count / d
        var dx = dout
        for r in 0..<rows {
            var meanG = 0.0, meanGXHat = 0.0
            for j in 0..<d {
                let g = dout.data[r * d + j] * gamma.value.data[j]
                meanG += g
                meanGXHat += g * xHat.data[r * d + j]
                gamma.gradient.data[j] += dout.data[r * d + j] * xHat.data[r * d + j]
                beta.gradient.data[j] += dout.data[r * d + j]
            }
            meanG /= Double(d)
            meanGXHat /= Double(d)
            for j in 0..<d {
                let g = dout.data[r * d + j] * gamma.value.data[j]
                dx.data[r * d + j] = (g - meanG - xHat.data[r * d + j] * meanGXHat) * inverseDeviations[r]
            }
        }
        return dx
    }
}
