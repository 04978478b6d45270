import Foundation
import Testing

@testable import SlopeGate

/// The documented CI workflow (docs/ci/gradient-gate.yml, the same file in
/// Examples/ConsumerPackage): it runs the gate with options the gate has, uploads both
/// reports whatever the verdict, and fails the job on exit status 1 or 3 (and 2).
@Suite struct CIWorkflowTests {
    static let root = ReadmeTests.root

    static func workflow() throws -> String {
        try String(contentsOf: root.appendingPathComponent("docs/ci/gradient-gate.yml"), encoding: .utf8)
    }

    @Test func theExampleCarriesTheSameFile() throws {
        let example = try String(
            contentsOf: Self.root.appendingPathComponent("Examples/ConsumerPackage/.github/workflows/gradient-gate.yml"),
            encoding: .utf8)
        #expect(example == (try Self.workflow()))
    }

    @Test func theGateStepsUseOptionsTheGateHas() throws {
        let yaml = try Self.workflow()
        for (format, file) in [("html", "gradients.html"), ("junit", "gradients-junit.xml")] {
            #expect(yaml.contains("\"$GATE\" verify --format \(format) -o \"$REPORTS/\(file)\""), "no step writes \(file)")
            _ = try VerifyCommand.parse(["--format", format, "-o", file])
        }
        #expect(yaml.contains("uses: actions/upload-artifact@v4"))
        let upload = try #require(yaml.range(of: "- name: Upload the reports"))
        #expect(yaml[upload.upperBound...].prefix(40).contains("if: always()"))
    }

    /// The last step's shell, run with each exit status the gate can end with.
    @Test(arguments: [(0, 0), (1, 1), (3, 3), (2, 2), (64, 2)])
    func theJobFailsOnTheGatesStatus(gate: Int, job: Int32) throws {
        let yaml = try Self.workflow()
        let start = try #require(yaml.range(of: "case \"${{ steps.gate.outputs.status }}\" in"))
        let end = try #require(yaml.range(of: "esac", range: start.upperBound..<yaml.endIndex))
        let script = String(yaml[start.lowerBound..<end.upperBound]).replacingOccurrences(
            of: "${{ steps.gate.outputs.status }}", with: "\(gate)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == job)
    }
}
