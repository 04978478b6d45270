import SlopeLayers

/// The classic experiments by name — the words `slope fit` takes — with their defaults
/// and the sample of their own data a gradient check looks at before training.
public enum Experiment: String, CaseIterable, Sendable {
    /// `Experiments.sine`: y = 20·sin(2πx) with a [1, 25, 1] sigmoid network.
    case sine
    /// `Experiments.chain`: the three-weight chain w3·w2·w1·x.
    case chain
    /// `Experiments.spiral`: a 3-class spiral classifier.
    case spiral

    /// What the experiment uses for each `RunOptions` field left `nil`: the one place
    /// these numbers are written (the CLI's help text reads them from here).
    public var defaults: ExperimentDefaults {
        switch self {
        case .sine: .sine
        case .chain: .chain
        case .spiral: .spiral
        }
    }

    /// The number of points in the experiment's data set (a batch can be no larger).
    public var dataSize: Int {
        switch self {
        case .sine: Dataset.sine().count
        case .chain: Dataset.chain().count
        case .spiral: ExperimentDefaults.spiralPointsPerClass * ExperimentDefaults.spiralClasses
        }
    }

    /// The network the experiment trains — its architecture, initial weights and loss —
    /// with six points of its own data, for a gradient check before training.
    ///
    /// The points are spread over the data set, starting half a stride in: the first point
    /// of the spiral is the origin, where every hidden ReLU sits exactly at its kink
    /// (biases start at 0) and a check could only say "inconclusive".
    public func checkSample(seed: UInt64? = nil, buggyChain: Bool = false)
        -> (network: Sequential, input: Tensor, target: Tensor)
    {
        let (network, data): (Sequential, Dataset)
        switch self {
        case .sine:
            (network, data) = (Experiments.sineNetwork(seed: seed), Dataset.sine())
        case .chain:
            let seed = seed ?? ExperimentDefaults.chain.seed ?? 0
            (network, data) = (Experiments.chainNetwork(seed: seed, buggyGradient: buggyChain), Dataset.chain())
        case .spiral:
            let seed = seed ?? ExperimentDefaults.spiral.seed ?? 0
            (network, data) = (Experiments.spiralNetwork(seed: seed), Experiments.spiralData(seed: seed))
        }
        let stride_ = max(1, data.count / 6)
        let rows = Array(stride(from: stride_ / 2, to: data.count, by: stride_))
        let sample = data.batch(rows)
        return (network, sample.x, sample.y)
    }
}

/// An experiment's defaults: what each `RunOptions` field left `nil` becomes.
public struct ExperimentDefaults: Sendable, Equatable {
    public var epochs: Int
    public var learningRate: Double
    /// `nil`: the whole data set in one batch.
    public var batchSize: Int?
    /// `nil`: the sine fit's reference weights (the seed's exact numpy draws).
    public var seed: UInt64?

    public init(epochs: Int, learningRate: Double, batchSize: Int?, seed: UInt64?) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Batches of 90 in order (90, 90, 20), SGD lr 0.015 (the seed's 0.03 on the gradient
    /// of ½·MSE), 40,000 epochs, the seed's weights.
    public static let sine = ExperimentDefaults(epochs: 40_000, learningRate: 0.015, batchSize: 90, seed: nil)
    /// One sample per update, SGD lr 0.05, 160 epochs, seed 7 (its weights reach the labels).
    public static let chain = ExperimentDefaults(epochs: 160, learningRate: 0.05, batchSize: 1, seed: 7)
    /// Full batch, Adam lr 0.01, 400 epochs, seed 0.
    public static let spiral = ExperimentDefaults(epochs: 400, learningRate: 0.01, batchSize: nil, seed: 0)

    /// The spiral data set's shape: 3 classes × 100 points.
    public static let spiralPointsPerClass = 100, spiralClasses = 3
}
