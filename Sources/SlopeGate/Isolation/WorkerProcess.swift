import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A launched worker: its process id and the read ends of its two pipes (the messages on its
/// descriptor 3; everything it prints, standard output and error together).
struct WorkerProcess {
    let pid: pid_t
    let messages: Int32
    let output: Int32

    /// Launches this executable again with `arguments`, `environment` added to ours, and the
    /// breadcrumb page `page` as its descriptor 4. The worker gets its own process group (a
    /// Ctrl-C on the terminal reaches the parent, which decides), default signal handling and
    /// no standard input.
    static func launch(arguments: [String], environment: [String: String], page: Int32) throws -> WorkerProcess {
        let messagePipe = try pipe()
        let outputPipe = try pipe()
        // Every descriptor handed over is first moved above the standard ones and 3 and 4, so
        // no dup2 below can overwrite a source that a later one still needs.
        let sources = [outputPipe.write, messagePipe.write, page].map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        defer {
            for fd in sources where fd >= 0 { close(fd) }
            close(messagePipe.write)
            close(outputPipe.write)
        }
        guard !sources.contains(where: { $0 < 0 }) else {
            close(messagePipe.read)
            close(outputPipe.read)
            throw IsolationError.launch("could not pass descriptors to the worker: \(String(cString: strerror(errno)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, sources[0], 1)
        posix_spawn_file_actions_adddup2(&actions, sources[0], 2)
        posix_spawn_file_actions_adddup2(&actions, sources[1], Worker.messageDescriptor)
        posix_spawn_file_actions_adddup2(&actions, sources[2], Worker.breadcrumbDescriptor)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGUSR1] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let executable = executablePath()
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }

        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            close(messagePipe.read)
            close(outputPipe.read)
            throw IsolationError.launch("could not start a worker (\(executable)): \(String(cString: strerror(status)))")
        }
        return WorkerProcess(pid: pid, messages: messagePipe.read, output: outputPipe.read)
    }

    /// Kills the worker (SIGKILL: it cannot refuse).
    func kill() { _ = Foundation.kill(pid, SIGKILL) }

    /// Waits for the worker to end and returns how: its exit status, or the signal.
    func wait() -> (status: Int32?, signal: Int32?) {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        close(messages)
        close(output)
        let signal = raw & 0x7F
        return signal == 0 ? ((raw >> 8) & 0xFF, nil) : (nil, signal)
    }

    /// This process's own executable (a gate launches itself).
    static func executablePath() -> String {
        #if os(Linux)
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = readlink("/proc/self/exe", &buffer, 4096)
            if n > 0 { return String(cString: buffer) }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Foundation.pipe(&fds) == 0 else {
            throw IsolationError.launch("could not make a pipe for the worker: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}

/// The gate could not run its workers (not a failed check: exit status 2).
enum IsolationError: Error, CustomStringConvertible {
    case launch(String)
    var description: String {
        switch self {
        case .launch(let text): text + " (--no-isolation runs the checks in this process)"
        }
    }
}
