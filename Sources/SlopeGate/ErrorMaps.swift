import ArgumentParser
import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot

extension ErrorMap {
    /// The map of one checked tensor, drawn from the element values its report kept
    /// (``ElementValues``); nil when it kept none (a passing tensor by default, fast mode,
    /// or a tensor over ``ElementRetention/elementLimit``).
    public init?(_ tensor: TensorReport, in report: CheckReport) {
        guard let values = tensor.elements else { return nil }
        let count = tensor.elementCount
        let shape = tensor.shape.map(String.init).joined(separator: ", ")
        var title = "\(report.target) \(tensor.tensor) [\(shape)]: \(tensor.verdict.rawValue)"
        if tensor.failed > 0 { title += ", \(tensor.failed) of \(tensor.checked) checked elements wrong" }
        title += ", max abs error \(formatNumber(tensor.maxAbsoluteError, significantDigits: 2))"
        self.init(
            name: tensor.tensor.name, shape: tensor.shape, analytic: values.dense(values.analytic, count: count),
            numeric: values.dense(values.numeric, count: count), allowance: values.dense(values.allowance, count: count),
            kinks: values.kinks, inconclusive: values.inconclusive, title: title)
    }
}

/// The error maps of a verify run: one per tensor whose report kept its element values.
public enum ErrorMaps {
    /// One map to draw, with the file name it is written under.
    public struct Entry: Sendable {
        public var check: String
        public var tensor: ProbedTensorID
        public var map: ErrorMap
        /// `<check>.<tensor>.errors.png` (see ``ErrorMaps/fileName(check:tensor:)``).
        public var fileName: String { ErrorMaps.fileName(check: check, tensor: tensor) }
    }

    /// `<check>.<tensor>.errors.png`, characters unsafe in a file name replaced by `_`.
    public static func fileName(check: String, tensor: ProbedTensorID) -> String {
        let safe = "\(check).\(tensor.description)".map {
            $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_"
        }
        return String(safe) + ".errors.png"
    }

    /// Every map `run` can draw, in report order; `checks` (when not empty) keeps only those checks.
    public static func entries(of run: VerifyRun, checks: [String] = []) -> [Entry] {
        run.reports.filter { checks.isEmpty || checks.contains($0.target) }.flatMap { report in
            report.tensors.compactMap { tensor in
                ErrorMap(tensor, in: report).map { Entry(check: report.target, tensor: tensor.tensor, map: $0) }
            }
        }
    }
}

extension ElementRetention: ExpressibleByArgument {}
