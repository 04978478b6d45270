import Foundation
import SlopeCheck
import SlopePlot
import Testing

@testable import SlopeGate

/// The HTML report in a real browser: headless Chromium draws it at 1280 px and at a phone's
/// width, and the screenshots must show what a reader looks for. Skipped when no Chromium is
/// installed, unless `SLOPE_REQUIRE_BROWSER=1` (`make report-check` sets it, after installing
/// Debian's `chromium`). `SLOPE_REPORT_CHECK_DIR` keeps the pages and screenshots for a person to look at.
@Suite struct HTMLReportBrowserTests {
    static var chromium: String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["SLOPE_CHROMIUM"] { return path }
        let directories = (environment["PATH"] ?? "/usr/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }

    static var required: Bool { ProcessInfo.processInfo.environment["SLOPE_REQUIRE_BROWSER"] == "1" }

    /// Runs headless Chromium on `page` with `arguments`; fails the test after a minute.
    static func chromium(_ browser: String, _ arguments: [String], page: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments =
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"] + arguments
            + [page.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            Issue.record("chromium did not finish in 60 s: \(arguments)")
        }
    }

    static func directory() throws -> URL {
        if let kept = ProcessInfo.processInfo.environment["SLOPE_REPORT_CHECK_DIR"] {
            let url = URL(fileURLWithPath: kept)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("SlopeHTML-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Pixels of `canvas` within `tolerance` of `colour` in rows `rows`, sampled every other pixel.
    static func count(_ colour: RGB, in canvas: GDCanvas, rows: Range<Int>, tolerance: Int = 6) -> Int {
        var n = 0
        for y in stride(from: rows.lowerBound, to: min(rows.upperBound, canvas.height), by: 2) {
            for x in stride(from: 0, to: canvas.width, by: 2) {
                guard let p = canvas.pixel(x: x, y: y) else { continue }
                let d = max(
                    abs(Int(p.red) - Int(colour.red)), abs(Int(p.green) - Int(colour.green)),
                    abs(Int(p.blue) - Int(colour.blue)))
                if d <= tolerance { n += 1 }
            }
        }
        return n
    }

    @Test func aFailingReportReadsAtDesktopAndPhoneWidthAndPrints() throws {
        guard let browser = Self.chromium else {
            #expect(!Self.required, "SLOPE_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
            return
        }
        let directory = try Self.directory()
        let page = directory.appendingPathComponent("failing.html")
        try HTMLReport.render(
            try HTMLReportTests.failingRun(), invocation: ["slope", "verify", "--include-broken", "--format", "html"]
        ).write(to: page, atomically: true, encoding: .utf8)

        for (name, width, height) in [("desktop", 1280, 2400), ("phone", 390, 4000)] {
            let shot = directory.appendingPathComponent("failing-\(name).png")
            try? FileManager.default.removeItem(at: shot)
            try Self.chromium(browser, ["--screenshot=\(shot.path)", "--window-size=\(width),\(height)"], page: page)
            let canvas = try GDCanvas(png: try Data(contentsOf: shot))
            #expect(canvas.width == width)
            // The red FAIL badge is in the first screenful's header.
            #expect(Self.count(RGB(hex: 0xC62828), in: canvas, rows: 0..<120) > 20, "\(name): no FAIL badge at the top")
            // The inline error map was decoded and drawn: its strongest red and blue are on screen.
            #expect(Self.count(RGB(hex: 0xB2182B), in: canvas, rows: 0..<height, tolerance: 12) > 0, "\(name): no error map")
            #expect(Self.count(RGB(hex: 0x2166AC), in: canvas, rows: 0..<height, tolerance: 12) > 0, "\(name): no error map")
        }
        let pdf = directory.appendingPathComponent("failing.pdf")
        try? FileManager.default.removeItem(at: pdf)
        try Self.chromium(browser, ["--print-to-pdf=\(pdf.path)", "--no-pdf-header-footer"], page: page)
        let printed = try Data(contentsOf: pdf)
        #expect(printed.starts(with: Array("%PDF".utf8)) && printed.count > 50_000, "printing gave \(printed.count) bytes")
    }

    @Test func aPassingReportShowsItsPassBadge() throws {
        guard let browser = Self.chromium else {
            #expect(!Self.required, "SLOPE_REQUIRE_BROWSER=1 but no chromium on PATH")
            return
        }
        let directory = try Self.directory()
        let page = directory.appendingPathComponent("passing.html")
        let registry = CheckRegistry.builtIn
        let run = try HTMLReportTests.run(registry.defaultCases.map(\.name), registry: registry)
        try HTMLReport.render(run).write(to: page, atomically: true, encoding: .utf8)
        let shot = directory.appendingPathComponent("passing-desktop.png")
        try? FileManager.default.removeItem(at: shot)
        try Self.chromium(browser, ["--screenshot=\(shot.path)", "--window-size=1280,1200"], page: page)
        let canvas = try GDCanvas(png: try Data(contentsOf: shot))
        #expect(Self.count(RGB(hex: 0x1A7F37), in: canvas, rows: 0..<120) > 20, "no PASS badge at the top")
        #expect(Self.count(RGB(hex: 0xC62828), in: canvas, rows: 0..<1200) == 0, "red on a passing page")
    }
}
