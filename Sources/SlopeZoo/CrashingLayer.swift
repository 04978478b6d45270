import Foundation
import SlopeCheck
import SlopeLayers

/// Layers that end the process they run in: the backward passes a checker exists to meet. An
/// index off by one traps, a loop never ends, memory grows without end, recursion overflows the
/// stack, `exit` and `fatalError` are called. Run in a gate's worker process, each costs its
/// own check (a failed check that says how and where), never the run.
///
/// Not part of `BrokenLayer.registry`: a test that runs the zoo in its own process must not
/// meet these. `slope verify --include-broken --layer Broken.IndexOutOfRange` shows one.
public enum CrashingLayer: String, CaseIterable, Sendable {
    case indexOutOfRange = "Broken.IndexOutOfRange"
    case endlessLoop = "Broken.EndlessLoop"
    case allocatesWithoutEnd = "Broken.AllocatesWithoutEnd"
    case recursesWithoutEnd = "Broken.RecursesWithoutEnd"
    case exitsInBackward = "Broken.ExitsInBackward"
    case fatalErrorInBackward = "Broken.FatalErrorInBackward"
    case preconditionInBackward = "Broken.PreconditionInBackward"
    case trapsAtPerturbedInput = "Broken.TrapsAtPerturbedInput"
    case builderTraps = "Broken.BuilderTraps"

    /// What the layer does wrong, in one line.
    public var bug: String {
        switch self {
        case .indexOutOfRange: "a 1-D convolution whose backward reads one element past the end of its input (traps)"
        case .endlessLoop: "a backward whose loop never ends (hangs)"
        case .allocatesWithoutEnd: "a backward that keeps allocating buffers it never frees (runs out of memory)"
        case .recursesWithoutEnd: "a backward that recurses without a base case (overflows the stack)"
        case .exitsInBackward: "a backward that calls exit(0)"
        case .fatalErrorInBackward: "a backward that calls fatalError for a case it does not handle"
        case .preconditionInBackward: "a backward whose precondition fails"
        case .trapsAtPerturbedInput:
            "a table lookup whose index depends on the input: fine at the input given, traps once it moves"
        case .builderTraps: "a registered case whose builder (the user's code too) reads past the end of its shapes"
        }
    }

    /// The words a failed check of this layer must say.
    public var expectedWords: [String] {
        switch self {
        case .indexOutOfRange: ["crashed", "SIGILL", "Index out of range", "backward pass", "IndexOutOfRangeConv.backwardInput"]
        case .endlessLoop: ["did not finish in", "backward pass"]
        case .allocatesWithoutEnd: ["ran out of memory", "backward pass"]
        case .recursesWithoutEnd: ["overflowed the stack", "backward pass"]
        case .exitsInBackward: ["exit(0)", "backward pass"]
        case .fatalErrorInBackward: ["crashed", "stride 2 is not implemented", "FatalErrorInBackward.backwardInput"]
        case .preconditionInBackward: ["crashed", "upstream must be finite", "backward pass"]
        case .trapsAtPerturbedInput: ["crashed", "finite differences of input x", "element [", "LookupTable.forward"]
        case .builderTraps: ["crashed", "SIGILL", "Index out of range", "CrashingLayer.subject"]
        }
    }

    public func subject(seed: UInt64 = 0) -> CheckSubject {
        var rng = SeededGenerator(seed: seed &+ 0xC4A5)
        let x = Tensor.uniform([2, 6], in: -1..<1, using: &rng)
        switch self {
        case .indexOutOfRange: return .layer(IndexOutOfRangeConv(using: &rng), inputs: [x])
        case .endlessLoop: return .layer(Backward(kindName: rawValue) { _ in Self.spin() }, inputs: [x])
        case .allocatesWithoutEnd: return .layer(Backward(kindName: rawValue) { _ in Self.hoard() }, inputs: [x])
        case .recursesWithoutEnd: return .layer(Backward(kindName: rawValue) { Self.recurse($0, depth: 0) }, inputs: [x])
        case .exitsInBackward: return .layer(Backward(kindName: rawValue) { _ in exit(0) }, inputs: [x])
        case .fatalErrorInBackward: return .layer(FatalErrorInBackward(), inputs: [x])
        case .preconditionInBackward:
            return .layer(
                Backward(kindName: rawValue) { upstream in
                    precondition(upstream.data.allSatisfy { $0.isFinite } && upstream.count > 1_000, "upstream must be finite")
                    return upstream
                }, inputs: [x])
        case .trapsAtPerturbedInput:
            return .layer(LookupTable(), inputs: [Tensor(shape: [2, 3], data: [0.5, 1, 1.5, 2, 2.5, 3])])
        case .builderTraps:
            let shapes = [[2, 6]]
            return .layer(Tanh(), inputs: [Tensor.zeros(shapes[Int(seed % 1) + 1])])
        }
    }

