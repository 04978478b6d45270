import SlopeLayers

/// y[n, i] = Σₖ w[k]·x[n, i + k], a valid 1-D convolution with a 3-tap kernel — whose backward
/// loops over the input's width instead of the output's: one read past the end of the upstream.
/// Swift traps on it; the gate reports it as a crashed check and goes on with the others.
public final class OffByOneConv: UnaryLayer {
    public let kindName = "OffByOneConv"
    public let w: Parameter
    private var x: Tensor?

    public init(weights: [Double]) { w = Parameter("w", Tensor(shape: [3], data: weights)) }

    public var parameters: [Parameter] { [w] }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let (n, width) = (x.shape[0], x.shape[1])
        var y = Tensor.zeros([n, width - 2])
        for b in 0..<n {
            for i in 0..<(width - 2) {
                for k in 0..<3 { y.data[b * (width - 2) + i] += w.value.data[k] * x.data[b * width + i + k] }
            }
        }
        return y
    }

    public func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let (n, width) = (x.shape[0], x.shape[1])
        var dx = Tensor.zeros(x.shape)
        for b in 0..<n {
            for i in 0..<width {  // the bug: the output has width − 2 columns
                for k in 0..<3 where i + k < width {
                    dx.data[b * width + i + k] += w.value.data[k] * upstream.data[b * (width - 2) + i]
                    w.gradient.data[k] += upstream.data[b * (width - 2) + i] * x.data[b * width + i + k]
                }
            }
        }
        return dx
    }
}
