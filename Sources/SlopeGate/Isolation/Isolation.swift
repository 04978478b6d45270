import Foundation
import SlopeCheck
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a gate runs its checks in worker processes.
struct IsolationSettings: Sendable {
    /// The arguments the worker is launched with: the gate's own.
    var arguments: [String]
    /// A fixed time limit per check (`--timeout`); nil: the rule below.
    var timeout: Double?
    /// The worker's address-space limit in bytes (`--memory-limit`); nil: none.
    var memoryLimit: UInt64?

    /// Checks estimated to take longer (seconds) are announced as they start, with the cheaper modes.
    static let announceAbove = 30.0

    /// The default time limit of a check: `factor` times its estimated cost, never below `floor`.
    static let floor = 60.0
    static let factor = 10.0

    func limit(estimate: Double?) -> Double {
        if let timeout { return timeout }
        guard let estimate, estimate.isFinite else { return Self.floor }
        return max(Self.floor, Self.factor * estimate)
    }
}

/// The jobs' results in order (a job whose worker died has its `unfinished` result); after an
/// interruption, those that finished and the one that
/// was cut off (the rest never ran).
struct IsolatedResults<Result: Sendable>: Sendable {
    var outcomes: [Result]
    /// SIGINT or SIGTERM, when the run was stopped from outside.
    var interruptedBy: Int32?
}

/// The parent side: launches a worker, follows its messages, its output and the clock, and
/// when it dies mid-check, reports that check as unfinished and launches a new worker for the
/// rest. The parent never runs the checked code itself.
enum Isolation {
    static func run<Result>(
        _ jobs: [IsolatedJob<Result>], settings: IsolationSettings, display: TerminalProgress?
    ) throws -> IsolatedResults<Result> {
        Interruption.install()
        let page = try BreadcrumbPage()
        var results = IsolatedResults<Result>(outcomes: [], interruptedBy: nil)
        while results.outcomes.count < jobs.count, Interruption.received == nil {
            let first = results.outcomes.count
            var environment = [
                Worker.firstJobVariable: "\(first)", "SWIFT_BACKTRACE": CrashLog.backtraceSettings,
            ]
            if let memory = settings.memoryLimit { environment[Worker.memoryLimitVariable] = "\(memory)" }
            page.clear()
            let worker = try WorkerProcess.launch(arguments: settings.arguments, environment: environment, page: page.fd)
            var session = WorkerSession<Result>(worker: worker, jobs: jobs, settings: settings, display: display)
            session.follow()
            results.outcomes += session.finished
            let running = session.running ?? results.outcomes.count
            if running < jobs.count, running == results.outcomes.count {
                let problem = session.diagnosis(trail: Breadcrumbs.read(page.pointer))
                results.outcomes.append(jobs[running].unfinished(problem, session.seconds))
            }
            if let signal = session.interruptedBy {
                results.interruptedBy = signal
                break
            }
        }
        if results.interruptedBy == nil, let signal = Interruption.received { results.interruptedBy = signal }
        return results
    }
}

/// One worker's life, followed from the parent.
struct WorkerSession<Result: Codable & Sendable> {
    let worker: WorkerProcess
    let jobs: [IsolatedJob<Result>]
    let settings: IsolationSettings
    let display: TerminalProgress?

    /// Results in order, from the worker's first job on.
    private(set) var finished: [Result] = []
    /// The job the worker was in when it ended, if any.
    private(set) var running: Int?
    private(set) var interruptedBy: Int32?
    private var started = Date()
    /// Seconds the current job has run.
    var seconds: Double { running == nil ? 0 : Date().timeIntervalSince(started) }
    private var limit = IsolationSettings.floor
    private var timedOut = false
    private var lastProgress = Date.distantPast
    /// What the worker printed since its last finished job (capped), read when it dies.
    private var output = Data()
    private var pendingLine = Data()
    private var messageBuffer = Data()
    private var ending: (status: Int32?, signal: Int32?) = (nil, nil)

