import Foundation
import SlopeLayers
import Testing

@testable import SlopeTrain

/// A small network and data set on which resuming can be compared bit for bit.
private func makeTrainer(adam: Bool, shuffle: Bool) -> Trainer {
    var generator = SeededGenerator(seed: 11)
    let network = Sequential(
        [
            Affine(inFeatures: 2, outFeatures: 8, using: &generator), Tanh(),
            Affine(inFeatures: 8, outFeatures: 3, using: &generator),
        ],
        loss: SoftmaxWithLoss())
    let optimizer: any Optimizer = adam ? Adam(learningRate: 0.01) : Momentum(learningRate: 0.05, momentum: 0.9)
    let loader = BatchLoader(.spiral(pointsPerClass: 20, seed: 3), batchSize: 16, shuffleSeed: shuffle ? 5 : nil)
    return Trainer(network: network, optimizer: optimizer, loader: loader)
}

private func bits(_ trainer: Trainer) -> [UInt64] {
    trainer.network.parameters.flatMap { $0.value.data.map(\.bitPattern) }
}

@Suite struct CheckpointTests {
    @Test(arguments: [(false, false), (true, true), (false, true), (true, false)])
    func resumingGivesTheUnbrokenRunBitForBit(adam: Bool, shuffle: Bool) throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("run.json").path

        let unbroken = makeTrainer(adam: adam, shuffle: shuffle)
        try unbroken.train(epochs: 10)

        let first = makeTrainer(adam: adam, shuffle: shuffle)
        first.checkpointPath = path
        try first.train(epochs: 4)
        let second = makeTrainer(adam: adam, shuffle: shuffle)
        try second.resume(from: path)
        #expect(second.epoch == 4)
        try second.train(epochs: 10)

        #expect(bits(second) == bits(unbroken))
        #expect(second.history.firstEpoch == 5)
        #expect(second.history.epochNumbers == (5...10).map(Double.init), "a resumed chart's x axis starts where it left off")
        #expect(second.history.epochLoss == Array(unbroken.history.epochLoss[4...]))
    }

    @Test func theFileIsVersionedJSONWithEveryPart() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("c.json").path
        let trainer = makeTrainer(adam: true, shuffle: true)
        trainer.checkpointPath = path
        try trainer.train(epochs: 2)
        let object = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object["format"] as? String == "slope-checkpoint/1")
        #expect(object["epoch"] as? Int == 2)
        #expect((object["rng"] as? [String])?.count == 4)
        let optimizer = try #require(object["optimizer"] as? [String: Any])
        #expect(optimizer["kind"] as? String == "Adam")
        let architecture = try #require(object["architecture"] as? [String: Any])
        #expect(architecture["loss"] as? String == "SoftmaxWithLoss")
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["c.json"])
    }

    @Test func aTruncatedFileIsMalformed() throws {
        let data = makeTrainer(adam: false, shuffle: false).checkpoint().encoded()
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(data.prefix(data.count / 2), file: "run.json") }
        do {
            _ = try Checkpoint.decode(data.prefix(data.count / 2), file: "run.json")
        } catch {
            guard case .malformed(let file, _) = error else { Issue.record("got \(error)"); return }
            #expect(file == "run.json")
            #expect(error.description.hasPrefix("checkpoint run.json: not valid JSON"))
        }
    }

    @Test func aWrongFormatOrVersionIsNamed() throws {
        let checkpoint = makeTrainer(adam: false, shuffle: false).checkpoint()
        var other = checkpoint
        other.format = "slope-fixture/1"
        #expect(throws: CheckpointError.wrongFormat(file: "a.json", found: "slope-fixture/1")) {
            try Checkpoint.decode(other.encoded(), file: "a.json")
        }
        other.format = "slope-checkpoint/2"
        #expect(throws: CheckpointError.unsupportedVersion(file: "a.json", found: "slope-checkpoint/2")) {
            try Checkpoint.decode(other.encoded(), file: "a.json")
        }
    }

    @Test func aMissingFieldIsNamed() throws {
        var object = try #require(
            JSONSerialization.jsonObject(with: makeTrainer(adam: false, shuffle: false).checkpoint().encoded())
                as? [String: Any])
        object["epoch"] = nil
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: CheckpointError.missingField(file: "x.json", field: "epoch")) {
            try Checkpoint.decode(data, file: "x.json")
        }
    }

    @Test func aWrongParameterShapeNamesTheFileAndTheParameter() throws {
        let small = Experiments.sineNetwork()
        let checkpoint = Checkpoint(
            network: small, optimizer: SGD(learningRate: 0.1), epoch: 3, generator: SeededGenerator(seed: 1))
        var generator = SeededGenerator(seed: 0)
        let wider = Sequential(
            [
                Affine(inFeatures: 1, outFeatures: 30, using: &generator), Sigmoid(),
                Affine(inFeatures: 30, outFeatures: 1, using: &generator),
            ],
            loss: MSE())
        let before = wider.parameters.map(\.value)
        do {
            _ = try checkpoint.restore(into: wider, optimizer: SGD(learningRate: 0.1), file: "run.json")
            Issue.record("restore should fail")
        } catch {
            #expect(error == .parameterShape(file: "run.json", name: "0.Affine.W", found: [1, 25], expected: [1, 30]))
            #expect(
                error.description
                    == #"checkpoint run.json: parameter "0.Affine.W" has shape [1, 25] but the network expects [1, 30]"#)
        }
        #expect(wider.parameters.map(\.value) == before)
    }

    @Test func aDifferentArchitectureOrOptimizerIsRefused() throws {
        let checkpoint = Checkpoint(
            network: Experiments.sineNetwork(), optimizer: SGD(learningRate: 0.1), epoch: 0, generator: SeededGenerator(seed: 1))
        let tanhNetwork = Sequential(
            [Affine(weight: .zeros([1, 25]), bias: .zeros([25])), Tanh(), Affine(weight: .zeros([25, 1]), bias: .zeros([1]))],
            loss: MSE())
        #expect(
            throws: CheckpointError.architectureMismatch(
                file: "f.json", field: "architecture.layers[1].kind", found: "\"Sigmoid\"", expected: "\"Tanh\"")
        ) { try checkpoint.restore(into: tanhNetwork, optimizer: SGD(learningRate: 0.1), file: "f.json") }
        #expect(throws: CheckpointError.optimizer(file: "f.json", .wrongKind(expected: "Adam", found: "SGD"))) {
            try checkpoint.restore(into: Experiments.sineNetwork(), optimizer: Adam(), file: "f.json")
        }
    }

    @Test func anUnreadableFileIsNamed() {
        #expect(throws: CheckpointError.self) { try Checkpoint.read(from: "/nonexistent/slope/run.json") }
    }
}
