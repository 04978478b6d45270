import SlopeLayers

/// A check that never returned: the process running it trapped, was killed, ran out of memory
/// or time, or exited from inside the checked code.
///
/// A gate (SlopeGate) runs checks in a worker process, so that what the user's code does to
/// its process costs one check, not the run; this is what the parent saw of the one that died.
/// The check's verdict is `.fail` (JUnit: `<error>`, the check could not finish).
public struct UnfinishedCheck: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Ending: String, Sendable, Codable, Equatable {
        /// A signal ended the worker (a Swift trap is SIGILL or SIGTRAP; a bad pointer SIGSEGV).
        case crashed
        /// The stack overflowed: recursion without end, or too deep.
        case stackOverflow
        /// An allocation failed at the worker's memory limit, or the system killed it for memory.
        case outOfMemory
        /// The checked code called `exit` (any status) before the check had a result.
        case exited
        /// The check ran past its time limit and was killed.
        case timedOut
        /// The gate was stopped from outside (SIGINT, SIGTERM) while this check ran.
        case interrupted
    }

    public var ending: Ending
    /// The signal that ended the worker, if one did.
    public var signal: Int32?
    /// The worker's exit status, when it exited.
    public var status: Int32?
    /// The time limit that was passed, or the memory limit that was hit (bytes).
    public var limit: Double?
    /// Where the check was: "the backward pass during the finite differences of param W,
    /// element [3, 1] of param W" (nil when the worker had not started on it yet).
    public var stage: String?
    /// What the Swift runtime printed: "Fatal error: Index out of range", with its file and line.
    public var message: String?
    /// The first frame of the crashed thread in the checked code: "MyConv2D.backwardInput(_:)
    /// at Sources/MyLayers/MyConv2D.swift:42:17".
    public var frame: String?
    /// What to do to learn more (how to get file and line, how to raise a limit).
    public var hint: String?

    public init(
        ending: Ending, signal: Int32? = nil, status: Int32? = nil, limit: Double? = nil, stage: String? = nil,
        message: String? = nil, frame: String? = nil, hint: String? = nil
    ) {
        self.ending = ending
        self.signal = signal
        self.status = status
        self.limit = limit
        self.stage = stage
        self.message = message
        self.frame = frame
        self.hint = hint
    }

    /// One sentence: what ended the check, where it was, what the runtime said, the user's frame.
    public var description: String {
        var text: String
        switch ending {
        case .crashed: text = "crashed (\(signal.map(Self.signalName) ?? "killed"))"
        case .stackOverflow:
            text = "overflowed the stack (\(signal.map(Self.signalName) ?? "killed"): endless or too deep recursion)"
        case .outOfMemory:
            text = "ran out of memory" + (limit.map { " (the worker's limit is \(Self.bytes($0)))" } ?? "")
        case .exited: text = "ended its process with exit(\(status ?? 0)) before the check finished"
        case .timedOut: text = "did not finish in \(limit.map(Self.seconds) ?? "its time limit")"
        case .interrupted: text = "was interrupted (\(signal.map(Self.signalName) ?? "stopped")) before it finished"
        }
        if let stage { text += "; it was in \(stage)" }
        if let message { text += "; the runtime said: \(message)" }
        if let frame { text += "; first frame in the checked code: \(frame)" }
        if let hint { text += " (\(hint))" }
        return text
    }

    /// "SIGILL (a Swift trap: index out of range, overflow, force-unwrap of nil, failed precondition)".
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 4: "SIGILL, a Swift runtime trap"
        case 5: "SIGTRAP, a Swift runtime trap"
        case 6: "SIGABRT, an abort"
        case 7: "SIGBUS, a bad memory access"
        case 8: "SIGFPE, an arithmetic trap"
        case 9: "SIGKILL"
        case 11: "SIGSEGV, a bad pointer"
        case 2: "SIGINT"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? "\(formatNumber(s, significantDigits: 2)) s" : "\(Int(s.rounded())) s"
    }

    static func bytes(_ b: Double) -> String {
        let gib = 1_073_741_824.0
        return b >= gib
            ? "\(formatNumber(b / gib, significantDigits: 3)) GiB" : "\(formatNumber(b * 1024 / gib, significantDigits: 3)) MiB"
    }
}
