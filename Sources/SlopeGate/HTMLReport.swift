import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot

/// One self-contained HTML page for a verify run, built from the same `VerifyRun` as the
/// table, JSON and JUnit: the summary (verdict, counts, time, settings, seed), the commands
/// that replay the failures, the table, each failing or inconclusive check with its
/// diagnosis, error maps and Taylor-test charts, the error histogram, kinks and
/// inconclusive reasons, and every invariant.
///
/// Images are PNGs inline as `data:` URIs; there is no script and nothing is fetched, so the
/// file can be uploaded as a CI artifact and opened anywhere. Pictures are drawn only for
/// checks that did not pass, so a passing run stays small (the histogram is its one image).
public enum HTMLReport {
    /// - Parameters:
    ///   - run: the run to render, as the table, JSON and JUnit reports render it.
    ///   - invocation: the command line that made the run (`CommandLine.arguments`), from which
    ///     the page builds the command that re-runs the failing checks.
    public static func render(_ run: VerifyRun, invocation: [String] = []) -> String {
        var page = Page()
        let verdict = run.verdict.rawValue.uppercased()
        page.head(title: "\(run.suite) verify: \(verdict)")
        summary(run, verdict: verdict, into: &page)
        replay(run, invocation: invocation, into: &page)
        table(run, into: &page)
        problems(run, into: &page)
        histogram(run, into: &page)
        kinksAndInconclusive(run, into: &page)
        invariants(run, into: &page)
        page.raw("<footer>\(escape(run.format)) · written by \(escape(run.suite)) verify --format html</footer>")
        page.raw("</main></body></html>")
        return page.text
    }

    // MARK: Sections

    static func summary(_ run: VerifyRun, verdict: String, into page: inout Page) {
        let passed = run.reports.filter { $0.verdict == .pass }.count
        let failed = run.reports.filter { $0.verdict == .fail }.count
        let inconclusive = run.reports.filter { $0.verdict == .inconclusive }.count
        page.raw("<header><h1>\(escape(run.suite)) verify <span class=\"badge \(run.verdict.rawValue)\">\(verdict)</span></h1>")
        page.raw(
            "<p class=\"counts\"><b>\(run.reports.count)</b> checks · <b>\(run.elementsChecked)</b> elements · "
                + "\(count(passed, "passed", .pass)) · \(count(failed, "failed", .fail)) · "
                + "\(count(inconclusive, "inconclusive", .inconclusive)) · \(escape(TableReport.milliseconds(run.seconds))) · "
                + "exit status \(run.exitStatus)</p>")
        page.raw("<dl class=\"settings\">")
        for (term, value) in [
            ("method", run.method), ("tolerance", run.tolerance.description), ("mode", run.mode.description),
            ("seed", "\(run.seed)"), ("max inconclusive", "\(formatNumber(run.maxInconclusive * 100))%"),
        ] {
            page.raw("<div><dt>\(term)</dt><dd>\(escape(value))</dd></div>")
        }
        page.raw("</dl></header>")
    }

    /// "3 failed", coloured by its verdict when not 0 (a passing page shows no red).
    static func count(_ n: Int, _ word: String, _ verdict: Verdict) -> String {
        n == 0 ? "\(n) \(word)" : "<span class=\"\(verdict.rawValue)\">\(n) \(word)</span>"
    }

    /// The command that re-runs the checks that did not pass, and how `--replay` does it from a JSON report.
    static func replay(_ run: VerifyRun, invocation: [String], into page: inout Page) {
        let failing = run.reports.filter { $0.verdict != .pass }.map(\.target)
        guard !failing.isEmpty else { return }
        page.raw("<section id=\"replay\"><h2>Replay the failures</h2>")
        if let command = replayCommand(invocation: invocation, checks: failing) {
            page.raw(
                "<p>The same settings, only the checks that did not pass:</p><pre class=\"command\">\(escape(command))</pre>")
        }
        let program = invocation.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? run.suite
        page.raw(
            "<p><code>--replay</code> takes a <em>JSON</em> report (not this page): write one with "
                + "<code>--format json -o report.json</code>, then</p>"
                + "<pre class=\"command\">\(escape(program)) verify --replay report.json</pre>"
                + "<p>re-runs exactly these checks with their recorded seed, step, stencil, tolerances and mode. "
                + "<code>slope plot errors report.json</code> draws their error maps again.</p></section>")
    }

