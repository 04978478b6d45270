import Foundation
import SlopeLayers

/// JUnit XML for CI systems: one test suite per check, one test case per tensor and per
/// invariant, a `<failure>` carrying the diagnosis.
public enum JUnitReport {
    public static func render(_ run: VerifyRun) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let cases = run.reports.reduce(0) { $0 + max(1, $1.tensors.count + $1.invariants.count) }
        let errors = run.reports.filter { $0.problem?.isUnfinished == true }.count
        let failures = run.reports.reduce(0) { total, r in
            total + (r.problem?.isUnfinished == true ? 0 : failureCount(r))
        }
        let skipped = run.reports.reduce(0) { $0 + $1.tensors.filter { $0.verdict == .inconclusive }.count }
        xml +=
            "<testsuites name=\"\(escape(run.suite)) verify\" tests=\"\(cases)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(seconds(run.seconds))\">\n"
        for report in run.reports {
            let suiteCases = max(1, report.tensors.count + report.invariants.count)
            let unfinished = report.problem?.isUnfinished == true
            let suiteFailures = unfinished ? 0 : failureCount(report)
            xml +=
                "  <testsuite name=\"\(escape(report.target))\" tests=\"\(suiteCases)\" failures=\"\(suiteFailures)\" errors=\"\(unfinished ? 1 : 0)\" time=\"\(seconds(report.seconds))\">\n"
            xml += "    <properties><property name=\"method\" value=\"\(escape(report.methodDescription))\"/>"
            xml += "<property name=\"tolerance\" value=\"\(escape(report.tolerance.description))\"/>"
            xml += "<property name=\"seed\" value=\"\(report.seed)\"/></properties>\n"
            let classname = "\(escape(run.suite)).verify.\(escape(report.target))"
            if let problem = report.problem {
                // A check that could not finish (a trap, a time-out) is an error; one that found
                // the checked code breaking its contract is a failure.
                let element = problem.isUnfinished ? "error" : "failure"
                xml +=
                    "    <testcase classname=\"\(classname)\" name=\"runs\"><\(element) message=\"\(escape(problem.description))\"/></testcase>\n"
            }
            for t in report.tensors {
                xml += "    <testcase classname=\"\(classname)\" name=\"\(escape(t.tensor.description))\">"
                switch t.verdict {
                case .pass: break
                case .inconclusive:
                    xml +=
                        "<skipped message=\"\(t.inconclusive) of \(t.checked) elements inconclusive (a decision flips within ±h)\"/>"
                case .fail:
                    let w = t.worst
                    let message =
                        "\(t.failed) of \(t.checked) elements wrong"
                        + (w.map {
                            "; worst at \($0.location): analytic \(formatNumber($0.analytic)), numeric \(formatNumber($0.numeric))"
                        } ?? "")
                    xml +=
                        "<failure message=\"\(escape(message))\">\(escape(t.signature.map { "likely: \($0)" } ?? message))</failure>"
                }
                xml += "</testcase>\n"
            }
            for name in report.constantInputs ?? [] {
                xml +=
                    "    <testcase classname=\"\(classname)\" name=\"input \(escape(name)) (constant)\"><skipped message=\"constant input: passed exactly, not differentiated, not checked\"/></testcase>\n"
            }
            for invariant in report.invariants {
                xml += "    <testcase classname=\"\(classname).invariants\" name=\"\(escape(invariant.name.text))\">"
                if invariant.verdict == .fail { xml += "<failure message=\"\(escape(invariant.detail))\"/>" }
                xml += "</testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// The failures of a check that finished: its contract problem, or its failing tensors and invariants.
    static func failureCount(_ report: CheckReport) -> Int {
        report.error != nil ? 1 : report.tensors.filter { $0.verdict == .fail }.count + report.failedInvariants.count
    }

    static func seconds(_ s: Double) -> String { String(format: "%.3f", s) }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            default:
                if scalar.value < 0x20 && scalar != "\t" { continue }  // not allowed in XML 1.0
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
