import ArgumentParser
import Foundation
import SlopeCheck
import SlopeFiles
import SlopeLayers

/// `verify`: the CI gate over the registry in `SlopeGate.registry` (Slope's own kinds for
/// `slope verify`, a user's cases for their gate).
public struct VerifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every registered layer's backward pass against finite differences (a CI gate).",
        discussion: """
            Without --layer, checks every registered case at its default size. With --fixtures DIR, \
            compares the layers with the reference outputs and gradients stored in DIR instead.
            Exit status: 0 all passed, 1 a check failed, 2 bad usage or bad input, 3 inconclusive beyond policy.
            """)

    public init() {}

    @Option(name: .customLong("layer"), help: "A registered check to run (repeatable). See --list.")
    var layers: [String] = []

    @Option(
        help:
            "exhaustive (every element; compressed where outputs do not overlap), sampled (--samples per tensor) or fast (--directions per tensor)."
    )
    var mode: ModeName = .exhaustive

    @Option(parsing: .unconditional, help: "Elements per tensor in sampled mode.")
    var samples: Int = 8

    @Option(parsing: .unconditional, help: "Random directions per tensor in fast mode.")
    var directions: Int = 2

    @Option(help: "A directory of slope-fixture/1 files to compare against.")
    var fixtures: String?

    @Option(help: "table, json, junit or html (one self-contained page: summary, table, error maps, charts).")
    var format: ReportFormat = .table

    @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of standard output.")
    var output: String?

    @Option(help: "Seed of inputs, upstream gradients and samples.")
    var seed: UInt64 = 0

    @Flag(help: "List the layer kinds (and the broken examples) and exit.")
    var list = false

    @Option(help: "Run only shard I of N (1-based), e.g. 2/4, to split work across CI jobs.")
    var shard: Shard?

    @Option(parsing: .unconditional, help: "Relative tolerance.")
    var rtol: Double = Tolerance.default.rtol

    @Option(parsing: .unconditional, help: "Absolute tolerance (the measured noise of L over h is added).")
    var atol: Double = Tolerance.default.atol

    @Option(
        parsing: .unconditional,
        help: "Finite-difference step h (times each tensor's spread).")
    var step: Double?

    /// Retired in 0.4: named only to say so.
    @Option(help: .hidden)
    var stepRule: String?

    @Option(help: "central, or fourthOrder (the 4th-order stencil: O(h⁴) at 4 forward passes per element).")
    var stencil: FiniteDifference.Stencil = .central

    @Flag(help: "Count kinks (non-differentiable points) as failures.")
    var noKinks = false

    @Flag(
        help:
            "Check one element at a time (by default an exhaustive check moves together the elements whose outputs do not overlap, proven on every run)."
    )
    var noCompression = false

    @Flag(help: "Also accept the deliberately broken example layers (Broken.*) for --layer.")
    var includeBroken = false

    @Option(help: "Largest share of inconclusive elements before exit status 3, e.g. 5%.")
    var maxInconclusive: Percentage = Percentage(fraction: 0.05)

    @Option(
        parsing: .unconditional,
        help: "Re-run over N seeds (seed, seed+1, …) and report each check's pass rate (flake measurement).")
    var `repeat`: Int = 1

    @Option(help: "Re-run exactly the failing checks of a JSON report (from --format json).")
    var replay: String?

    @Option(help: "Also draw the histogram of relative errors to this PNG.")
    var histogram: String?

    @Option(
        parsing: .unconditional,
        help:
            "Time limit of each check in seconds (default: 10× the check's estimated cost, at least 60 s). A check past it is killed and fails."
    )
    var timeout: Double?

    @Option(help: "Memory limit of the worker process, e.g. 4GiB or 512MiB, or none (default: half of the machine's memory).")
    var memoryLimit: MemorySize = .halfOfMachine

    @Flag(
        help:
            "Run the checks in this process instead of a worker process (for a debugger; a trap or hang in a checked layer then ends the run)."
    )
    var noIsolation = false

    @Option(
        help:
            "Which tensors keep every element's analytic and numeric value in the report, for error maps: failing, all (tensors up to 2^20 elements) or none."
    )
    var keepElements: ElementRetention = .failing

    enum ModeName: String, ExpressibleByArgument, CaseIterable {
        case exhaustive, sampled, fast

        func checkMode(_ command: VerifyCommand) -> CheckMode {
            switch self {
            case .exhaustive: .exhaustive
            case .sampled: .sampled(perTensor: command.samples)
            case .fast: .fast(directions: command.directions)
            }
        }
    }
    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, junit, html }

    public func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive, got \(samples)") }
        guard directions > 0 else { throw ValidationError("--directions must be positive, got \(directions)") }
        guard (1...1000).contains(`repeat`) else {
            throw ValidationError("--repeat must be between 1 and 1000, got \(`repeat`)")
        }
        if replay != nil && fixtures != nil { throw ValidationError("--replay and --fixtures cannot be combined") }
        if let stepRule {
            throw ValidationError(
                "--step-rule \(stepRule): Slope 0.4 has one step rule (h from each tensor's spread, measured noise, refined before judging); drop the option. A report made with the relative rule replays with today's rule."
            )
        }
        guard rtol >= 0, rtol.isFinite else { throw ValidationError("--rtol must be a non-negative number") }
        guard atol >= 0, atol.isFinite else { throw ValidationError("--atol must be a non-negative number") }
        if let step, !(step > 0 && step < 1) { throw ValidationError("--step must be in (0, 1), got \(step)") }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
        if let bytes = memoryLimit.bytes, bytes < MemorySize.smallest {
            throw ValidationError(
                "--memory-limit \(bytes) bytes is below 16MiB, the least a worker process starts in (e.g. 512MiB, 4GiB or none)")
        }
        let registry = SlopeGate.registry
        for name in layers {
            guard let found = registry.named(name) else {
                throw ValidationError(
                    "unknown layer kind \"\(name)\" (registered in \(registry.suite): \(registry.defaultCases.map(\.name).joined(separator: ", ")); see --list)"
                )
            }
            if found.isDeliberatelyBroken && !includeBroken {
                throw ValidationError("\(name) is a deliberately broken example; add --include-broken to check it")
            }
        }
    }

    public func run() throws {
        if list {
            printList()
            return
        }
        let started = Date()
        var check = GradientCheck(
            method: FiniteDifference(stencil: stencil, step: step ?? FiniteDifference.standard(stencil).step),
            tolerance: Tolerance(rtol: rtol, atol: atol), seed: seed, allowKinks: !noKinks)
        if noCompression { check.compression = .off }
        check.keptElements = keepElements
        check.mode = mode.checkMode(self)
        var methodText = check.method.description
        let jobs: [IsolatedJob<CheckReport>]
        let isolated = SlopeGate.launchedAsGate && !noIsolation
        let workersPerJob = ProcessInfo.processInfo.activeProcessorCount
        if let replay {
            let retired: Bool
            (jobs, retired) = try replayJobs(URL(fileURLWithPath: replay))
            methodText =
                "replay of the failing checks in \(replay)"
                + (retired ? " (made with the relative step rule, retired in 0.4: rerun with today's rule)" : "")
        } else if let fixtures {
            jobs = try fixtureJobs(URL(fileURLWithPath: fixtures))
            methodText = "parity with reference fixtures in \(fixtures)"
        } else {
            let names = layers.isEmpty ? SlopeGate.registry.defaultCases.map(\.name) : layers
            let selected = shard.map { $0.select(names) } ?? names
            if `repeat` > 1 {
                try runRepeated(selected, check: check, isolated: isolated)
                return
            }
            // Building every case to count its elements runs the user's builders: in this process
            // only without isolation. A worker reports each check's estimate instead, and a long
            // one is announced as it starts (IsolationSettings.announceAbove).
            if !isolated, check.mode == .exhaustive { warnAboutCost(of: selected, check: check) }
            jobs = try Self.jobs(selected, with: check, workersPerJob: isolated || selected.count == 1 ? workersPerJob : 1)
        }
        if let first = Worker.firstJob { Worker.serve(jobs, from: first) }
        let display = TerminalProgress.onTerminal()
        let (reports, interruptedBy) = try execute(jobs, isolated: isolated, display: display)
        display?.finish()
        // A case that cannot even be built is bad input to the gate, not a failed check.
        for report in reports {
            if let problem = report.problem, case .caseNotBuilt = problem { throw ValidationError("\(problem)") }
        }
        let run = VerifyRun(
            suite: SlopeGate.registry.suite, method: methodText, tolerance: check.tolerance, mode: check.mode, seed: seed,
            maxInconclusive: maxInconclusive.fraction, reports: reports, seconds: Date().timeIntervalSince(started))
        let data: Data =
            switch format {
            case .table: Data(TableReport.render(run).utf8)
            case .json: try JSONReport.render(run)
            case .junit: Data(JUnitReport.render(run).utf8)
            case .html: Data(HTMLReport.render(run, invocation: CommandLine.arguments).utf8)
            }
        if let histogram {
            try CensusChart.make(run).writePNG(to: URL(fileURLWithPath: histogram))
        }
        if let output {
            try AtomicFile.write(data, to: URL(fileURLWithPath: output))
            if format != .table { FileHandle.standardOutput.write(Data(TableReport.render(run).utf8)) }
        } else {
            FileHandle.standardOutput.write(data)
        }
        if let interruptedBy {
            let cutOff = reports.last.map { " while checking \($0.target)" } ?? ""
            FileHandle.standardError.write(
                Data(
                    "slope verify: stopped by \(interruptedBy == SIGINT ? "SIGINT" : "SIGTERM")\(cutOff); the report holds the \(reports.count) check\(reports.count == 1 ? "" : "s") that ran\n"
                        .utf8))
            throw ExitCode(130)
        }
        if run.exitStatus != 0 { throw ExitCode(run.exitStatus) }
    }

    /// The isolation settings of this command line.
    var isolation: IsolationSettings {
        IsolationSettings(arguments: SlopeGate.arguments, timeout: timeout, memoryLimit: memoryLimit.bytes)
    }

    /// Runs the jobs: in a worker process (isolated), or here, several side by side on the cores.
    /// Returns the reports in order (a check that could not finish has an `.unfinished`
    /// problem) and the signal that stopped the run, if one did.
    func execute(_ jobs: [IsolatedJob<CheckReport>], isolated: Bool, display: TerminalProgress?) throws -> (
        [CheckReport], Int32?
    ) {
        guard isolated else {
            var shown: (@Sendable (CheckProgress) -> Void)?
            if let display { shown = { display.show($0) } }
            let progress = shown
            return (Verification.parallelMap(jobs) { $0.run(progress) }, nil)
        }
        let results = try Isolation.run(jobs, settings: isolation, display: display)
        return (results.outcomes, results.interruptedBy)
    }

    /// One job per registered case, checked with `check`.
    static func jobs(_ names: [String], with check: GradientCheck, workersPerJob: Int) throws -> [IsolatedJob<CheckReport>] {
        let registry = SlopeGate.registry
        return try names.map { name throws(RegistryError) in
            IsolatedJob.checking(try registry.lookup(name), with: check, workers: workersPerJob)
        }
    }

    /// Checks registered cases in the order given: one case with its elements split over
    /// worker copies, several side by side on the cores.
    static func check(_ names: [String], with check: GradientCheck) throws -> [CheckReport] {
        let registry = SlopeGate.registry
        return Verification.run(try names.map { name throws(RegistryError) in try registry.lookup(name) }, check: check)
    }

    /// `--repeat N`: the same checks over N seeds, with a pass rate per check.
    func runRepeated(_ names: [String], check: GradientCheck, isolated: Bool) throws {
        var counts: [String: (pass: Int, fail: Int, inconclusive: Int)] = [:]
        var jobs: [IsolatedJob<CheckReport>] = []
        for offset in 0..<UInt64(`repeat`) {
            var seeded = check
            seeded.seed = seed &+ offset
            jobs += try Self.jobs(names, with: seeded, workersPerJob: isolated ? ProcessInfo.processInfo.activeProcessorCount : 1)
        }
        if let first = Worker.firstJob { Worker.serve(jobs, from: first) }
        let (reports, interruptedBy) = try execute(jobs, isolated: isolated, display: nil)
        if interruptedBy != nil { throw ExitCode(130) }
        for report in reports {
            var c = counts[report.target] ?? (0, 0, 0)
            switch report.verdict {
            case .pass: c.pass += 1
            case .fail: c.fail += 1
            case .inconclusive: c.inconclusive += 1
            }
            counts[report.target] = c
        }
        var text =
            "slope verify --repeat \(`repeat`) · seeds \(seed)…\(seed &+ UInt64(`repeat`) - 1) · \(check.method) · \(check.mode)\n"
        let rows =
            [["CHECK", "PASSED", "FAILED", "INCONCLUSIVE", "PASS RATE"]]
            + names.map { name in
                let c = counts[name] ?? (0, 0, 0)
                return [
                    name, "\(c.pass)", "\(c.fail)", "\(c.inconclusive)",
                    String(format: "%.1f%%", 100 * Double(c.pass) / Double(`repeat`)),
                ]
            }
        text += TableReport.align(rows).joined(separator: "\n") + "\n"
        let flaky = names.filter {
            let c = counts[$0]!; return c.fail > 0 && c.pass > 0
        }
        if !flaky.isEmpty { text += "Flaky (verdict depends on the seed): \(flaky.joined(separator: ", "))\n" }
        if let output {
            try AtomicFile.write(text, to: URL(fileURLWithPath: output))
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        if counts.values.contains(where: { $0.fail > 0 }) { throw ExitCode(1) }
    }

    /// `--replay FILE`: re-runs every failing or inconclusive check of a JSON report with
    /// its recorded seed, step, stencil, tolerances and mode.
    /// Also says whether any of them was made with a step rule retired since.
    func replayJobs(_ file: URL) throws -> (jobs: [IsolatedJob<CheckReport>], retiredRule: Bool) {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw ValidationError("cannot read the report \(file.path)") }
        let previous: VerifyRun
        do { previous = try JSONReport.read(data) } catch {
            throw ValidationError("\(file.path) is not a slope verify JSON report (make one with --format json)")
        }
        var jobs: [IsolatedJob<CheckReport>] = []
        for old in previous.reports where old.verdict != .pass {
            guard SlopeGate.registry.named(old.target) != nil else {
                throw ValidationError(
                    "\(file.path): check \"\(old.target)\" cannot be replayed: \(SlopeGate.registry.suite) registers no such check"
                )
            }
            jobs += try Self.jobs(
                [old.target], with: GradientCheck(replaying: old), workersPerJob: ProcessInfo.processInfo.activeProcessorCount)
        }
        return (jobs, previous.reports.contains { $0.verdict != .pass && $0.method.stepRule != .adaptive })
    }

    func fixtureJobs(_ directory: URL) throws -> [IsolatedJob<CheckReport>] {
        let kinds = SlopeGate.registry.fixtureKinds
        var loaded: [Fixture] = []
        for file in try Fixture.files(in: directory) {
            let fixture = try Fixture.load(file, kinds: kinds)
            if layers.isEmpty || layers.contains(fixture.kind.name) { loaded.append(fixture) }
        }
        if let shard { loaded = shard.select(loaded) }
        return loaded.map { fixture in
            IsolatedJob(
                name: FixtureParity.target(of: fixture), estimate: { nil }, run: { _ in FixtureParity.check(fixture) },
                unfinished: { problem, seconds in FixtureParity.unfinished(fixture, problem, seconds: seconds) })
        }
    }

    /// An exhaustive check costs about two forward passes per element: say so before a long
    /// one starts, and what to type instead.
    func warnAboutCost(of names: [String], check: GradientCheck) {
        guard let note = Self.costNote(for: names, seed: seed, check: check) else { return }
        FileHandle.standardError.write(Data((note + "\n").utf8))
    }

    /// The note printed before an exhaustive check of more than `largeExhaustiveCheck`
    /// elements: its estimated cost (footprints proposed by a few probe passes, the forward
    /// pass timed) and the cheaper modes.
    static func costNote(for names: [String], seed: UInt64, check: GradientCheck = GradientCheck()) -> String? {
        let cases = names.compactMap { SlopeGate.registry.named($0) }
        let elements = cases.reduce(0) { $0 + $1.elementCount(seed: seed) }
        guard elements > largeExhaustiveCheck else { return nil }
        var passes = 0
        var seconds = 0.0
        var compressed = 0
        var tensors = 0
        for item in cases {
            guard let (layer, inputs) = (try? item.subject(seed: seed))?.layerAndInputs,
                let estimate = check.estimate(layer, inputs: inputs)
            else { continue }
            passes += estimate.forwardPasses
            seconds += estimate.seconds
            compressed += estimate.compressedTensors
            tensors += estimate.tensors
        }
        let cost =
            passes > 0
            ? "about \(passes) forward passes, ≈ \(TerminalProgress.duration(seconds)) on one core (compression proposed for \(compressed) of \(tensors) tensors; one element at a time it would be \(2 * elements) passes)"
            : "about \(2 * elements) forward passes"
        return
            "note: an exhaustive check of \(elements) elements takes \(cost); --mode fast checks every tensor in a few passes, --mode sampled --samples K checks K elements per tensor"
    }

    /// Elements above which an exhaustive check is announced.
    static let largeExhaustiveCheck = 20_000

    func printList() {
        let registry = SlopeGate.registry
        let plain = registry.defaultCases
        let broken = registry.cases.filter(\.isDeliberatelyBroken)
        let width = (registry.cases.map(\.name.count).max() ?? 0) + 2
        print("Checks in \(registry.suite):")
        for item in plain { print("  \(item.name.padding(toLength: width, withPad: " ", startingAt: 0))\(item.summary)") }
        if !broken.isEmpty {
            print("\nBroken examples (with --include-broken):")
            for item in broken { print("  \(item.name.padding(toLength: width, withPad: " ", startingAt: 0))\(item.summary)") }
        }
    }
}

