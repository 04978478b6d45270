// libFuzzer target for the checkpoint reader (`Checkpoint.decode(_:file:)`), built by
// Fuzz/fuzz.sh against SlopeLayers and SlopeTrain. Any input must give a checkpoint or a
// `CheckpointError`, never a trap. A checkpoint that decodes is then resumed into a
// trainer of the sine network with SGD (what `slope fit sine --resume` does), which must
// also only succeed or throw.

import Foundation
import SlopeLayers
import SlopeTrain

@_cdecl("LLVMFuzzerTestOneInput")
public func checkpointFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let checkpoint = try? Checkpoint.decode(bytes, file: "fuzz.json") else { return 0 }
    let trainer = Trainer(
        network: Experiments.sineNetwork(), optimizer: SGD(learningRate: 0.015), loader: BatchLoader(.sine(), batchSize: 90))
    try? trainer.resume(from: checkpoint, file: "fuzz.json")
    return 0
}
