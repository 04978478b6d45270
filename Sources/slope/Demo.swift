import ArgumentParser
import Foundation
import SlopeCheck
import SlopeFiles
import SlopeGate
import SlopeLayers
import SlopePlot
import SlopeTrain
import SlopeZoo

extension Slope {
    /// `slope demo`: everything on the built-in examples, into one directory.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every layer, run the three fits and the step sweep, and write charts and reports.",
            discussion: "Writes into --out (default output/) and lists every file at the end. `make run` runs this.")

        @Option(help: "Directory for every file the demo writes.")
        var out: String = "output"

        @Option(
            parsing: .unconditional,
            help: "Epochs of the sine fit (the full seed experiment is \(Experiment.sine.defaults.epochs)).")
        var sineEpochs: Int = Experiment.sine.defaults.epochs

        @Flag(help: "No progress lines.")
        var quiet = false

        func validate() throws {
            guard (1...10_000_000).contains(sineEpochs) else {
                throw ValidationError("--sine-epochs must be between 1 and 10,000,000")
            }
        }

        func run() throws {
            let directory = try OutputDirectory(out)
            let started = Date()
            var files: [String] = []
            // Ctrl-C or SIGTERM at any point: the section under way finishes (a fit stops
            // at its last whole epoch and saves its checkpoint), then the demo exits 130.
            StopFlag.installInterruptHandler()
            func section(_ title: String) throws {
                if StopFlag.interrupt.isStopRequested {
                    print("\ninterrupted: stopped before \"\(title)\"")
                    throw ExitCode(130)
                }
                print("\n== \(title)")
            }

            try section("1. slope verify: every layer kind, exhaustive finite differences + invariants")
            let check = GradientCheck()
            let reports = Verification.run(CheckRegistry.builtIn.cases, check: check)
            let run = VerifyRun(
                method: check.method.description, tolerance: check.tolerance, mode: check.mode, seed: check.seed,
                maxInconclusive: 0.05, reports: reports, seconds: Date().timeIntervalSince(started))
            let table = TableReport.render(run)
            print(table, terminator: "")
            try AtomicFile.write(table, to: directory.file("verify.txt"))
            try AtomicFile.write(JUnitReport.render(run), to: directory.file("verify-junit.xml"))
            try CensusChart.make(run).writePNG(to: directory.file("verify-errors.png"))
            files += [
                directory.file("verify.txt").path, directory.file("verify-junit.xml").path,
                directory.file("verify-errors.png").path,
            ]

            try section("2. Why a checker: the seed's bugs, caught")
            let shown: [BrokenLayer] = [.lossHalfGradient, .chainWeightTimesW, .sigmoidReturnsUpstream]
            let brokenReports = shown.map { $0.subject().check(with: check, name: $0.rawValue) }
            for (broken, report) in zip(shown, brokenReports) {
                print("\(broken.rawValue): \(report.verdict.rawValue.uppercased()) — \(broken.bug)")
                let likely = report.tensors.compactMap(\.signature).first
                let invariant = report.failedInvariants.first.map { "invariant \"\($0.name)\": \($0.detail)" }
                if let line = invariant ?? likely.map({ "likely: \($0)" }) { print("    \(line)") }
            }

            try section("3. slope fit sine (the seed experiment, \(sineEpochs) epochs)")
            let progress = { (total: Int) in quiet ? nil : ProgressLine(total: total, mode: .automatic) }
            var options = RunOptions(
                epochs: sineEpochs, checkpointPath: directory.file("sine-checkpoint.json").path, progress: progress(sineEpochs),
                stopFlag: StopFlag.interrupt)
            let sine = try FitOutput.sine(options, into: directory)
            print(sine.text)
            files += paths(in: sine.text)
            if sine.interrupted { throw ExitCode(130) }

            try section("4. slope fit chain (correct gradient, then the seed's buggy one)")
            options = RunOptions(checkpointPath: directory.file("chain-checkpoint.json").path, stopFlag: StopFlag.interrupt)
            let chain = try FitOutput.chain(options, buggy: false, into: directory)
            print(chain.text)
            files += paths(in: chain.text)
            if chain.interrupted { throw ExitCode(130) }
            let buggy = try Experiments.chain(RunOptions(), buggyGradient: true)
            print(
                "chain (buggy gradient): f(1) = \(formatNumber(buggy.predictions[0], significantDigits: 4)), f(−1) = \(formatNumber(buggy.predictions[1], significantDigits: 4)) — it does not learn"
            )

            try section("5. slope fit spiral")
            options = RunOptions(
                checkpointPath: directory.file("spiral-checkpoint.json").path,
                progress: progress(Experiment.spiral.defaults.epochs),
                stopFlag: StopFlag.interrupt)
            let spiral = try FitOutput.spiral(options, into: directory)
            print(spiral.text)
            files += paths(in: spiral.text)
            if spiral.interrupted { throw ExitCode(130) }

            try section("6. slope sweep --layer Tanh (error against step)")
            let sweep = try SweepRunner.sweep("Tanh", stencil: .central, seed: 0)
            try SweepRunner.chart(sweep).writePNG(to: directory.file("sweep.png"))
            print(SweepRunner.summary(sweep))
            files.append(directory.file("sweep.png").path)
            let broken = try SweepRunner.sweep(BrokenLayer.tanhSignFlipped.rawValue, stencil: .central, seed: 0)
            try SweepRunner.chart(broken).writePNG(to: directory.file("sweep-broken.png"))
            print(SweepRunner.summary(broken))
            files.append(directory.file("sweep-broken.png").path)

            try section("Files")
            for file in files.sorted() { print("  \(file)") }
            print(
                String(
                    format: "demo finished in %.1f s; verification verdict %@", Date().timeIntervalSince(started),
                    run.verdict.rawValue.uppercased()))
            if run.verdict == .fail { throw ExitCode(1) }
        }

        /// The indented paths a fit summary lists.
        func paths(in text: String) -> [String] {
            text.split(separator: "\n").filter { $0.hasPrefix("  /") || $0.hasPrefix("  output") || $0.hasPrefix("  .") }
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }
}
