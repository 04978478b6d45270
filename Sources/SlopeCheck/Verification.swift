import Dispatch
import Foundation
import SlopeLayers

/// Runs checks over many layers, spread over the machine's cores.
///
/// Each task builds its own layer (layers cache their last forward pass and cannot be
/// shared between threads); results come back in the order of the requests.
public enum Verification {
    /// Checks the default example of each kind: several kinds side by side on the cores,
    /// or one kind with its elements split over worker copies.
    public static func run(kinds: [LayerKind], check: GradientCheck, exampleSeed: UInt64? = nil) -> [CheckReport] {
        let seed = exampleSeed ?? check.seed
        if kinds.count == 1, let kind = kinds.first {
            let example = LayerExample.make(kind, seed: seed)
            return [check.run(making: { LayerExample.make(kind, seed: seed).layer }, inputs: example.inputs, name: kind.rawValue)]
        }
        return parallelMap(kinds) { kind in
            let example = LayerExample.make(kind, seed: seed)
            return check.run(example.layer, inputs: example.inputs, name: kind.rawValue)
        }
    }

    /// Applies `body` to every item on all cores, keeping the order.
    public static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ body: @Sendable (T) -> R) -> [R] {
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
