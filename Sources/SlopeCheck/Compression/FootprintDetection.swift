import Foundation
import SlopeLayers

/// Why a footprint was not used.
struct FootprintRefusal: Error {
    let reason: String
}

/// Finding a tensor's footprint and proving it.
///
/// **Proposal.** Two elements are moved one at a time (by 2h); the outputs that changed
/// bound each one's footprint from below. An output axis whose changed coordinates stay within
/// r of the element's coordinate on an input axis of the same length becomes a link (a → b, r);
/// every other output axis is left unrestricted. That is a guess, and it is not trusted.
///
/// **Proof.** The footprint claims: output o depends only on the elements j whose footprint
/// holds o. For each link (a → b, r) (for an elementwise footprint, for the flat index), a family of passes perturbs (by random amounts between h
/// and 2h) every element whose coordinate on axis a lies in a set P, and requires every output
/// whose window [o_b − r, o_b + r] misses P to stay bit for bit. The family is built so that for
/// every pair (t, c) with |c − t| > r some P holds c and misses the window of t: for r = 0 the
/// sets {c : bit q of c's code is 1} over distinct codes of equal weight; for r > 0 the residue classes of moduli m > 2r + 1, chosen until
/// every distance δ ∈ (r, d) has δ mod m outside [−r, r] for one of them (then no coordinate of
/// the window shares c's residue). So for each output o and each element j outside its
/// footprint, some pass moves j while holding o's whole footprint fixed, and o must not move.
/// What this cannot see: a dependence too weak to change the last bit of o at a step of h,
/// an exact cancellation among a pass's random perturbations, or one that appears only when
/// o's own elements move too (an interaction): the spot checks against one-at-a-time numbers
/// on every run are there for those.
extension ElementPlan {
    /// The outputs, with whether a decision flipped relative to the base.
    func output() throws -> (Tensor, flipped: Bool) {
        let y = try probe.output()
        return (y, probe.flipped)
    }

    /// Proposes a footprint for `tensor` from two single-element probes (up to six tries).
    func proposeFootprint(
        tensor: Int, base y0: Tensor, steps: [Double], analytic: Tensor? = nil, using generator: inout SeededGenerator
    ) throws -> Footprint {
        let saved = probe.value(of: tensor)
        let (inputShape, outputShape) = (saved.shape, y0.shape)
        defer { probe.restore(tensor, to: saved) }
        // Per observation: the element's index and, per output axis, the changed range.
        var observations: [([Int], [ClosedRange<Int>])] = []
        for _ in 0..<6 where observations.count < 2 {
            // An element whose analytic derivative is not 0 is likely to move an output (a dead
            // ReLU or a max-pool loser moves none); the choice is only a hint, the proof decides.
            var element = Int(generator.next() % UInt64(saved.count))
            for _ in 0..<16 where analytic.map({ $0.data[element] == 0 }) ?? false {
                element = Int(generator.next() % UInt64(saved.count))
            }
            var moved = saved
            moved.data[element] += 2 * steps[element]
            probe.restore(tensor, to: moved)
            let (y, _) = try output()
            var ranges: [ClosedRange<Int>?] = Array(repeating: nil, count: outputShape.count)
            let strides = Tensor.strides(of: outputShape)
            for o in 0..<y.count where y.data[o].bitPattern != y0.data[o].bitPattern {
                for axis in outputShape.indices {
                    let c = (o / strides[axis]) % outputShape[axis]
                    ranges[axis] = ranges[axis].map { min($0.lowerBound, c)...max($0.upperBound, c) } ?? c...c
                }
            }
            guard ranges.allSatisfy({ $0 != nil }), !outputShape.isEmpty else { continue }
            observations.append((Tensor.index(ofFlat: element, in: inputShape), ranges.map { $0! }))
        }
        guard !observations.isEmpty else {
            throw FootprintRefusal(reason: "no probed element moved any output, so no footprint could be found")
        }
        var links: [AxisLink] = []
        var usedInputs = Set<Int>()
        for b in outputShape.indices {
            let length = outputShape[b]
            // Prefer the same axis, then any input axis of the same length.
            let candidates = (b < inputShape.count ? [b] : []) + inputShape.indices.filter { $0 != b }
            for a in candidates where a < inputShape.count && inputShape[a] == length && !usedInputs.contains(a) {
                var radius = 0
                let fits = observations.allSatisfy { index, ranges in
                    let range = ranges[b]
                    guard range.contains(index[a]) else { return false }
                    radius = max(radius, index[a] - range.lowerBound, range.upperBound - index[a])
                    return true
                }
                guard fits, 2 * radius + 1 < length else { continue }
                links.append(AxisLink(input: a, output: b, radius: radius))
                usedInputs.insert(a)
                break
            }
        }
        return Footprint(inputShape: inputShape, outputShape: outputShape, links: links)
    }

