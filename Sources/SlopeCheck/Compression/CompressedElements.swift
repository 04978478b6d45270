import SlopeLayers

/// The exhaustive element loop by colouring.
///
/// For a colour G (elements with disjoint footprints), x is moved to x ± Σ_{i∈G} hᵢeᵢ and
/// element i's quotients are read off the outputs it owns:
/// D(i) = Σ_{o∈F(i)} u_o (f_o(x⁺) − f_o(x⁻)) / (real move up + real move down),
/// with the one-sided quotients from f(x) likewise. When F(i) holds every output i reaches and
/// none that another element of G reaches, that is the one-at-a-time quotient
/// (L(x + hᵢeᵢ) − L(x − hᵢeᵢ)) / (2hᵢ) up to the rounding of the terms outside F(i), which do
/// not change; the restricted sum has less rounding, not more. It is judged by the same
/// `Judge.atOnce`, against the same noise floor of L, as the one-at-a-time path.
///
/// Only clean passes are taken from the grouped passes. An element whose first look is not a
/// pass (or is flat, or needs larger steps to resolve, or sat in a group where a decision
/// flipped) is judged again one at a time by `element(tensor:_:analytic:)`: every failure and every
/// inconclusive verdict of a compressed check comes from the ordinary path.
extension ElementPlan {
    /// The tensor's outcomes by colouring, or nil with the reason it fell back.
    func compressedOutcomes(tensor: Int, analytic: Tensor, using generator: inout SeededGenerator) throws -> (
        ElementOutcomes?, CompressionSummary
    ) {
        var summary = CompressionSummary()
        let passesBefore = probe.passes.forwardPasses
        func fallback(_ reason: String) -> (ElementOutcomes?, CompressionSummary) {
            summary.fallback = reason
            summary.forwardPasses = probe.passes.forwardPasses - passesBefore
            return (nil, summary)
        }
        guard check.method.stencil == .central else { return fallback("compression needs the central stencil") }
        guard probe.producesOutputs else { return fallback("the target's outputs are not available") }
        let saved = probe.value(of: tensor)
        let count = saved.count
        defer { probe.restore(tensor, to: saved) }
        guard let y0 = baseOutput else { return fallback("the target's outputs are not available") }
        guard y0.count > 1 else { return fallback("the target has a single output: every element reaches it") }
        // Each element's step, as the one-at-a-time path takes it.
        let steps = saved.data.map { max(choice.step, 64 * $0.ulp) }
        let footprint: Footprint
        if let links = probe.declaredFootprint?(probe.ids[tensor], saved.shape, y0.shape) {
            // A declaration replaces the proposal, and is proven like one.
            footprint = Footprint(inputShape: saved.shape, outputShape: y0.shape, links: links)
            summary.declared = true
            if let malformation = footprint.malformation {
                return fallback("the declared footprint is malformed: \(malformation)")
            }
        } else {
            do {
                footprint = try proposeFootprint(
                    tensor: tensor, base: y0, steps: steps, analytic: analytic, using: &generator)
            } catch let refusal as FootprintRefusal {
                return fallback(refusal.reason)
            }
        }
        summary.footprint = footprint
        summary.colours = footprint.colours
        let spots = min(check.compression.spotChecks, count)
        let planned = plannedPasses(of: footprint)
        guard planned < count || !check.compression.onlyWhenCheaper else {
            return fallback(
                "the footprint found (\(footprint.description)) takes \(footprint.colours) colour\(footprint.colours == 1 ? "" : "s"); with its proof and spot checks, \(planned) passes, not under half the \(2 * count) of one element at a time"
            )
        }
        do {
            try verifyFootprint(footprint, tensor: tensor, base: y0, steps: steps, using: &generator)
        } catch let refusal as FootprintRefusal {
            return fallback(refusal.reason)
        }

        // The grouped passes: an elementwise footprint's one pair over every element, or each
        // colour's pair, on this thread or split by colour over worker copies.
        var sums: GroupedSums
        if footprint.isElementwise {
            sums = try elementwiseSums(tensor: tensor, saved: saved, steps: steps, base: y0)
        } else {
            let colourOf = footprint.colourOfEveryElement()
            var grouping = [[Int]](repeating: [], count: footprint.colours)
            for element in 0..<count { grouping[colourOf[element]].append(element) }
            let groups = grouping
            sums = GroupedSums(count: count)
            let colours = (0..<footprint.colours).filter { !groups[$0].isEmpty }
            let workers = copies?.workers ?? 1
            if workers > 1, colours.count >= 2 * workers {
                let chunkSize = (colours.count + workers - 1) / workers
                let chunks = stride(from: 0, to: colours.count, by: chunkSize).map {
                    Array(colours[$0..<min($0 + chunkSize, colours.count)])
                }
                let parts = try fanOut(chunks) { plan, chunk in
                    var part = GroupedSums(count: count)
                    try plan.groupedPasses(
                        tensor: tensor, colours: chunk, groups: groups, footprint: footprint, steps: steps, base: y0,
                        into: &part)
                    return part
                }
                for (chunk, part) in zip(chunks, parts) {
                    if sums.refutation == nil, let refutation = part.refutation { sums.refutation = refutation }
                    for colour in chunk { for e in groups[colour] { sums.take(e, from: part) } }
                }
            } else {
                try groupedPasses(
                    tensor: tensor, colours: colours, groups: groups, footprint: footprint, steps: steps, base: y0, into: &sums)
            }
        }
        if let refutation = sums.refutation { return fallback(refutation) }
        probe.restore(tensor, to: saved)
        let looks = GroupedLooks(
            sums: sums, steps: steps, analytic: analytic, values: saved, baseValue: baseValue, judge: judge,
            precision: check.precision)

        // Spot checks: random elements moved alone by +h must give their grouped forward quotient
        // (L(x + hᵢeᵢ) − L(x))/hᵢ, one pass each. The one-sided quotient sees everything another
        // element of the group adds to i's footprint, even what would cancel in a central one.
        for _ in 0..<spots {
            // A random element not already bound for the one-at-a-time path.
            var e = Int(generator.next() % UInt64(count))
            for _ in 0..<8 where sums.alone[e] { e = Int(generator.next() % UInt64(count)) }
            guard !sums.alone[e] else { continue }
            let single = try oneAtATimeForward(tensor: tensor, element: e, step: steps[e])
            guard !single.flipped else { continue }
            let compressed = looks.level(e)
            let difference = abs(compressed.forward - single.forward)
            guard difference <= judge.noiseAllowance(single, oneSided: true) else {
                let index = Tensor.index(ofFlat: e, in: saved.shape)
                return fallback(
                    "a spot check disagreed: at [\(index.map(String.init).joined(separator: ", "))] the grouped forward quotient is \(formatNumber(compressed.forward)), one at a time \(formatNumber(single.forward)) (footprint \(footprint.description))"
                )
            }
            summary.spotChecks += 1
        }

        // Clean passes from the grouped numbers, read back when needed; everything else one at
        // a time. (A leftover's place holds its grouped first look until the ordinary path
        // replaces it.)
        let leftovers = (0..<count).filter { !looks.clean[$0] }
        summary.judgedOneAtATime = leftovers.count
        summary.forwardPasses = probe.passes.forwardPasses - passesBefore
        // Their progress was counted with their colour.
        var quiet = self
        quiet.progress = nil
        let rejudged = try quiet.oneAtATime(tensor: tensor, leftovers, analytic: analytic)
        var outcomes = ElementOutcomes(looks: looks)
        for (e, outcome) in zip(leftovers, rejudged) { outcomes[e] = outcome }
        return (outcomes, summary)
    }

