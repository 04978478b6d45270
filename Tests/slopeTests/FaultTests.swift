import Foundation
import SlopeLayers
import SlopeTrain
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Faults from outside: Ctrl-C and SIGTERM during a fit, `kill -9` at random moments
/// during a fit and during the demo, and output directories that cannot be written.
///
/// These run the built binary and wait on it, so they are timed: about 10 s in all on
/// the project's 2-core machine (debug build).
@Suite("faults")
struct FaultTests {
    // MARK: (a, b) Ctrl-C and SIGTERM

    @Test(
        "SIGINT / SIGTERM during a fit: exit 130, a checkpoint that loads and resumes, no temporary files",
        arguments: [SIGINT, SIGTERM])
    func interruptSavesCheckpoint(signal: Int32) throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = directory.appendingPathComponent("sine-checkpoint.json")
        let process = try Child.launch(["fit", "sine", "--epochs", "2000000", "--out", directory.path, "--quiet"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let started = Date()
        // Only signal once the handler is in place (before it, SIGINT kills like any
        // program); then wait for the first checkpoint or half a second of training.
        #expect(Child.waitForHandlers(of: process, timeout: 20), "the interrupt handler was never installed")
        while process.isRunning, !FileManager.default.fileExists(atPath: checkpoint.path), Date().timeIntervalSince(started) < 0.5
        {
            usleep(10_000)
        }
        #expect(process.isRunning, "the fit ended before it was signalled")
        kill(process.processIdentifier, signal)
        // Within 30 s of the signal, or the test fails naming the command.
        try ChildProcess.wait(for: process, timeout: 30)
        #expect(process.terminationReason == .exit, "killed by the signal instead of stopping cleanly")
        #expect(process.terminationStatus == 130)

        let saved = try Checkpoint.read(from: checkpoint.path)
        #expect(SlopeBinary.files(in: directory).filter { $0.hasSuffix(".tmp") } == [])
        // The checkpoint continues: two more epochs, and the new checkpoint says so.
        let resumed = try SlopeBinary.run(
            ["fit", "sine", "--resume", "--out", directory.path, "--epochs", "\(saved.epoch + 2)", "--quiet"], timeout: 60)
        #expect(resumed.status == 0, "resume failed: \(resumed.stderr)")
        #expect(try Checkpoint.read(from: checkpoint.path).epoch == saved.epoch + 2)
        #expect(SlopeBinary.files(in: directory).filter { $0.hasSuffix(".tmp") } == [])
    }

    // MARK: (c) kill -9

    /// 20 fits of 2,000 epochs (a checkpoint every 200, charts and history at the end) into
    /// one directory, each killed at a seeded random moment of its run (the window scales
    /// with a timed unbroken run, so a loaded machine shifts nothing); the later runs
    /// overwrite the files of the earlier ones.
    @Test("kill -9 during a fit never leaves a broken file under a final name")
    func killedFitLeavesWholeFiles() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Child.crashRuns(
            ["fit", "sine", "--epochs", "2000", "--out", directory.path, "--quiet"], in: directory,
            runs: 20, pauses: 0, within: 0.05...1.0, seed: 20)
        #expect(outcome.problems == [])
        #expect(outcome.killed >= 10, "only \(outcome.killed) of 20 runs were still running when killed")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("sine-checkpoint.json").path))
        // Whatever checkpoint survived resumes.
        let saved = try Checkpoint.read(from: directory.appendingPathComponent("sine-checkpoint.json").path)
        let resumed = try SlopeBinary.run(
            ["fit", "sine", "--resume", "--out", directory.path, "--epochs", "\(saved.epoch + 1)", "--quiet"], timeout: 60)
        #expect(resumed.status == 0, "resume after kill -9 failed: \(resumed.stderr)")
    }