    /// The coordinate sets whose passes prove one link (see the type's comment), computed once
    /// per length and radius (the same axes come back for every tensor of a shape).
    static func coveringSets(length d: Int, radius r: Int) -> [[Bool]] {
        CoveringSetCache.shared.sets(length: d, radius: r) { computeCoveringSets(length: d, radius: r) }
    }

    static func computeCoveringSets(length d: Int, radius r: Int) -> [[Bool]] {
        guard d > 1 else { return [] }
        if r == 0 {
            // Distinct n-bit codes with ⌊n/2⌋ ones (n the smallest with C(n, ⌊n/2⌋) ≥ d): for
            // c ≠ t some bit is 1 in c's code and 0 in t's, so P_q = {c : bit q of c's code is 1}
            // separates every ordered pair with n passes (2·log₂ d for plain bits).
            var n = 1
            while binomial(n, n / 2) < d { n += 1 }
            var codes: [Int] = []
            var code = 0
            while codes.count < d {
                if code.nonzeroBitCount == n / 2 { codes.append(code) }
                code += 1
            }
            return (0..<n).map { q in codes.map { $0 & (1 << q) != 0 } }
        }
        // Distances to separate: r < δ < d. Modulus m separates δ when δ mod m ∉ [−r, r].
        var uncovered = Set((r + 1)..<d)
        var moduli: [Int] = []
        let candidates = Array((2 * r + 2)...max(2 * r + 2, d + r))
        while !uncovered.isEmpty {
            let best = candidates.max { m1, m2 in
                let g1 = Double(uncovered.count { $0 % m1 > r && $0 % m1 < m1 - r }) / Double(m1)
                let g2 = Double(uncovered.count { $0 % m2 > r && $0 % m2 < m2 - r }) / Double(m2)
                return g1 < g2
            }!
            let covered = uncovered.filter { $0 % best > r && $0 % best < best - r }
            if covered.isEmpty { break }  // cannot happen: m ≥ d + r covers every δ < d
            uncovered.subtract(covered)
            moduli.append(best)
        }
        return moduli.flatMap { m in (0..<min(m, d)).map { rho in (0..<d).map { $0 % m == rho } } }
    }

    /// Output coordinate t is checked when no coordinate of the set lies within r of it: a
    /// running count of the set's members over the window [t − r, t + r].
    static func unmoved(by set: [Bool], radius r: Int) -> [Bool] {
        let d = set.count
        guard r > 0 else { return set.map { !$0 } }
        var inWindow = (0..<min(r, d)).count { set[$0] }
        var checked = [Bool](repeating: false, count: d)
        for t in 0..<d {
            if t + r < d, set[t + r] { inWindow += 1 }
            if t - r - 1 >= 0, set[t - r - 1] { inWindow -= 1 }
            checked[t] = inWindow == 0
        }
        return checked
    }

    /// An elementwise proof's pass: `out[j] = x[j] + moves[j]` for j in the set, `x[j]` elsewhere
    /// (a select, not `x + 0`: that would turn −0 into +0).
    static func move(
        _ out: UnsafeMutableBufferPointer<Double>, from x: UnsafeBufferPointer<Double>, by moves: [Double], where set: [Bool]
    ) {
        moves.withUnsafeBufferPointer { m in
            set.withUnsafeBytes { s in
                // The select on bits (all ones for a member, else none), which vectorizes.
                for j in out.indices {
                    let member = 0 &- UInt64(s[j])
                    out[j] = Double(bitPattern: ((x[j] + m[j]).bitPattern & member) | (x[j].bitPattern & ~member))
                }
            }
        }
    }

