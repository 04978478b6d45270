/// 2-D cross-correlation over NCHW images, through im2col and a matrix product.
///
/// Shapes: x `[N, C, H, W]`, W `[O, C, kh, kw]`, b `[O]`, y `[N, O, Ho, Wo]` with
/// Ho = (H + 2ph − kh)/sh + 1 and Wo = (W + 2pw − kw)/sw + 1 (floor), zero padding.
/// Forward: y[n,o] = Σ_c,i,j W[o,c,i,j] · xpad[n, c, sh·p + i, sw·q + j] + b[o];
/// for the whole batch, Y = Wmat·cols where cols = im2col(x) is `[C·kh·kw, N·Ho·Wo]`.
/// Backward: ∂L/∂W += dY·colsᵀ, ∂L/∂b += Σ dY, ∂L/∂x = col2im(Wmatᵀ·dY).
///
/// The three products take CKernels' small loop or OpenBLAS by size (`Tensor.usesBLAS`);
/// `ReadableConv2D` is the same maths as direct loops over the formula above.
public final class Conv2D: UnaryLayer, FastPathLayer {
    public let kindName = "Conv2D"

    public enum Path: CaseIterable, CustomStringConvertible, Sendable {
        /// CKernels' `slope_gemm_small` for every product.
        case loops
        /// OpenBLAS `dgemm` for every product.
        case blas
        public var description: String { self == .loops ? "C loops" : "OpenBLAS" }
    }
    public var availablePaths: [Path] { Path.allCases }
    public var forcedPath: Path?
    public func readableReference() -> any Layer {
        ReadableConv2D(weight: W.value, bias: b.value, stride: stride, padding: padding)
    }
    public let W: Parameter
    public let b: Parameter
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    private var x: Tensor?
    // Work buffers kept between calls (sized on first use, every entry overwritten before
    // it is read), so repeated passes at one shape allocate and page-fault nothing new.
    private var columns: [Double] = []
    private var product: [Double] = []
    private var columnGradient: [Double] = []
    private var outputGradient: [Double] = []

    public var outChannels: Int { W.value.shape[0] }
    public var inChannels: Int { W.value.shape[1] }
    public var kernel: (Int, Int) { (W.value.shape[2], W.value.shape[3]) }
    public var parameters: [Parameter] { [W, b] }

    public init(weight: Tensor, bias: Tensor, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        precondition(weight.rank == 4 && bias.shape == [weight.shape[0]], "Conv2D W \(weight.shape), b \(bias.shape)")
        precondition(stride.0 > 0 && stride.1 > 0 && padding.0 >= 0 && padding.1 >= 0)
        W = Parameter("W", weight)
        b = Parameter("b", bias)
        self.stride = stride
        self.padding = padding
    }