    /// The proof, the grouped passes and the spot checks of `footprint`.
    func plannedPasses(of footprint: Footprint) -> Int {
        let spots = min(check.compression.spotChecks, Tensor.count(of: footprint.inputShape))
        return Self.verificationPasses(of: footprint) + 2 * footprint.colours + spots
    }

    /// The passes compression would take on `tensor` (the base output, the probes, the proof,
    /// the grouped passes, the spot checks) from the footprint its probes propose at the plan's
    /// step; nil when it would check one element at a time.
    func plannedCompression(tensor: Int, using generator: inout SeededGenerator) throws -> Int? {
        guard check.compression.isEnabled, check.method.stencil == .central, probe.producesOutputs else { return nil }
        let saved = probe.value(of: tensor)
        guard saved.count >= max(check.compression.minimumElements, 2) else { return nil }
        let h = choice.step
        let passesBefore = probe.passes.forwardPasses
        let (y0, _) = try output()
        guard y0.count > 1 else { return nil }
        let steps = saved.data.map { max(h, 64 * $0.ulp) }
        guard let footprint = try? proposeFootprint(tensor: tensor, base: y0, steps: steps, using: &generator) else {
            return nil
        }
        let planned = plannedPasses(of: footprint)
        guard planned < saved.count || !check.compression.onlyWhenCheaper else { return nil }
        return planned + probe.passes.forwardPasses - passesBefore
    }

