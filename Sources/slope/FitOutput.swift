import Foundation
import SlopeLayers
import SlopePlot
import SlopeTrain

/// What a fit printed and whether it was interrupted.
struct FitSummary {
    var text: String
    var interrupted: Bool
}

/// Runs an experiment and writes its files (history CSV, charts) and the lines to print;
/// shared by `slope fit` and `slope demo`. The experiments themselves are SlopeTrain's.
///
/// The history files have one row per epoch, so no step losses are kept (40,000 epochs of
/// the sine fit would hold 120,000 of them).
enum FitOutput {
    static func sine(_ options: RunOptions, into directory: OutputDirectory) throws -> FitSummary {
        // The result is let go (in `trainSine`) before the charts are drawn: they need the
        // epoch losses only, and each drawing takes an image's worth of memory.
        let run = try trainSine(options, into: directory)
        var lines = [run.headline]
        try write(run.loss, directory.file("loss.png"), &lines)
        try write(run.fit, directory.file("fit.png"), &lines)
        return FitSummary(text: (lines + run.files).joined(separator: "\n"), interrupted: run.interrupted)
    }

    /// Trains the sine fit and writes history.csv; returns the charts to draw and the lines
    /// to print before and after theirs.
    private static func trainSine(_ options: RunOptions, into directory: OutputDirectory) throws
        -> (headline: String, loss: Chart, fit: Chart, files: [String], interrupted: Bool)
    {
        let result = try Experiments.sine(options.perEpochOnly)
        let history = result.run.history
        try history.writeCSV(to: directory.file("history.csv").path)
        let loss = Chart.lossCurve(
            steps: history.epochNumbers,
            series: [("last-batch MSE", history.epochLoss)], logY: true,
            title: "Sine fit: loss per epoch", xLabel: "epoch", yLabel: "MSE (log scale)")
        let data = result.run.dataset
        let fit = Chart.fit(
            x: data.x.data, y: data.y.data, fitX: result.curveX, fitY: result.curveY,
            dataLabel: "data: y = 20·sin(2πx)", fitLabel: "network [1, 25, 1]",
            title:
                "Sine fit after \(result.run.outcome.epoch) epochs (MSE \(formatNumber(result.fullDataMSE, significantDigits: 4)))"
        )
        let headline =
            "sine: \(result.run.outcome.epoch) epochs · last-batch MSE \(formatNumber(result.run.finalLoss ?? .nan, significantDigits: 10)) · "
            + "full-data MSE \(formatNumber(result.fullDataMSE, significantDigits: 10))"
        var files = ["  \(directory.file("history.csv").path)"]
        if let checkpoint = result.run.outcome.checkpointPath { files.append("  \(checkpoint)") }
        return (headline, loss, fit, files, result.run.outcome.reason == .stopped)
    }

    static func chain(_ options: RunOptions, buggy: Bool, into directory: OutputDirectory) throws -> FitSummary {
        let result = try Experiments.chain(options.perEpochOnly, buggyGradient: buggy)
        let history = result.run.history
        try history.writeCSV(to: directory.file("chain-history.csv").path)
        var lines: [String] = []
        let chart = Chart.lossCurve(
            steps: history.epochNumbers, series: [("½(y − t)²", history.epochLoss)],
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
        let result = try Experiments.spiral(options.perEpochOnly)
        let history = result.run.history
        try history.writeCSV(to: directory.file("spiral-history.csv").path)
        var lines: [String] = []
        let regions = result.decisionRegions(resolution: 150)
        let chart = Chart.heatMap(
            regions.grid, x: regions.xs.first!...regions.xs.last!, y: regions.ys.first!...regions.ys.last!,
            classNames: ["class 0", "class 1", "class 2"], points: result.labelledPoints,
            title: "Spiral: decision regions (training accuracy \(String(format: "%.1f", result.accuracy * 100))%)")
        try write(chart, directory.file("regions.png"), &lines)
        let loss = Chart.lossCurve(
            steps: history.epochNumbers,
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

extension RunOptions {
    /// These options without step losses in the history.
    fileprivate var perEpochOnly: RunOptions {
        var options = self
        options.recordsStepLoss = false
        return options
    }
}
