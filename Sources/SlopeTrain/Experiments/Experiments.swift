import SlopeLayers

/// The classic experiments, as the CLI's `slope fit sine|chain|spiral` runs them.
///
/// Each takes `RunOptions` (unset fields take the experiment's defaults) and returns
/// the trained network, its history and what the plots need. None prints: progress
/// goes to the `ProgressLine` in the options, if any.
public enum Experiments {}

/// Options shared by the experiments; `nil` means the experiment's default.
public struct RunOptions {
    public var epochs: Int?
    public var learningRate: Double?
    public var batchSize: Int?
    /// Seeds initial weights, data and shuffling (see each experiment).
    public var seed: UInt64?
    /// Where to write checkpoints (end, stop, failure, every `checkpointEvery` epochs).
    public var checkpointPath: String?
    public var checkpointEvery: Int?
    /// Continue from `checkpointPath` instead of starting afresh.
    public var resume = false
    public var checkEveryLayer = false
    /// Records every step's loss in the history (`Trainer.recordsStepLoss`); the CLI, which
    /// writes one row per epoch, turns it off.
    public var recordsStepLoss = true
    public var progress: ProgressLine?
    public var stopFlag: StopFlag?
    public var onEpoch: ((Trainer.EpochReport) -> Void)?

    public init(
        epochs: Int? = nil, learningRate: Double? = nil, batchSize: Int? = nil, seed: UInt64? = nil,
        checkpointPath: String? = nil, checkpointEvery: Int? = nil, resume: Bool = false,
        checkEveryLayer: Bool = false, progress: ProgressLine? = nil, stopFlag: StopFlag? = nil
    ) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        self.checkpointPath = checkpointPath
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.checkEveryLayer = checkEveryLayer
        self.progress = progress
        self.stopFlag = stopFlag
    }
}

/// What every experiment returns.
public struct ExperimentResult {
    public let network: Sequential
    public let dataset: Dataset
    public let history: History
    public let outcome: TrainingOutcome
    /// The last epoch's loss (its last batch, before that batch's update).
    public var finalLoss: Double? { outcome.finalLoss }
}

extension Experiments {
    /// Builds the trainer, resumes if asked, trains, and packs the result.
    static func run(
        network: Sequential, optimizer: any Optimizer, loader: BatchLoader, epochs: Int, options: RunOptions
    ) throws(TrainingError) -> ExperimentResult {
        let trainer = Trainer(network: network, optimizer: optimizer, loader: loader)
        trainer.checkpointPath = options.checkpointPath
        trainer.checkpointEvery = options.checkpointEvery
        trainer.checkEveryLayer = options.checkEveryLayer
        trainer.recordsStepLoss = options.recordsStepLoss
        trainer.progress = options.progress
        trainer.stopFlag = options.stopFlag
        trainer.onEpoch = options.onEpoch
        if options.resume, let path = options.checkpointPath {
            do { try trainer.resume(from: path) } catch { throw .checkpoint(error) }
            // Nothing left to train would give an empty history (and charts without points).
            if trainer.epoch >= epochs {
                throw .checkpoint(
                    .invalidField(
                        file: path, field: "epoch",
                        reason:
                            "is \(trainer.epoch): the run already has the \(epochs) epochs asked for in total; ask for more epochs to continue it"
                    ))
            }
        }
        let outcome = try trainer.train(epochs: epochs)
        return ExperimentResult(network: network, dataset: loader.dataset, history: trainer.history, outcome: outcome)
    }
}