    /// Four demos (2,000 sine epochs, so that every section is reached) into one directory.
    /// Each is frozen with SIGSTOP at three seeded random moments and its files checked
    /// while it stands still (what a kill at that instant would leave on disk), then killed
    /// with SIGKILL at a fourth moment and checked again.
    @Test("kill -9 during the demo never leaves a broken file under a final name")
    func killedDemoLeavesWholeFiles() throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = try Child.crashRuns(
            ["demo", "--out", directory.path, "--sine-epochs", "2000", "--quiet"], in: directory,
            runs: 4, pauses: 3, within: 0.05...0.95, seed: 9)
        #expect(outcome.problems == [])
        #expect(outcome.killed >= 1, "no demo was still running when killed")
        #expect(outcome.filesChecked > 0)
    }

    // MARK: (d) unwritable output

    /// Places that exist but take no new files, even for root (chmod does not stop root).
    static let unwritable: [(arguments: [String], message: String)] = [
        (
            ["fit", "sine", "--epochs", "2000000", "--out", "/proc/self/fdinfo"],
            "output directory /proc/self/fdinfo: is not writable"
        ),
        (["fit", "sine", "--epochs", "2000000", "--out", "/proc/self"], "output directory /proc/self: is not writable"),
        (["fit", "sine", "--epochs", "2000000", "--out", "{FILE}"], "is a file, not a directory"),
        (
            ["demo", "--sine-epochs", "2000000", "--out", "/proc/self/fdinfo"],
            "output directory /proc/self/fdinfo: is not writable"
        ),
        (["demo", "--sine-epochs", "2000000", "--out", "{FILE}"], "is a file, not a directory"),
        (["verify", "--layer", "ReLU", "-o", "/proc/self/fdinfo/report.txt"], "cannot write /proc/self/fdinfo/report.txt"),
        (["sweep", "--layer", "Tanh", "-o", "/proc/self/fdinfo/sweep.png"], "cannot write /proc/self/fdinfo/sweep.png"),
    ]

    @Test(
        "an output place that cannot be written: one error line, exit 2, before any training",
        arguments: unwritable.indices)
    func unwritableOutput(index: Int) throws {
        let directory = try SlopeBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a-file")
        try Data("not a directory\n".utf8).write(to: file)
        let (arguments, message) = Self.unwritable[index]
        let started = Date()
        // 2,000,000 epochs would take hours: only a refusal up front finishes in time.
        let result = try SlopeBinary.run(arguments.map { $0 == "{FILE}" ? file.path : $0 }, in: directory, timeout: 20)
        #expect(result.status == 2, "\(arguments): status \(result.status) after \(Date().timeIntervalSince(started)) s")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(SlopeBinary.files(in: directory) == ["a-file"])
    }
}