    /// `invocation` without its output options and check selection, plus `--layer` for each of `checks`.
    static func replayCommand(invocation: [String], checks: [String]) -> String? {
        guard let program = invocation.first else { return nil }
        let dropped: Set<String> = ["--format", "-o", "--output", "--layer", "--shard", "--histogram", "--replay"]
        var kept: [String] = []
        var arguments = invocation.dropFirst().makeIterator()
        while let argument = arguments.next() {
            if dropped.contains(argument) {
                _ = arguments.next()
                continue
            }
            if dropped.contains(where: { argument.hasPrefix($0 + "=") }) { continue }
            kept.append(argument)
        }
        let words = [URL(fileURLWithPath: program).lastPathComponent] + kept + checks.flatMap { ["--layer", $0] }
        return words.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:%+,".contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func table(_ run: VerifyRun, into page: inout Page) {
        page.raw("<section id=\"table\"><h2>Checks</h2><div class=\"scroll\"><table><thead><tr>")
        for column in [
            "status", "check", "tensor", "checked", "max abs err", "max rel err", "worst at", "analytic", "numeric", "kinks",
            "order", "time",
        ] {
            page.raw("<th>\(column)</th>")
        }
        page.raw("</tr></thead><tbody>")
        for report in run.reports {
            let link =
                report.verdict == .pass
                ? escape(report.target) : "<a href=\"#\(anchor(report.target))\">\(escape(report.target))</a>"
            if report.problem != nil || report.tensors.isEmpty {
                page.raw(
                    "<tr class=\"\(report.verdict.rawValue)\"><td>\(status(of: report))</td><td>\(link)</td><td>—</td>"
                        + "<td colspan=\"8\">\(escape(report.problem?.description ?? "nothing checked"))</td>"
                        + "<td>\(escape(TableReport.milliseconds(report.seconds)))</td></tr>")
                continue
            }
            for (i, t) in report.tensors.enumerated() {
                let cells = [
                    escape(t.tensor.description),
                    t.checked == t.elementCount ? "\(t.checked)" : "\(t.checked)/\(t.elementCount)",
                    formatNumber(t.maxAbsoluteError, significantDigits: 2),
                    formatNumber(t.maxRelativeError, significantDigits: 2),
                    escape(t.worst?.location ?? "—"), t.worst.map { formatNumber($0.analytic) } ?? "—",
                    t.worst.map { formatNumber($0.numeric) } ?? "—", "\(t.kinks)", escape(t.order?.summary ?? "—"),
                    i == 0 ? escape(TableReport.milliseconds(report.seconds)) : "",
                ]
                page.raw(
                    "<tr class=\"\(t.verdict.rawValue)\"><td>\(status(t.verdict))</td><td>\(i == 0 ? link : "")</td>"
                        + cells.map { "<td>\($0)</td>" }.joined() + "</tr>")
            }
        }
        page.raw("</tbody></table></div></section>")
    }

    /// Each check that did not pass: its diagnosis, then per tensor its error map and Taylor chart.
    static func problems(_ run: VerifyRun, into page: inout Page) {
        let shown = run.reports.filter { $0.verdict != .pass }
        guard !shown.isEmpty else { return }
        page.raw("<section id=\"failures\"><h2>Failures and inconclusive checks</h2>")
        for report in shown {
            page.raw(
                "<article id=\"\(anchor(report.target))\" class=\"\(report.verdict.rawValue)\"><h3>\(escape(report.target)) "
                    + "\(status(of: report))</h3>")
            page.raw(
                "<p class=\"meta\">\(escape(report.methodDescription)) · \(escape(report.tolerance.description)) · "
                    + "seed \(report.seed) · inputs \(escape(report.inputShapes.map { "\($0)" }.joined(separator: ", ")))</p>")
            let diagnosis = report.diagnosis.isEmpty ? "no failing tensor or invariant" : report.diagnosis
            page.raw("<pre class=\"diagnosis\">\(escape(diagnosis))</pre>")
            for tensor in report.tensors where tensor.verdict != .pass {
                page.raw(
                    "<h4>\(escape(tensor.tensor.description)) \(escape(tensor.shape.description))</h4><div class=\"figures\">")
                if let map = ErrorMap(tensor, in: report) {
                    page.raw("<div class=\"scroll\">")
                    page.image(
                        { try map.pngData() }, alt: "error map of \(report.target) \(tensor.tensor)", kind: "map")
                    page.raw("</div>")
                } else {
                    page.raw("<p class=\"note\">No error map: \(escape(noMapReason(tensor, mode: report.mode)))</p>")
                }
                if let order = tensor.order {
                    page.image(
                        { try taylorChart(order, title: "\(report.target) \(tensor.tensor): Taylor test").pngData() },
                        alt: "Taylor test of \(report.target) \(tensor.tensor): \(order.note)", kind: "chart")
                }
                page.raw("</div>")
            }
            page.raw("</article>")
        }
        page.raw("</section>")
    }