    /// An elementwise proof's reading: the first output outside the set whose bits differ from the
    /// base's, or nil. Blocks of 512 are OR-ed without a branch (most outputs inside the set do
    /// move) and read element by element only when one holds a moved output outside it.
    static func firstMoved(_ y: [Double], from y0: [Double], outside set: [Bool]) -> Int? {
        y.withUnsafeBufferPointer { a in
            y0.withUnsafeBufferPointer { b in
                set.withUnsafeBytes { s in
                    for start in stride(from: 0, to: a.count, by: 512) {
                        let block = start..<min(start + 512, a.count)
                        var differing: UInt64 = 0
                        // (All ones for an output outside the set, else none.)
                        for o in block { differing |= (a[o].bitPattern ^ b[o].bitPattern) & (UInt64(s[o]) &- 1) }
                        guard differing != 0 else { continue }
                        return block.first { s[$0] == 0 && a[$0].bitPattern != b[$0].bitPattern }
                    }
                    return nil
                }
            }
        }
    }

    static func binomial(_ n: Int, _ k: Int) -> Int {
        var result = 1
        for i in 0..<k { result = result * (n - i) / (i + 1) }
        return result
    }

    /// The forward passes proving `footprint` would take.
    static func verificationPasses(of footprint: Footprint) -> Int {
        proofAxes(of: footprint).reduce(0) { $0 + coveringSets(length: $1.length, radius: $1.radius).count }
    }

    /// The coordinates the proof separates: one per link, or, for an elementwise footprint,
    /// the flat index itself (one family over the whole tensor: n passes with C(n, n/2) ≥ the
    /// element count, fewer than one family per axis).
    static func proofAxes(of footprint: Footprint) -> [(length: Int, radius: Int, input: (Int) -> Int, output: (Int) -> Int)] {
        if footprint.isElementwise {
            return [(Tensor.count(of: footprint.inputShape), 0, { $0 }, { $0 })]
        }
        let inStrides = Tensor.strides(of: footprint.inputShape)
        let outStrides = Tensor.strides(of: footprint.outputShape)
        return footprint.links.map { link in
            let d = footprint.inputShape[link.input]
            let (inStride, outStride) = (inStrides[link.input], outStrides[link.output])
            return (d, link.radius, { ($0 / inStride) % d }, { ($0 / outStride) % d })
        }
    }

    /// Runs the proof of `footprint`; throws a refusal naming the output that moved.
    func verifyFootprint(
        _ footprint: Footprint, tensor: Int, base y0: Tensor, steps: [Double], using generator: inout SeededGenerator
    ) throws {
        let saved = probe.value(of: tensor)
        defer { probe.restore(tensor, to: saved) }
        // Each element's move when its set is perturbed: ±(1 to 2)·h, random: one draw each,
        // its lowest bit the sign and its top 53 bits the size.
        let moves = generator.withStream { stream in
            steps.withUnsafeBufferPointer { h in
                [Double](unsafeUninitializedCapacity: h.count) { moves, written in
                    for j in h.indices {
                        let draw = stream.next()
                        moves[j] = (draw & 1 == 0 ? 1 : -1) * h[j] * (1 + Double(draw >> 11) * 0x1.0p-53)
                    }
                    written = h.count
                }
            }
        }
        if footprint.isElementwise && saved.count >= check.compression.overlappedProofElements {
            return try proveElementwise(
                tensor: tensor, saved: saved, base: y0, moves: moves,
                sets: Self.coveringSets(length: saved.count, radius: 0), shape: footprint)
        }
        for axis in Self.proofAxes(of: footprint) {
            let (d, r) = (axis.length, axis.radius)
            // An elementwise proof's coordinate is the flat index itself: no arrays to read.
            let identity = footprint.isElementwise
            let inputCoordinate = identity ? [] : (0..<saved.count).map { Int32(axis.input($0)) }
            let outputCoordinate = identity ? [] : (0..<y0.count).map { Int32(axis.output($0)) }
            for set in Self.coveringSets(length: d, radius: r) {
                probe.overwrite(tensor, from: saved) { out, x in
                    if identity {
                        Self.move(out, from: x, by: moves, where: set)
                    } else {
                        for j in out.indices { out[j] = set[Int(inputCoordinate[j])] ? x[j] + moves[j] : x[j] }
                    }
                }
                let (y, _) = try output()
                var moved: Int?
                if identity {
                    moved = Self.firstMoved(y.data, from: y0.data, outside: set)
                } else {
                    // (For r = 0 the outputs checked are those outside the set: no second array.)
                    let checked = r > 0 ? Self.unmoved(by: set, radius: r) : []
                    for o in 0..<y.count where y.data[o].bitPattern != y0.data[o].bitPattern {
                        let c = Int(outputCoordinate[o])
                        guard r > 0 ? checked[c] : !set[c] else { continue }
                        moved = o
                        break
                    }
                }
                if let o = moved { throw Self.refusal(moved: o, outside: footprint) }
            }
        }
    }
}

