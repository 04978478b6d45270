import CAllocationCounter
import CBaselines
import Foundation
import SlopeLayers
import SlopeTrain

/// The seed experiment, 40,000 epochs from the seed's initial weights: Slope's
/// `Experiments.sine` against the same algorithm in plain C (-O3) and in numpy.
enum SineBenchmark {
    static let epochs = 40_000
    /// numpy's final last-batch MSE from these weights (docs/baselines.md).
    static let referenceLoss = 0.75901243639638438

    static func rows(runs: Int, quick: Bool, report: (Row) -> Void) -> [Row] {
        let (w0, w1) = initialWeights()

        var slopeLoss = Double.nan
        let slope = measure("Experiments.sine", runs: runs) {
            slopeLoss = (try? Experiments.sine(RunOptions(epochs: epochs)).run.finalLoss ?? .nan) ?? .nan
        }
        var lossNote = "final loss \(slopeLoss) (\(relativeErrorText(slopeLoss)) from numpy's)"
        if let allocations = allocationsPerStep() {
            lossNote += String(format: "; %.2f heap allocations per step", allocations)
        }

        var cLoss = Double.nan
        let c = measure("slope_baseline_sine", runs: runs) {
            var a = w0, b = w1
            cLoss = slope_baseline_sine(&a, &b, Int32(epochs), 0.015)
        }
        let cRatio = slope.median / c.median
        let cRow = Row(
            group: "sine fit, 40,000 epochs", subject: slope, baseline: c, baselineName: "plain C (-O3)",
            note: "\(lossNote); C \(cLoss)", aim: cRatio <= 2 ? "≤2× C: met" : "≤2× C: missed")
        report(cRow)

        // numpy and Slope alternate, a run of each per round (numpy ≈ 4 s a run: one round in
        // --quick mode). A python process leaves this machine slower for a while, and a ratio
        // whose sides were timed apart moved with it: 8.3× and 11.3× in two runs a minute apart.
        let numpyRow: Row
        var (numpySamples, slopeBeside, numpyLoss) = ([Double](), [Double](), Double.nan)
        for _ in 0..<(quick ? 1 : runs) {
            guard let (numpy, loss) = runNumpy(w0: w0, w1: w1, runs: 1) else { break }
            (numpySamples, numpyLoss) = (numpySamples + numpy.samples, loss)
            slopeBeside +=
                measure("Experiments.sine", warmup: 0, runs: 1) {
                    _ = try? Experiments.sine(RunOptions(epochs: epochs))
                }.samples
        }
        if !numpySamples.isEmpty {
            let numpy = Measurement(name: "numpy", samples: numpySamples)
            let beside = Measurement(name: "Experiments.sine", samples: slopeBeside)
            let speedup = numpy.median / beside.median
            numpyRow = Row(
                group: "sine fit, 40,000 epochs", subject: beside, baseline: numpy, baselineName: "numpy (seed's maths)",
                note: "numpy \(numpyLoss); Slope timed between numpy's runs",
                aim: speedup >= 10 ? "≥10× numpy: met" : "≥10× numpy: missed")
        } else {
            numpyRow = Row(
                group: "sine fit, 40,000 epochs", subject: slope, baseline: nil, baselineName: "numpy (not installed)",
                note: "", aim: "≥10× numpy: not measured")
        }
        report(numpyRow)
        guard let memoryRow = peakMemoryRow(runs: quick ? 1 : 3) else { return [cRow, numpyRow] }
        report(memoryRow)
        return [cRow, numpyRow, memoryRow]
    }

