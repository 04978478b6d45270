import Foundation
import SlopeCheck
import SlopeLayers

/// The progress line of a long check, drawn on standard error when it is a terminal: elements
/// done and the time left, once a check has run for two seconds. Checks running side by side
/// share the line (the latest report wins).
final class TerminalProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var drawn = false

    /// Seconds a check runs before its progress is shown.
    static let delay = 2.0

    /// A display when standard error is a terminal, nil otherwise (CI logs get no carriage returns).
    static func onTerminal() -> TerminalProgress? { isatty(2) != 0 ? TerminalProgress() : nil }

    /// "Affine: 12,345 of 150,656 elements (8%), about 12 s left".
    static func text(_ progress: CheckProgress) -> String {
        let percent = progress.elementCount > 0 ? 100 * progress.elementsDone / progress.elementCount : 100
        var line =
            "\(progress.target): \(grouped(progress.elementsDone)) of \(grouped(progress.elementCount)) elements (\(percent)%)"
        if let left = progress.estimatedSecondsLeft { line += ", about \(duration(left)) left" }
        return line
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(Int(seconds.rounded(.up))) s" }
        if seconds < 3600 { return "\(Int((seconds / 60).rounded(.up))) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    func show(_ progress: CheckProgress) {
        guard progress.seconds >= Self.delay else { return }
        lock.lock()
        defer { lock.unlock() }
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + Self.text(progress)).utf8))
    }

    /// "Conv2D: running for 12 s (limit 60 s)": a check in a worker that reports no elements
    /// (a forward pass that takes long, or never ends).
    func showRunning(_ name: String, seconds: Double, limit: Double) {
        lock.lock()
        defer { lock.unlock() }
        drawn = true
        let line = "\(name): running for \(Self.duration(seconds)) (limit \(Self.duration(limit)))"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    /// Clears the line, if anything was drawn.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
