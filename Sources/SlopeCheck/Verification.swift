import Dispatch
import Foundation
import SlopeLayers

/// Runs checks over many layers, spread over the machine's cores.
///
/// Each task builds its own layer (layers cache their last forward pass and cannot be
/// shared between threads); results come back in the order of the requests.
package enum Verification {
    /// Checks registered cases: several side by side on the cores, or one with its elements
    /// split over worker copies. Reports come back in the order of the cases.
    package static func run(_ cases: [CheckCase], check: GradientCheck) -> [CheckReport] {
        if cases.count == 1, let only = cases.first {
            return [only.check(with: check, workers: ProcessInfo.processInfo.activeProcessorCount)]
        }
        return parallelMap(cases) { $0.check(with: check) }
    }

    /// Applies `body` to every item on all cores, keeping the order.
    package static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable (T) -> R) -> [R] {
        let results = ResultBox<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            results.set(i, body(items[i]))
        }
        return results.values()
    }
}

/// Thread-safe slots for parallel results.
final class ResultBox<R>: @unchecked Sendable {
    private var slots: [R?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: R) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    func values() -> [R] { slots.map { $0! } }
}

/// Work started on another thread at once, its result read (waited for) where it is needed.
/// Whoever starts it keeps what the work reads alive and unwritten until the result is read.
final class Background<Result>: @unchecked Sendable {
    private let body: () -> Result
    private let done = DispatchGroup()
    private var result: Result?

    init(_ body: @escaping () -> Result) {
        self.body = body
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = self.body()
            done.leave()
        }
    }

    /// The result, once the work is done.
    var value: Result {
        done.wait()
        return result!
    }
}
