import CKernels

/// A fully connected layer.
///
/// Shapes: x `[N, in]`, W `[in, out]`, b `[out]`, y `[N, out]`.
/// Forward: y = x·W + b.
/// Backward: ∂L/∂x = dout·Wᵀ, ∂L/∂W += xᵀ·dout, ∂L/∂b += Σₙ doutₙ.
///
/// Two paths: below `Tensor.blasThreshold` multiply-adds, one blocked C pass
/// (`slope_affine_forward`/`slope_affine_backward`); from there on, OpenBLAS.
/// `ReadableAffine` is the same maths as plain loops.
public final class Affine: UnaryLayer, FastPathLayer {
    public let kindName = "Affine"

    public enum Path: CaseIterable, CustomStringConvertible, Sendable {
        /// CKernels' blocked loops (small operands).
        case kernel
        /// OpenBLAS `dgemm` (large operands).
        case blas
        public var description: String { self == .kernel ? "C kernel" : "OpenBLAS" }
    }
    public var availablePaths: [Path] { Path.allCases }
    @exclusivity(unchecked) public var forcedPath: Path?
    public func readableReference() -> any Layer { ReadableAffine(weight: W.value, bias: b.value) }

    /// The kernel for products under `Tensor.blasThreshold` multiply-adds, unless forced.
    private func takesKernel(_ n: Int, _ inCount: Int, _ out: Int) -> Bool {
        forcedPath.map { $0 == .kernel } ?? (n * inCount * out < Tensor.blasThreshold)
    }
    public let W: Parameter
    public let b: Parameter
    // Unchecked exclusivity, as `Parameter`'s: accessed on every pass, never overlapping.
    @exclusivity(unchecked) private var x: Tensor?
    /// y and ∂L/∂x are written into reused tensors (see `ReusableTensors`).
    @exclusivity(unchecked) private var outputs = ReusableTensors()
    @exclusivity(unchecked) private var inputGradients = ReusableTensors()

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

    // The passes below read W and b in place (`withParameters`) and write each gradient
    // through one in-place access: a copy of a tensor (`let weight = W.value`) costs a
    // retain and a release of each of its two arrays, on every pass.

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let (inCount, out) = (inFeatures, outFeatures)
        guard x.rank == 2, x.shape[1] == inCount else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(inCount)]", actual: [x.shape])
        }
        self.x = x
        let n = x.shape[0]
        let small = takesKernel(n, inCount, out)
        return outputs.fill(rows: n, columns: out) { y in
            x.data.withUnsafeBufferPointer { px in
                withParameters { pw, pb in
                    if small {  // one C pass: bias and product together
                        slope_affine_forward(n, inCount, out, px.baseAddress, pw.baseAddress, pb.baseAddress, y.baseAddress)
                        return
                    }
                    // y = b (broadcast), then y += x·W
                    for i in 0..<n { for j in 0..<out { y[i * out + j] = pb[j] } }
                    Tensor.gemm(
                        m: n, n: out, k: inCount, a: px.baseAddress!, lda: inCount, transposeA: false,
                        b: pw.baseAddress!, ldb: out, transposeB: false, c: y.baseAddress!, accumulate: true, forceBLAS: true)
                }
            }
        }
    }

    /// W's and b's values, read in place: through mutating accesses, which cost a uniqueness
    /// test where a read access copies the array out (a retain and a release); were a value
    /// shared (a trainer's snapshot holds them), copy-on-write would copy it first, unchanged.
    private func withParameters(_ body: (_ W: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Void) {
        W.value.data.withUnsafeMutableBufferPointer { pw in
            b.value.data.withUnsafeMutableBufferPointer { pb in body(UnsafeBufferPointer(pw), UnsafeBufferPointer(pb)) }
        }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let n = try cachedRows()
        let (inCount, out) = (inFeatures, outFeatures)
        try requireUpstream(dout, rows: n, columns: out)
        if takesKernel(n, inCount, out) {
            return inputGradients.fill(rows: n, columns: inCount) { dx in smallBackward(dout, dx) }
        }
        accumulateParameterGradients(dout)
        return inputGradients.fill(rows: n, columns: inCount) { dx in
            dout.data.withUnsafeBufferPointer { d in
                withParameters { pw, _ in
                    Tensor.gemm(
                        m: n, n: inCount, k: out, a: d.baseAddress!, lda: out, transposeA: false,
                        b: pw.baseAddress!, ldb: out, transposeB: true, c: dx.baseAddress!, accumulate: false, forceBLAS: true)
                }
            }
        }
    }

    /// ∂L/∂W += xᵀ·dout and ∂L/∂b += Σₙ doutₙ, as `backwardInput` adds them, without ∂L/∂x.
    public func backwardParameters(_ dout: Tensor) throws(LayerError) {
        let n = try cachedRows()
        let (inCount, out) = (inFeatures, outFeatures)
        try requireUpstream(dout, rows: n, columns: out)
        if takesKernel(n, inCount, out) {
            smallBackward(dout, nil)
        } else {
            accumulateParameterGradients(dout)
        }
    }

    /// The rows of the cached input, or `backwardBeforeForward`.
    private func cachedRows() throws(LayerError) -> Int {
        guard let n = x?.shape[0] else { throw .backwardBeforeForward(layer: kindName) }
        return n
    }

    /// The cached input's elements, read in place (`backward*` checked that there is one).
    private func withInput(_ body: (UnsafeBufferPointer<Double>) -> Void) {
        x?.data.withUnsafeBufferPointer(body)
    }

    /// ∂L/∂W += xᵀ·dout (BLAS above the threshold), ∂L/∂b += Σₙ doutₙ.
    private func accumulateParameterGradients(_ dout: Tensor) {
        let (n, inCount, out) = (dout.shape[0], inFeatures, outFeatures)
        dout.data.withUnsafeBufferPointer { d in
            withInput { px in
                W.gradient.data.withUnsafeMutableBufferPointer { dW in
                    Tensor.gemm(
                        m: inCount, n: out, k: n, a: px.baseAddress!, lda: inCount, transposeA: true,
                        b: d.baseAddress!, ldb: out, transposeB: false, c: dW.baseAddress!, accumulate: true, forceBLAS: true)
                }
            }
            b.gradient.data.withUnsafeMutableBufferPointer { db in
                for i in 0..<n { for j in 0..<out { db[j] += d[i * out + j] } }
            }
        }
    }

    /// The backward for operands below `Tensor.blasThreshold`: one C pass over the batch,
    /// writing ∂L/∂x into `dx` unless it is nil.
    private func smallBackward(_ dout: Tensor, _ dx: UnsafeMutableBufferPointer<Double>?) {
        let (n, inCount, out) = (dout.shape[0], inFeatures, outFeatures)
        dout.data.withUnsafeBufferPointer { d in
            withInput { px in
                withParameters { pw, _ in
                    W.gradient.data.withUnsafeMutableBufferPointer { dW in
                        b.gradient.data.withUnsafeMutableBufferPointer { db in
                            slope_affine_backward(
                                n, inCount, out, px.baseAddress, pw.baseAddress, d.baseAddress,
                                dW.baseAddress, db.baseAddress, dx?.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
