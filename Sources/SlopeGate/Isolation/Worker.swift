import Foundation
import SlopeCheck

#if canImport(Glibc)
    import Glibc
#endif

/// The worker side of a gate: the same executable, launched by the parent with the same
/// arguments and `SLOPE_GATE_WORKER=<first job>` in its environment. It runs the jobs from
/// that one on, one at a time, writes each result to file descriptor 3, marks where it is in
/// the page on descriptor 4 (``Breadcrumbs``), and never writes a report.
enum Worker {
    static let firstJobVariable = "SLOPE_GATE_WORKER"
    static let memoryLimitVariable = "SLOPE_GATE_WORKER_MEMORY"
    static let messageDescriptor: Int32 = 3
    static let breadcrumbDescriptor: Int32 = 4

    /// The job to start from, when this process is a worker.
    static var firstJob: Int? {
        ProcessInfo.processInfo.environment[firstJobVariable].flatMap { Int($0) }
    }

    /// Runs `jobs[first...]` and exits; each result goes to the parent as it is known.
    static func serve<Result>(_ jobs: [IsolatedJob<Result>], from first: Int) -> Never {
        prepare()
        let channel = MessageChannel<Result>()
        for index in first..<jobs.count {
            let job = jobs[index]
            Breadcrumbs.clear()
            channel.send(.started(job: index))
            Breadcrumbs.phase("building the case and timing one forward pass (the check's cost estimate)")
            if let seconds = job.estimate() { channel.send(.estimate(job: index, seconds: seconds)) }
            Breadcrumbs.clear()
            let result = job.run { channel.send(.progress($0)) }
            channel.send(.finished(job: index, result: result))
        }
        exit(0)
    }

    /// The breadcrumb page, the memory limit, and a watch on the parent.
    private static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        if let page = mmap(nil, Breadcrumbs.size, PROT_READ | PROT_WRITE, MAP_SHARED, breadcrumbDescriptor, 0),
            page != MAP_FAILED
        {
            Breadcrumbs.attach(to: page)
        }
        if let text = ProcessInfo.processInfo.environment[memoryLimitVariable], let bytes = UInt64(text), bytes > 0 {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            #if os(Linux)
                setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
            #else
                setrlimit(RLIMIT_AS, &limit)
            #endif
        }
        StackOverflowMark.install()
        ParentWatch.start()
    }
}

/// Ends a child process whose parent is gone (killed, or crashed itself): it has nobody to
/// report to, and must not keep spinning. A gate's worker and a Swift Testing exit test's child
/// (SlopeTesting) both start it.
package enum ParentWatch {
    package static func start(exitCode: Int32 = 70) {
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { usleep(200_000) }
            _exit(exitCode)
        }
    }
}

/// The worker's half of the message pipe: JSON lines, written whole under a lock (progress
/// arrives from any thread).
final class MessageChannel<Result: Codable & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    func send(_ message: WorkerMessage<Result>) {
        lock.lock()
        defer { lock.unlock() }
        guard var line = try? encoder.encode(message) else { return }
        line.append(0x0A)
        let written = line.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let n = write(Worker.messageDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        // The parent stopped listening: nothing this worker does can be reported any more.
        if !written { _exit(71) }
    }
}

/// Marks a stack overflow on the main thread (where the worker runs its checks) before the
/// Swift backtracer reports the crash: a SIGSEGV whose fault address lies at the bottom of the
/// main thread's stack writes ``line`` to standard error, then the previous handler runs. The
/// backtracer's own report can come too late or not at all on a loaded machine; this line is
/// written before it starts.
enum StackOverflowMark {
    static let line = "slope-worker: stack overflow on the main thread"
    nonisolated(unsafe) private static var stackLow: UInt = 0
    nonisolated(unsafe) private static var previous = sigaction()

    /// A /proc file's text (its size reads as 0, so it is read to its end, not by its size).
    static func readProcFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }

    static func install() {
        #if os(Linux)
            // The main thread's stack: its mapping's top (/proc/self/maps) minus the stack limit.
            guard let maps = readProcFile("/proc/self/maps"),
                let stackLine = maps.split(separator: "\n").first(where: { $0.hasSuffix("[stack]") }),
                let range = stackLine.split(separator: " ").first?.split(separator: "-"), range.count == 2,
                let high = UInt(range[1], radix: 16)
            else { return }
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_STACK.rawValue), &limit)
            guard limit.rlim_cur != rlim_t.max, limit.rlim_cur < UInt(high) else { return }
            stackLow = high - UInt(limit.rlim_cur)
            let alternateSize = 1 << 16
            var alternate = stack_t(
                ss_sp: UnsafeMutableRawPointer.allocate(byteCount: alternateSize, alignment: 16), ss_flags: 0,
                ss_size: alternateSize)
            sigaltstack(&alternate, nil)
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { _, info, _ in
                let fault = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
                let low = StackOverflowMark.stackLow
                if fault &+ (2 << 20) >= low, fault < low &+ (1 << 20) {
                    let text = StackOverflowMark.line + "\n"
                    _ = text.withCString { write(2, $0, strlen($0)) }
                }
                // The previous handler (the backtracer's) takes the fault when it happens again.
                sigaction(SIGSEGV, &StackOverflowMark.previous, nil)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_SIGINFO | SA_ONSTACK)
            sigaction(SIGSEGV, &action, &previous)
        #endif
    }
}
