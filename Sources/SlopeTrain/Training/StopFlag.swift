import Foundation
import Synchronization

/// A request to stop training cleanly, checked by the trainer after every step.
///
/// Setting it is async-signal-safe (one lock-free atomic store), so a SIGINT handler may
/// call `requestStop()`; `installInterruptHandler()` does exactly that for Ctrl-C and
/// SIGTERM on `StopFlag.interrupt`. The trainer then saves its checkpoint and returns.
public final class StopFlag: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func requestStop() { requested.store(true, ordering: .relaxed) }
    public func reset() { requested.store(false, ordering: .relaxed) }
    public var isStopRequested: Bool { requested.load(ordering: .relaxed) }

    /// The flag that `installInterruptHandler()` sets.
    public static let interrupt = StopFlag()

    /// Makes SIGINT (Ctrl-C) and SIGTERM set `StopFlag.interrupt` instead of killing the
    /// process. A second Ctrl-C while a stop is pending restores the default and kills.
    ///
    /// Also unblocks both signals in the calling thread: a blocked mask is inherited
    /// across exec (a parent that spawns us from a worker thread, as test runners and
    /// some supervisors do), and a blocked SIGTERM would wait forever instead of stopping
    /// the run. Call it from the main thread, before starting other threads.
    public static func installInterruptHandler() {
        _ = interrupt.isStopRequested  // initialise the global before any signal arrives
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                if StopFlag.interrupt.isStopRequested {
                    signal(number, SIG_DFL)
                    raise(number)
                }
                StopFlag.interrupt.requestStop()
            }
        }
    }
}
