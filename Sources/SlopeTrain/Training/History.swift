import Foundation
import SlopeFiles
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
    ///
    /// Stored flat (`gradientNormValues`, rows end to end) so that recording a row
    /// allocates nothing; this view builds the rows on each read, so per-row access in a
    /// loop should use `gradientNorms(at:)` instead.
    public var gradientNorms: [[Double]] {
        get { gradientNormRowEnds.indices.map { Array(gradientNorms(at: $0)) } }
        set {
            gradientNormValues = newValue.flatMap { $0 }
            var end = 0
            gradientNormRowEnds = newValue.map { row in
                end += row.count
                return end
            }
        }
    }
    /// Every row of `gradientNorms`, end to end.
    public private(set) var gradientNormValues: [Double] = []
    /// Where each row of `gradientNorms` ends in `gradientNormValues`.
    private var gradientNormRowEnds: [Int] = []

    /// The number of rows of `gradientNorms`.
    public var gradientNormRowCount: Int { gradientNormRowEnds.count }

    /// Row `row` of `gradientNorms`, without building the other rows.
    public func gradientNorms(at row: Int) -> ArraySlice<Double> {
        gradientNormValues[(row == 0 ? 0 : gradientNormRowEnds[row - 1])..<gradientNormRowEnds[row]]
    }

    /// The last row of `gradientNorms`, or `[]` before any.
    public var lastGradientNorms: [Double] {
        gradientNormRowEnds.isEmpty ? [] : Array(gradientNorms(at: gradientNormRowEnds.count - 1))
    }

    /// Appends a row to `gradientNorms`.
    public mutating func appendGradientNorms(_ row: [Double]) {
        gradientNormValues.append(contentsOf: row)
        gradientNormRowEnds.append(gradientNormValues.count)
    }

    /// Appends a row of `count` norms, `norm(i)` for each column i (allocates nothing once reserved).
    mutating func appendGradientNormRow(count: Int, _ norm: (Int) -> Double) {
        for i in 0..<count { gradientNormValues.append(norm(i)) }
        gradientNormRowEnds.append(gradientNormValues.count)
    }

    /// Reserves room for `rows` more rows of `columns` norms.
    mutating func reserveGradientNormRows(_ rows: Int, columns: Int) {
        gradientNormValues.reserveCapacity(gradientNormValues.count + rows * columns)
        gradientNormRowEnds.reserveCapacity(gradientNormRowEnds.count + rows)
    }

    public init(parameterNames: [String], firstEpoch: Int = 1) {
        gradientNormNames = parameterNames.map { "gradnorm.\($0)" }
        self.firstEpoch = firstEpoch
    }

    /// The last epoch's loss, if any epoch finished.
    public var finalLoss: Double? { epochLoss.last }

    /// The epoch number of row `index`.
    public func epoch(at index: Int) -> Int { firstEpoch + index }

    /// The epoch number of every row, as a chart's x values.
    public var epochNumbers: [Double] { epochLoss.indices.map { Double(epoch(at: $0)) } }

    /// CSV with a header: `epoch,loss,gradnorm.0.Affine.W,…`, numbers in full precision.
    public func csv() -> String {
        var text = ""
        writeCSV(to: &text)
        return text
    }

    /// Writes the CSV of `csv()` row by row into `output`.
    public func writeCSV(to output: inout some TextOutputStream) {
        output.write((["epoch", "loss"] + gradientNormNames).joined(separator: ",") + "\n")
        for (index, loss) in epochLoss.enumerated() {
            output.write("\(epoch(at: index)),\(loss)")
            if index < gradientNormRowCount {
                for norm in gradientNorms(at: index) { output.write(",\(norm)") }
            }
            output.write("\n")
        }
    }

    /// Writes the CSV atomically (temporary file, then rename), streamed: the text is never
    /// held whole in memory (a 40,000-epoch history is 4 MB of it).
    public func writeCSV(to path: String) throws(FileWriteError) {
        try AtomicFile.write(to: URL(fileURLWithPath: path)) { writeCSV(to: &$0) }
    }
}
