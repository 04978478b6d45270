import Foundation
import SlopeLayers
import SlopeTrain
import Testing

/// Checkpoints that crashed the reader (an arithmetic-overflow trap) before it was fixed;
/// the files are in CrashInputs/ and in the fuzzer's seed corpus (Fuzz/corpus/checkpoint).
/// Resuming from each must now be a `CheckpointError` naming the field.
@Suite struct CheckpointCrashTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("CrashInputs")

    @Test(arguments: [
        ("shape-overflow.json", "parameters[0].shape", "is not a shape"),
        ("epoch-overflow.json", "epoch", "is too large"),
    ])
    func aCrashInputIsAnError(file: String, field: String, reason: String) async throws {
        // In a child process: should the trap come back, this test fails and the run goes on.
        await #expect(processExitsWith: .success) { [file, field, reason] in
            try Self.expectInvalidField(file: file, field: field, reason: reason)
        }
    }

    static func expectInvalidField(file: String, field: String, reason: String) throws {
        let path = inputs.appendingPathComponent(file).path
        let trainer = Trainer(
            network: Experiments.sineNetwork(), optimizer: SGD(learningRate: 0.015), loader: BatchLoader(.sine(), batchSize: 90))
        let before = trainer.network.parameters.map(\.value)
        let error = #expect(throws: CheckpointError.self) { try trainer.resume(from: path) }
        guard case .invalidField(_, let named, let why) = error else {
            Issue.record("expected an invalid field, got \(String(describing: error))")
            return
        }
        #expect(named == field)
        #expect(why.contains(reason))
        // Nothing was changed by the refused checkpoint.
        #expect(trainer.epoch == 0)
        #expect(trainer.network.parameters.map(\.value) == before)
    }
}
