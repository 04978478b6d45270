import Foundation
import SlopeLayers

/// JUnit XML for CI systems: one test suite per check, one test case per tensor and per
/// invariant, a `<failure>` carrying the diagnosis.
public enum JUnitReport {
    public static func render(_ run: VerifyRun) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let cases = run.reports.reduce(0) { $0 + max(1, $1.tensors.count + $1.invariants.count) }
        let failures = run.reports.reduce(0) { total, r in
            total + (r.error != nil ? 1 : r.tensors.filter { $0.verdict == .fail }.count + r.failedInvariants.count)
        }
        let skipped = run.reports.reduce(0) { $0 + $1.tensors.filter { $0.verdict == .inconclusive }.count }
        xml +=
            "<testsuites name=\"\(escape(run.suite)) verify\" tests=\"\(cases)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"\(seconds(run.seconds))\">\n"
        for report in run.reports {
            let suiteCases = max(1, report.tensors.count + report.invariants.count)
            let suiteFailures =
                report.error != nil ? 1 : report.tensors.filter { $0.verdict == .fail }.count + report.failedInvariants.count
            xml +=
                "  <testsuite name=\"\(escape(report.target))\" tests=\"\(suiteCases)\" failures=\"\(suiteFailures)\" errors=\"0\" time=\"\(seconds(report.seconds))\">\n"
            xml += "    <properties><property name=\"method\" value=\"\(escape(report.methodDescription))\"/>"
            xml += "<property name=\"tolerance\" value=\"\(escape(report.tolerance.description))\"/>"
            xml += "<property name=\"seed\" value=\"\(report.seed)\"/></properties>\n"
            let classname = "\(escape(run.suite)).verify.\(escape(report.target))"
            if let error = report.error {
                xml +=
                    "    <testcase classname=\"\(classname)\" name=\"runs\"><failure message=\"\(escape(error))\"/></testcase>\n"
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