    /// The release `slope` next to this executable: peak resident memory of `slope fit sine`
    /// (its files into a temporary directory) against `slope --help`, the same binary's floor
    /// (Foundation, OpenBLAS and libgd loaded, nothing run). Nil, with a line saying why, when
    /// `slope` is not built, GNU time is missing or a run fails.
    static func peakMemoryRow(runs: Int) -> Row? {
        let slope = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("slope")
        guard FileManager.default.isExecutableFile(atPath: slope.path) else {
            print("sine fit, peak memory: \(slope.path) not built (make bench builds it); row skipped")
            return nil
        }
        guard FileManager.default.isExecutableFile(atPath: gnuTime) else {
            print("sine fit, peak memory: \(gnuTime) (GNU time) not installed; row skipped")
            return nil
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("slope-bench-sine-\(getpid())")
        try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        var fit: [Double] = [], help: [Double] = []
        for _ in 0..<runs {
            guard let floor = peakMemory(slope.path, ["--help"], report: output),
                let peak = peakMemory(slope.path, ["fit", "sine", "--quiet", "--out", output.path], report: output)
            else {
                print("sine fit, peak memory: \(slope.path) did not run to the end; row skipped")
                return nil
            }
            help.append(floor)
            fit.append(peak)
        }
        let subject = Measurement(name: "slope fit sine", samples: fit, unit: .bytes)
        let baseline = Measurement(name: "slope --help", samples: help, unit: .bytes)
        let above = (subject.median - baseline.median) / 1_048_576
        return Row(
            group: "sine fit, peak memory of `slope fit sine` (whole process)", subject: subject, baseline: baseline,
            baselineName: "`slope --help` (the same binary's floor)",
            note: String(format: "%.1f MiB above the floor; median of %d runs each", above, runs),
            aim: above <= 8 ? "≤ floor + 8 MiB: met" : "≤ floor + 8 MiB: missed")
    }

    /// GNU time, which reports a child's peak resident set (`-f %M`).
    static let gnuTime = "/usr/bin/time"

    /// The peak resident set of `executable` run with `arguments`, in bytes, as GNU time
    /// measures it (its report written into `report`); nil when the run fails.
    ///
    /// Not wait4 on a child of this process: posix_spawn starts the child in this process's
    /// memory, and Linux keeps that memory's peak as the child's when it execs, so every
    /// figure would be at least this (large) process's. GNU time forks from its own small one.
    static func peakMemory(_ executable: String, _ arguments: [String], report: URL) -> Double? {
        let file = report.appendingPathComponent("peak-rss.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuTime)
        process.arguments = ["-f", "%M", "-o", file.path, executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0, let text = try? String(contentsOf: file, encoding: .utf8),
            let kibibytes = Double(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return kibibytes * 1024
    }

    /// Heap allocations per training step of the sine fit (malloc & co. counted by
    /// CAllocationCounter), or nil where counting is unavailable. Two runs of 1,000 and
    /// 2,000 epochs after a warm-up; their difference over 3,000 steps cancels what a
    /// `train(epochs:)` call allocates once (history capacity, the returned outcome).
    static func allocationsPerStep() -> Double? {
        guard slope_allocation_counting_available() == 1 else { return nil }
        func allocations(epochs: Int) -> Int {
            let trainer = Trainer(
                network: Experiments.sineNetwork(), optimizer: SGD(learningRate: 0.015),
                loader: BatchLoader(.sine(), batchSize: 90))
            _ = try? trainer.train(epochs: 2)  // layers may size their buffers on the first steps
            let before = slope_allocation_count()
            _ = try? trainer.train(epochs: 2 + epochs)
            return slope_allocation_count() - before
        }
        let short = allocations(epochs: 1_000), long = allocations(epochs: 2_000)
        return Double(long - short) / Double(1_000 * 3)
    }

    /// The seed's weights, read from the network Slope builds (W0 `[1, 25]`, W1 `[25, 1]`).
    static func initialWeights() -> (w0: [Double], w1: [Double]) {
        let layers = Experiments.sineNetwork().layers
        let hidden = layers[0] as! Affine, output = layers[2] as! Affine
        return (hidden.W.value.data, output.W.value.data)
    }

    static func relativeErrorText(_ loss: Double) -> String {
        String(format: "%.1e", abs(loss - referenceLoss) / referenceLoss)
    }

    /// Runs the seed's loop in numpy `runs` times in one python3 process; nil without numpy.
    static func runNumpy(w0: [Double], w1: [Double], runs: Int) -> (Measurement, Double)? {
        func list(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        let script = """
            import sys, time
            import numpy as np
            W0_init = np.array(\(list(w0))).reshape(1, 25)
            W1_init = np.array(\(list(w1))).reshape(25, 1)
            x = (np.arange(200) / 100.0).reshape(200, 1)
            t = 20 * np.sin(2 * np.pi * x)
            def sigmoid(z):
                return 1 / (1 + np.exp(-z))
            for run in range(\(runs)):
                W0, W1 = W0_init.copy(), W1_init.copy()
                b0, b1 = np.zeros(25), np.zeros(1)
                start = time.perf_counter()
                for epoch in range(\(epochs)):
                    for s in range(0, 200, 90):
                        xb, tb = x[s:s + 90], t[s:s + 90]
                        h = sigmoid(xb @ W0 + b0)
                        y = h @ W1 + b1
                        loss = np.mean((y - tb) ** 2)
                        dy = (y - tb) / len(xb)          # gradient of ½·mean((y−t)²)
                        dW1, db1 = h.T @ dy, dy.sum(axis=0)
                        dz = (dy @ W1.T) * h * (1 - h)
                        dW0, db0 = xb.T @ dz, dz.sum(axis=0)
                        W0 -= 0.03 * dW0; b0 -= 0.03 * db0
                        W1 -= 0.03 * dW1; b1 -= 0.03 * db1
                print(time.perf_counter() - start, repr(float(loss)))
            """
        guard let output = runCommand("python3", ["-c", script]) else { return nil }
        let lines = output.split(separator: "\n").map { $0.split(separator: " ") }
        let samples = lines.compactMap { $0.first.flatMap { Double($0) } }
        guard samples.count == runs, let loss = lines.last.flatMap({ $0.last.flatMap { Double($0) } }) else { return nil }
        return (Measurement(name: "numpy", samples: samples), loss)
    }
}
