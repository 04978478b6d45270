import SlopeLayers

/// Cuts a dataset into batches, in order or shuffled once per epoch.
///
/// A short last batch is kept: 200 examples in batches of 90 give 90, 90, 20.
/// Shuffling draws from a `SeededGenerator` whose state checkpoints save, so a resumed
/// run sees the same orders as an unbroken one. In-order batches are cut once and reused.
public struct BatchLoader: Sendable {
    public let dataset: Dataset
    public let batchSize: Int
    public let shuffles: Bool
    /// The shuffling generator (advanced once per epoch when `shuffles`).
    public var generator: SeededGenerator
    private var inOrder: [(x: Tensor, y: Tensor)] = []

    /// - Parameters:
    ///   - batchSize: examples per batch (the last batch may be shorter).
    ///   - shuffleSeed: shuffle each epoch from this seed; `nil` keeps the dataset's order.
    public init(_ dataset: Dataset, batchSize: Int, shuffleSeed: UInt64? = nil) {
        precondition(batchSize >= 1, "batch size \(batchSize) must be at least 1")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffles = shuffleSeed != nil
        self.generator = SeededGenerator(seed: shuffleSeed ?? 0)
        if !shuffles { inOrder = Self.cut(dataset, order: Array(0..<dataset.count), batchSize: batchSize) }
    }

    /// Batch sizes of one epoch, e.g. `[90, 90, 20]`.
    public var batchSizes: [Int] {
        stride(from: 0, to: dataset.count, by: batchSize).map { min(batchSize, dataset.count - $0) }
    }

    /// The batches of the next epoch (shuffling advances the generator).
    public mutating func nextEpoch() -> [(x: Tensor, y: Tensor)] {
        guard shuffles else { return inOrder }
        var order = Array(0..<dataset.count)
        order.shuffle(using: &generator)
        return Self.cut(dataset, order: order, batchSize: batchSize)
    }

    private static func cut(_ dataset: Dataset, order: [Int], batchSize: Int) -> [(x: Tensor, y: Tensor)] {
        stride(from: 0, to: order.count, by: batchSize).map { start in
            dataset.batch(order[start..<min(start + batchSize, order.count)])
        }
    }
}
