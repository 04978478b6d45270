import SlopeLayers

/// Trains a `Sequential` network (layers plus a loss) with an optimizer over batches.
///
/// Each step: zero the gradients, forward through every layer and the loss, backward
/// through the loss and every layer, check that the loss and every parameter gradient
/// are finite, then let the optimizer update the parameters. When a check fails the
/// step is replayed layer by layer (same parameters, same batch) to name the first
/// layer and pass that produced a NaN or infinity; `checkEveryLayer` checks every
/// layer's output and gradients on every step instead.
///
/// The trainer never prints: progress goes through an explicitly given `ProgressLine`,
/// everything else through the callbacks and the returned `History`.
public final class Trainer {
    public let network: Sequential
    public let optimizer: any Optimizer
    public private(set) var loader: BatchLoader
    // The three written on every step or epoch are accessed without the run-time exclusivity
    // check (as `Parameter.value` is): only the trainer writes them, never while reading them.
    /// Epochs finished (also after resuming from a checkpoint).
    @exclusivity(unchecked) public private(set) var epoch = 0
    /// Steps (batches) taken.
    @exclusivity(unchecked) public private(set) var step = 0
    @exclusivity(unchecked) public private(set) var history: History

    /// Where checkpoints go; when set, one is written at the end, on a stop request, on
    /// a non-finite value (the last good state) and every `checkpointEvery` epochs.
    public var checkpointPath: String?
    public var checkpointEvery: Int?
    /// Checks every layer's output and gradients on every step (slower; failures are
    /// located either way).
    public var checkEveryLayer = false
    /// Records the loss of every step in `history.stepLoss`.
    public var recordsStepLoss = true
    /// Checked after every step: when set, training stops cleanly at the last whole epoch.
    public var stopFlag: StopFlag?
    public var progress: ProgressLine?
    public var onStep: ((StepReport) -> Void)?
    public var onEpoch: ((EpochReport) -> Void)?

    private let lossLayer: any LossLayer
    private let namedParameters: [(name: String, parameter: Parameter)]
    private let parameters: [Parameter]
    /// Every layer that redraws its randomness each step (Dropout), nested ones included.
    private let resampling: [any ResamplingLayer]

    public struct StepReport: Sendable {
        public var epoch: Int, step: Int, batch: Int, loss: Double
    }

    public struct EpochReport: Sendable {
        public var epoch: Int, loss: Double, gradientNorms: [Double]
    }

    public init(network: Sequential, optimizer: any Optimizer, loader: BatchLoader) {
        precondition(network.lossLayer != nil, "Trainer needs a network with a loss layer")
        self.network = network
        self.optimizer = optimizer
        self.loader = loader
        lossLayer = network.lossLayer!
        namedParameters = network.namedParameters
        parameters = namedParameters.map(\.parameter)
        resampling = network.allLayers.compactMap { $0 as? any ResamplingLayer }
        history = History(parameterNames: namedParameters.map(\.name))
    }

    // MARK: Training

    /// Trains until `epochs` epochs are finished in total (a resumed trainer continues
    /// from its checkpoint's epoch). Returns why it ended; throws on a non-finite value,
    /// a layer error or a checkpoint that cannot be written.
    @discardableResult
    public func train(epochs total: Int) throws(TrainingError) -> TrainingOutcome {
        // The settings, read once (a class's stored property costs a check on every read).
        let (checked, recordsStepLoss, stopFlag, onStep) = (checkEveryLayer, self.recordsStepLoss, self.stopFlag, self.onStep)
        let (optimizer, parameters) = (self.optimizer, self.parameters)
        let keepsSnapshots = checkpointPath != nil || stopFlag != nil
        if recordsStepLoss {
            history.stepLoss.reserveCapacity(history.stepLoss.count + max(0, total - epoch) * loader.batchSizes.count)
        }
        history.epochLoss.reserveCapacity(history.epochLoss.count + max(0, total - epoch))
        history.reserveGradientNormRows(max(0, total - epoch), columns: parameters.count)
        progress?.update(epoch: epoch, loss: history.finalLoss ?? .nan)
        while epoch < total {
            let snapshot = keepsSnapshots ? Snapshot(self) : nil
            let batches = loader.nextEpoch()
            let current = epoch + 1
            var lastLoss = Double.nan
            for index in batches.indices {
                step += 1
                let loss: Double
                do throws(TrainingError) {
                    loss = try runStep(batches[index], epoch: current, checked: checked)
                } catch {
                    if case .nonFinite(var report) = error, let snapshot {
                        snapshot.restore(into: self)
                        report.checkpointPath = try saveIfConfigured()
                        throw .nonFinite(report)
                    }
                    throw error
                }
                lastLoss = loss
                let isLast = index == batches.count - 1
                if isLast { recordGradientNorms() }
                optimizer.step(parameters)
                if recordsStepLoss { history.stepLoss.append(loss) }
                onStep?(StepReport(epoch: current, step: step, batch: index, loss: loss))
                if !isLast, stopFlag?.isStopRequested == true, let snapshot {
                    snapshot.restore(into: self)
                    return try stop(.stopped)
                }
            }
            epoch = current
            history.epochLoss.append(lastLoss)
            onEpoch?(EpochReport(epoch: epoch, loss: lastLoss, gradientNorms: history.lastGradientNorms))
            progress?.update(epoch: epoch, loss: lastLoss)
            if let every = checkpointEvery, every > 0, epoch % every == 0, epoch < total { _ = try saveIfConfigured() }
            if stopFlag?.isStopRequested == true { return try stop(.stopped) }
        }
        return try stop(.finished)
    }

