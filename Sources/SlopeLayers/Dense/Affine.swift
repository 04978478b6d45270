/// A fully connected layer.
///
/// Shapes: x `[N, in]`, W `[in, out]`, b `[out]`, y `[N, out]`.
/// Forward: y = x·W + b.
/// Backward: ∂L/∂x = dout·Wᵀ, ∂L/∂W += xᵀ·dout, ∂L/∂b += Σₙ doutₙ.
public final class Affine: UnaryLayer {
    public let kindName = "Affine"
    public let W: Parameter
    public let b: Parameter
    private var x: Tensor?

    public var inFeatures: Int { W.value.shape[0] }
    public var outFeatures: Int { W.value.shape[1] }
    public var parameters: [Parameter] { [W, b] }

    /// A layer with the given weights (`[in, out]`) and bias (`[out]`).
    public init(weight: Tensor, bias: Tensor) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[1]], "Affine W \(weight.shape), b \(bias.shape)")
        W = Parameter("W", weight)
        b = Parameter("b", bias)
    }

    /// A layer with weights uniform in ±√(6/(in+out)) (Glorot) and zero bias.
    public convenience init(inFeatures: Int, outFeatures: Int, using generator: inout SeededGenerator) {
        let limit = (6.0 / Double(inFeatures + outFeatures)).squareRoot()
        self.init(
            weight: .uniform([inFeatures, outFeatures], in: -limit..<limit, using: &generator),
            bias: .zeros([outFeatures]))
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank == 2, x.shape[1] == inFeatures else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(inFeatures)]", actual: [x.shape])
        }
        self.x = x
        var y = Tensor.zeros([x.shape[0], outFeatures])
        // y = b (broadcast), then y += x·W
        let (n, out) = (x.shape[0], outFeatures)
        y.data.withUnsafeMutableBufferPointer { py in
            b.value.data.withUnsafeBufferPointer { pb in
                for i in 0..<n { for j in 0..<out { py[i * out + j] = pb[j] } }
            }
        }
        Tensor.gemm(x, W.value, into: &y, accumulate: true)
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x)
        try requireUpstream(dout, matches: [x.shape[0], outFeatures])
        Tensor.gemm(x, dout, into: &W.gradient, transposeA: true, accumulate: true)
        let (n, out) = (x.shape[0], outFeatures)
        b.gradient.data.withUnsafeMutableBufferPointer { db in
            dout.data.withUnsafeBufferPointer { d in
                for i in 0..<n { for j in 0..<out { db[j] += d[i * out + j] } }
            }
        }
        return Tensor.matmul(dout, W.value, transposeB: true)
    }
}
