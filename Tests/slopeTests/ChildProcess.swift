import Foundation

/// A child that did not end within its bound: it was killed, and the test fails with this.
struct ChildTimeout: Error, CustomStringConvertible {
    var command: String
    var seconds: Double
    var description: String {
        "`\(command)` did not end within \(String(format: "%g", seconds)) s and was killed"
    }
}

/// Every wait of a test on a child process, bounded: a test run must always end.
enum ChildProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The command line of `process`, as messages print it.
    static func commandLine(of process: Process) -> String {
        ([process.executableURL?.path ?? "?"] + (process.arguments ?? [])).joined(separator: " ")
    }

    /// Waits at most `timeout` seconds for `process` to end. Past the bound it gets SIGKILL
    /// (which it cannot catch or ignore) and the wait throws a `ChildTimeout` naming it.
    static func wait(for process: Process, timeout: Double) throws(ChildTimeout) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ChildTimeout(command: commandLine(of: process), seconds: timeout)
        }
        process.waitUntilExit()
    }

    /// Runs `executable arguments` in `directory` with no standard input, capturing its
    /// output, and waits at most `timeout` seconds (then it is killed and this throws).
    static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil, timeout: Double) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes while the process runs so a large report cannot block it.
        let outData = LockedData(), errData = LockedData()
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        try wait(for: process, timeout: timeout)
        // The pipes close when the child ends, unless something it started still holds them.
        if group.wait(timeout: .now() + 10) == .timedOut {
            throw ChildTimeout(command: commandLine(of: process) + " (its output pipes)", seconds: 10)
        }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData.get(), as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
