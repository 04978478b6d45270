import ArgumentParser
import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot
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

        enum Experiment: String, ExpressibleByArgument, CaseIterable { case sine, chain, spiral }

        @Argument(help: "sine, chain or spiral.")
        var experiment: Experiment

        @Option(parsing: .unconditional, help: "Epochs (default: sine 40000, chain 160, spiral 400).")
        var epochs: Int?

        @Option(parsing: .unconditional, help: "Learning rate (default: sine 0.015, chain 0.05, spiral 0.01).")
        var lr: Double?

        @Option(parsing: .unconditional, help: "Batch size (default: sine 90, chain 1, spiral the whole set).")
        var batch: Int?

        @Option(help: "Seed of initial weights and data (sine default: the seed's exact numpy weights).")
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

        var dataSize: Int {
            switch experiment {
            case .sine: 200
            case .chain: 2
            case .spiral: 300
            }
        }

        func run() throws {
            if let batch, batch > dataSize {
                throw ValidationError("--batch \(batch) is larger than the \(experiment.rawValue) data set (\(dataSize) points)")
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
            case .sine: summary = try FitRunner.sine(options, into: directory)
            case .chain: summary = try FitRunner.chain(options, buggy: buggyGradient, into: directory)
            case .spiral: summary = try FitRunner.spiral(options, into: directory)
            }
            print(summary.text)
            if summary.interrupted { throw ExitCode(130) }
        }

        var defaultEpochs: Int {
            switch experiment {
            case .sine: 40_000
            case .chain: 160
            case .spiral: 400
            }
        }

        /// Checks the experiment's network (loss included) before training it.
        func checkGradients() throws {
            let report = FitRunner.gradientCheck(experiment, seed: seed, buggyChain: buggyGradient)
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

/// What a fit printed and whether it was interrupted.
struct FitSummary {
    var text: String
    var interrupted: Bool
}

/// Runs the experiments and writes their files; shared by `slope fit` and `slope demo`.
enum FitRunner {
    /// Checks the network an experiment trains — its architecture, initial weights and
    /// loss — on a few points of its own data, before training.
    static func gradientCheck(_ experiment: Slope.Fit.Experiment, seed: UInt64?, buggyChain: Bool = false) -> CheckReport {
        let check = GradientCheck(seed: 3)
        let (network, data): (Sequential, Dataset)
        switch experiment {
        case .sine: (network, data) = (Experiments.sineNetwork(seed: seed), Dataset.sine())
        case .chain:
            (network, data) = (
                Experiments.chainNetwork(seed: seed ?? Experiments.chainDefaultSeed, buggyGradient: buggyChain), Dataset.chain()
            )
        case .spiral:
            (network, data) = (
                Experiments.spiralNetwork(seed: seed ?? 0), Dataset.spiral(pointsPerClass: 100, classes: 3, seed: seed ?? 0)
            )
        }
        // Six points spread over the data set, starting half a stride in: the first point
        // of the spiral is the origin, where every hidden ReLU sits exactly at its kink
        // (biases start at 0) and the check could only say "inconclusive".
        let stride_ = max(1, data.count / 6)
        let rows = Array(stride(from: stride_ / 2, to: data.count, by: stride_))
        let sample = data.batch(rows)
        return check.run(network: network, input: sample.x, target: sample.y, name: "\(experiment.rawValue) network")
    }

    static func sine(_ options: RunOptions, into directory: OutputDirectory) throws -> FitSummary {
        let result = try Experiments.sine(options)
        let history = result.run.history
        try history.writeCSV(to: directory.file("history.csv").path)
        var lines: [String] = []
        let loss = Chart.lossCurve(
            steps: history.epochLoss.indices.map { Double(history.epoch(at: $0)) },
            series: [("last-batch MSE", history.epochLoss)], logY: true,
            title: "Sine fit: loss per epoch", xLabel: "epoch", yLabel: "MSE (log scale)")
        try write(loss, directory.file("loss.png"), &lines)
        let data = result.run.dataset
        let fit = Chart.fit(
            x: data.x.data, y: data.y.data, fitX: result.curveX, fitY: result.curveY,
            dataLabel: "data: y = 20·sin(2πx)", fitLabel: "network [1, 25, 1]",
            title:
                "Sine fit after \(result.run.outcome.epoch) epochs (MSE \(formatNumber(result.fullDataMSE, significantDigits: 4)))"
        )
        try write(fit, directory.file("fit.png"), &lines)
        lines.insert(
            "sine: \(result.run.outcome.epoch) epochs · last-batch MSE \(formatNumber(result.run.finalLoss ?? .nan, significantDigits: 10)) · "
                + "full-data MSE \(formatNumber(result.fullDataMSE, significantDigits: 10))", at: 0)
        lines.append("  \(directory.file("history.csv").path)")
        if let checkpoint = result.run.outcome.checkpointPath { lines.append("  \(checkpoint)") }
        return FitSummary(text: lines.joined(separator: "\n"), interrupted: result.run.outcome.reason == .stopped)
    }

    static func chain(_ options: RunOptions, buggy: Bool, into directory: OutputDirectory) throws -> FitSummary {
        let result = try Experiments.chain(options, buggyGradient: buggy)
        let history = result.run.history
        try history.writeCSV(to: directory.file("chain-history.csv").path)
        var lines: [String] = []
        let chart = Chart.lossCurve(
            steps: history.epochLoss.indices.map { Double(history.epoch(at: $0)) }, series: [("½(y − t)²", history.epochLoss)],
            logY: false, title: "Chain network w3·w2·w1·x\(buggy ? " (the seed's buggy gradient)" : "")", xLabel: "epoch",
            yLabel: "loss")
        try write(chart, directory.file("chain-loss.png"), &lines)
        let p = result.predictions
        lines.insert(
            "chain\(buggy ? " (buggy gradient)" : ""): \(result.run.outcome.epoch) epochs · predictions f(1) = \(formatNumber(p[0], significantDigits: 6)), "
                + "f(−1) = \(formatNumber(p[1], significantDigits: 6)) (targets −1, 1) · weights \(result.weights.map { formatNumber($0, significantDigits: 4) }.joined(separator: ", "))",
            at: 0)
        lines.append("  \(directory.file("chain-history.csv").path)")
        if let checkpoint = result.run.outcome.checkpointPath { lines.append("  \(checkpoint)") }
        return FitSummary(text: lines.joined(separator: "\n"), interrupted: result.run.outcome.reason == .stopped)
    }

    static func spiral(_ options: RunOptions, into directory: OutputDirectory) throws -> FitSummary {
        let result = try Experiments.spiral(options)
        let history = result.run.history
        try history.writeCSV(to: directory.file("spiral-history.csv").path)
        var lines: [String] = []
        let regions = result.decisionRegions(resolution: 150)
        let n = regions.xs.count
        let values = (0..<regions.ys.count).map { r in (0..<n).map { c in Double(regions.classes[r * n + c]) } }
        let data = result.run.dataset
        let labels = Experiments.argmaxRows(data.y)
        var points: [(x: Double, y: Double, label: Int)] = []
        for i in 0..<data.count { points.append((x: data.x.data[2 * i], y: data.x.data[2 * i + 1], label: labels[i])) }
        let chart = Chart.heatMap(
            values, x: regions.xs.first!...regions.xs.last!, y: regions.ys.first!...regions.ys.last!,
            classNames: ["class 0", "class 1", "class 2"], points: points,
            title: "Spiral: decision regions (training accuracy \(String(format: "%.1f", result.accuracy * 100))%)")
        try write(chart, directory.file("regions.png"), &lines)
        let loss = Chart.lossCurve(
            steps: history.epochLoss.indices.map { Double(history.epoch(at: $0)) },
            series: [("cross-entropy", history.epochLoss)],
            logY: true, title: "Spiral: loss per epoch", xLabel: "epoch", yLabel: "loss (log scale)")
        try write(loss, directory.file("spiral-loss.png"), &lines)
        lines.insert(
            "spiral: \(result.run.outcome.epoch) epochs · loss \(formatNumber(result.run.finalLoss ?? .nan, significantDigits: 4)) · training accuracy \(String(format: "%.1f", result.accuracy * 100))%",
            at: 0)
        lines.append("  \(directory.file("spiral-history.csv").path)")
        if let checkpoint = result.run.outcome.checkpointPath { lines.append("  \(checkpoint)") }
        return FitSummary(text: lines.joined(separator: "\n"), interrupted: result.run.outcome.reason == .stopped)
    }

    static func write(_ chart: Chart, _ url: URL, _ lines: inout [String]) throws {
        let rendered = try chart.writePNG(to: url)
        lines.append("  \(url.path)")
        for warning in rendered.warnings { lines.append("    note: \(warning)") }
    }
}
