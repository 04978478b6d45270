import ArgumentParser
import Foundation
import SlopeCheck
import SlopeGate
import SlopePlot

extension Slope.Plot {
    /// `slope plot errors REPORT.json`: the error map of every tensor a JSON report kept the
    /// element values of.
    struct Errors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw error maps (analytic | numeric | difference) from a slope verify JSON report.",
            discussion: """
                A report keeps every element's values for the tensors that did not pass (slope verify \
                --keep-elements all keeps them for every tensor). One PNG per tensor: \
                <check>.<tensor>.errors.png in --out.
                Example: slope verify --format json -o report.json; slope plot errors report.json --out output
                """)

        @Argument(help: "A JSON report from slope verify --format json (or a user's gate).")
        var report: String

        @Option(name: .customLong("check"), help: "Only this check (repeatable).")
        var checks: [String] = []

        @Option(help: "Directory to write the PNGs to (it must exist).")
        var out = "output"

        @Option(parsing: .unconditional, help: "Largest side of one panel in pixels (a larger tensor is downsampled).")
        var panel = 300

        func validate() throws {
            guard (16...2000).contains(panel) else { throw ValidationError("--panel must be 16…2000 pixels, got \(panel)") }
        }

        func run() throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: report)) } catch {
                throw ValidationError("cannot read the report \(report)")
            }
            let run: VerifyRun
            do { run = try JSONReport.read(data) } catch {
                throw ValidationError("\(report) is not a slope verify JSON report (make one with --format json)")
            }
            if let unknown = checks.first(where: { name in !run.reports.contains { $0.target == name } }) {
                throw ValidationError(
                    "\(report) has no check \"\(unknown)\" (it has: \(run.reports.map(\.target).joined(separator: ", ")))")
            }
            let entries = ErrorMaps.entries(of: run, checks: checks)
            guard !entries.isEmpty else {
                throw ValidationError(
                    "\(report) kept no element values (they are kept for tensors that did not pass; "
                        + "re-run slope verify with --keep-elements all to map passing ones)")
            }
            for entry in entries {
                var map = entry.map
                map.panelSide = panel
                let url = URL(fileURLWithPath: out).appendingPathComponent(entry.fileName)
                try map.writePNG(to: url)
                print("wrote \(url.path)")
            }
        }
    }
}
