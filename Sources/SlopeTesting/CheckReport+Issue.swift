import Foundation
import SlopeCheck
import SlopeGate
import SlopeLayers
import SlopePlot

extension CheckReport {
    /// The text of the issue a failed or inconclusive check records: a headline with the
    /// verdict and the method, then the diagnosis. Never empty of reasons: when the diagnosis
    /// is empty, each tensor and invariant that is not a pass says why from its own fields.
    public var issueDescription: String {
        let headline =
            "\(target): gradient check \(verdict.rawValue) — \(elementsChecked) element\(elementsChecked == 1 ? "" : "s") checked, \(methodDescription)"
        let body = diagnosis.isEmpty ? reasonsFromParts : diagnosis
        return headline + "\n" + body
    }

    /// Why each tensor or invariant that is not a pass is not, read from its own fields: an
    /// inconclusive tensor's reason (its first inconclusive element's note, or the Taylor
    /// test's), a failing tensor's worst element's note or the Taylor test's note.
    private var reasonsFromParts: String {
        var lines: [String] = []
        for t in tensors where t.verdict != .pass {
            let notes =
                t.verdict == .inconclusive
                ? [t.inconclusiveReason] : [t.worst?.note, t.order.map { "Taylor test: \($0.note)" }].compactMap { $0 }
            let reason = notes.first { !$0.isEmpty } ?? "no reason recorded"
            lines.append("\(target) \(t.tensor): \(t.verdict.rawValue) — \(reason)")
        }
        for invariant in invariants where invariant.verdict != .pass {
            let detail = invariant.detail.isEmpty ? "no detail recorded" : invariant.detail
            lines.append("\(target) invariant \"\(invariant.name)\": \(invariant.verdict.rawValue) — \(detail)")
        }
        if let problem { lines.append("\(target): \(problem)") }
        return lines.isEmpty
            ? "\(target): verdict \(verdict.rawValue) with no failing tensor or invariant" : lines.joined(separator: "\n")
    }

    /// The report as JSON, with the settings `JSONReport` uses (NaN and infinities as strings).
    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// `<target>.gradient-check.json`, the target's characters that are not safe in a file name replaced.
    var attachmentName: String {
        let safe = target.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }
        return String(safe) + ".gradient-check.json"
    }

    /// The error maps attached next to the JSON: one PNG per tensor whose element values the
    /// report kept (the failing ones, by default), named `<target>.<tensor>.errors.png`. A map
    /// that cannot be drawn is left out (the JSON still holds its numbers).
    var errorMapAttachments: [(name: String, png: Data)] {
        tensors.compactMap { tensor in
            guard let map = ErrorMap(tensor, in: self), let png = try? map.pngData() else { return nil }
            return (ErrorMaps.fileName(check: target, tensor: tensor.tensor), png)
        }
    }
}