    /// He-uniform weights (±√(6/fan_in)) and zero bias.
    public convenience init(
        inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), using generator: inout SeededGenerator
    ) {
        let fanIn = inChannels * kernel.0 * kernel.1
        let limit = (6.0 / Double(fanIn)).squareRoot()
        self.init(
            weight: .uniform([outChannels, inChannels, kernel.0, kernel.1], in: -limit..<limit, using: &generator),
            bias: .zeros([outChannels]), stride: stride, padding: padding)
    }

    var geometry: ConvolutionGeometry?

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        guard x.rank == 4, x.shape[1] == inChannels else {
            throw .shapeMismatch(layer: kindName, expected: "x of shape [N, \(inChannels), H, W]", actual: [x.shape])
        }
        let g = ConvolutionGeometry(
            channels: inChannels, height: x.shape[2], width: x.shape[3],
            kernel: kernel, stride: stride, padding: padding)
        guard g.outHeight > 0, g.outWidth > 0 else {
            throw .windowTooLarge(
                layer: kindName, window: [kernel.0, kernel.1],
                input: [x.shape[2] + 2 * padding.0, x.shape[3] + 2 * padding.1])
        }
        self.x = x
        geometry = g
        // One matrix product for the whole batch: cols is [C·kh·kw, N·Ho·Wo] (image n's
        // columns at n·Ho·Wo), Y = Wmat·cols is [O, N·Ho·Wo], then y[n, o] = Y[o, n] + b[o].
        let n = x.shape[0]
        let (rows, plane) = (g.columnRows, g.columnCount)
        let width = n * plane
        let imageSize = inChannels * g.height * g.width
        resize(&columns, rows * width)
        resize(&product, outChannels * width)
        var y = Tensor.zeros([n, outChannels, g.outHeight, g.outWidth])
        x.data.withUnsafeBufferPointer { px in
            columns.withUnsafeMutableBufferPointer { pc in
                for image in 0..<n {
                    g.im2col(px.baseAddress! + image * imageSize, into: pc.baseAddress! + image * plane, rowStride: width)
                }
                W.value.data.withUnsafeBufferPointer { pw in
                    product.withUnsafeMutableBufferPointer { pp in
                        Tensor.gemm(
                            m: outChannels, n: width, k: rows, a: pw.baseAddress!, lda: rows, transposeA: false,
                            b: pc.baseAddress!, ldb: width, transposeB: false, c: pp.baseAddress!, accumulate: false,
                            forceBLAS: forcedPath.map { $0 == .blas })
                    }
                }
            }
        }
        y.data.withUnsafeMutableBufferPointer { py in
            product.withUnsafeBufferPointer { pp in
                b.value.data.withUnsafeBufferPointer { pb in
                    for image in 0..<n {
                        for o in 0..<outChannels {
                            let source = pp.baseAddress! + o * width + image * plane
                            let target = py.baseAddress! + (image * outChannels + o) * plane
                            let bias = pb[o]
                            for p in 0..<plane { target[p] = source[p] + bias }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let x = try cached(x), g = try cached(geometry)
        let n = x.shape[0]
        try requireUpstream(dout, matches: [n, outChannels, g.outHeight, g.outWidth])
        let (rows, plane) = (g.columnRows, g.columnCount)
        let width = n * plane
        let imageSize = inChannels * g.height * g.width
        // dY as [O, N·Ho·Wo], matching the columns' layout.
        resize(&outputGradient, outChannels * width)
        dout.data.withUnsafeBufferPointer { pd in
            outputGradient.withUnsafeMutableBufferPointer { pg in
                for image in 0..<n {
                    for o in 0..<outChannels {
                        let source = pd.baseAddress! + (image * outChannels + o) * plane
                        let target = pg.baseAddress! + o * width + image * plane
                        var total = 0.0
                        for p in 0..<plane {
                            target[p] = source[p]
                            total += source[p]
                        }
                        b.gradient.data[o] += total
                    }
                }
            }
        }
        var dx = Tensor.zeros(x.shape)
        resize(&columnGradient, rows * width)
        outputGradient.withUnsafeBufferPointer { pg in
            columns.withUnsafeBufferPointer { pc in
                W.gradient.data.withUnsafeMutableBufferPointer { pdw in
                    // dW[o, r] += Σ dY[o, ·] · cols[r, ·]
                    Tensor.gemm(
                        m: outChannels, n: rows, k: width, a: pg.baseAddress!, lda: width, transposeA: false,
                        b: pc.baseAddress!, ldb: width, transposeB: true, c: pdw.baseAddress!, accumulate: true,
                        forceBLAS: forcedPath.map { $0 == .blas })
                }
            }
            W.value.data.withUnsafeBufferPointer { pw in
                columnGradient.withUnsafeMutableBufferPointer { pdc in
                    // dcols = Wmatᵀ · dY
                    Tensor.gemm(
                        m: rows, n: width, k: outChannels, a: pw.baseAddress!, lda: rows, transposeA: true,
                        b: pg.baseAddress!, ldb: width, transposeB: false, c: pdc.baseAddress!, accumulate: false,
                        forceBLAS: forcedPath.map { $0 == .blas })
                }
            }
        }
        columnGradient.withUnsafeBufferPointer { pdc in
            dx.data.withUnsafeMutableBufferPointer { pdx in
                for image in 0..<n {
                    g.col2im(pdc.baseAddress! + image * plane, rowStride: width, into: pdx.baseAddress! + image * imageSize)
                }
            }
        }
        return dx
    }
}

/// Makes `buffer` hold exactly `count` elements, reallocating only when the size changes.
private func resize(_ buffer: inout [Double], _ count: Int) {
    if buffer.count != count { buffer = [Double](repeating: 0, count: count) }
}

/// Index arithmetic of a windowed operation over one `[C, H, W]` image.
struct ConvolutionGeometry {
    let channels: Int, height: Int, width: Int
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    var outHeight: Int {
        let span = height + 2 * padding.0 - kernel.0
        return span < 0 ? 0 : span / stride.0 + 1
    }
    var outWidth: Int {
        let span = width + 2 * padding.1 - kernel.1
        return span < 0 ? 0 : span / stride.1 + 1
    }
    var columnRows: Int { channels * kernel.0 * kernel.1 }
    var columnCount: Int { outHeight * outWidth }

    /// cols[(c, i, j), (p, q)] = xpad[c, p·sh + i, q·sw + j] (zero outside the image);
    /// consecutive rows of cols are `rowStride` apart (Ho·Wo for one image alone). Each row of
    /// output positions copies the span of q whose input column lies inside the image and
    /// zeroes the rest: no test per entry.
    func im2col(_ x: UnsafePointer<Double>, into cols: UnsafeMutablePointer<Double>, rowStride: Int? = nil) {
        let stride_ = rowStride ?? (outHeight * outWidth)
        let (oh, ow) = (outHeight, outWidth)
        let (sh, sw) = stride
        var row = 0
        for c in 0..<channels {
            let image = x + c * height * width
            for i in 0..<kernel.0 {
                for j in 0..<kernel.1 {
                    let out = cols + row * stride_
                    let offset = j - padding.1
                    let inside = Self.inside(offset: offset, stride: sw, count: ow, limit: width)
                    for p in 0..<oh {
                        let h = p * sh + i - padding.0
                        let segment = out + p * ow
                        guard h >= 0, h < height else {
                            segment.update(repeating: 0, count: ow)
                            continue
                        }
                        let source = image + h * width
                        segment.update(repeating: 0, count: inside.lowerBound)
                        for q in inside { segment[q] = source[q * sw + offset] }
                        (segment + inside.upperBound).update(repeating: 0, count: ow - inside.upperBound)
                    }
                    row += 1
                }
            }
        }
    }

    /// The adjoint of im2col: adds each column entry back onto the image position it came from.
    func col2im(_ cols: UnsafePointer<Double>, rowStride: Int? = nil, into x: UnsafeMutablePointer<Double>) {
        let stride_ = rowStride ?? (outHeight * outWidth)
        let (oh, ow) = (outHeight, outWidth)
        let (sh, sw) = stride
        var row = 0
        for c in 0..<channels {
            let image = x + c * height * width
            for i in 0..<kernel.0 {
                for j in 0..<kernel.1 {
                    let source = cols + row * stride_
                    let offset = j - padding.1
                    let inside = Self.inside(offset: offset, stride: sw, count: ow, limit: width)
                    for p in 0..<oh {
                        let h = p * sh + i - padding.0
                        guard h >= 0, h < height else { continue }
                        let target = image + h * width
                        let segment = source + p * ow
                        for q in inside { target[q * sw + offset] += segment[q] }
                    }
                    row += 1
                }
            }
        }
    }

    /// The q in 0..<count with 0 ≤ q·stride + offset < limit (one span: q·stride + offset grows with q).
    static func inside(offset: Int, stride: Int, count: Int, limit: Int) -> Range<Int> {
        let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let end = limit - 1 - offset < 0 ? 0 : (limit - 1 - offset) / stride + 1
        let lower = min(first, count)
        return lower..<min(max(end, lower), count)
    }
}
