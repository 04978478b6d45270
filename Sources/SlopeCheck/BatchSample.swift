import SlopeLayers

/// The first rows of a large batch, where a property of the layer's code can be tested for a
/// fraction of a full pass: the fast-path invariant's readable reference, and the invariants
/// that make passes of their own at other points ("no state between calls", "backward linear in
/// upstream").
///
/// Inputs of more than `sampledAbove` elements (all inputs together) that share a batch axis
/// the output keeps are cut to their first rows, covering at least `sampleElements` input
/// elements and at least two rows (a layer that mixes rows differs there). Every column of a row
/// is in the sample. A layer that rejects the sample, or whose output for it is not the
/// upstream's rows, is tested on everything.
struct BatchSample {
    let rows: Int
    let batch: Int
    let inputs: [Tensor]
    let upstream: Tensor

    /// Above this many input elements, the sample (the reference's plain loops cost hundreds of
    /// the layer's passes there: ReadableConv2D on 8×3×32×32, 0.43 s against fast mode's finite
    /// differences, 0.05 s).
    static let sampledAbove = 16_384
    /// The rows of the sample cover at least this many input elements. (4,096 cost Affine
    /// 64×784's fast check 6.6 ms of reference loops on 6 rows; 2 rows cost a third.)
    static let sampleElements = 1_024

    /// The sample of `inputs`, or nil; `forward` runs the layer on the sampled inputs.
    static func of(_ inputs: [Tensor], upstream: Tensor, forward: ([Tensor]) throws -> Tensor) throws -> BatchSample? {
        let total = inputs.reduce(0) { $0 + $1.count }
        guard total > sampledAbove, let batch = inputs.first?.shape.first, upstream.shape.first == batch,
            inputs.allSatisfy({ $0.shape.first == batch })
        else { return nil }
        let perRow = max(total / batch, 1)
        let rows = max(2, (sampleElements + perRow - 1) / perRow)
        guard rows < batch else { return nil }
        func firstRows(_ t: Tensor) -> Tensor {
            let size = t.count / batch
            return Tensor(shape: [rows] + t.shape.dropFirst(), data: Array(t.data[0..<rows * size]))
        }
        let sampled = inputs.map(firstRows)
        let y = try forward(sampled)
        guard y.shape == [rows] + upstream.shape.dropFirst() else { return nil }
        return BatchSample(rows: rows, batch: batch, inputs: sampled, upstream: firstRows(upstream))
    }

    /// "on the first 2 of 64 rows".
    var words: String { "on the first \(rows) of \(batch) rows" }
}
