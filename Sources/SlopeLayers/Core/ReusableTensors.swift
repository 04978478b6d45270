/// Output tensors a layer reuses from call to call, so that a training step allocates nothing.
///
/// For each shape (at most `maximumShapes` of them, e.g. a full batch and a short last
/// batch) it keeps two tensors and hands them out in turn: the one returned by the last
/// call may still be held downstream (the next layer caches its input), the one returned
/// before that normally is not any more. `fill` overwrites the kept tensor in place and
/// returns it; copy-on-write keeps this safe whatever callers still hold: a tensor that is
/// still shared is copied before the write (one allocation), so no tensor a caller holds
/// ever changes.
///
/// The two shapes are two stored entries rather than an array of entries: the lookup and
/// the in-place write then touch no array buffer but the tensor's own (no retain/release
/// on the step's hot path).
struct ReusableTensors {
    /// Shapes kept at once; a new shape beyond these drops the oldest.
    static let maximumShapes = 2

    private struct Entry {
        var tensors: (Tensor, Tensor)
        var usesSecond = false

        init(_ shape: [Int]) { tensors = (.zeros(shape), .zeros(shape)) }

        func has(rows: Int, columns: Int) -> Bool {
            let shape = tensors.0.shape
            return shape.count == 2 && shape[0] == rows && shape[1] == columns
        }

        /// Writes the tensor whose turn it is and returns it.
        mutating func use(_ body: (UnsafeMutableBufferPointer<Double>) -> Void) -> Tensor {
            usesSecond.toggle()
            if usesSecond {  // the first call uses the first tensor, as `turn` 0 did
                tensors.0.data.withUnsafeMutableBufferPointer { body($0) }
                return tensors.0
            }
            tensors.1.data.withUnsafeMutableBufferPointer { body($0) }
            return tensors.1
        }
    }

    /// The most recently added shape's entry, and the one added before it.
    private var newest: Entry?
    private var older: Entry?

    init() {}

    /// A `[rows, columns]` tensor whose every element `body` writes (the old contents are stale).
    mutating func fill(
        rows: Int, columns: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> Void
    ) -> Tensor {
        if newest?.has(rows: rows, columns: columns) == true { return newest!.use(body) }
        if older?.has(rows: rows, columns: columns) == true { return older!.use(body) }
        add([rows, columns])
        return newest!.use(body)
    }

    /// A tensor of `shape` whose every element `body` writes (the old contents are stale).
    mutating func fill(shape: [Int], _ body: (UnsafeMutableBufferPointer<Double>) -> Void) -> Tensor {
        if newest?.tensors.0.shape == shape { return newest!.use(body) }
        if older?.tensors.0.shape == shape { return older!.use(body) }
        add(shape)
        return newest!.use(body)
    }

    /// Makes `shape` the newest entry, dropping the oldest (`maximumShapes` is two: `newest`
    /// and `older`).
    private mutating func add(_ shape: [Int]) {
        older = newest
        newest = Entry(shape)
    }
}
