/// Output tensors a layer reuses from call to call, so that a training step allocates nothing.
///
/// For each shape (at most `maximumShapes` of them, e.g. a full batch and a short last
/// batch) it keeps two tensors and hands them out in turn: the one returned by the last
/// call may still be held downstream (the next layer caches its input), the one returned
/// before that normally is not any more. `fill` overwrites the kept tensor in place and
/// returns it; copy-on-write keeps this safe whatever callers still hold: a tensor that is
/// still shared is copied before the write (one allocation), so no tensor a caller holds
/// ever changes.
struct ReusableTensors {
    /// Shapes kept at once; a new shape beyond these drops the oldest.
    static let maximumShapes = 2

    private struct Entry {
        var tensors: [Tensor]
        var turn = 0
    }

    private var entries: [Entry] = []

    init() {}

    /// A `[rows, columns]` tensor whose every element `body` writes (the old contents are stale).
    mutating func fill(
        rows: Int, columns: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> Void
    ) -> Tensor {
        let index =
            entries.firstIndex { entry in
                let shape = entry.tensors[0].shape
                return shape.count == 2 && shape[0] == rows && shape[1] == columns
            } ?? add([rows, columns])
        return use(index, body)
    }

    /// A tensor of `shape` whose every element `body` writes (the old contents are stale).
    mutating func fill(shape: [Int], _ body: (UnsafeMutableBufferPointer<Double>) -> Void) -> Tensor {
        let index = entries.firstIndex { $0.tensors[0].shape == shape } ?? add(shape)
        return use(index, body)
    }

    private mutating func add(_ shape: [Int]) -> Int {
        if entries.count == Self.maximumShapes { entries.removeFirst() }
        entries.append(Entry(tensors: [.zeros(shape), .zeros(shape)]))
        return entries.count - 1
    }

    private mutating func use(_ index: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> Void) -> Tensor {
        let turn = entries[index].turn
        entries[index].turn = 1 - turn
        entries[index].tensors[turn].data.withUnsafeMutableBufferPointer { body($0) }
        return entries[index].tensors[turn]
    }
}