    static func noMapReason(_ tensor: TensorReport, mode: CheckMode) -> String {
        if case .fast = mode { return "fast mode checks random directions, not elements." }
        if tensor.elementCount > ElementRetention.elementLimit {
            return "the tensor has more than \(ElementRetention.elementLimit) elements, whose values are not kept."
        }
        return "the report kept no element values for it (fixture comparisons keep none, nor does --keep-elements none)."
    }

    /// The Taylor test: relative error of the directional difference against h, with the
    /// O(h²) fall a right gradient follows drawn from the largest step's error.
    static func taylorChart(_ order: ConvergenceOrder, title: String) -> Chart {
        var chart = Chart.errorVsStep(
            steps: order.steps, errors: order.relativeErrors,
            annotation: "fitted order \(order.summary) (a right gradient: 2) · \(order.verdict.rawValue)", title: title,
            width: 560, height: 340)
        if let h = order.steps.first, let e = order.relativeErrors.first, e > 0 {
            chart.addLine(
                order.steps.map { e * ($0 / h) * ($0 / h) }, x: order.steps, label: "O(h²)", color: RGB(hex: 0x999999),
                lineWidth: 1)
        }
        return chart
    }

    static func histogram(_ run: VerifyRun, into page: inout Page) {
        page.raw("<section id=\"histogram\"><h2>Relative error of every checked element</h2>")
        if run.census.total == 0 {
            page.raw("<p class=\"note\">No element was checked.</p>")
        } else {
            page.image({ try CensusChart.make(run, title: "").pngData() }, alt: TableReport.censusLine(run), kind: "chart")
        }
        page.raw("</section>")
    }

    static func kinksAndInconclusive(_ run: VerifyRun, into page: inout Page) {
        var items: [String] = []
        for report in run.reports {
            for t in report.tensors {
                if t.kinks > 0 {
                    items.append(
                        "<li>\(escape(report.target)) \(escape(t.tensor.description)): \(t.kinks) of \(t.checked) elements at kinks"
                            + " (one-sided differences disagree; \(report.allowKinks ? "accepted" : "counted as failures: --no-kinks"))</li>"
                    )
                }
                if t.verdict == .inconclusive || t.inconclusive > 0 {
                    items.append(
                        "<li class=\"inconclusive\">\(escape(report.target)) \(escape(t.tensor.description)): inconclusive — \(escape(t.inconclusiveReason))</li>"
                    )
                }
            }
        }
        page.raw("<section id=\"kinks\"><h2>Kinks and inconclusive elements</h2>")
        page.raw(items.isEmpty ? "<p class=\"note\">None.</p>" : "<ul>" + items.joined() + "</ul>")
        page.raw("</section>")
    }

    static func invariants(_ run: VerifyRun, into page: inout Page) {
        let all = run.reports.flatMap { r in r.invariants.map { (r.target, $0) } }
        let broken = all.filter { $0.1.verdict != .pass }
        page.raw("<section id=\"invariants\"><h2>Invariants</h2>")
        page.raw("<p>\(all.count - broken.count) of \(all.count) held.</p>")
        if !broken.isEmpty {
            page.raw("<ul>")
            for (target, invariant) in broken {
                page.raw(
                    "<li class=\"\(invariant.verdict.rawValue)\">\(escape(target)): <b>\(escape(invariant.name.text))</b> "
                        + "\(status(invariant.verdict)) — \(escape(invariant.detail))</li>")
            }
            page.raw("</ul>")
        }
        page.raw("<details><summary>Every invariant, by check</summary><ul class=\"invariants\">")
        for report in run.reports where !report.invariants.isEmpty {
            let names = report.invariants.map { "\($0.verdict == .pass ? "✓" : "✗") \(escape($0.name.text))" }
            page.raw("<li><b>\(escape(report.target))</b>: \(names.joined(separator: " · "))</li>")
        }
        page.raw("</ul></details></section>")
    }

