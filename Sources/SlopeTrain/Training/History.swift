import Foundation
import SlopeLayers

/// What a training run recorded: the loss of every step, the loss of every epoch, and
/// per epoch the L2 norm of every parameter's gradient.
///
/// The epoch loss is the loss of the epoch's **last batch, computed before that batch's
/// update** (the seed experiment's convention). Gradient norms are those of the same step.
public struct History: Sendable, Equatable {
    /// Column names of the gradient norms: `"gradnorm.0.Affine.W"`, one per parameter.
    public var gradientNormNames: [String]
    /// The number of the first recorded epoch (1, or one past a resumed checkpoint's epoch).
    public var firstEpoch: Int
    public var stepLoss: [Double] = []
    public var epochLoss: [Double] = []
    /// One row per epoch, one column per `gradientNormNames` entry.
    public var gradientNorms: [[Double]] = []

    public init(parameterNames: [String], firstEpoch: Int = 1) {
        gradientNormNames = parameterNames.map { "gradnorm.\($0)" }
        self.firstEpoch = firstEpoch
    }

    /// The last epoch's loss, if any epoch finished.
    public var finalLoss: Double? { epochLoss.last }

    /// The epoch number of row `index`.
    public func epoch(at index: Int) -> Int { firstEpoch + index }

    /// CSV with a header: `epoch,loss,gradnorm.0.Affine.W,…`, numbers in full precision.
    public func csv() -> String {
        var text = (["epoch", "loss"] + gradientNormNames).joined(separator: ",") + "\n"
        text.reserveCapacity(epochLoss.count * 24 * (2 + gradientNormNames.count))
        for (index, loss) in epochLoss.enumerated() {
            text += "\(epoch(at: index)),\(loss)"
            if index < gradientNorms.count {
                for norm in gradientNorms[index] { text += ",\(norm)" }
            }
            text += "\n"
        }
        return text
    }

    /// Writes `csv()` atomically (temporary file, then rename).
    public func writeCSV(to path: String) throws(FileWriteError) {
        try AtomicFile.write(Data(csv().utf8), to: path)
    }
}