extension ElementPlan {
    /// An elementwise footprint's proof with its bookkeeping beside the passes: while the layer
    /// runs set q's forward pass on this thread, a helper writes set q + 1's perturbed tensor into
    /// a second buffer and reads set q − 1's outputs against the base (memory-bound work that
    /// took as long as a third of Tanh 10⁶'s passes). The same sets, moves, passes and finding,
    /// in the same order, as one set at a time; the layer's code runs on this thread only.
    func proveElementwise(
        tensor: Int, saved: Tensor, base y0: Tensor, moves: [Double], sets: [[Bool]], shape footprint: Footprint
    ) throws {
        guard let first = sets.first else { return }
        probe.overwrite(tensor, from: saved) { out, x in Self.move(out, from: x, by: moves, where: first) }
        var spare = [Double](repeating: 0, count: saved.count)
        var previous: (outputs: Tensor, set: Int)?
        for q in sets.indices {
            let prepares = q + 1 < sets.count
            let reading = previous
            let found: Int? = try spare.withUnsafeMutableBufferPointer { buffer in
                // The helper's part, on arrays nobody writes while it runs (the spare buffer is
                // this thread's own until the helper is done).
                let next = buffer
                let helper = Background { () -> Int? in
                    if prepares {
                        saved.data.withUnsafeBufferPointer { Self.move(next, from: $0, by: moves, where: sets[q + 1]) }
                    }
                    guard let (outputs, set) = reading else { return nil }
                    return Self.firstMoved(outputs.data, from: y0.data, outside: sets[set])
                }
                defer { _ = helper.value }  // (a pass that throws leaves only once the helper is done)
                let (y, _) = try output()
                previous = (y, q)
                return helper.value
            }
            if let o = found { throw Self.refusal(moved: o, outside: footprint) }
            if prepares {
                // The next set's tensor in, this one's storage out as the next spare (no copy).
                let used = probe.value(of: tensor).data
                probe.restore(tensor, to: Tensor(shape: saved.shape, data: spare))
                spare = used
            }
        }
        if let (outputs, set) = previous, let o = Self.firstMoved(outputs.data, from: y0.data, outside: sets[set]) {
            throw Self.refusal(moved: o, outside: footprint)
        }
    }

    /// The proof's finding: output `o` moved though only elements outside its footprint did.
    static func refusal(moved o: Int, outside footprint: Footprint) -> FootprintRefusal {
        let index = Tensor.index(ofFlat: o, in: footprint.outputShape)
        return FootprintRefusal(
            reason:
                "output [\(index.map(String.init).joined(separator: ", "))] moved when only elements outside its presumed footprint (\(footprint.description)) moved"
        )
    }
}

/// The covering sets already computed, shared by every check (and thread) of the process.
final class CoveringSetCache: @unchecked Sendable {
    static let shared = CoveringSetCache()
    private let lock = NSLock()
    private var stored: [[Int]: [[Bool]]] = [:]

    func sets(length: Int, radius: Int, compute: () -> [[Bool]]) -> [[Bool]] {
        if let found = lock.withLock({ stored[[length, radius]] }) { return found }
        let sets = compute()
        lock.withLock { stored[[length, radius]] = sets }
        return sets
    }
}
