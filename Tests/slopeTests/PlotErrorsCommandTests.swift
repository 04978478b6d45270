import Foundation
import Testing

/// `slope plot errors REPORT.json`: error maps drawn later from a JSON report.
@Suite struct PlotErrorsCommandTests {
    @Test func aFailingReportGivesOneMapPerFailingTensor() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json").path
        let verify = try SlopeBinary.run([
            "verify", "--include-broken", "--layer", "Broken.AffineTransposedWeightGradient", "--layer", "Tanh",
            "--format", "json", "-o", report,
        ])
        #expect(verify.status == 1, "\(verify.stderr)")
        let plot = try SlopeBinary.run(["plot", "errors", report, "--out", directory.path])
        #expect(plot.status == 0, "\(plot.stderr)")
        let maps = SlopeBinary.files(in: directory).filter { $0.hasSuffix(".errors.png") }
        // Only W fails (x and b pass, Tanh passes): one map, named after check and tensor.
        #expect(maps == ["Broken.AffineTransposedWeightGradient.param_W.errors.png"])
        let png = try Data(contentsOf: directory.appendingPathComponent(maps[0]))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(plot.stdout.contains("wrote"))
    }

    @Test func keepElementsAllMapsPassingTensorsToo() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json").path
        let verify = try SlopeBinary.run([
            "verify", "--layer", "Conv2D", "--keep-elements", "all", "--format", "json", "-o", report,
        ])
        #expect(verify.status == 0, "\(verify.stderr)")
        let plot = try SlopeBinary.run(["plot", "errors", report, "--out", directory.path, "--check", "Conv2D"])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(
            SlopeBinary.files(in: directory).filter { $0.hasSuffix(".errors.png") }
                == ["Conv2D.input_x.errors.png", "Conv2D.param_W.errors.png", "Conv2D.param_b.errors.png"])
    }

    @Test func aReportWithoutValuesSaysHowToKeepThem() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json").path
        _ = try SlopeBinary.run(["verify", "--layer", "Tanh", "--format", "json", "-o", report])
        let plot = try SlopeBinary.run(["plot", "errors", report, "--out", directory.path])
        #expect(plot.status == 2)
        #expect(plot.stderr.contains("--keep-elements all"))
        let unknown = try SlopeBinary.run(["plot", "errors", report, "--check", "Nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no check \"Nope\""))
    }
}
