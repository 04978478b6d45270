import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot
import SlopeZoo
import Testing

@testable import SlopeGate

/// `verify --format html`: one self-contained page a reader can act on.
@Suite struct HTMLReportTests {
    static func run(_ names: [String], registry: CheckRegistry) throws -> VerifyRun {
        let check = GradientCheck()
        let reports = Verification.run(try names.map { try registry.lookup($0) }, check: check)
        return VerifyRun(
            method: check.method.description, tolerance: check.tolerance, mode: check.mode, seed: 0, maxInconclusive: 0.05,
            reports: reports, seconds: 1.5)
    }

    static let broken = [
        "Broken.AffineTransposedWeightGradient", "Broken.FlattenForgetsReshape", "Broken.TanhSlightlyOff", "Conv2D",
    ]

    static func failingRun() throws -> VerifyRun {
        try run(broken, registry: try CheckRegistry.builtIn.adding(BrokenLayer.registry))
    }

    /// Every `src="data:image/png;base64,…"` of the page, decoded.
    static func images(_ html: String) -> [(alt: String, png: Data)] {
        let pattern = /<img class="[a-z]+" alt="([^"]*)" src="data:image\/png;base64,([A-Za-z0-9+\/=]+)">/
        return html.matches(of: pattern).compactMap { match in
            Data(base64Encoded: String(match.2)).map { (String(match.1), $0) }
        }
    }

    @Test func aPassingDefaultGateIsSmallAndSaysPass() throws {
        let registry = CheckRegistry.builtIn
        let run = try Self.run(registry.defaultCases.map(\.name), registry: registry)
        let html = HTMLReport.render(run, invocation: ["/usr/bin/slope", "verify", "--format", "html"])
        #expect(html.contains("<span class=\"badge pass\">PASS</span>"))
        #expect(html.contains("<b>\(run.reports.count)</b> checks · <b>\(run.elementsChecked)</b> elements"))
        #expect(html.contains("<dt>seed</dt><dd>0</dd>"))
        #expect(!html.contains("Replay the failures"))
        // One picture, the histogram; well under 100 KB for the whole default gate.
        #expect(Self.images(html).count == 1)
        #expect(html.utf8.count < 100_000, "a passing page of \(html.utf8.count) bytes")
    }

    @Test func aFailingRunShowsEachFailureWithItsDiagnosisMapAndTaylorChart() throws {
        let run = try Self.failingRun()
        let html = HTMLReport.render(
            run, invocation: ["/ci/bin/my-gate", "verify", "--include-broken", "--format", "html", "-o", "r.html", "--seed", "0"])
        #expect(html.contains("<span class=\"badge fail\">FAIL</span>"))
        #expect(html.contains("exit status 1"))
        for report in run.reports where report.verdict != .pass {
            #expect(html.contains("id=\"\(HTMLReport.anchor(report.target))\""), "no section for \(report.target)")
            #expect(html.contains(HTMLReport.escape(report.diagnosis)), "no diagnosis of \(report.target)")
        }
        #expect(!html.contains("id=\"check-Conv2D\""), "a passing check has no failure section")
        let alts = Self.images(html).map(\.alt)
        #expect(alts.contains("error map of Broken.AffineTransposedWeightGradient param W"))
        #expect(alts.contains { $0.hasPrefix("Taylor test of Broken.TanhSlightlyOff input x") })
        #expect(alts.contains { $0.hasPrefix("Relative-error census") })
        // The command that replays the failures, and what --replay needs.
        #expect(
            html.contains(
                "my-gate verify --include-broken --seed 0 --layer Broken.AffineTransposedWeightGradient --layer Broken.FlattenForgetsReshape --layer Broken.TanhSlightlyOff"
            ))
        #expect(html.contains("<code>--replay</code> takes a <em>JSON</em> report"))
        #expect(html.contains("my-gate verify --replay report.json"))
        #expect(html.contains("backward returned a gradient of shape [24] for input x of shape [2, 3, 2, 2]"))
        #expect(html.contains("id=\"invariants\"") && html.contains("id=\"kinks\"") && html.contains("id=\"histogram\""))
    }

    @Test func thePageIsSelfContained() throws {
        let html = HTMLReport.render(try Self.failingRun())
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<link"))
        let images = Self.images(html)
        #expect(images.count == html.components(separatedBy: "<img ").count - 1, "every image is an inline PNG")
        // The inline error map is the map of the transposed dW: its panels carry the diverging colours.
        let map = try #require(images.first { $0.alt.hasPrefix("error map of") })
        let canvas = try GDCanvas(png: map.png)
        var red = 0
        for y in stride(from: 0, to: canvas.height, by: 2) {
            for x in stride(from: 0, to: canvas.width, by: 2) where canvas.pixel(x: x, y: y) == RGB(hex: 0xB2182B) { red += 1 }
        }
        #expect(red > 10)
    }

    @Test func theReplayCommandDropsOutputOptionsAndQuotesWhatTheShellWouldSplit() {
        let command = HTMLReport.replayCommand(
            invocation: [
                "/x/gate", "verify", "--format=html", "-o", "out.html", "--layer", "A", "--rtol", "1e-4", "--shard", "1/2",
            ],
            checks: ["B", "it's"])
        #expect(command == "gate verify --rtol 1e-4 --layer B --layer 'it'\\''s'")
    }

    @Test func textFromChecksIsEscaped() {
        #expect(HTMLReport.escape("<img src=x onerror=\"a&b\">") == "&lt;img src=x onerror=&quot;a&amp;b&quot;&gt;")
    }
}