/// A `slope` child process for the fault tests, and the checks of what it leaves behind.
enum Child {
    static func launch(_ arguments: [String], in directory: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = SlopeBinary.url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// True once the process catches SIGINT and SIGTERM (the `SigCgt` mask in
    /// /proc/PID/status), false if it ends or `timeout` passes first.
    static func waitForHandlers(of process: Process, timeout: Double) -> Bool {
        let wanted: UInt64 = (1 << UInt64(SIGINT - 1)) | (1 << UInt64(SIGTERM - 1))
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline {
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
                mask & wanted == wanted
            {
                return true
            }
            usleep(5_000)
        }
        return false
    }

    struct CrashOutcome {
        /// What was found broken, one line per file and moment.
        var problems: [String] = []
        /// Runs still going when SIGKILL arrived.
        var killed = 0
        /// Files checked over all moments.
        var filesChecked = 0
    }

    /// Runs `slope arguments` once unbroken (timed: T seconds; it also leaves a full set of
    /// files for the later runs to overwrite), then `runs` times more. In each of those, at
    /// seeded random moments in `window`·T (sorted), the process is frozen with SIGSTOP for
    /// the first `pauses` moments and its directory checked (a frozen process has left
    /// exactly what a kill at that instant would leave), then SIGCONT; at the last moment
    /// it gets SIGKILL and the directory is checked once more.
    static func crashRuns(
        _ arguments: [String], in directory: URL, runs: Int, pauses: Int, within window: ClosedRange<Double>, seed: UInt64
    ) throws -> CrashOutcome {
        var rng = SeededGenerator(seed: seed)
        var outcome = CrashOutcome()
        let timed = try launch(arguments, in: directory)
        let start = Date()
        try ChildProcess.wait(for: timed, timeout: 120)
        var duration = Date().timeIntervalSince(start)
        if timed.terminationStatus != 0 {
            outcome.problems.append("the unbroken run ended with status \(timed.terminationStatus)")
        }
        func check(_ label: String) {
            let files = SlopeBinary.files(in: directory)
            outcome.filesChecked += files.count
            outcome.problems += files.compactMap { name in
                damage(of: directory.appendingPathComponent(name)).map { "\(label): \(name) \($0)" }
            }
        }
        for run in 0..<runs {
            let moments = (0...pauses).map { _ in duration * Double.random(in: window, using: &rng) }.sorted()
            let process = try launch(arguments, in: directory)
            let started = Date()
            for (index, moment) in moments.enumerated() {
                while process.isRunning, Date().timeIntervalSince(started) < moment { usleep(2_000) }
                guard process.isRunning else { break }
                let label = "run \(run) at \(String(format: "%.2f", moment)) s"
                if index < pauses {
                    kill(process.processIdentifier, SIGSTOP)
                    waitUntilStopped(process)
                    check(label + " (stopped)")
                    kill(process.processIdentifier, SIGCONT)
                } else {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    if process.terminationReason == .uncaughtSignal { outcome.killed += 1 }
                }
            }
            let ranUnbroken = process.isRunning || process.terminationReason != .uncaughtSignal
            try ChildProcess.wait(for: process, timeout: 60)
            // A run that ended before its last moment was faster than the timed one (the timed
            // run shared the cores with the rest of the suite): later moments scale with it.
            if ranUnbroken { duration = min(duration, Date().timeIntervalSince(started)) }
            check("run \(run) after the kill")
        }
        return outcome
    }

    /// Waits (at most a second) until the kernel shows `process` stopped: SIGSTOP is
    /// delivered asynchronously.
    static func waitUntilStopped(_ process: Process) {
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline {
            // /proc/PID/stat: "PID (name) STATE ..."; the name may hold spaces, so split after ')'.
            if let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
            {
                return
            }
            usleep(1_000)
        }
    }

    /// Why a file in an output directory is not whole, or nil when it is. Hidden files may
    /// only be the `.NAME.<pid>.<n>.tmp` temporaries of an atomic write cut short.
    static func damage(of url: URL) -> String? {
        let name = url.lastPathComponent
        if name.hasPrefix(".") { return name.hasSuffix(".tmp") ? nil : "is a hidden file that is not a temporary" }
        if name.hasSuffix(".tmp") { return "is a temporary under a final name" }
        guard let data = FileManager.default.contents(atPath: url.path) else { return "cannot be read" }
        if data.isEmpty { return "is empty" }
        switch url.pathExtension {
        case "json" where name.hasSuffix("checkpoint.json"):
            do { _ = try Checkpoint.decode(data, file: name) } catch { return "does not decode: \(error)" }
        case "json":
            if (try? JSONSerialization.jsonObject(with: data)) == nil { return "is not JSON" }
        case "png":
            let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            if !data.starts(with: signature) { return "lacks the PNG signature" }
            if !data.suffix(iend.count).elementsEqual(iend) { return "does not end with the IEND chunk" }
        case "xml":
            let parser = XMLParser(data: data)
            if !parser.parse() { return "is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")" }
        case "csv":
            guard let text = String(data: data, encoding: .utf8), text.hasSuffix("\n") else { return "is cut short" }
            let lines = text.split(separator: "\n")
            guard let header = lines.first, header.contains(where: \.isLetter) else { return "has no header" }
            let width = header.count(where: { $0 == "," })
            if let ragged = lines.firstIndex(where: { $0.count(where: { $0 == "," }) != width }) {
                return "line \(ragged + 1) has a different number of cells from the header"
            }
        case "txt":
            guard let text = String(data: data, encoding: .utf8), text.hasSuffix("\n") else { return "is cut short" }
        default:
            return "is not a file slope writes"
        }
        return nil
    }
}
