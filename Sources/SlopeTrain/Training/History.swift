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
    /// One row per epoch, one column per `gradientNormNames` entry; every row has the
    /// same length (a trainer records one norm per parameter).
    ///
    /// Stored flat (`gradientNormValues`, rows end to end) so that recording a row
    /// allocates nothing; this view builds the rows on each read, so per-row access in a
    /// loop should use `gradientNorms(at:)` instead.
    public var gradientNorms: [[Double]] {
        get { (0..<gradientNormRowCount).map { Array(gradientNorms(at: $0)) } }
        set {
            precondition(newValue.allSatisfy { $0.count == newValue[0].count }, "gradient norm rows of different lengths")
            gradientNormValues = newValue.flatMap { $0 }
            gradientNormRowCount = newValue.count
        }
    }
    /// Every row of `gradientNorms`, end to end.
    public private(set) var gradientNormValues: [Double] = []
    /// The number of rows of `gradientNorms`.
    public private(set) var gradientNormRowCount = 0
    /// The length of every row of `gradientNorms` (0 before the first).
    private var gradientNormColumns: Int {
        gradientNormRowCount == 0 ? 0 : gradientNormValues.count / gradientNormRowCount
    }

    /// Row `row` of `gradientNorms`, without building the other rows.
    public func gradientNorms(at row: Int) -> ArraySlice<Double> {
        let columns = gradientNormColumns
        return gradientNormValues[row * columns..<(row + 1) * columns]
    }

    /// The last row of `gradientNorms`, or `[]` before any.
    public var lastGradientNorms: [Double] {
        gradientNormRowCount == 0 ? [] : Array(gradientNorms(at: gradientNormRowCount - 1))
    }

    /// Appends a row to `gradientNorms` (as long as the rows before it).
    public mutating func appendGradientNorms(_ row: [Double]) {
        appendGradientNormRow(count: row.count) { row[$0] }
    }

    /// Appends a row of `count` norms, `norm(i)` for each column i (allocates nothing once reserved).
    mutating func appendGradientNormRow(count: Int, _ norm: (Int) -> Double) {
        precondition(
            gradientNormRowCount == 0 || count == gradientNormColumns,
            "a gradient norm row of \(count) values after rows of \(gradientNormColumns)")
        for i in 0..<count { gradientNormValues.append(norm(i)) }
        gradientNormRowCount += 1
    }

    /// Reserves room for `rows` more rows of `columns` norms.
    mutating func reserveGradientNormRows(_ rows: Int, columns: Int) {
        gradientNormValues.reserveCapacity(gradientNormValues.count + rows * columns)
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