    /// The pair of passes of each colour in `colours`, each element's sums read off the outputs
    /// it owns. Stops at the first output that moves outside every footprint (`refutation`).
    func groupedPasses(
        tensor: Int, colours: [Int], groups: [[Int]], footprint: Footprint, steps: [Double], base y0: Tensor,
        into sums: inout GroupedSums
    ) throws {
        let saved = probe.value(of: tensor)
        defer { probe.restore(tensor, to: saved) }
        let u = upstream.data
        let coordinates = footprint.linkedOutputCoordinates()
        for colour in colours {
            let members = groups[colour]
            // The members only, in place, and back to the saved bits: the tensor is copied once,
            // not per pass. (The moves are the same sums outside the closure: `sums` captured in
            // one would slow every access to it below, the per-output loop's too.)
            probe.overwrite(tensor, from: saved) { out, x in for e in members { out[e] = x[e] + steps[e] } }
            for e in members { sums.movedUp[e] = (saved.data[e] + steps[e]) - saved.data[e] }
            let (yPlus, flippedUp) = try output()
            probe.overwrite(tensor, from: saved) { out, x in for e in members { out[e] = x[e] - steps[e] } }
            for e in members { sums.movedDown[e] = saved.data[e] - (saved.data[e] - steps[e]) }
            let (yMinus, flippedDown) = try output()
            probe.overwrite(tensor, from: saved) { out, x in for e in members { out[e] = x[e] } }
            let owners = footprint.owners(ofColour: colour, coordinates: coordinates)
            if let o = sums.add(owners: owners, upstream: u, plus: yPlus.data, minus: yMinus.data, base: y0.data) {
                let index = Tensor.index(ofFlat: o, in: y0.shape)
                sums.refutation =
                    "a grouped pass moved output [\(index.map(String.init).joined(separator: ", "))], outside every perturbed footprint (\(footprint.description))"
                return
            }
            if flippedUp || flippedDown { for e in members { sums.alone[e] = true } }
            progress?.advance(by: members.count)
        }
    }

    /// The grouped sums of an elementwise footprint: one colour holding every element, one pair
    /// of passes, and output o is element o's. The same sums as `groupedPasses` (each `0 + term`,
    /// as there), written once into new columns. Not inlined: a closure capturing sums where
    /// the colours' loop runs slowed every access to them (Conv2D's element results 55 → 94 ms).
    @inline(never)
    func elementwiseSums(tensor: Int, saved: Tensor, steps: [Double], base y0: Tensor) throws -> GroupedSums {
        defer { probe.restore(tensor, to: saved) }
        probe.overwrite(tensor, from: saved) { out, x in for e in out.indices { out[e] = x[e] + steps[e] } }
        let (yPlus, flippedUp) = try output()
        probe.overwrite(tensor, from: saved) { out, x in for e in out.indices { out[e] = x[e] - steps[e] } }
        let (yMinus, flippedDown) = try output()
        let count = saved.count
        func column(_ value: (Int) -> Double) -> [Double] {
            [Double](unsafeUninitializedCapacity: count) { out, written in
                for i in 0..<count { out[i] = value(i) }
                written = count
            }
        }
        let sums = withUnsafeBuffers(saved.data, steps, upstream.data) { x, h, u in
            withUnsafeBuffers(yPlus.data, yMinus.data, y0.data) { plus, minus, base in
                GroupedSums(
                    central: column { 0 + u[$0] * (plus[$0] - minus[$0]) },
                    up: column { 0 + u[$0] * (plus[$0] - base[$0]) },
                    down: column { 0 + u[$0] * (base[$0] - minus[$0]) },
                    movedUp: column { (x[$0] + h[$0]) - x[$0] },
                    movedDown: column { x[$0] - (x[$0] - h[$0]) },
                    alone: [Bool](repeating: flippedUp || flippedDown, count: count))
            }
        }
        progress?.advance(by: count)
        return sums
    }