    // MARK: Pieces

    /// A check's status: its verdict, or for one that could not finish what ended it (CRASH,
    /// TIMEOUT, OUT OF MEMORY, EXITED, INTERRUPTED), as the table says.
    static func status(of report: CheckReport) -> String {
        guard let problem = report.problem, problem.isUnfinished else { return status(report.verdict) }
        return "<span class=\"status \(report.verdict.rawValue)\">\(escape(TableReport.status(problem)))</span>"
    }

    static func status(_ verdict: Verdict) -> String {
        "<span class=\"status \(verdict.rawValue)\">\(verdict.rawValue.uppercased())</span>"
    }

    static func anchor(_ target: String) -> String {
        "check-" + String(target.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The page as it is written.
    struct Page {
        var text = ""

        mutating func raw(_ html: String) { text += html + "\n" }

        mutating func head(title: String) {
            raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            raw("<title>\(HTMLReport.escape(title))</title><style>\(HTMLReport.style)</style></head><body><main>")
        }

        /// A PNG inline, or a sentence saying why it could not be drawn.
        mutating func image(_ draw: () throws -> Data, alt: String, kind: String) {
            do {
                let png = try draw()
                raw(
                    "<img class=\"\(kind)\" alt=\"\(HTMLReport.escape(alt))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
                )
            } catch {
                raw("<p class=\"note\">Could not draw \(HTMLReport.escape(alt)): \(HTMLReport.escape("\(error)"))</p>")
            }
        }
    }

    static let style = """
        :root{--pass:#1a7f37;--fail:#c62828;--inconclusive:#9a6700;--ink:#1f2328;--muted:#59636e;--line:#d0d7de}
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
        main{max-width:1240px;margin:0 auto;padding:16px}h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:1.6em}
        h3{font-size:1.05em;margin:1em 0 .3em}h4{font-size:.95em;margin:.8em 0 .3em;color:var(--muted)}
        .badge{font-size:.75em;padding:2px 10px;border-radius:12px;vertical-align:middle}
        .badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.inconclusive{background:var(--inconclusive)}
        .status{font-weight:600;font-size:.85em}.pass{color:var(--pass)}.fail{color:var(--fail)}.inconclusive{color:var(--inconclusive)}
        .badge.pass,.badge.fail,.badge.inconclusive{color:#fff}
        .settings{display:flex;flex-wrap:wrap;gap:4px 18px;margin:.5em 0;color:var(--muted);font-size:.9em}.settings div{display:flex;gap:6px}.settings dt{font-weight:600}.settings dd{margin:0}
        pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;font-size:.85em}
        pre.command{background:#0d1117;color:#e6edf3;border-color:#0d1117}
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.82em;white-space:nowrap}
        th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left}th{background:#f6f8fa;position:sticky;top:0}
        tr.fail td{background:#fff5f5}tr.inconclusive td{background:#fffbeb}
        article{border-left:4px solid var(--fail);padding-left:12px;margin:1.2em 0}article.inconclusive{border-color:var(--inconclusive)}
        .meta,.note{color:var(--muted);font-size:.88em}.figures{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
        img{max-width:100%;height:auto;border:1px solid var(--line)}footer{margin-top:2em;color:var(--muted);font-size:.8em}
        ul.invariants{font-size:.85em}
        @media (max-width:700px){body{font-size:14px}main{padding:8px}img.map{max-width:none}}
        @media print{pre.command{background:#fff;color:#000;border-color:#999}.scroll{overflow:visible}table{white-space:normal}article,img,tr{break-inside:avoid}h2,h3,h4{break-after:avoid}th{position:static}}
        """
}
