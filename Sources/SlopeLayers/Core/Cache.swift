/// Helpers shared by layer implementations.
extension Layer {
    /// The cached forward value, or `backwardBeforeForward`.
    func cached<T>(_ value: T?) throws(LayerError) -> T {
        guard let value else { throw .backwardBeforeForward(layer: kindName) }
        return value
    }

    /// Checks that the upstream gradient has the shape of the output.
    func requireUpstream(_ upstream: Tensor, matches output: [Int]) throws(LayerError) {
        guard upstream.shape == output else {
            throw .upstreamShape(layer: kindName, expected: output, actual: upstream.shape)
        }
    }
}
