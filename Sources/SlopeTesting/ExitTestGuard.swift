import Foundation
import SlopeCheck
import SlopeGate
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A gradient check inside a Swift Testing exit test (`#expect(processExitsWith: .success) {
/// expectGradientsCorrect(…) }`), where the checked layer may end the process: the child says
/// how and where before it goes, as an issue at the `expectGradientsCorrect` line —
///
/// - a trap or crash (SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT): "the check crashed
///   (SIGILL, a Swift runtime trap); it was in the backward pass, while computing the analytic
///   gradients; the runtime said: Fatal error: Index out of range (at …)";
/// - `exit()` from the checked code: "ended its process with exit() before the check finished",
///   and the child exits 70 (an exit status 0 would pass the exit test);
/// - a hang: past `GradientCheck.timeLimit`, the test's `.timeLimit` or 10 minutes, the child records "did not finish in
///   …; it was in …" and exits 124, so no process is left spinning;
/// - a parent that is gone: the child ends too.
///
/// The exit test's own expectation then fails at its line with the exit status, and the run's
/// other tests report. Outside an exit test nothing here is installed: a trap in the test
/// process itself ends the run, as it would without Slope.
enum ExitTestGuard {
    /// The default time limit of a check in an exit test without a `.timeLimit` trait.
    static let defaultLimit = 600.0

    static func watching(
        _ target: @autoclosure () -> String, limit: Double?, at location: SourceLocation, _ body: () -> CheckReport
    ) -> CheckReport {
        guard ExitTest.current != nil else { return body() }
        let limit = limit ?? Test.current?.timeLimit.map { Double($0.components.seconds) } ?? defaultLimit
        ChildState.shared.begin(target: target(), location: location, limit: limit)
        defer { ChildState.shared.end() }
        return body()
    }
}

/// What the child's handlers need, reachable from a signal handler (no captures there).
final class ChildState: @unchecked Sendable {
    static let shared = ChildState()

    private(set) var target = ""
    private(set) var location: SourceLocation?
    private let generation = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    private var installed = false
    private let page = UnsafeMutableRawPointer.allocate(byteCount: Breadcrumbs.size, alignment: 16)
    /// The child's standard error, kept (last 16 KiB) for the runtime's message.
    private let captured = StderrTail()

    func begin(target: String, location: SourceLocation, limit: Double) {
        self.target = target
        self.location = location
        if !installed {
            installed = true
            page.initializeMemory(as: UInt8.self, repeating: 0, count: Breadcrumbs.size)
            Breadcrumbs.attach(to: page)
            captured.start()
            installHandlers()
            ParentWatch.start()
        }
        Breadcrumbs.clear()
        let mine = generation.add(1, ordering: .relaxed).newValue
        running.store(true, ordering: .relaxed)
        Thread.detachNewThread { [self] in
            let deadline = Date().addingTimeInterval(limit)
            while Date() < deadline {
                usleep(100_000)
                if !running.load(ordering: .relaxed) || generation.load(ordering: .relaxed) != mine { return }
            }
            guard running.load(ordering: .relaxed), generation.load(ordering: .relaxed) == mine else { return }
            record(
                UnfinishedCheck(
                    ending: .timedOut, limit: limit, stage: stage(),
                    hint: "GradientCheck.timeLimit or the test's .timeLimit sets it"))
            _exit(124)
        }
    }

    func end() { running.store(false, ordering: .relaxed) }

    private func stage() -> String? { Breadcrumbs.read(page).description }

    fileprivate func record(_ unfinished: UnfinishedCheck) {
        let text = "\(target): \(CheckProblem.unfinished(unfinished))"
        captured.writeThrough(text + "\n")
        if let location { Issue.record(Comment(rawValue: text), sourceLocation: location) }
    }

    /// Called from the signal handler: what ended the check, then the default action.
    fileprivate func crashed(_ signal: Int32) {
        guard running.load(ordering: .relaxed) else { return }
        running.store(false, ordering: .relaxed)
        let log = CrashLog(output: captured.text())
        var unfinished = UnfinishedCheck(
            ending: .crashed, signal: signal, stage: stage(), message: log.message,
            hint: log.message == nil && (signal == SIGILL || signal == SIGTRAP)
                ? "an optimised build traps without the runtime's message; run the tests in debug to see it" : nil)
        if signal == SIGSEGV, log.message == nil { unfinished.hint = "a bad pointer, or a stack overflow" }
        if log.outOfMemory { unfinished.ending = .outOfMemory }
        record(unfinished)
    }

    fileprivate func exiting() {
        guard running.load(ordering: .relaxed) else { return }
        running.store(false, ordering: .relaxed)
        record(
            UnfinishedCheck(
                ending: .exited, status: nil, stage: stage(),
                hint: "checked code must return or throw; exit() ends the process it runs in"))
        _exit(70)
    }

    private func installHandlers() {
        // An alternate stack, so that a stack overflow can still be reported.
        let size = 1 << 16
        var alternate = stack_t(
            ss_sp: UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16), ss_flags: 0, ss_size: size)
        sigaltstack(&alternate, nil)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in
            ChildState.shared.crashed(number)
            signal(number, SIG_DFL)  // returning re-runs the faulting instruction: the default action ends the process
            if number == SIGABRT { raise(number) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(SA_ONSTACK)
        for number in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] { sigaction(number, &action, nil) }
        atexit { ChildState.shared.exiting() }
    }
}

/// The child's standard error through a pipe: passed on to the real one, its last 16 KiB kept.
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var tail = [UInt8]()
    private var original: Int32 = 2
    private var readEnd: Int32 = -1

    func start() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        original = dup(2)
        dup2(fds[1], 2)
        close(fds[1])
        readEnd = fds[0]
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { return }
                keep(buffer[0..<n])
            }
        }
    }

    private func keep(_ bytes: ArraySlice<UInt8>) {
        _ = bytes.withUnsafeBytes { write(original, $0.baseAddress, $0.count) }
        lock.withLock {
            tail += bytes
            if tail.count > 16_384 { tail.removeFirst(tail.count - 16_384) }
        }
    }

    /// What was written so far, including what is still in the pipe.
    func text() -> String {
        if readEnd >= 0 {
            var pending = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while poll(&pending, 1, 0) > 0 {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                keep(buffer[0..<n])
            }
        }
        return lock.withLock { String(decoding: tail, as: UTF8.self) }
    }

    func writeThrough(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(original, $0.baseAddress, $0.count) }
    }
}