    /// One element moved alone by +h (as `judgeElement` moves it): the forward quotient in a
    /// level of its own (numeric, backward and step are that of the forward point only).
    func oneAtATimeForward(tensor: Int, element: Int, step h: Double) throws -> StencilLevel {
        let x0 = probe[tensor, element]
        defer { probe[tensor, element] = x0 }
        probe[tensor, element] = x0 + h
        let moved = probe[tensor, element] - x0
        let (value, flipped) = try probe.evaluateMarked()
        let forward = (value - baseValue) / moved
        return StencilLevel(
            step: h, numeric: forward, forward: forward, backward: forward, scale: max(abs(baseValue), abs(value)),
            flipped: flipped)
    }
}

/// `body` with read-only buffers of three arrays.
private func withUnsafeBuffers<R>(
    _ a: [Double], _ b: [Double], _ c: [Double],
    _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>) throws -> R
) rethrows -> R {
    try a.withUnsafeBufferPointer { a in
        try b.withUnsafeBufferPointer { b in try c.withUnsafeBufferPointer { try body(a, b, $0) } }
    }
}

/// Each element's restricted sums and real moves from its colour's pair of passes.
struct GroupedSums {
    var central: [Double]
    var up: [Double]
    var down: [Double]
    var movedUp: [Double]
    var movedDown: [Double]
    /// A decision flipped in the element's group: it is judged one at a time.
    var alone: [Bool]
    /// Why the footprint is wrong, when a grouped pass showed it.
    var refutation: String?

    init(central: [Double], up: [Double], down: [Double], movedUp: [Double], movedDown: [Double], alone: [Bool]) {
        (self.central, self.up, self.down, self.movedUp, self.movedDown, self.alone) = (
            central, up, down, movedUp, movedDown, alone
        )
    }

    init(count: Int) {
        (central, up, down) = (
            [Double](repeating: 0, count: count), [Double](repeating: 0, count: count), [Double](repeating: 0, count: count)
        )
        (movedUp, movedDown) = ([Double](repeating: 0, count: count), [Double](repeating: 0, count: count))
        alone = [Bool](repeating: false, count: count)
    }

    /// Adds each output's terms to its owner's sums (`owners[o]`; -1: no owner), in buffers (the
    /// speed of subscripts through an `inout` struct is at the optimizer's mercy: Conv2D's loop
    /// ran at half speed after an unrelated change). Returns the first output without an owner
    /// that moved, where it stopped.
    mutating func add(owners: [Int32], upstream u: [Double], plus: [Double], minus: [Double], base: [Double]) -> Int? {
        var moved: Int?
        withUnsafeBuffers(u, plus, minus) { u, plus, minus in
            base.withUnsafeBufferPointer { base in
                owners.withUnsafeBufferPointer { owners in
                    central.withUnsafeMutableBufferPointer { central in
                        up.withUnsafeMutableBufferPointer { up in
                            down.withUnsafeMutableBufferPointer { down in
                                // Neighbouring outputs often share an owner (a dense layer's
                                // row: 32 in a row); its sums stay in registers over the run
                                // instead of waiting on memory each time. The same additions, in
                                // the same order per owner.
                                var o = 0
                                while o < base.count {
                                    let owner = Int(owners[o])
                                    guard owner >= 0 else {
                                        if plus[o].bitPattern != base[o].bitPattern || minus[o].bitPattern != base[o].bitPattern {
                                            moved = o
                                            return
                                        }
                                        o += 1
                                        continue
                                    }
                                    var (c, p, d) = (central[owner], up[owner], down[owner])
                                    repeat {
                                        c += u[o] * (plus[o] - minus[o])
                                        p += u[o] * (plus[o] - base[o])
                                        d += u[o] * (base[o] - minus[o])
                                        o += 1
                                    } while o < base.count && Int(owners[o]) == owner
                                    (central[owner], up[owner], down[owner]) = (c, p, d)
                                }
                            }
                        }
                    }
                }
            }
        }
        return moved
    }

    mutating func take(_ e: Int, from other: GroupedSums) {
        (central[e], up[e], down[e]) = (other.central[e], other.up[e], other.down[e])
        (movedUp[e], movedDown[e], alone[e]) = (other.movedUp[e], other.movedDown[e], other.alone[e])
    }
}
