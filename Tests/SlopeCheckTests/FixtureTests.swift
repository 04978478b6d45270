import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// Parity with the reference gradients that JAX computed (fixtures/, made by make_fixtures.py).
@Suite struct FixtureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static var files: [URL] { (try? Fixture.files(in: root)) ?? [] }

    @Test func everyKindHasAtLeastTwoFixtures() throws {
        let fixtures = try Self.files.map { try Fixture.load($0) }
        for kind in LayerKind.allCases {
            #expect(fixtures.filter { $0.kind.name == kind.rawValue }.count >= 2, "\(kind.rawValue) has fewer than two fixtures")
        }
    }

    @Test(arguments: files)
    func slopeMatchesTheReference(file: URL) throws {
        let report = FixtureParity.check(try Fixture.load(file))
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        #expect(report.tensors.count >= 2)
    }

    @Test func aWrongLayerFailsParity() throws {
        // The same fixture with its expected input gradient negated must fail, naming the tensor.
        var fixture = try Fixture.load(Self.root.appendingPathComponent("Affine/basic.json"))
        fixture.expectedInputGradients[0] = -fixture.expectedInputGradients[0]
        let report = FixtureParity.check(fixture)
        #expect(report.verdict == .fail)
        #expect(report.diagnosis.contains("grad x"))
        #expect(report.tensors.first { $0.tensor.name == "grad x" }?.signature == .signFlipped)
    }

    // MARK: bad fixture files: each error names the file and the field

    func write(_ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slope-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("case.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let valid = """
        {"format": "slope-fixture/1", "layer": "ReLU", "config": {},
         "inputs": [{"shape": [2], "data": [1, -1]}], "params": {},
         "upstream": {"shape": [2], "data": [0.5, 0.25]},
         "expected": {"output": {"shape": [2], "data": [1, 0]}, "inputGrads": [{"shape": [2], "data": [0.5, 0]}], "paramGrads": {}}}
        """

    @Test func theValidSampleLoadsAndPasses() throws {
        let fixture = try Fixture.load(try write(Self.valid))
        #expect(FixtureParity.check(fixture).verdict == .pass)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("{\"format\": \"slope-fixture/1\", \"layer\": ", "is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        (valid.replacingOccurrences(of: "slope-fixture/1", with: "slope-fixture/9"), "field \"format\" is \"slope-fixture/9\""),
        (
            valid.replacingOccurrences(of: "\"ReLU\"", with: "\"Relu\""),
            "field \"layer\" names the kind \"Relu\", which nobody registered"
        ),
        (
            valid.replacingOccurrences(of: "\"data\": [1, -1]", with: "\"data\": [1, -1, 3]"),
            "field \"inputs[0]\" shape [2] needs 2 values but the data has 3"
        ),
        (valid.replacingOccurrences(of: "\"data\": [1, -1]", with: "\"data\": [1, null]"), "field \"inputs[0].data[1]\" is null"),
        (
            valid.replacingOccurrences(of: "\"data\": [1, -1]", with: "\"data\": [1, \"x\"]"),
            "field \"inputs[0].data[1]\" must be a number"
        ),
        (valid.replacingOccurrences(of: "\"upstream\"", with: "\"downstream\""), "field \"upstream\" is missing"),
        (
            valid.replacingOccurrences(of: "\"params\": {}", with: "\"params\": {\"W\": {\"shape\": [], \"data\": [1]}}"),
            "field \"params\" has unknown parameter W"
        ),
        (
            valid.replacingOccurrences(
                of: "\"shape\": [2], \"data\": [0.5, 0.25]", with: "\"shape\": [3], \"data\": [0.5, 0.25, 1]"),
            "field \"upstream\" has shape [3] but expected.output has [2]"
        ),
    ])
    func badFixturesNameFileAndField(text: String, message: String) throws {
        let url = try write(text)
        #expect {
            _ = try Fixture.load(url)
        } throws: { error in
            let text = "\(error)"
            return text.contains(url.path) && text.contains(message)
        }
    }

    @Test func missingDirectoryIsAnError() {
        #expect(throws: FixtureError.self) { try Fixture.files(in: URL(fileURLWithPath: "/nonexistent/fixtures")) }
    }
}
