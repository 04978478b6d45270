import ArgumentParser
import Foundation
import SlopeCheck
import SlopeFiles
import SlopeLayers
import SlopePlot

/// `sweep --layer NAME`: the error-vs-step chart of a registered layer's gradient check.
public struct SweepCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Draw the finite-difference error against the step h (log–log) for a layer.",
        discussion: """
            The V shape: on the right truncation error falls as h² (central) or h⁴ (fourth order); on the \
            left rounding error grows as ε/h. The dashed line marks the default step; the fitted order of \
            the right side is printed on the chart (≈ 2 for a right gradient, ≈ 0 for a wrong one).
            """)

    public init() {}

    @Option(help: "A registered layer (see verify --list), or a Broken.* example with --include-broken.")
    var layer: String

    @Option(name: .shortAndLong, help: "The PNG to write.")
    var output: String = "output/sweep.png"

    @Option(help: "central or fourthOrder.")
    var stencil: FiniteDifference.Stencil = .central

    @Option(help: "Seed of inputs and upstream.")
    var seed: UInt64 = 0

    @Flag(help: "Accept the deliberately broken example layers.")
    var includeBroken = false

    @Option(help: "Also write the data as CSV (step, error).")
    var csv: String?

    public func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
        let registry = SlopeGate.registry
        guard let found = registry.named(layer), includeBroken || !found.isDeliberatelyBroken else {
            throw ValidationError(
                "unknown layer kind \"\(layer)\" (registered in \(registry.suite): \(registry.defaultCases.map(\.name).joined(separator: ", ")))"
            )
        }
    }

    @Option(parsing: .unconditional, help: "Time limit of the sweep in seconds (default 60, or 10× its estimate).")
    var timeout: Double?

    @Flag(help: "Sweep in this process instead of a worker process (a trap in the layer then ends the run).")
    var noIsolation = false

    /// What a sweep in a worker sends back: the sweep, or the contract the layer broke.
    struct Outcome: Codable, Sendable {
        var sweep: StepSweep?
        var problem: CheckProblem?
        /// The case is not a single layer (bad usage: exit 2).
        var notSingleLayer = false
    }

    public func run() throws {
        let (layer, stencil, seed) = (self.layer, self.stencil, self.seed)
        let job = IsolatedJob<Outcome>(
            name: layer,
            estimate: { SlopeGate.registry.named(layer)?.estimatedSeconds(with: GradientCheck(seed: seed)).map { 3 * $0 } },
            run: { _ in
                // The case is built here, in the worker: a builder is the user's code too.
                switch try? SlopeGate.registry.named(layer)?.subject(seed: seed) {
                case .network?, .check?: return Outcome(notSingleLayer: true)
                default: break
                }
                do { return Outcome(sweep: try SweepRunner.sweep(layer, stencil: stencil, seed: seed)) } catch let problem
                    as CheckProblem
                {
                    return Outcome(problem: problem)
                } catch { return Outcome(problem: .threw(stage: "the sweep", message: "\(error)")) }
            },
            unfinished: { problem, _ in Outcome(problem: .unfinished(problem)) })
        if let first = Worker.firstJob { Worker.serve([job], from: first) }
        let outcome: Outcome
        if SlopeGate.launchedAsGate && !noIsolation {
            let results = try Isolation.run(
                [job], settings: IsolationSettings(arguments: SlopeGate.arguments, timeout: timeout, memoryLimit: nil),
                display: TerminalProgress.onTerminal())
            if let interrupted = results.interruptedBy {
                FileHandle.standardError.write(Data("\(layer): sweep stopped by signal \(interrupted)\n".utf8))
                throw ExitCode(130)
            }
            outcome = results.outcomes.first ?? Outcome(problem: .threw(stage: "the sweep", message: "no result"))
        } else {
            outcome = job.run(nil)
        }
        if outcome.notSingleLayer {
            throw ValidationError(
                "\(layer) is not a single layer (a network, or a check of its own kind); sweeps take a single layer")
        }
        guard let sweep = outcome.sweep else {
            // The layer broke the contract of Layer, or ended its worker: a failed check (exit 1,
            // as `verify`), not bad input.
            FileHandle.standardError.write(Data("\(layer): \(outcome.problem.map { "\($0)" } ?? "no sweep")\n".utf8))
            throw ExitCode(1)
        }
        let rendered = try SweepRunner.chart(sweep).writePNG(to: URL(fileURLWithPath: output))
        if let csv {
            let text = "step,error\n" + sweep.points.map { "\($0.step),\($0.error)" }.joined(separator: "\n") + "\n"
            try AtomicFile.write(text, to: URL(fileURLWithPath: csv))
        }
        print(SweepRunner.summary(sweep) + "\n  \(output)")
        for warning in rendered.warnings { print("  note: \(warning)") }
    }
}

/// The sweep of a registered layer, its chart and its one-line summary (also used by the demo).
public enum SweepRunner {
    public static func sweep(_ name: String, stencil: FiniteDifference.Stencil, seed: UInt64) throws -> StepSweep {
        let found = try SlopeGate.registry.lookup(name)
        guard case .layer(let layer, let inputs) = try found.subject(seed: seed) else {
            throw ValidationError("\(name) is not a single layer; sweeps take a single layer")
        }
        return try StepSweep.run(layer, inputs: inputs, name: name, stencil: stencil, seed: seed)
    }

    public static func chart(_ sweep: StepSweep) -> Chart {
        var chart = Chart.errorVsStep(
            steps: sweep.points.map(\.step), errors: sweep.points.map(\.error), defaultStep: sweep.defaultStep,
            title:
                "\(sweep.target): finite-difference error against step (\(sweep.method.stencil == .central ? "central" : "fourth order"))"
        )
        // One box per line (annotation boxes hold one line each), stacked in one corner.
        chart.annotate(
            "fitted order \(String(format: "%.2f", sweep.fittedOrder)) (expected \(sweep.method.order))", corner: .bottomRight)
        chart.annotate(
            "best h \(formatNumber(sweep.best.step, significantDigits: 2)): error \(formatNumber(sweep.best.error, significantDigits: 2))",
            corner: .bottomRight)
        return chart
    }

    public static func summary(_ sweep: StepSweep) -> String {
        "\(sweep.target): fitted order \(String(format: "%.2f", sweep.fittedOrder)) (expected \(sweep.method.order)); "
            + "best step \(formatNumber(sweep.best.step, significantDigits: 2)) with relative error \(formatNumber(sweep.best.error, significantDigits: 2)); "
            + "default step \(formatNumber(sweep.defaultStep)) gives \(formatNumber(sweep.points.min { abs(log10($0.step) - log10(sweep.defaultStep)) < abs(log10($1.step) - log10(sweep.defaultStep)) }!.error, significantDigits: 2))"
    }
}
