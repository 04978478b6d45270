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

    /// Checks that the upstream gradient is `[rows, columns]` (builds no shape array unless it is not).
    func requireUpstream(_ upstream: Tensor, rows: Int, columns: Int) throws(LayerError) {
        let shape = upstream.shape
        guard shape.count == 2 && shape[0] == rows && shape[1] == columns else {
            throw .upstreamShape(layer: kindName, expected: [rows, columns], actual: shape)
        }
    }
}
