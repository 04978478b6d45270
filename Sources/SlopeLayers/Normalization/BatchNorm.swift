/// Batch normalisation over the features of `[N, F]` inputs.
///
/// Training: μ = mean over the batch, σ² = biased variance, x̂ = (x − μ)/√(σ² + ε),
/// y = γ·x̂ + β; the running statistics move by `momentum` toward the batch's.
/// Backward (training): ∂L/∂γ += Σ dout·x̂, ∂L/∂β += Σ dout,
/// ∂L/∂x = (1/N)·(1/√(σ²+ε))·(N·dx̂ − Σ dx̂ − x̂·Σ dx̂·x̂) with dx̂ = dout·γ.
/// Inference: x̂ uses the running statistics, and ∂L/∂x = dout·γ/√(σ²_run + ε).
public final class BatchNorm: UnaryLayer, ModalLayer {
    public let kindName = "BatchNorm"
    public let gamma: Parameter
    public let beta: Parameter
    public let epsilon: Double
    public let momentum: Double
    public var isTraining = true
    public private(set) var runningMean: Tensor
    public private(set) var runningVariance: Tensor
    private var xhat: Tensor?
    private var inverseStd: [Double] = []
    /// The mode of the last forward pass: backward differentiates that function.
    private var forwardWasTraining = true

    public var features: Int { gamma.value.count }
    public var parameters: [Parameter] { [gamma, beta] }

    public init(features: Int, epsilon: Double = 1e-5, momentum: Double = 0.9) {
        precondition(features > 0 && epsilon > 0)
        gamma = Parameter("gamma", Tensor(shape: [features], repeating: 1))
        beta = Parameter("beta", .zeros([features]))
        self.epsilon = epsilon
        self.momentum = momentum
        runningMean = .zeros([features])
        runningVariance = Tensor(shape: [features], repeating: 1)
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank == 2, x.shape[1] == features, x.shape[0] > 0 else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(features)] with N ≥ 1", actual: [x.shape])
        }
        let (n, f) = (x.shape[0], features)
        var mean = [Double](repeating: 0, count: f)
        var variance = [Double](repeating: 0, count: f)
        if isTraining {
            for i in 0..<n { for j in 0..<f { mean[j] += x.data[i * f + j] } }
            for j in 0..<f { mean[j] /= Double(n) }
            for i in 0..<n {
                for j in 0..<f { let d = x.data[i * f + j] - mean[j]; variance[j] += d * d }
            }
            for j in 0..<f { variance[j] /= Double(n) }
            for j in 0..<f {
                runningMean.data[j] = momentum * runningMean.data[j] + (1 - momentum) * mean[j]
                runningVariance.data[j] = momentum * runningVariance.data[j] + (1 - momentum) * variance[j]
            }
        } else {
            mean = runningMean.data
            variance = runningVariance.data
        }
        forwardWasTraining = isTraining
        inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        var xhat = x
        var y = x
        for i in 0..<n {
            for j in 0..<f {
                let k = i * f + j
                xhat.data[k] = (x.data[k] - mean[j]) * inverseStd[j]
                y.data[k] = gamma.value.data[j] * xhat.data[k] + beta.value.data[j]
            }
        }
        self.xhat = xhat
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let xhat = try cached(xhat)
        try requireUpstream(dout, matches: xhat.shape)
        let (n, f) = (xhat.shape[0], features)
        var sumD = [Double](repeating: 0, count: f)
        var sumDX = [Double](repeating: 0, count: f)
        for i in 0..<n {
            for j in 0..<f {
                let k = i * f + j
                sumD[j] += dout.data[k]
                sumDX[j] += dout.data[k] * xhat.data[k]
            }
        }
        for j in 0..<f {
            beta.gradient.data[j] += sumD[j]
            gamma.gradient.data[j] += sumDX[j]
        }
        var dx = dout
        for i in 0..<n {
            for j in 0..<f {
                let k = i * f + j
                let g = gamma.value.data[j]
                if forwardWasTraining {
                    // dx̂ = dout·γ; Σdx̂ = γ·ΣD; Σdx̂·x̂ = γ·ΣDX
                    dx.data[k] =
                        g * inverseStd[j] / Double(n)
                        * (Double(n) * dout.data[k] - sumD[j] - xhat.data[k] * sumDX[j])
                } else {
                    dx.data[k] = dout.data[k] * g * inverseStd[j]
                }
            }
        }
        return dx
    }
}