    /// Appends this step's gradient norms as the epoch's row (no allocation: the history
    /// keeps them in one flat, reserved array).
    private func recordGradientNorms() {
        let parameters = self.parameters
        history.appendGradientNormRow(count: parameters.count) { parameters[$0].gradientNorm }
    }

    private func stop(_ reason: TrainingOutcome.Reason) throws(TrainingError) -> TrainingOutcome {
        let path = try saveIfConfigured()
        progress?.finish(epoch: epoch, loss: history.finalLoss)
        return TrainingOutcome(reason: reason, epoch: epoch, finalLoss: history.finalLoss, checkpointPath: path)
    }

    private func saveIfConfigured() throws(TrainingError) -> String? {
        guard let checkpointPath else { return nil }
        do { try saveCheckpoint(to: checkpointPath) } catch { throw .checkpoint(.write(error)) }
        return checkpointPath
    }

    /// One step's forward and backward; returns the loss. Does not update parameters.
    ///
    /// The network's own chain (`Sequential.forward`, `backwardParameters`): what trains is
    /// what `GradientCheck.run(network:)` verifies. The loops run over indices of the
    /// trainer's own arrays: a `for … in` loop copies each element out (a retain and a release
    /// per element and step), an index borrows it in place.
    private func runStep(_ batch: (x: Tensor, y: Tensor), epoch: Int, checked: Bool) throws(TrainingError) -> Double {
        let parameters = self.parameters
        for i in parameters.indices { parameters[i].zeroGradient() }
        for layer in resampling { layer.resample() }
        if checked { return try checkedStep(batch, epoch: epoch) }
        do throws(LayerError) {
            let loss = try lossLayer.forward(try network.forward(batch.x), batch.y)
            // The first layer's input gradient is not used: only its parameter gradients.
            try network.backwardParameters(try lossLayer.backward())
            if loss.isFinite && parameters.indices.allSatisfy({ parameters[$0].gradientIsFinite }) { return loss }
        } catch {
            throw .layer(error, epoch: epoch)
        }
        // Something is not finite: replay the step with a check after every layer.
        for i in parameters.indices { parameters[i].zeroGradient() }
        return try checkedStep(batch, epoch: epoch)
    }

