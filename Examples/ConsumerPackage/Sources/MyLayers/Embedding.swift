import SlopeLayers

/// y[n, :] = W[ids[n], :]: token ids (whole numbers, a constant input) look up rows of the
/// table W. Backward scatters dW[ids[n], :] += dy[n, :] — `+=`, since a batch may repeat an id.
public final class Embedding: Layer {
    public let kindName = "Embedding"
    public let W: Parameter
    private var ids: [Int] = []

    public init(vocabulary: Int, features: Int, using rng: inout SeededGenerator) {
        W = Parameter("W", .uniform([vocabulary, features], in: -1..<1, using: &rng))
    }

    public var parameters: [Parameter] { [W] }
    public var inputNames: [String] { ["ids"] }

    public func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        let (vocabulary, features) = (W.value.shape[0], W.value.shape[1])
        ids = inputs[0].data.map { Int($0) }
        guard ids.allSatisfy({ (0..<vocabulary).contains($0) }) else {
            throw .invalidConfig(layer: kindName, key: "ids", reason: "holds an id outside 0..<\(vocabulary)")
        }
        var y = Tensor.zeros([ids.count, features])
        for (n, id) in ids.enumerated() {
            for f in 0..<features { y.data[n * features + f] = W.value.data[id * features + f] }
        }
        return y
    }

    public func backward(_ upstream: Tensor) throws(LayerError) -> [Tensor] {
        let features = W.value.shape[1]
        for (n, id) in ids.enumerated() {
            for f in 0..<features { W.gradient.data[id * features + f] += upstream.data[n * features + f] }
        }
        return [Tensor.zeros([ids.count])]  // ids are data: no gradient
    }
}
