import Foundation

/// A one-line progress report for a person watching: `epoch 1200/40000  loss 3.21  8,400 epochs/s  ETA 4s`.
///
/// On a terminal the line is redrawn in place (`\r`, at most ten times a second); when
/// stderr is a file or a pipe a plain line is written every `interval` (2 s); `.quiet`
/// writes nothing. The library never prints except through one of these, which the
/// CLI constructs explicitly.
public final class ProgressLine {
    public enum Mode: Equatable, Sendable {
        case terminal
        case lines(every: Double)
        case quiet

        /// `.terminal` when stderr is a terminal, else plain lines every 2 s.
        public static var automatic: Mode { isatty(STDERR_FILENO) != 0 ? .terminal : .lines(every: 2) }
    }

    public let total: Int
    public let mode: Mode
    private let write: (String) -> Void
    private let clock: () -> Double
    private var start: Double?
    private var startEpoch = 0
    private var lastDrawn = -Double.infinity
    private var drewInPlace = false

    /// - Parameters:
    ///   - total: the epoch the run ends at.
    ///   - write: where text goes (stderr by default; tests pass a collector).
    ///   - clock: seconds from any origin (monotonic by default; tests pass a fake).
    public init(
        total: Int, mode: Mode = .automatic,
        write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    ) {
        self.total = total
        self.mode = mode
        self.write = write
        self.clock = clock
    }

    /// Reports that `epoch` finished with `loss`; draws only when it is time to.
    public func update(epoch: Int, loss: Double) {
        if mode == .quiet { return }
        let now = clock()
        guard let start else {
            self.start = now
            startEpoch = epoch
            return
        }
        let interval: Double
        switch mode {
        case .terminal: interval = 0.1
        case .lines(let every): interval = every
        case .quiet: return
        }
        guard now - lastDrawn >= interval else { return }
        lastDrawn = now
        draw(epoch: epoch, loss: loss, elapsed: now - start)
    }

    /// Draws the final state and ends the line.
    public func finish(epoch: Int, loss: Double?) {
        if mode == .quiet { return }
        let elapsed = start.map { clock() - $0 } ?? 0
        draw(epoch: epoch, loss: loss ?? .nan, elapsed: elapsed)
        if drewInPlace { write("\n") }
    }

    private func draw(epoch: Int, loss: Double, elapsed: Double) {
        let done = Double(epoch - startEpoch)
        let rate = elapsed > 0 ? done / elapsed : 0
        let line = Self.format(epoch: epoch, total: total, loss: loss, epochsPerSecond: rate)
        if mode == .terminal {
            write("\r" + line + "\u{1B}[K")
            drewInPlace = true
        } else {
            write(line + "\n")
        }
    }

    /// The text of one report; the ETA is (total − epoch)/rate, omitted when the rate is unknown.
    public static func format(epoch: Int, total: Int, loss: Double, epochsPerSecond rate: Double) -> String {
        var parts = ["epoch \(epoch)/\(total)", "loss \(formatLoss(loss))"]
        if rate > 0 && rate.isFinite {
            parts.append("\(groupThousands(Int(rate.rounded()))) epochs/s")
            parts.append("ETA \(formatDuration(Double(max(0, total - epoch)) / rate))")
        }
        return parts.joined(separator: "  ")
    }

    /// Three significant digits: `3.21`, `0.000759`, `1.23e+06`.
    static func formatLoss(_ x: Double) -> String {
        if !x.isFinite { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.3g", x)
    }

    /// `8400` → `8,400`.
    static func groupThousands(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (n < 0 ? "-" : "") + grouped
    }

    /// `4s`, `2m05s`, `1h02m`.
    static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
