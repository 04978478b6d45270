/// Max pooling over NCHW images (no padding; a ragged edge that no window covers is dropped).
///
/// Shapes: x `[N, C, H, W]`, y `[N, C, Ho, Wo]` with Ho = (H − kh)/sh + 1 (floor).
/// Forward: y = max over each window. Backward: dout goes to the window's argmax
/// (the first maximum on ties), summed where windows overlap. The argmax choices are
/// exposed as decisions for kink tracking.
public final class MaxPool2D: UnaryLayer, DecisionLayer {
    public let kindName = "MaxPool2D"
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    private var inputShape: [Int]?
    private var outputShape: [Int] = []
    private var argmax: [Int] = []

    public init(kernel: (Int, Int), stride: (Int, Int)? = nil) {
        precondition(kernel.0 > 0 && kernel.1 > 0)
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let g = try poolingGeometry(x, kernel: kernel, stride: stride, layer: kindName)
        inputShape = x.shape
        let (n, c) = (x.shape[0], x.shape[1])
        var y = Tensor.zeros([n, c, g.outHeight, g.outWidth])
        outputShape = y.shape
        argmax = [Int](repeating: 0, count: y.count)
        var o = 0
        for plane in 0..<(n * c) {
            let base = plane * g.height * g.width
            for p in 0..<g.outHeight {
                for q in 0..<g.outWidth {
                    var best = -Double.infinity
                    var where_ = base + (p * stride.0) * g.width + q * stride.1
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 {
                            let k = base + (p * stride.0 + i) * g.width + q * stride.1 + j
                            if x.data[k] > best { best = x.data[k]; where_ = k }
                        }
                    }
                    y.data[o] = x.data[where_]
                    argmax[o] = where_
                    o += 1
                }
            }
        }
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let shape = try cached(inputShape)
        try requireUpstream(dout, matches: outputShape)
        var dx = Tensor.zeros(shape)
        for (o, k) in argmax.enumerated() { dx.data[k] += dout.data[o] }
        return dx
    }

    public var decisions: [Int] { argmax }
}

/// Average pooling over NCHW images (no padding; a ragged edge no window covers is dropped).
///
/// Forward: y = mean over each kh×kw window. Backward: each window element gets dout/(kh·kw).
public final class AvgPool2D: UnaryLayer {
    public let kindName = "AvgPool2D"
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    private var inputShape: [Int]?

    public init(kernel: (Int, Int), stride: (Int, Int)? = nil) {
        precondition(kernel.0 > 0 && kernel.1 > 0)
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let g = try poolingGeometry(x, kernel: kernel, stride: stride, layer: kindName)
        inputShape = x.shape
        let (n, c) = (x.shape[0], x.shape[1])
        var y = Tensor.zeros([n, c, g.outHeight, g.outWidth])
        let scale = 1 / Double(kernel.0 * kernel.1)
        var o = 0
        for plane in 0..<(n * c) {
            let base = plane * g.height * g.width
            for p in 0..<g.outHeight {
                for q in 0..<g.outWidth {
                    var total = 0.0
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 { total += x.data[base + (p * stride.0 + i) * g.width + q * stride.1 + j] }
                    }
                    y.data[o] = total * scale
                    o += 1
                }
            }
        }
        return y
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        let shape = try cached(inputShape)
        let g = ConvolutionGeometry(
            channels: shape[1], height: shape[2], width: shape[3], kernel: kernel, stride: stride, padding: (0, 0))
        try requireUpstream(dout, matches: [shape[0], shape[1], g.outHeight, g.outWidth])
        var dx = Tensor.zeros(shape)
        let scale = 1 / Double(kernel.0 * kernel.1)
        var o = 0
        for plane in 0..<(shape[0] * shape[1]) {
            let base = plane * g.height * g.width
            for p in 0..<g.outHeight {
                for q in 0..<g.outWidth {
                    let share = dout.data[o] * scale
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 { dx.data[base + (p * stride.0 + i) * g.width + q * stride.1 + j] += share }
                    }
                    o += 1
                }
            }
        }
        return dx
    }
}

func poolingGeometry(
    _ x: Tensor, kernel: (Int, Int), stride: (Int, Int), layer: String
) throws(LayerError) -> ConvolutionGeometry {
    guard x.rank == 4 else {
        throw .shapeMismatch(layer: layer, expected: "x of shape [N, C, H, W]", actual: [x.shape])
    }
    guard kernel.0 <= x.shape[2], kernel.1 <= x.shape[3] else {
        throw .windowTooLarge(layer: layer, window: [kernel.0, kernel.1], input: [x.shape[2], x.shape[3]])
    }
    return ConvolutionGeometry(
        channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernel: kernel, stride: stride, padding: (0, 0))
}