    init(worker: WorkerProcess, jobs: [IsolatedJob<Result>], settings: IsolationSettings, display: TerminalProgress?) {
        self.worker = worker
        self.jobs = jobs
        self.settings = settings
        self.display = display
    }

    /// Reads messages and output until the worker has ended, killing it past the time limit or
    /// when the gate is interrupted.
    mutating func follow() {
        var messagesOpen = true, outputOpen = true
        var closedAt: Date?
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var killed = false
        while messagesOpen || outputOpen {
            var fds = [
                pollfd(fd: messagesOpen ? worker.messages : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: outputOpen ? worker.output : -1, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, 100)
            if fds[0].revents != 0 {
                let n = read(worker.messages, &buffer, buffer.count)
                if n > 0 {
                    messageBuffer.append(contentsOf: buffer[0..<n])
                    handleMessages(decoder)
                } else if n == 0 || errno != EINTR {
                    messagesOpen = false
                }
            }
            if fds[1].revents != 0 {
                let n = read(worker.output, &buffer, buffer.count)
                if n > 0 {
                    take(output: buffer[0..<n])
                } else if n == 0 || errno != EINTR {
                    outputOpen = false
                }
            }
            if !messagesOpen, closedAt == nil { closedAt = Date() }
            // A grandchild may hold the output open: a closed message pipe and three seconds do.
            if let closedAt, Date().timeIntervalSince(closedAt) > 3 { break }
            guard !killed else { continue }
            if let signal = Interruption.received {
                interruptedBy = signal
                worker.kill()
                killed = true
            } else if running != nil, Date().timeIntervalSince(started) > limit {
                timedOut = true
                worker.kill()
                killed = true
            } else if let display, let running, Date().timeIntervalSince(lastProgress) > 1,
                Date().timeIntervalSince(started) >= TerminalProgress.delay
            {
                display.showRunning(jobs[running].name, seconds: Date().timeIntervalSince(started), limit: limit)
            }
        }
        flushOutput(final: true)
        ending = worker.wait()
        display?.finish()
    }

    private mutating func handleMessages(_ decoder: JSONDecoder) {
        while let newline = messageBuffer.firstIndex(of: 0x0A) {
            let line = messageBuffer[messageBuffer.startIndex..<newline]
            messageBuffer.removeSubrange(messageBuffer.startIndex...newline)
            guard let message = try? decoder.decode(WorkerMessage<Result>.self, from: Data(line)) else { continue }
            switch message {
            case .started(let job):
                running = job
                started = Date()
                limit = settings.limit(estimate: nil)
            case .estimate(let job, let seconds):
                limit = settings.limit(estimate: seconds)
                if seconds > IsolationSettings.announceAbove {
                    display?.finish()
                    FileHandle.standardError.write(
                        Data(
                            "note: \(jobs[job].name) may take up to ≈ \(TerminalProgress.duration(seconds)) (one forward pass timed × its passes one element at a time; compression makes it less); --mode fast checks every tensor in a few passes\n"
                                .utf8))
                }
            case .progress(let progress):
                lastProgress = Date()
                display?.show(progress)
            case .finished(_, let result):
                finished.append(result)
                running = nil
                output.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Keeps what the worker printed for the crash diagnosis, and passes it through to our
    /// standard error line by line (all but the backtracer's JSON, which the report summarises).
    private mutating func take(output chunk: ArraySlice<UInt8>) {
        output.append(contentsOf: chunk)
        if output.count > 4 << 20 { output.removeFirst(output.count - (4 << 20)) }
        pendingLine.append(contentsOf: chunk)
        flushOutput(final: false)
    }

    private mutating func flushOutput(final: Bool) {
        var lines = Data()
        while let newline = pendingLine.firstIndex(of: 0x0A) {
            let line = pendingLine[pendingLine.startIndex...newline]
            pendingLine.removeSubrange(pendingLine.startIndex...newline)
            if !String(decoding: line, as: UTF8.self).contains(CrashLog.reportMarker) { lines.append(line) }
        }
        if final, !pendingLine.isEmpty {
            lines.append(pendingLine)
            lines.append(0x0A)
            pendingLine.removeAll()
        }
        guard !lines.isEmpty else { return }
        display?.finish()
        FileHandle.standardError.write(lines)
    }

    /// Why the worker's current job did not finish, from how the worker ended, what it
    /// printed, and its last breadcrumbs.
    func diagnosis(trail: Breadcrumbs.Trail) -> UnfinishedCheck {
        let crash = CrashLog(output: String(decoding: output, as: UTF8.self))
        let stage = running == nil ? "starting the worker, before the check began" : trail.description
        var result = UnfinishedCheck(ending: .crashed, signal: ending.signal, stage: stage, message: crash.message)
        result.frame = crash.frame
        if let interruptedBy {
            result.ending = .interrupted
            result.signal = interruptedBy
        } else if timedOut {
            result.ending = .timedOut
            result.signal = nil
            result.limit = limit
            result.hint =
                settings.timeout == nil
                ? "the limit is \(Int(IsolationSettings.factor))× the check's estimated cost, at least \(Int(IsolationSettings.floor)) s; --timeout SECONDS sets it"
                : "--timeout SECONDS raises it"
        } else if crash.outOfMemory || (ending.signal == SIGKILL && settings.memoryLimit == nil) {
            result.ending = .outOfMemory
            result.limit = crash.outOfMemory ? settings.memoryLimit.map { Double($0) } : nil
            result.hint =
                crash.outOfMemory
                ? "--memory-limit sets the worker's limit"
                : "killed by SIGKILL from outside: most likely the system's out-of-memory killer"
        } else if crash.stackOverflow {
            result.ending = .stackOverflow
        } else if let status = ending.status {
            result.ending = .exited
            result.status = status
            result.hint = "checked code must return or throw; exit() ends the process it runs in"
        }
        if result.hint == nil, crash.frameWithoutLine, crash.frame != nil {
            result.hint =
                "the binary has no line information for that frame: build with debug information (`swift build`, or `-Xswiftc -g` with `-c release`) to see file and line"
        } else if result.hint == nil, result.message == nil, let signal = ending.signal, signal == SIGILL || signal == SIGTRAP {
            result.hint =
                "an optimised build traps without the runtime's message: run the gate from a debug build (`swift run` without `-c release`) to see it"
        }
        return result
    }
}

/// The shared page a worker marks its breadcrumbs in: a file made, opened and unlinked at
/// once (nothing is left behind), mapped here and passed to each worker as descriptor 4.
final class BreadcrumbPage {
    let fd: Int32
    let pointer: UnsafeMutableRawPointer

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/slope-gate.XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw IsolationError.launch("could not make the workers' breadcrumb page") }
        unlink(String(cString: template))
        guard ftruncate(fd, off_t(Breadcrumbs.size)) == 0,
            let page = mmap(nil, Breadcrumbs.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), page != MAP_FAILED
        else {
            close(fd)
            throw IsolationError.launch("could not map the workers' breadcrumb page")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        self.fd = fd
        self.pointer = page
    }

    func clear() { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Breadcrumbs.size) }

    deinit {
        munmap(pointer, Breadcrumbs.size)
        close(fd)
    }
}

/// SIGINT and SIGTERM received by the parent: the run stops at once (the worker is killed)
/// and the reports say what finished. A second signal ends the process the default way.
enum Interruption {
    private static let caught = Atomic<Int32>(0)
    private static let installed = Mutex(false)

    static var received: Int32? {
        let value = caught.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    static func install() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = received
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                if Interruption.caught.load(ordering: .relaxed) != 0 {
                    signal(number, SIG_DFL)
                    raise(number)
                }
                Interruption.caught.store(number, ordering: .relaxed)
            }
        }
    }
}