    public static let registry: CheckRegistry = {
        let cases = allCases.map { crashing in
            CheckCase(name: crashing.rawValue, summary: crashing.bug, isDeliberatelyBroken: true) { seed in
                crashing.subject(seed: seed)
            }
        }
        return try! CheckRegistry(suite: "slope", cases: cases)
    }()

    @inline(never) static func spin() -> Tensor {
        var i = 0
        while i >= 0 { i = (i &+ 1) % 7 }
        return Tensor(scalar: Double(i))
    }

    @inline(never) static func hoard() -> Tensor {
        var kept: [[Double]] = []
        while true { kept.append(Array(repeating: Double(kept.count), count: 1 << 24)) }
    }

    @inline(never) static func recurse(_ upstream: Tensor, depth: Int) -> Tensor {
        var copy = upstream
        copy.data[depth % copy.count] += 1
        return recurse(copy, depth: depth + 1).map { $0 * 0.5 }
    }
}

/// y = x, with a backward given as a closure (the broken part).
final class Backward: UnaryLayer {
    let kindName: String
    let body: (Tensor) -> Tensor
    init(kindName: String, body: @escaping (Tensor) -> Tensor) {
        self.kindName = kindName
        self.body = body
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor { body(upstream) }
}

/// y[n, i] = Σₖ w[k]·x[n, i + k] (valid 1-D convolution, kernel 3); its backward scatters the
/// upstream with the loop bound of the input instead of the output: one read past the end.
final class IndexOutOfRangeConv: UnaryLayer {
    let kindName = "Broken.IndexOutOfRange"
    let w: Parameter
    private var x: Tensor?
    init(using rng: inout SeededGenerator) { w = Parameter("w", .uniform([3], in: -1..<1, using: &rng)) }
    var parameters: [Parameter] { [w] }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let (n, width) = (x.shape[0], x.shape[1])
        var y = Tensor.zeros([n, width - 2])
        for b in 0..<n {
            for i in 0..<(width - 2) {
                for k in 0..<3 { y.data[b * (width - 2) + i] += w.value.data[k] * x.data[b * width + i + k] }
            }
        }
        return y
    }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let (n, width) = (x.shape[0], x.shape[1])
        var dx = Tensor.zeros(x.shape)
        for b in 0..<n {
            for i in 0..<width {  // the bug: the output has width − 2 columns
                for k in 0..<3 where i + k < width {
                    dx.data[b * width + i + k] += w.value.data[k] * upstream.data[b * (width - 2) + i]
                    w.gradient.data[k] += upstream.data[b * (width - 2) + i] * x.data[b * width + i + k]
                }
            }
        }
        return dx
    }
}

final class FatalErrorInBackward: UnaryLayer {
    let kindName = "Broken.FatalErrorInBackward"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x * 2 }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        fatalError("stride 2 is not implemented in backward")
    }
}

/// y = table[slot(x)]·x with slot = round(2x): right at the inputs given (exact halves) and at
/// points far from the knots. Its "one element changed" shortcut — taken when exactly one
/// element sits just off a knot, as during one element's finite difference — reads one slot
/// past the table.
final class LookupTable: UnaryLayer {
    let kindName = "Broken.TrapsAtPerturbedInput"
    private let table: [Double] = [1, 1, 1.5, 2, 2.5, 3, 3.5, 4]
    private var x: Tensor?
    private func slot(_ v: Double) -> Int { Int((2 * v).rounded()) % table.count }
    private func justOffKnot(_ v: Double) -> Bool {
        let distance = abs(2 * v - (2 * v).rounded())
        return distance > 0 && distance < 1e-4
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let moved = x.data.indices.filter { justOffKnot(x.data[$0]) }
        if moved.count == 1 {
            var y = x.map { table[slot($0)] * $0 }
            y.data[moved[0]] = table[slot(x.data[moved[0]]) + table.count - 1 + 1] * x.data[moved[0]]
            return y
        }
        return x.map { table[slot($0)] * $0 }
    }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        return upstream.zipMap(x) { u, v in u * table[slot(v)] }
    }
}
