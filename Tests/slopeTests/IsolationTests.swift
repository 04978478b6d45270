import Foundation
import SlopeCheck
import SlopeZoo
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `slope verify` meets layers that end their process: each is a failed check whose problem
/// says how and where, next to a valid report of every other check (the checks run in a
/// worker process; the process that writes the reports never runs a layer).
@Suite("isolation")
struct IsolationTests {
    /// The checks around the crashing one, which must survive it.
    static let neighbours = ["Tanh", "Affine"]

    /// Limits that make the slow endings quick: the endless loop meets a 4 s time limit, the
    /// hoarding layer a 1 GiB memory limit.
    static let limits = ["--timeout", "4", "--memory-limit", "1GiB"]

    @Test(
        "a layer that traps, hangs, hoards, recurses or exits fails its own check; the others pass",
        arguments: CrashingLayer.allCases)
    func crashingLayerFailsItsCheck(_ layer: CrashingLayer) throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("report.json")
        let result = try SlopeBinary.run(
            [
                "verify", "--include-broken", "--layer", "Tanh", "--layer", layer.rawValue, "--layer", "Affine", "--format",
                "json", "-o", json.path,
            ]
                + Self.limits, timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        let run = try JSONReport.read(Data(contentsOf: json))
        #expect(run.reports.map(\.target) == ["Tanh", layer.rawValue, "Affine"])
        #expect(run.reports[0].verdict == .pass && run.reports[2].verdict == .pass)
        let crashed = run.reports[1]
        #expect(crashed.verdict == .fail)
        guard case .unfinished(let unfinished)? = crashed.problem else {
            Issue.record("expected an unfinished check, got \(String(describing: crashed.problem))")
            return
        }
        for word in layer.expectedWords {
            #expect(unfinished.description.contains(word), "«\(word)» missing from: \(unfinished)")
        }
        // The table says it in its own words.
        #expect(result.stdout.contains(layer.rawValue) && result.stdout.contains("1 failed"))
    }

    @Test("JUnit: a trap is an <error>, a wrong gradient a <failure>, and the file is valid XML")
    func junitErrorAndFailure() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let xml = directory.appendingPathComponent("report.xml")
        let result = try SlopeBinary.run([
            "verify", "--include-broken", "--layer", "Broken.IndexOutOfRange", "--layer", "Broken.TanhSignFlipped",
            "--layer", "Tanh", "--format", "junit", "-o", xml.path,
        ])
        #expect(result.status == 1)
        let document = try XMLDocument(contentsOf: xml)
        let suites = try document.nodes(forXPath: "//testsuite").compactMap { $0 as? XMLElement }
        #expect(
            suites.compactMap { $0.attribute(forName: "name")?.stringValue } == [
                "Broken.IndexOutOfRange", "Broken.TanhSignFlipped", "Tanh",
            ])
        let errors = try document.nodes(forXPath: "//testsuite[@name='Broken.IndexOutOfRange']//error")
        #expect(errors.count == 1)
        #expect(try document.nodes(forXPath: "//testsuite[@name='Broken.IndexOutOfRange']//failure").isEmpty)
        #expect(try !document.nodes(forXPath: "//testsuite[@name='Broken.TanhSignFlipped']//failure").isEmpty)
        #expect(try document.nodes(forXPath: "//testsuite[@name='Broken.TanhSignFlipped']//error").isEmpty)
        let root = try #require(document.rootElement())
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
    }

    @Test("SIGTERM during a hung check: exit 130, a valid report of what ran, naming the check in progress, no worker left")
    func terminatedGateWritesReport() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let xml = directory.appendingPathComponent("report.xml")
        let process = try Child.launch([
            "verify", "--include-broken", "--layer", "Tanh", "--layer", "Broken.EndlessLoop", "--layer", "Affine",
            "--format", "junit", "-o", xml.path,
        ])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(Child.waitForHandlers(of: process, timeout: 20), "the interrupt handler was never installed")
        usleep(1_500_000)  // Tanh is done; the endless loop is running.
        let workers = Self.children(of: process.processIdentifier)
        #expect(!workers.isEmpty, "no worker process")
        kill(process.processIdentifier, SIGTERM)
        try ChildProcess.wait(for: process, timeout: 30)
        #expect(process.terminationStatus == 130)
        let document = try XMLDocument(contentsOf: xml)
        let names = try document.nodes(forXPath: "//testsuite").compactMap {
            ($0 as? XMLElement)?.attribute(forName: "name")?.stringValue
        }
        #expect(names == ["Tanh", "Broken.EndlessLoop"])
        let message = try document.nodes(forXPath: "//error").first.flatMap {
            ($0 as? XMLElement)?.attribute(forName: "message")?.stringValue
        }
        #expect(message?.contains("interrupted (SIGTERM)") == true)
        usleep(300_000)
        for pid in workers { #expect(kill(pid, 0) != 0, "worker \(pid) is still running") }
    }

    @Test("a layer whose forward changes shape between calls is a contract failure, not a trap")
    func shapeChangeIsReported() throws {
        let result = try SlopeBinary.run(["verify", "--include-broken", "--layer", "Broken.OutputShapeChanges", "--no-isolation"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("breaks the contract of Layer"), "\(result.stdout)")
    }

    @Test("a crashed check's report keeps the run's settings, and --replay meets the crash again")
    func crashedCheckReplays() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("report.json")
        let first = try SlopeBinary.run([
            "verify", "--include-broken", "--layer", "Broken.IndexOutOfRange", "--stencil", "fourthOrder", "--seed", "7",
            "--format", "json", "-o", json.path,
        ])
        #expect(first.status == 1)
        let report = try #require(try JSONReport.read(Data(contentsOf: json)).reports.first)
        #expect(report.method.stencil == .fourthOrder && report.seed == 7)
        let replay = try SlopeBinary.run(["verify", "--include-broken", "--replay", json.path])
        #expect(replay.status == 1)
        #expect(replay.stdout.contains("Broken.IndexOutOfRange: the check crashed (SIGILL"), "\(replay.stdout)")
    }

    @Test("HTML: a trapped check reads CRASH, with its diagnosis, beside the checks that passed")
    func htmlSaysCrash() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("report.html")
        let result = try SlopeBinary.run([
            "verify", "--include-broken", "--layer", "Tanh", "--layer", "Broken.IndexOutOfRange", "--format", "html", "-o",
            html.path,
        ])
        #expect(result.status == 1)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains(">CRASH</span>"))
        #expect(page.contains("the check crashed (SIGILL, a Swift runtime trap)"))
        #expect(page.contains(">PASS</span>"))
    }

    @Test("slope sweep of a trapping layer: exit 1 with the diagnosis, no PNG written")
    func sweepOfATrappingLayer() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let png = directory.appendingPathComponent("sweep.png")
        let result = try SlopeBinary.run([
            "sweep", "--include-broken", "--layer", "Broken.IndexOutOfRange", "-o", png.path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Broken.IndexOutOfRange: the check crashed (SIGILL"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: png.path))
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }
}
