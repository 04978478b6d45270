import ArgumentParser
import Foundation
import SlopeCheck
import SlopeLayers
import SlopeTrain

extension Slope {
    /// `slope fit sine|chain|spiral`: the classic experiments, checked, trained and drawn.
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a classic example: verify its gradients, train, write the history, checkpoint and charts.",
            discussion: """
                sine    fit y = 20·sin(2πx) with a [1, 25, 1] sigmoid network (the seed experiment): \
                loss.png, fit.png, history.csv, sine-checkpoint.json
                chain   the three-weight chain network w3·w2·w1·x: chain-loss.png, chain-history.csv
                spiral  a 3-class spiral classifier with Adam: regions.png, spiral-loss.png, spiral-history.csv
                Ctrl-C saves a checkpoint and exits with status 130; --resume continues from it.
                """)

        @Argument(help: "sine, chain or spiral.")
        var experiment: Experiment

        @Option(parsing: .unconditional, help: "Epochs (default: \(Self.defaults { "\($0.epochs)" })).")
        var epochs: Int?

        @Option(parsing: .unconditional, help: "Learning rate (default: \(Self.defaults { "\($0.learningRate)" })).")
        var lr: Double?

        @Option(
            parsing: .unconditional,
            help: "Batch size (default: \(Self.defaults { $0.batchSize.map { "\($0)" } ?? "the whole set" })).")
        var batch: Int?

        @Option(
            help:
                "Seed of initial weights and data (default: \(Self.defaults { $0.seed.map { "\($0)" } ?? "the seed's exact numpy weights" }))."
        )
        var seed: UInt64?

        @Option(help: "Checkpoint file (default: <out>/<experiment>-checkpoint.json).")
        var checkpoint: String?

        @Flag(help: "Continue from the checkpoint instead of starting afresh.")
        var resume = false

        @Option(help: "Directory for charts, history and checkpoint.")
        var out: String = "output"

        @Flag(help: "No progress line.")
        var quiet = false

        @Flag(help: "Chain only: use the seed's buggy weight gradient (upstream·w·x) to see it fail to learn.")
        var buggyGradient = false

        @Flag(help: "Skip the gradient check of the network before training.")
        var skipCheck = false

        func validate() throws {
            if let epochs, !(1...10_000_000).contains(epochs) {
                throw ValidationError("--epochs must be between 1 and 10,000,000, got \(epochs)")
            }
            if let lr, !(lr > 0 && lr.isFinite && lr < 1e3) { throw ValidationError("--lr must be a positive number, got \(lr)") }
            if let batch, batch < 1 { throw ValidationError("--batch must be positive, got \(batch)") }
            if buggyGradient && experiment != .chain {
                throw ValidationError("--buggy-gradient applies to the chain experiment only")
            }
        }

        func run() throws {
            if let batch, batch > experiment.dataSize {
                throw ValidationError(
                    "--batch \(batch) is larger than the \(experiment.rawValue) data set (\(experiment.dataSize) points)")
            }
            let checkpointPath =
                checkpoint ?? URL(fileURLWithPath: out).appendingPathComponent("\(experiment.rawValue)-checkpoint.json").path
            if resume {
                // Read the checkpoint before anything is created or trained.
                guard FileManager.default.fileExists(atPath: checkpointPath) else {
                    throw ValidationError("--resume: no checkpoint at \(checkpointPath)")
                }
                _ = try Checkpoint.read(from: checkpointPath)
            }
            let directory = try OutputDirectory(out)
            do { try train(into: directory, checkpointPath: checkpointPath) } catch let error as TrainingError {
                directory.removeIfCreatedAndEmpty()
                // A run that diverged is a failed run (1), not bad input (2).
                if case .nonFinite = error {
                    printError("error: \(error)")
                    throw ExitCode(1)
                }
                throw error
            } catch {
                directory.removeIfCreatedAndEmpty()
                throw error
            }
        }

        func train(into directory: OutputDirectory, checkpointPath: String) throws {
            StopFlag.installInterruptHandler()
            let progress = quiet ? nil : ProgressLine(total: epochs ?? defaultEpochs, mode: .automatic)
            var options = RunOptions(
                epochs: epochs, learningRate: lr, batchSize: batch, seed: seed, checkpointPath: checkpointPath,
                resume: resume, progress: progress, stopFlag: StopFlag.interrupt)
            options.checkpointEvery = max(1, (epochs ?? defaultEpochs) / 10)
            if !skipCheck && !resume { try checkGradients() }
            let summary: FitSummary
            switch experiment {
            case .sine: summary = try FitOutput.sine(options, into: directory)
            case .chain: summary = try FitOutput.chain(options, buggy: buggyGradient, into: directory)
            case .spiral: summary = try FitOutput.spiral(options, into: directory)
            }
            print(summary.text)
            if summary.interrupted { throw ExitCode(130) }
        }

        var defaultEpochs: Int { experiment.defaults.epochs }

        /// "sine 40000, chain 160, spiral 400": one default per experiment, for the help text.
        static func defaults(_ value: (ExperimentDefaults) -> String) -> String {
            Experiment.allCases.map { "\($0.rawValue) \(value($0.defaults))" }.joined(separator: ", ")
        }

        /// Checks the experiment's network (loss included) before training it.
        func checkGradients() throws {
            let sample = experiment.checkSample(seed: seed, buggyChain: buggyGradient)
            let report = GradientCheck(seed: 3).run(
                network: sample.network, input: sample.input, target: sample.target,
                name: "\(experiment.rawValue) network")
            let line =
                "gradient check of the \(experiment.rawValue) network: \(report.verdict.rawValue.uppercased()) "
                + "(\(report.elementsChecked) elements, \(report.invariants.filter { $0.verdict == .pass }.count)/\(report.invariants.count) invariants)"
            if !quiet || report.verdict == .fail { printError(line) }
            if report.verdict == .fail && !buggyGradient {
                printError(report.diagnosis)
                throw ExitCode(1)
            }
        }
    }
}

extension Experiment: ExpressibleByArgument {}
