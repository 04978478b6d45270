import Foundation

/// A careful little timing harness: warm-up, several runs, median and spread.
struct Measurement {
    var name: String
    var samples: [Double]  // seconds, or bytes when `unit` is `.bytes`
    var unit = Unit.seconds

    enum Unit { case seconds, bytes }

    /// The median as the table prints it: a time, or mebibytes.
    var medianText: String {
        unit == .seconds ? formatSeconds(median) : String(format: "%.1f MiB", median / 1_048_576)
    }

    var median: Double {
        let s = samples.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// (max − min) / median, in percent.
    var spread: Double {
        guard let lo = samples.min(), let hi = samples.max(), median > 0 else { return 0 }
        return 100 * (hi - lo) / median
    }
}

/// Times `body` after `warmup` untimed calls, `runs` times.
func measure(_ name: String, warmup: Int = 1, runs: Int = 5, _ body: () throws -> Void) rethrows -> Measurement {
    for _ in 0..<warmup { try body() }
    var samples: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Measurement(name: name, samples: samples)
}

/// One line of the final table: a measurement against its baseline.
struct Row {
    var group: String
    var subject: Measurement
    var baseline: Measurement?
    var baselineName: String
    /// Extra figure, e.g. GFLOP/s or the final loss.
    var note: String
    /// The aim, in words, and whether it was met.
    var aim: String

    /// baseline time / subject time: > 1 means the subject is faster.
    var ratio: Double? { baseline.map { $0.median / subject.median } }

    /// The comparison column: the speed-up for times, the difference for memory.
    var comparison: String {
        guard let baseline else { return "—" }
        if subject.unit == .bytes {
            return String(format: "%+.1f MiB", (subject.median - baseline.median) / 1_048_576)
        }
        return String(format: "%.2f×", baseline.median / subject.median)
    }
}

func formatSeconds(_ s: Double) -> String {
    if s >= 1 { return String(format: "%.2f s", s) }
    if s >= 1e-3 { return String(format: "%.1f ms", s * 1e3) }
    if s >= 1e-5 { return String(format: "%.0f µs", s * 1e6) }
    if s >= 1e-6 { return String(format: "%.1f µs", s * 1e6) }
    return String(format: "%.0f ns", s * 1e9)
}

func renderTable(_ rows: [Row], machine: String) -> String {
    var out = "| benchmark | Slope median (spread) | baseline | baseline median (spread) | speed-up | notes | aim |\n"
    out += "|---|---|---|---|---|---|---|\n"
    for r in rows {
        let base = r.baseline.map { "\($0.medianText) (±\(String(format: "%.0f", $0.spread / 2))%)" } ?? "skipped"
        out +=
            "| \(r.group) | \(r.subject.medianText) (±\(String(format: "%.0f", r.subject.spread / 2))%) | \(r.baselineName) | \(base) | \(r.comparison) | \(r.note) | \(r.aim) |\n"
    }
    out +=
        "\nSpeed-up = baseline median / Slope median (> 1: Slope is faster); for a memory row, Slope's peak minus the baseline's. Spread = ±half of (max − min)/median over the runs. \(machine)\n"
    return out
}

/// Runs a command and returns its standard output, or nil when it cannot run.
func runCommand(_ executable: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self)
}
