import Foundation
import SlopeLayers

/// The report for people: one row per layer × tensor, then the diagnosis of each failure.
public enum TableReport {
    public static func render(_ run: VerifyRun) -> String {
        var lines: [String] = []
        lines.append("slope verify · \(run.method) · \(run.tolerance) · \(run.mode) · seed \(run.seed)")
        let header = [
            "LAYER", "TENSOR", "STATUS", "CHECKED", "MAX ABS ERR", "MAX REL ERR", "WORST AT", "ANALYTIC", "NUMERIC", "KINKS",
            "ORDER", "STEP", "TIME",
        ]
        var rows: [[String]] = []
        for report in run.reports {
            if let problem = report.problem {
                rows.append([
                    report.target, "—", Self.status(problem), "0", "—", "—", "—", "—", "—", "—", "—", "—",
                    milliseconds(report.seconds),
                ])
                continue
            }
            for (i, t) in report.tensors.enumerated() {
                let worst = t.worst
                rows.append([
                    i == 0 ? report.target : "", t.tensor.description, status(t.verdict),
                    t.checked == t.elementCount ? "\(t.checked)" : "\(t.checked)/\(t.elementCount)",
                    formatNumber(t.maxAbsoluteError, significantDigits: 2),
                    formatNumber(t.maxRelativeError, significantDigits: 2),
                    worst?.location ?? "—", worst.map { formatNumber($0.analytic) } ?? "—",
                    worst.map { formatNumber($0.numeric) } ?? "—", "\(t.kinks)",
                    t.order.map { $0.verdict == .fail ? $0.summary + "!" : $0.summary } ?? "—",
                    t.stepChoice.map { formatNumber($0.step, significantDigits: 2) }
                        ?? (worst.map { formatNumber($0.step, significantDigits: 2) } ?? "—"),
                    i == 0 ? milliseconds(report.seconds) : "",
                ])
            }
            for name in report.constantInputs ?? [] {
                rows.append(["", "input \(name)", "constant", "—", "", "", "", "", "", "", "", "", ""])
            }
            if !report.invariants.isEmpty {
                let held = report.invariants.filter { $0.verdict == .pass }.count
                rows.append([
                    "", "invariants", held == report.invariants.count ? "pass" : "FAIL",
                    "\(held)/\(report.invariants.count)", "", "", "", "", "", "", "", "", "",
                ])
            }
        }
        lines.append(contentsOf: align([header] + rows))
        let failures = run.reports.filter { $0.verdict == .fail }
        if !failures.isEmpty {
            lines.append("")
            lines.append("Failures:")
            for report in failures { lines.append("  " + report.diagnosis.replacingOccurrences(of: "\n", with: "\n  ")) }
        }
        let undecided = run.reports.filter { $0.verdict == .inconclusive }
        if !undecided.isEmpty {
            lines.append("")
            lines.append("Inconclusive (the numbers could not decide):")
            for report in undecided { lines.append("  " + report.diagnosis.replacingOccurrences(of: "\n", with: "\n  ")) }
        }
        lines.append("")
        lines.append(censusLine(run))
        let coverage = run.reports.flatMap { r in
            r.tensors.compactMap { t in t.coverage.map { "  \(r.target) \(t.tensor): \($0)" } }
        }
        if !coverage.isEmpty {
            lines.append("Coverage:")
            lines.append(contentsOf: coverage)
        }
        let compression = run.reports.flatMap { r in
            r.tensors.compactMap { t in t.compression.map { "  \(r.target) \(t.tensor): \($0.summary)" } }
        }
        if !compression.isEmpty {
            lines.append("Compression (exhaustive elements perturbed together where their footprints were proven disjoint):")
            lines.append(contentsOf: compression)
        }
        let passed = run.reports.filter { $0.verdict == .pass }.count
        let inconclusive = run.reports.filter { $0.verdict == .inconclusive }.count
        lines.append("")
        lines.append(
            "\(run.reports.count) checks, \(run.elementsChecked) elements: \(passed) passed, \(failures.count) failed, "
                + "\(inconclusive) inconclusive · \(milliseconds(run.seconds)) · verdict \(run.verdict.rawValue.uppercased())")
        return lines.joined(separator: "\n") + "\n"
    }

    /// "relative errors: 1e-12 ▏3  1e-11 ▏40 …" over the decades that hold any element.
    package static func censusLine(_ run: VerifyRun) -> String {
        let census = run.census
        let used = census.counts.indices.filter { census.counts[$0] > 0 }
        guard let first = used.first, let last = used.last else { return "Relative-error census: no elements" }
        let top = census.counts.max() ?? 1
        let bars = Array(" ▁▂▃▄▅▆▇█")
        let cells = (first...last).map { i -> String in
            let c = census.counts[i]
            let bar = c == 0 ? " " : String(bars[max(1, Int((Double(c) / Double(top) * 8).rounded(.up)))])
            return "\(ErrorCensus.label(i)):\(bar)\(c)"
        }
        return "Relative-error census (elements per decade): " + cells.joined(separator: "  ")
    }

    /// FAIL for a check that found a problem; CRASH, TIMEOUT, OUT OF MEMORY, EXITED or
    /// INTERRUPTED for one that could not finish.
    package static func status(_ problem: CheckProblem) -> String {
        guard case .unfinished(let unfinished) = problem else { return "FAIL" }
        return switch unfinished.ending {
        case .crashed, .stackOverflow: "CRASH"
        case .outOfMemory: "OUT OF MEMORY"
        case .exited: "EXITED"
        case .timedOut: "TIMEOUT"
        case .interrupted: "INTERRUPTED"
        }
    }

    static func status(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "pass"
        case .fail: "FAIL"
        case .inconclusive: "inconcl."
        }
    }

    package static func milliseconds(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms" : formatNumber(seconds, significantDigits: 3) + " s"
    }

    /// Pads columns to equal width.
    public static func align(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
