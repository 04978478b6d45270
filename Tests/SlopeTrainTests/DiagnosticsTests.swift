import Foundation
import SlopeLayers
import Testing

@testable import SlopeTrain

/// Passes values through, but from `badEpoch` on puts a NaN into its forward output
/// or into its backward input gradient — a deliberately broken layer.
private final class Poison: UnaryLayer {
    let kindName = "Poison"
    let pass: Pass
    var calls = 0
    let badCall: Int
    init(pass: Pass, badCall: Int) {
        self.pass = pass
        self.badCall = badCall
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        calls += 1
        var y = x
        if pass == .forward && calls >= badCall { y.data[0] = .nan }
        return y
    }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        var g = upstream
        if pass == .backward && calls >= badCall { g.data[0] = .infinity }
        return g
    }
}

private func poisonedTrainer(_ pass: Pass, badCall: Int) -> Trainer {
    var generator = SeededGenerator(seed: 2)
    let network = Sequential(
        [
            Affine(inFeatures: 1, outFeatures: 4, using: &generator), Sigmoid(), Poison(pass: pass, badCall: badCall),
            Affine(inFeatures: 4, outFeatures: 1, using: &generator),
        ],
        loss: MSE())
    return Trainer(network: network, optimizer: SGD(learningRate: 0.01), loader: BatchLoader(.sine(), batchSize: 90))
}

@Suite struct DiagnosticsTests {
    @Test(arguments: [false, true])
    func aNaNInTheForwardPassIsTracedToItsLayer(checkEveryLayer: Bool) throws {
        let trainer = poisonedTrainer(.forward, badCall: 8)  // step 8 = epoch 3, batch 2
        trainer.checkEveryLayer = checkEveryLayer
        do {
            try trainer.train(epochs: 5)
            Issue.record("training should stop")
        } catch {
            guard case .nonFinite(let report) = error else { Issue.record("got \(error)"); return }
            #expect(report.layerIndex == 2 && report.layerKind == "Poison" && report.pass == .forward)
            #expect(report.quantity == "output" && report.epoch == 3 && report.step == 8)
            #expect(report.checkpointPath == nil)
            #expect("\(error)".contains("layer 2 (Poison) in the forward pass"))
        }
    }

    @Test func aNonFiniteGradientIsTracedToItsLayerAndTheLastGoodStateIsSaved() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("last-good.json").path
        let trainer = poisonedTrainer(.backward, badCall: 5)  // epoch 2, batch 1
        trainer.checkpointPath = path
        let reference = poisonedTrainer(.backward, badCall: 1000)
        try reference.train(epochs: 1)
        do {
            try trainer.train(epochs: 5)
            Issue.record("training should stop")
        } catch {
            guard case .nonFinite(let report) = error else { Issue.record("got \(error)"); return }
            // Poison's own backward made the ∞; Affine 3 and the loss were clean.
            #expect(report.layerIndex == 2 && report.pass == .backward && report.quantity == "input gradient")
            #expect(report.checkpointPath == path)
        }
        let saved = try Checkpoint.read(from: path)
        #expect(saved.epoch == 1)
        #expect(saved.parameters.map(\.data) == reference.network.parameters.map(\.value.data))
        #expect(trainer.epoch == 1)
    }

    @Test func theLossIsNamedWhenOnlyItIsNonFinite() throws {
        var generator = SeededGenerator(seed: 2)
        let network = Sequential([Affine(inFeatures: 1, outFeatures: 1, using: &generator)], loss: MSE())
        let huge = Dataset(x: Tensor(shape: [1, 1], data: [1]), y: Tensor(shape: [1, 1], data: [1e300]))
        let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0.1), loader: BatchLoader(huge, batchSize: 1))
        #expect {
            try trainer.train(epochs: 1)
        } throws: { error in
            guard case .nonFinite(let report) = error as? TrainingError else { return false }
            return report.layerIndex == nil && report.layerKind == "MSE" && report.pass == .forward
        }
    }
}

@Suite struct StopFlagTests {
    @Test func aStopRequestEndsAtAWholeEpochAndSavesACheckpoint() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("stopped.json").path
        let flag = StopFlag()
        let trainer = Experiments.sineTrainerForTests()
        trainer.checkpointPath = path
        trainer.stopFlag = flag
        trainer.onStep = { report in if report.step == 7 { flag.requestStop() } }  // mid-epoch 3
        let outcome = try trainer.train(epochs: 100)
        #expect(outcome.reason == .stopped && outcome.epoch == 2 && outcome.checkpointPath == path)
        #expect(try Checkpoint.read(from: path).epoch == 2)

        // Continuing from there gives the unbroken run.
        let resumed = Experiments.sineTrainerForTests()
        try resumed.resume(from: path)
        try resumed.train(epochs: 20)
        let unbroken = Experiments.sineTrainerForTests()
        try unbroken.train(epochs: 20)
        #expect(resumed.network.parameters.map(\.value) == unbroken.network.parameters.map(\.value))
    }

    @Test func theFlagIsSetAndReset() {
        let flag = StopFlag()
        #expect(!flag.isStopRequested)
        flag.requestStop()
        #expect(flag.isStopRequested)
        flag.reset()
        #expect(!flag.isStopRequested)
    }
}

extension Experiments {
    static func sineTrainerForTests() -> Trainer {
        Trainer(network: sineNetwork(), optimizer: SGD(learningRate: 0.015), loader: BatchLoader(.sine(), batchSize: 90))
    }
}