    /// A step that checks every value as it is produced and names the first non-finite one.
    private func checkedStep(_ batch: (x: Tensor, y: Tensor), epoch: Int) throws(TrainingError) -> Double {
        func fail(_ pass: Pass, _ index: Int?, _ kind: String, _ quantity: String) -> TrainingError {
            .nonFinite(
                NonFiniteReport(epoch: epoch, step: step, pass: pass, layerIndex: index, layerKind: kind, quantity: quantity))
        }
        func run<T>(_ body: () throws(LayerError) -> T) throws(TrainingError) -> T {
            do { return try body() } catch { throw .layer(error, epoch: epoch) }
        }
        let layers = network.layers
        let forward = try run { () throws(LayerError) in try network.forward(batch.x) { _, output in !Self.isFinite(output) } }
        if let index = forward.stoppedAt { throw fail(.forward, index, layers[index].kindName, "output") }
        let prediction = forward.output
        let loss = try run { () throws(LayerError) in try lossLayer.forward(prediction, batch.y) }
        if !loss.isFinite { throw fail(.forward, nil, lossLayer.kindName, "loss") }
        let gradient = try run { () throws(LayerError) in try lossLayer.backward() }
        if !Self.isFinite(gradient) { throw fail(.backward, nil, lossLayer.kindName, "gradient of the prediction") }
        var quantity = ""
        let backward = try run { () throws(LayerError) in
            try network.backward(gradient, throughFirst: true) { index, inputGradient in
                if let parameter = layers[index].parameters.first(where: { !Self.isFinite($0.gradient) }) {
                    quantity = "gradient of \(parameter.name)"
                    return true
                }
                if let inputGradient, !Self.isFinite(inputGradient) {
                    quantity = "input gradient"
                    return true
                }
                return false
            }
        }
        if let index = backward.stoppedAt { throw fail(.backward, index, layers[index].kindName, quantity) }
        return loss
    }

    /// True when no element is NaN or ±∞ (branch-free: x·0 is 0 exactly for finite x).
    static func isFinite(_ tensor: Tensor) -> Bool {
        tensor.data.withUnsafeBufferPointer(isFinite)
    }

    /// True when no value is NaN or ±∞.
    static func isFinite(_ values: UnsafeBufferPointer<Double>) -> Bool {
        var probe = 0.0
        for v in values { probe += v * 0 }
        return probe == 0
    }

    // MARK: Checkpoints

    /// The current state as a checkpoint.
    public func checkpoint() -> Checkpoint {
        Checkpoint(network: network, optimizer: optimizer, epoch: epoch, generator: loader.generator)
    }

    /// Writes `checkpoint()` atomically.
    public func saveCheckpoint(to path: String) throws(FileWriteError) {
        try checkpoint().write(to: path)
    }

    /// Loads a checkpoint into this trainer's network, optimizer and loader, so that
    /// `train(epochs:)` continues where the saved run stopped. The history restarts at
    /// the checkpoint's next epoch.
    public func resume(from path: String) throws(CheckpointError) {
        try resume(from: try Checkpoint.read(from: path), file: path)
    }

    /// Loads an already decoded checkpoint; `file` names it in errors.
    public func resume(from checkpoint: Checkpoint, file: String) throws(CheckpointError) {
        // Checked before anything is restored (an epoch near Int.max trapped here).
        let (steps, overflow) = checkpoint.epoch.multipliedReportingOverflow(by: loader.batchSizes.count)
        if overflow { throw .invalidField(file: file, field: "epoch", reason: "is too large (\(checkpoint.epoch))") }
        loader.generator = try checkpoint.restore(into: network, optimizer: optimizer, file: file)
        epoch = checkpoint.epoch
        step = steps
        history = History(parameterNames: namedParameters.map(\.name), firstEpoch: epoch + 1)
    }

    /// The state at the start of an epoch, to roll back to on a stop or a failure.
    private struct Snapshot {
        let values: [Tensor]
        let optimizerState: OptimizerState
        let generator: SeededGenerator
        let epoch: Int
        let step: Int

        init(_ trainer: Trainer) {
            values = trainer.parameters.map(\.value)
            optimizerState = trainer.optimizer.state(naming: trainer.namedParameters)
            generator = trainer.loader.generator
            epoch = trainer.epoch
            step = trainer.step
        }

        func restore(into trainer: Trainer) {
            for (parameter, value) in zip(trainer.parameters, values) { parameter.value = value }
            // The state was taken from this very optimizer, so it fits.
            try? trainer.optimizer.restore(optimizerState, naming: trainer.namedParameters)
            trainer.loader.generator = generator
            trainer.epoch = epoch
            trainer.step = step
        }
    }
}

/// How a call to `Trainer.train(epochs:)` ended.
public struct TrainingOutcome: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Every requested epoch ran.
        case finished
        /// A `StopFlag` asked to stop; the state is that of the last whole epoch.
        case stopped
    }

    public var reason: Reason
    /// Epochs finished.
    public var epoch: Int
    /// The last epoch's loss (last batch, before its update).
    public var finalLoss: Double?
    /// Where the checkpoint was written, if a path was configured.
    public var checkpointPath: String?
}