/// `I/N`: run the I-th of N shards (1-based).
struct Shard: ExpressibleByArgument {
    let index: Int
    let count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i
        count = n
    }

    func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A size in bytes written as `4GiB`, `512MiB`, `2G` or a plain number of bytes, or `none`.
struct MemorySize: ExpressibleByArgument, Sendable {
    /// nil: no limit.
    let bytes: UInt64?

    init(bytes: UInt64?) { self.bytes = bytes }

    /// Half of the machine's physical memory: a layer that allocates without end fails its
    /// check long before the system's out-of-memory killer picks a process.
    static var halfOfMachine: MemorySize { MemorySize(bytes: ProcessInfo.processInfo.physicalMemory / 2) }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        if text.lowercased() == "none" {
            bytes = nil
            return
        }
        let units: [(String, UInt64)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value > 0, value.isFinite, value * Double(scale) < 1e19
            else { return nil }
            bytes = UInt64(value * Double(scale))
            return
        }
        return nil
    }

    /// The smallest limit a worker starts under (the Swift runtime, Foundation and OpenBLAS).
    static let smallest: UInt64 = 16 << 20

    var defaultValueDescription: String {
        bytes.map { "\(formatNumber(Double($0) / Double(1 << 30), significantDigits: 3))GiB (half of this machine)" } ?? "none"
    }
}

/// A fraction written as `5%` or `0.05`.
struct Percentage: ExpressibleByArgument {
    let fraction: Double

    init(fraction: Double) { self.fraction = fraction }

    init?(argument: String) {
        let text = argument.hasSuffix("%") ? String(argument.dropLast()) : argument
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        let fraction = argument.hasSuffix("%") ? value / 100 : value
        guard fraction <= 1 else { return nil }
        self.fraction = fraction
    }

    var defaultValueDescription: String { "\(formatNumber(fraction * 100))%" }
}

extension FiniteDifference.StepRule: ExpressibleByArgument {}

/// One spelling everywhere (CLI, reports, Swift): the raw values `central` and `fourthOrder`.
extension FiniteDifference.Stencil: ExpressibleByArgument {}
