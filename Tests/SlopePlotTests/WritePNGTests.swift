import Foundation
import Testing

@testable import SlopePlot

@Suite struct WritePNGTests {
    var chart: Chart {
        var chart = Chart(width: 320, height: 240)
        chart.addLine([1, 2, 3], label: "a")
        return chart
    }

    @Test func writesAPNGAndNoTemporaryFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("chart.png")
        try chart.writePNG(to: url)
        let data = try Data(contentsOf: url)
        #expect(pngSize(data)?.width == 320)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["chart.png"])
        // Overwriting works too and gives the same bytes.
        try chart.writePNG(to: url)
        #expect(try Data(contentsOf: url) == data)
    }

    /// A PNG larger than the file writer's 64 KiB buffer goes to the file in one piece, whole.
    @Test func aLargePNGIsWrittenWhole() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var state: UInt64 = 7
        let noise = (0..<200).map { _ in
            (0..<200).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Double(state >> 11) / Double(1 << 53)
            }
        }
        let chart = Chart.heatMap(noise, x: 0...1, y: 0...1, width: 1200, height: 1000)
        let url = dir.appendingPathComponent("noise.png")
        let rendered = try chart.writePNG(to: url)
        #expect(rendered.png.count > 65_536)
        #expect(try Data(contentsOf: url) == rendered.png)
    }

    @Test func missingDirectoryIsAnErrorNamingThePath() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("missing/chart.png")
        #expect(throws: PlotError.missingDirectory(path: url.path)) { try chart.writePNG(to: url) }
        #expect(PlotError.missingDirectory(path: url.path).description.contains(url.path))
    }

    @Test func unwritableDirectoryIsAnErrorAndLeavesNoFile() throws {
        let dir = try makeTemporaryDirectory()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
            try? FileManager.default.removeItem(at: dir)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path)
        // Root ignores directory permissions; /proc/self refuses new files even for root.
        let target = FileManager.default.isWritableFile(atPath: dir.path) ? URL(fileURLWithPath: "/proc/self") : dir
        let before = try FileManager.default.contentsOfDirectory(atPath: target.path)
        let url = target.appendingPathComponent("slope-chart.png")
        do {
            try chart.writePNG(to: url)
            Issue.record("writing into a read-only directory succeeded")
        } catch {
            guard case .cannotWrite(let path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == url.path)
            #expect(error.description.contains(url.path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == before)
    }

    @Test func pathThatIsADirectoryIsAnError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PlotError.cannotWrite(path: dir.path, reason: "it is a directory")) {
            try chart.writePNG(to: dir)
        }
    }
}
