import CBaselines
import Foundation
import SlopePlot

/// A 10⁶-point log-y loss chart and a 200-point scatter with a fitted curve, 800×500 PNG:
/// Slope against libgd called from C (the floor) and matplotlib (Agg) when installed.
enum ChartBenchmark {
    static func rows(runs: Int, outDirectory: String, report: (Row) -> Void) -> [Row] {
        var rng = SplitMix(seed: 7)
        let n = 1_000_000
        var loss = [Double](repeating: 0, count: n)
        for i in 0..<n { loss[i] = 300 * exp(-Double(i) / 150_000) + 0.5 + 0.3 * rng.unit() }
        let directory = NSTemporaryDirectory() + "slope-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var rows: [Row] = []

        let slopeChart = measure("slope chart", runs: runs) {
            let chart = Chart.lossCurve(steps: nil, series: [("loss", loss)], logY: true)
            _ = try? chart.writePNG(toPath: directory + "/slope.png")
        }
        let raw = measure("raw libgd", runs: runs) {
            _ = slope_baseline_chart(loss, n, directory + "/raw.png")
        }
        let ratio = slopeChart.median / raw.median
        let row = Row(
            group: "10⁶-point log-y loss chart → PNG", subject: slopeChart, baseline: raw,
            baselineName: "libgd from C (the floor)",
            note: String(format: "%.2f× the raw libgd time; ticks, labels, legend, thinning included", ratio),
            aim: slopeChart.median < 0.1 ? "< 100 ms: met" : "< 100 ms: missed")
        report(row)
        rows.append(row)

        // matplotlib, when python3 has it.
        let script = """
            import time, sys, numpy as np
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            n = 1_000_000
            rng = np.random.default_rng(7)
            y = 300 * np.exp(-np.arange(n) / 150000) + 0.5 + 0.3 * rng.random(n)
            times = []
            for _ in range(\(runs)):
                t = time.perf_counter()
                fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
                ax.plot(y, label="loss"); ax.set_yscale("log"); ax.legend(); ax.grid(True)
                fig.savefig(sys.argv[1]); plt.close(fig)
                times.append(time.perf_counter() - t)
            print(" ".join(str(t) for t in times))
            """
        let scriptPath = directory + "/chart.py"
        try? script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        if let output = runCommand("python3", [scriptPath, directory + "/mpl.png"]) {
            let samples = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if !samples.isEmpty {
                let mpl = Measurement(name: "matplotlib", samples: samples)
                let speedup = mpl.median / slopeChart.median
                let row = Row(
                    group: "10⁶-point log-y loss chart → PNG", subject: slopeChart, baseline: mpl,
                    baselineName: "matplotlib (Agg), render + save",
                    note: "import time not counted", aim: speedup >= 10 ? "≥ 10× matplotlib: met" : "≥ 10× matplotlib: missed")
                report(row)
                rows.append(row)
            }
        } else {
            print("matplotlib: not available (python3 -c 'import matplotlib' failed) — skipped")
        }

        // Reading a 10⁶-row training log (what `slope plot loss` does before it draws).
        let csvPath = directory + "/log.csv"
        var csv = "epoch,step,train_loss,val_loss\n"
        csv.reserveCapacity(n * 40)
        for i in 0..<n { csv += "\(i / 1000),\(i),\(loss[i]),\(loss[i] * 1.1)\n" }
        try? csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
        let csvRead = measure("csv", runs: runs) {
            guard let table = try? CSVTable(contentsOfFile: csvPath) else { return }
            _ = try? table.column("step")
            _ = try? table.column("train_loss")
        }
        let csvRow = Row(
            group: "10⁶-row CSV log (4 columns) → table, 2 columns read", subject: csvRead, baseline: nil,
            baselineName: "—", note: String(format: "%.0f MB", Double(csv.utf8.count) / 1e6), aim: "")
        report(csvRow)
        rows.append(csvRow)

        // A 200-point scatter with a fitted curve (no baseline: the figure is absolute).
        let x = (0..<200).map { Double($0) / 100 }
        let y = x.map { 20 * sin(2 * Double.pi * $0) }
        let scatter = measure("scatter", runs: runs) {
            _ = try? Chart.fit(x: x, y: y, fitX: x, fitY: y).writePNG(toPath: directory + "/fit.png")
        }
        let scatterRow = Row(
            group: "200-point scatter + fitted curve → PNG", subject: scatter, baseline: nil, baselineName: "—",
            note: "", aim: "")
        report(scatterRow)
        rows.append(scatterRow)
        return rows
    }
}

/// A tiny seeded generator for benchmark data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
