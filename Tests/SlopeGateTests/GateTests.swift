import ArgumentParser
import Foundation
import SlopeCheck
import SlopeLayers
import Testing

@testable import SlopeGate

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The whole `verify` for a user's registry, run in-process (serialized: the gate reads one
/// registry at a time).
@Suite(.serialized) struct GateTests {
    init() throws { SlopeGate.registry = try UserChecks.registry }

    /// Runs `verify` with `arguments`; the exit status it would end with.
    func verify(_ arguments: [String]) throws -> Int32 {
        let command = try VerifyCommand.parse(arguments)
        do { try command.run() } catch let exit as ExitCode { return exit.rawValue }
        return 0
    }

    func temporaryFile(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("SlopeGateTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name)
    }

    @Test func aCorrectUserLayerPassesAndABuggyOneFailsWithJUnitNamedAfterTheSuite() throws {
        #expect(try verify(["--layer", "GELU"]) == 0)
        let file = try temporaryFile("report.xml")
        #expect(try verify(["--layer", "GELU", "--layer", "BuggyGELU", "--format", "junit", "-o", file.path]) == 1)
        let xml = try String(contentsOf: file, encoding: .utf8)
        #expect(xml.contains("<testsuites name=\"MyLayers verify\""))
        #expect(xml.contains("classname=\"MyLayers.verify.BuggyGELU\""))
        #expect(!xml.contains("slope.verify"))
        let document = try XMLDocument(contentsOf: file)
        #expect(try document.nodes(forXPath: "//testsuite[@name='BuggyGELU']/testcase/failure").count >= 1)
        #expect(try document.nodes(forXPath: "//testsuite[@name='GELU']/testcase/failure").isEmpty)
    }

    @Test func replayReRunsTheUsersFailure() throws {
        let file = try temporaryFile("report.json")
        #expect(try verify(["--layer", "GELU", "--layer", "BuggyGELU", "--format", "json", "-o", file.path]) == 1)
        let run = try JSONReport.read(Data(contentsOf: file))
        #expect(run.suite == "MyLayers")
        let replayed = try temporaryFile("replay.json")
        #expect(try verify(["--replay", file.path, "--format", "json", "-o", replayed.path]) == 1)
        let again = try JSONReport.read(Data(contentsOf: replayed))
        #expect(again.reports.map(\.target) == ["BuggyGELU"])
        #expect(again.reports[0].verdict == .fail)
    }

    @Test func aUsersGateWritesTheHTMLReportWithTheBuggyLayersMap() throws {
        let file = try temporaryFile("report.html")
        #expect(try verify(["--layer", "GELU", "--layer", "BuggyGELU", "--format", "html", "-o", file.path]) == 1)
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(html.contains("<title>MyLayers verify: FAIL</title>"))
        #expect(html.contains("alt=\"error map of BuggyGELU input x\""))
        #expect(html.contains("--layer BuggyGELU") && !html.contains("--layer GELU "))
        #expect(!html.contains("id=\"check-GELU\""))
    }

    @Test func aNetworkNamesTheUsersLayer() throws {
        let report = try #require(try VerifyCommand.check(["GELUNet"], with: GradientCheck()).first)
        #expect(report.verdict == .fail)
        #expect(report.culprit?.layer == "layer 1 (GELU)", "\(report.diagnosis)")
    }

    @Test func aBuilderThatThrowsIsAFailedCheckWithItsMessage() throws {
        let report = try #require(try VerifyCommand.check(["Unbuildable"], with: GradientCheck()).first)
        #expect(report.verdict == .fail)
        #expect(
            report.diagnosis.contains("the check \"Unbuildable\" could not be built: GELU: config \"width\" must be positive"))
        // Through the gate it is bad input: a ValidationError (one error: line, exit status 2).
        #expect {
            _ = try verify(["--layer", "Unbuildable"])
        } throws: { error in
            VerifyCommand.message(for: error).contains("the check \"Unbuildable\" could not be built")
        }
    }

    @Test func anUnregisteredNameIsBadUsageNamingTheRegisteredOnes() {
        #expect {
            _ = try VerifyCommand.parse(["--layer", "LayerNorm"])
        } throws: { error in
            VerifyCommand.message(for: error).contains(
                "unknown layer kind \"LayerNorm\" (registered in MyLayers: GELU, BuggyGELU")
        }
    }

    @Test func duplicateNamesAreRefused() {
        #expect(throws: RegistryError.duplicate(name: "GELU")) {
            _ = try CheckRegistry(
                suite: "Twice", cases: [.layer("GELU") { _ in (GELU(), []) }, .layer("GELU") { _ in (GELU(), []) }])
        }
    }

    @Test func repeatAndShardWorkForUserCases() throws {
        #expect(try verify(["--layer", "GELU", "--repeat", "3"]) == 0)
        #expect(try verify(["--layer", "GELU", "--layer", "BuggyGELU", "--shard", "1/2"]) == 0)
        #expect(try verify(["--layer", "GELU", "--layer", "BuggyGELU", "--shard", "2/2"]) == 1)
    }

    @Test func aSweepOfAUserLayerThatBreaksTheContractIsAnErrorNotATrap() throws {
        #expect(throws: CheckProblem.gradientShape(input: "x", shape: [6], expected: [2, 3])) {
            _ = try SweepRunner.sweep("FlatGradient", stencil: .central, seed: 0)
        }
        #expect(try SweepRunner.sweep("GELU", stencil: .central, seed: 0).fittedOrder > 1.5)
    }

    @Test func aLargeExhaustiveCheckIsAnnounced() {
        #expect(VerifyCommand.costNote(for: ["WideGELU"], seed: 0)?.contains("22500 elements") == true)
        #expect(VerifyCommand.costNote(for: ["GELU"], seed: 0) == nil)
        // The estimate proposes footprints first: an elementwise layer compresses.
        #expect(VerifyCommand.costNote(for: ["WideGELU"], seed: 0)?.contains("compression proposed for 1 of 1 tensors") == true)
    }

    @Test func theProgressLineSaysElementsAndTimeLeft() {
        let progress = CheckProgress(target: "Affine", elementsDone: 12_345, elementCount: 150_656, seconds: 3)
        #expect(TerminalProgress.text(progress) == "Affine: 12,345 of 150,656 elements (8%), about 34 s left")
        #expect(TerminalProgress.duration(600) == "10 min")
    }

    @Test func fixturesOfAUserKindAreCompared() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let file = try temporaryFile("parity.json")
        // The GELU fixtures were written by fixtures/slope_fixture.py from PyTorch; BuggyGELU
        // is compared with the same reference and must fail.
        #expect(try verify(["--fixtures", directory.path, "--layer", "GELU", "--format", "json", "-o", file.path]) == 0)
        let run = try JSONReport.read(Data(contentsOf: file))
        #expect(run.reports.count >= 2)
        #expect(try verify(["--fixtures", directory.path, "--layer", "BuggyGELU"]) == 1)
    }

    @Test func aFixtureOfAKindNobodyRegisteredIsNamed() throws {
        let file = try temporaryFile("case.json")
        try Data(#"{"format": "slope-fixture/1", "layer": "Swish", "inputs": [], "expected": {}}"#.utf8).write(to: file)
        #expect {
            _ = try Fixture.load(file, kinds: try UserChecks.registry.fixtureKinds)
        } throws: { error in
            "\(error)".contains("names the kind \"Swish\", which nobody registered (known: BuggyGELU, GELU)")
        }
    }
}
