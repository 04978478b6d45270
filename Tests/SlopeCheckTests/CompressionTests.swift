import Foundation
import Testing

@testable import SlopeCheck
@testable import SlopeLayers

/// Exhaustive checks by colouring give each element the number the one-at-a-time check gives.
@Suite struct CompressionTests {
    /// Every element's result of every tensor, as `GradientCheck.run` computes them.
    static func elementResults(
        _ layer: any Layer, inputs: [Tensor], compression: Compression, seed: UInt64 = 0
    ) throws -> [(results: [ElementResult], summary: CompressionSummary?)] {
        var check = GradientCheck(seed: seed)
        check.compression = compression
        var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
        let output = try layer.forward(inputs)
        let upstream = Tensor.uniform(output.shape, in: -1..<1, using: &generator)
        let probe = Probe.checking(layer, inputs: inputs, upstream: upstream)
        let analytic = try probe.analyticGradients()
        let baseOutput = try probe.output()
        let baseValue = baseOutput.dot(upstream)
        probe.baseDecisions = probe.decisions()
        return try probe.ids.indices.map { tensor in
            let (choice, _) = try probe.chooseStep(
                for: tensor, method: check.method, tolerance: check.tolerance, base: baseValue, using: &generator)
            var plan = ElementPlan(
                check: check, probe: probe, upstream: upstream, choice: choice,
                gradientScale: analytic[tensor].maxMagnitude, baseValue: baseValue, baseOutput: baseOutput)
            let differences = try plan.run(tensor: tensor, analytic: analytic[tensor], using: &generator)
            let shape = probe.value(of: tensor).shape
            // What a summary reads of each outcome, and the kinks, are those of the outcome itself
            // (a compressed tensor's first looks are computed when read).
            let outcomes = differences.outcomes
            var misread: [Int] = []
            var read = 0
            outcomes.forEachEssentials { i, light in
                let full = outcomes[i]
                read += 1
                if light.analytic.bitPattern != full.analytic.bitPattern
                    || light.numeric.bitPattern != full.numeric.bitPattern
                    || light.resolution.bitPattern != full.resolution.bitPattern || light.verdict != full.verdict
                    || light.isKink != full.isKink
                {
                    misread.append(i)
                }
            }
            #expect(read == outcomes.count)
            #expect(misread.isEmpty, "outcomes read otherwise in a summary: \(misread.prefix(5))")
            #expect(outcomes.kinkPositions == outcomes.indices.filter { outcomes[$0].isKink })
            let results = differences.outcomes.indices.map {
                ElementResult(differences.outcomes[$0], index: Tensor.index(ofFlat: differences.element($0), in: shape))
            }
            return (results, differences.compression)
        }
    }

    /// Compressed and one-at-a-time results agree element for element: the same verdicts,
    /// numbers within the rounding floor of L over h (bit for bit for elements re-judged one
    /// at a time). Returns how many tensors were compressed.
    @discardableResult
    static func expectEqualElementForElement(
        _ make: () -> (any Layer, [Tensor]), compression: Compression = .always, name: String
    ) throws -> [CompressionSummary?] {
        let (layer, inputs) = make()
        let compressed = try elementResults(layer, inputs: inputs, compression: compression)
        let (again, againInputs) = make()
        let single = try elementResults(again, inputs: againInputs, compression: .off)
        for (c, s) in zip(compressed, single) {
            #expect(c.results.count == s.results.count, "\(name)")
            for (a, b) in zip(c.results, s.results) {
                #expect(a.index == b.index, "\(name)")
                #expect(a.verdict == b.verdict, "\(name) \(a.location): \(a.verdict) vs \(b.verdict)")
                #expect(a.analytic == b.analytic, "\(name)")
                let allowed = max(b.roundingFloor, a.roundingFloor)
                #expect(
                    abs(a.numeric - b.numeric) <= allowed,
                    "\(name) \(a.location): compressed \(a.numeric), one at a time \(b.numeric), allowed \(allowed)")
            }
        }
        return compressed.map(\.summary)
    }

    @Test(arguments: LayerKind.allCases)
    func everyBuiltInKindGivesTheOneAtATimeNumbers(kind: LayerKind) throws {
        let summaries = try Self.expectEqualElementForElement(
            {
                let example = LayerExample.make(kind, seed: 2)
                return (example.layer, example.inputs)
            }, name: kind.rawValue)
        let compressible: Set<LayerKind> = [
            .mul, .add, .affine, .relu, .leakyReLU, .sigmoid, .tanh, .softmax, .conv2D, .maxPool2D, .avgPool2D,
            .batchNorm, .dropout, .flatten,
        ]
        if compressible.contains(kind) {
            #expect(summaries.contains { $0?.isUsed == true }, "\(kind): \(summaries.map { $0?.summary ?? "-" })")
        } else {
            // A loss has one output: every element reaches it.
            #expect(summaries.allSatisfy { $0?.isUsed == false }, "\(kind)")
        }
    }

    /// Larger layers, where compression pays (the default settings, not `.always`).
    @Test func largerLayersCompressAtTheDefaultsAndAgree() throws {
        var summaries: [String: [CompressionSummary?]] = [:]
        summaries["Affine"] = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 11)
                return (
                    Affine(inFeatures: 24, outFeatures: 16, using: &rng), [Tensor.uniform([16, 24], in: -2..<2, using: &rng)]
                )
            }, compression: .init(minimumElements: 0), name: "Affine")
        summaries["Conv2D"] = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 12)
                let conv = Conv2D(inChannels: 2, outChannels: 3, kernel: (3, 3), padding: (1, 1), using: &rng)
                return (conv, [Tensor.uniform([2, 2, 10, 10], in: -2..<2, using: &rng)])
            }, compression: .init(minimumElements: 0), name: "Conv2D")
        summaries["BatchNorm"] = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 13)
                guard
                    case .layer(let layer) = try! LayerRegistry.build(.batchNorm, config: ["features": .number(32)], using: &rng)
                else { fatalError() }
                return (layer, [Tensor.uniform([16, 32], in: -2..<2, using: &rng)])
            }, compression: .init(minimumElements: 0), name: "BatchNorm")
        // Most of a max pool's elements move no output (they lose their window): the probes pick
        // elements with a derivative; its argmax decisions are watched on every grouped pass.
        summaries["MaxPool2D"] = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 18)
                guard
                    case .layer(let layer) = try! LayerRegistry.build(
                        .maxPool2D, config: ["kernel": .numbers([2, 2])], using: &rng)
                else { fatalError() }
                return (layer, [Tensor.uniform([2, 3, 16, 16], in: -2..<2, using: &rng)])
            }, compression: .init(minimumElements: 0), name: "MaxPool2D")
        // The tensors of 256 elements or more compress; the small ones would not pay.
        let large = ["Affine": 2, "Conv2D": 1, "BatchNorm": 1, "MaxPool2D": 1]
        for (name, list) in summaries {
            #expect(list.prefix(large[name]!).allSatisfy { $0?.isUsed == true }, "\(name): \(list.map { $0?.summary ?? "-" })")
        }
        // The convolution's input footprint is a window of radius 1 within its image.
        let conv = summaries["Conv2D"]?.first??.footprint
        #expect(conv?.links.contains(AxisLink(input: 2, output: 2, radius: 1)) == true, "\(String(describing: conv))")
        // BatchNorm couples the batch: its input's footprint is a column, never a row.
        #expect(summaries["BatchNorm"]?.first??.footprint?.links == [AxisLink(input: 1, output: 1, radius: 0)])
    }

    /// A dense layer mixing everything has no structure to exploit: it falls back, saying why.
    @Test func aDenseMixingLayerFallsBack() throws {
        let summaries = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 14)
                return (DenseMix(size: 40, using: &rng), [Tensor.uniform([40], in: -1..<1, using: &rng)])
            }, compression: .init(minimumElements: 0), name: "DenseMix")
        let summary = try #require(summaries[0])
        #expect(!summary.isUsed)
        #expect(summary.fallback?.contains("colour") == true, "\(summary.summary)")
    }

    /// Looks elementwise to a probe, but some outputs read their neighbour: the proof refutes it.
    @Test func aNeighbourReadSometimesIsCaughtByTheProof() throws {
        let summaries = try Self.expectEqualElementForElement(
            { (SometimesNeighbour(), [Self.ramp(64)]) }, compression: .init(minimumElements: 0), name: "SometimesNeighbour")
        let summary = try #require(summaries[0])
        #expect(!summary.isUsed)
        #expect(summary.fallback?.contains("outside its presumed footprint") == true, "\(summary.summary)")
    }

    /// A coupling that appears only when both elements move hides from the proof; a backward
    /// wrong by exactly the misattributed amount would pass a grouped pass. The spot checks see
    /// it, the tensor falls back, and the bug is found.
    @Test func anInteractionOnlyCouplingIsCaughtBySpotChecks() throws {
        let x = Self.ramp(64)
        var check = GradientCheck()
        check.compression = .init(minimumElements: 0)
        let report = check.run(InteractionCoupled(at: x), inputs: [x])
        let summary = try #require(report.tensors[0].compression)
        #expect(!summary.isUsed)
        #expect(summary.fallback?.contains("spot check") == true, "\(summary.summary)")
        #expect(report.verdict == .fail)
        #expect(report.tensors[0].failed == 32)
    }

    /// The proof's window count equals the plain reading: t is checked when no member of the
    /// set lies within r of it.
    @Test func theWindowCountIsThePlainReading() {
        var rng = SeededGenerator(seed: 3)
        for d in 1...40 {
            for r in 0...3 {
                let set = (0..<d).map { _ in rng.next() % 3 == 0 }
                let plain = (0..<d).map { t in !((max(t - r, 0))...min(t + r, d - 1)).contains { set[$0] } }
                #expect(ElementPlan.unmoved(by: set, radius: r) == plain, "d \(d), r \(r)")
            }
        }
    }

    /// Every pair of coordinates more than r apart is separated by one of a link's passes.
    @Test func theProofPassesCoverEveryPair() {
        for d in 1...40 {
            for r in 0...3 where 2 * r + 1 < max(d, 2) {
                let sets = ElementPlan.coveringSets(length: d, radius: r)
                for t in 0..<d {
                    for c in 0..<d where abs(c - t) > r {
                        let covered = sets.contains { set in
                            set[c] && !((max(t - r, 0))...min(t + r, d - 1)).contains { set[$0] }
                        }
                        #expect(covered, "d \(d), r \(r): (\(t), \(c)) not separated")
                    }
                }
            }
        }
    }

    /// The colours of a footprint: disjoint footprints within a colour, one owner per output;
    /// an elementwise footprint's one colour and its owners too, and a one-colour footprint that
    /// is not elementwise.
    @Test(arguments: [
        Footprint(
            inputShape: [2, 3, 7, 5], outputShape: [2, 4, 7, 5],
            links: [
                .init(input: 0, output: 0, radius: 0), .init(input: 2, output: 2, radius: 1),
                .init(input: 3, output: 3, radius: 2),
            ]),
        Footprint(
            inputShape: [3, 4, 5], outputShape: [3, 4, 5],
            links: [.init(input: 0, output: 0), .init(input: 1, output: 1), .init(input: 2, output: 2)]),
        Footprint(inputShape: [6, 4], outputShape: [4, 6], links: [.init(input: 0, output: 1), .init(input: 1, output: 0)]),
    ])
    func coloursHaveDisjointFootprints(footprint: Footprint) {
        let colourOf = footprint.colourOfEveryElement()
        let radices = zip(footprint.inputShape.indices, footprint.inputShape).map { axis, length in
            footprint.links.first { $0.input == axis }.map { min(2 * $0.radius + 1, length) } ?? length
        }
        #expect(footprint.colours == radices.reduce(1, *))
        for colour in 0..<footprint.colours {
            let owners = footprint.owners(ofColour: colour)
            for o in 0..<owners.count {
                let members = (0..<colourOf.count).filter { colourOf[$0] == colour && footprint.contains(output: o, of: $0) }
                #expect(members.count <= 1)
                #expect(Int(owners[o]) == (members.first ?? -1))
            }
        }
    }

    /// A declared footprint is a hint: a right one is proven and used, a wrong one is refuted.
    @Test func aDeclaredFootprintIsProvenLikeAFoundOne() throws {
        let right = try Self.expectEqualElementForElement(
            {
                var rng = SeededGenerator(seed: 17)
                return (RowCoupled(), [Tensor.uniform([8, 40], in: -2..<2, using: &rng)])
            }, compression: .init(minimumElements: 0), name: "RowCoupled")
        let used = try #require(right[0])
        #expect(used.isUsed && used.declared, "\(used.summary)")
        let wrong = try Self.expectEqualElementForElement(
            { (DeclaredElementwise(SometimesNeighbour()), [Self.ramp(64)]) }, compression: .init(minimumElements: 0),
            name: "DeclaredElementwise")
        let refuted = try #require(wrong[0])
        #expect(!refuted.isUsed && refuted.declared)
        #expect(refuted.fallback?.contains("outside its presumed footprint (elementwise)") == true, "\(refuted.summary)")
    }

    /// An elementwise proof with its writing and reading on a helper thread beside the passes
    /// (on from 2¹⁶ elements) proves and refutes what the one-set-at-a-time proof does, with the
    /// same numbers and words, and the same passes, but for one more on a refutation (the next
    /// set's, which ran while the refuting set's outputs were read).
    @Test func theOverlappedProofReadsAsTheSerialOne() throws {
        let cases: [(String, () -> (any Layer, [Tensor]))] = [
            ("Tanh", { (Tanh(), [Self.ramp(300)]) }),
            ("SometimesNeighbour", { (SometimesNeighbour(), [Self.ramp(300)]) }),
            ("DeclaredElementwise", { (DeclaredElementwise(SometimesNeighbour()), [Self.ramp(300)]) }),
        ]
        for (name, make) in cases {
            var reports: [CheckReport] = []
            for threshold in [0, Int.max] {
                var check = GradientCheck(checkInvariants: false)
                check.compression = .init(minimumElements: 0)
                check.compression.overlappedProofElements = threshold
                let (layer, inputs) = make()
                reports.append(check.run(layer, inputs: inputs))
            }
            let (overlapped, serial) = (reports[0], reports[1])
            var summary = try #require(overlapped.tensors[0].compression)
            let extra = summary.fallback == nil ? 0 : 1
            summary.forwardPasses -= extra
            #expect(summary == serial.tensors[0].compression, "\(name)")
            #expect(overlapped.verdict == serial.verdict, "\(name)")
            #expect(overlapped.forwardPasses == serial.forwardPasses + extra, "\(name)")
            #expect(overlapped.tensors[0].census == serial.tensors[0].census, "\(name)")
            #expect(overlapped.tensors[0].worst == serial.tensors[0].worst, "\(name)")
        }
        // The proof refutes the coupled layer, and the declared footprint is the one refuted.
        var check = GradientCheck(checkInvariants: false)
        check.compression = .init(minimumElements: 0)
        check.compression.overlappedProofElements = 0
        let refuted = check.run(DeclaredElementwise(SometimesNeighbour()), inputs: [Self.ramp(300)])
        let summary = try #require(refuted.tensors[0].compression)
        #expect(!summary.isUsed && summary.declared)
        #expect(summary.fallback?.contains("outside its presumed footprint (elementwise)") == true, "\(summary.summary)")
    }

    /// A layer that refuses some inputs only passes with elements moved together reach: the
    /// tensor falls back and is checked one element at a time, passing.
    @Test func aGroupedPassThatThrowsFallsBack() throws {
        let x = Tensor(shape: [300], data: (0..<300).map { Double($0) / 300 })
        var check = GradientCheck(checkInvariants: false)
        check.compression = .init(minimumElements: 0)
        let report = check.run(ThrowsWhenManyMove(at: x), inputs: [x])
        #expect(report.problem == nil, "\(report.diagnosis)")
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        let summary = try #require(report.tensors.first?.compression)
        #expect(summary.fallback?.contains("failed") == true, "\(summary.summary)")
    }

    /// Colours split over worker copies give the one-thread report exactly.
    @Test func workersGiveTheSerialCompressedReport() {
        let make: @Sendable () -> any Layer = {
            var rng = SeededGenerator(seed: 19)
            return Affine(inFeatures: 24, outFeatures: 16, using: &rng)
        }
        var rng = SeededGenerator(seed: 20)
        let x = Tensor.uniform([16, 24], in: -2..<2, using: &rng)
        var check = GradientCheck(seed: 3)
        check.compression = .init(minimumElements: 0)
        let serial = check.run(make(), inputs: [x])
        let parallel = check.run(making: make, inputs: [x], workers: 2)
        #expect(parallel.verdict == .pass && serial.verdict == .pass)
        #expect(parallel.forwardPasses == serial.forwardPasses)
        #expect(serial.tensors.prefix(2).allSatisfy { $0.compression?.isUsed == true })
        for (p, s) in zip(parallel.tensors, serial.tensors) {
            #expect(p.maxAbsoluteError == s.maxAbsoluteError, "\(p.tensor)")
            #expect(p.census == s.census)
            #expect(p.worst == s.worst)
            #expect(p.compression == s.compression)
        }
    }

    /// Progress counts every element once, compressed or not, and reaches the total.
    @Test(arguments: [Compression.automatic, .off])
    func progressReachesEveryElement(compression: Compression) {
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var reports: [CheckProgress] = []
        }
        let seen = Seen()
        var check = GradientCheck(checkInvariants: false)
        check.compression = compression
        check.progress = { progress in
            seen.lock.lock()
            seen.reports.append(progress)
            seen.lock.unlock()
        }
        var rng = SeededGenerator(seed: 15)
        _ = check.run(Tanh(), inputs: [Tensor.uniform([24, 24], in: -2..<2, using: &rng)], name: "Tanh")
        #expect(seen.reports.last?.elementsDone == 576)
        #expect(seen.reports.allSatisfy { $0.elementCount == 576 && $0.target == "Tanh" })
    }

    /// The estimate before a check: compression's planned passes, or two per element.
    @Test func theEstimateKnowsWhatCompressionWillCost() throws {
        var rng = SeededGenerator(seed: 16)
        let x = Tensor.uniform([32, 32], in: -2..<2, using: &rng)
        let compressed = try #require(GradientCheck().estimate(Tanh(), inputs: [x]))
        var single = GradientCheck()
        single.compression = .off
        let oneAtATime = try #require(single.estimate(Tanh(), inputs: [x]))
        #expect(compressed.compressedTensors == 1 && compressed.elements == 1024)
        #expect(oneAtATime.forwardPasses == 2 * 1024 + 27)
        let report = GradientCheck().run(Tanh(), inputs: [x])
        // On by default for an exhaustive check of 256 elements or more, and said so.
        #expect(report.tensors[0].compression?.isUsed == true)
        // The estimate counts what the check will spend, up to the probes' own choices and the
        // Taylor steps it may not need (it counts all ten; the test may stop after three).
        let spared = report.tensors.reduce(0) { $0 + 2 * (ConvergenceOrder.minimumSteps - ($1.order?.steps.count ?? 0)) }
        #expect(
            abs(compressed.forwardPasses - spared - report.forwardPasses) <= 4,
            "\(compressed.forwardPasses) − \(spared) vs \(report.forwardPasses)")
    }

    static func ramp(_ n: Int) -> Tensor {
        Tensor(shape: [n], data: (0..<n).map { -1.9 + 3.8 * Double($0) / Double(n - 1) })
    }
}

/// y = A x: every output reads every input. Backward: dx = Aᵀ dy.
final class DenseMix: UnaryLayer {
    let kindName = "DenseMix"
    let matrix: Tensor

    init(size: Int, using generator: inout SeededGenerator) {
        matrix = Tensor.uniform([size, size], in: -1..<1, using: &generator)
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let n = x.count
        var y = Tensor.zeros([n])
        for i in 0..<n { for j in 0..<n { y.data[i] += matrix.data[i * n + j] * x.data[j] } }
        return y
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        let n = dy.count
        var dx = Tensor.zeros([n])
        for i in 0..<n { for j in 0..<n { dx.data[j] += matrix.data[i * n + j] * dy.data[i] } }
        return dx
    }
}

/// yᵢ = tanh(xᵢ), plus 0.5·x₍ᵢ₊₃₂₎ mod n where xᵢ > 1.5: elementwise to a probe that lands elsewhere.
final class SometimesNeighbour: UnaryLayer {
    let kindName = "SometimesNeighbour"
    private var x: Tensor?

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let n = x.count
        return Tensor(
            shape: x.shape, data: (0..<n).map { i in tanh(x.data[i]) + (x.data[i] > 1.5 ? 0.5 * x.data[(i + 32) % n] : 0) })
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let n = x.count
        var dx = Tensor.zeros(x.shape)
        for i in 0..<n {
            let t = tanh(x.data[i])
            dx.data[i] += dy.data[i] * (1 - t * t)
            if x.data[i] > 1.5 { dx.data[(i + 32) % n] += 0.5 * dy.data[i] }
        }
        return dx
    }
}

/// yᵢ = tanh(xᵢ) + 0.5·(xᵢ₊₁ − aᵢ₊₁) for even i, but only while xᵢ ≠ aᵢ (a: the checked point):
/// output i reads its neighbour only when its own element has moved too. Its derivative at a is
/// tanh′; the backward adds 0.5 for even i, exactly what a grouped pass would misattribute.
final class InteractionCoupled: UnaryLayer {
    let kindName = "InteractionCoupled"
    let point: Tensor
    private var x: Tensor?

    init(at point: Tensor) { self.point = point }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let n = x.count
        return Tensor(
            shape: x.shape,
            data: (0..<n).map { i in
                let coupled = i % 2 == 0 && i + 1 < n && x.data[i] != point.data[i]
                return tanh(x.data[i]) + (coupled ? 0.5 * (x.data[i + 1] - point.data[i + 1]) : 0)
            })
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        var dx = Tensor.zeros(x.shape)
        for i in 0..<x.count {
            let t = tanh(x.data[i])
            dx.data[i] = dy.data[i] * (1 - t * t + (i % 2 == 0 ? 0.5 : 0))
        }
        return dx
    }
}

/// yᵢⱼ = tanh(xᵢⱼ) + 0.1·Σₖ xᵢₖ: rows coupled, declared as rows.
/// Backward: dxᵢⱼ = dyᵢⱼ·(1 − tanh²xᵢⱼ) + 0.1·Σₖ dyᵢₖ.
final class RowCoupled: UnaryLayer, DeclaresFootprints {
    let kindName = "RowCoupled"
    private var x: Tensor?

    func footprint(of tensor: ProbedTensorID, shape: [Int], outputShape: [Int]) -> [AxisLink]? {
        [AxisLink(input: 0, output: 0)]
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        let (n, f) = (x.shape[0], x.shape[1])
        var y = Tensor.zeros(x.shape)
        for r in 0..<n {
            var sum = 0.0
            for c in 0..<f { sum += x.data[r * f + c] }
            for c in 0..<f { y.data[r * f + c] = tanh(x.data[r * f + c]) + 0.1 * sum }
        }
        return y
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let (n, f) = (x.shape[0], x.shape[1])
        var dx = Tensor.zeros(x.shape)
        for r in 0..<n {
            var sum = 0.0
            for c in 0..<f { sum += dy.data[r * f + c] }
            for c in 0..<f {
                let t = tanh(x.data[r * f + c])
                dx.data[r * f + c] = dy.data[r * f + c] * (1 - t * t) + 0.1 * sum
            }
        }
        return dx
    }
}

/// Another layer, declared elementwise whatever it really does.
final class DeclaredElementwise: UnaryLayer, DeclaresFootprints {
    let kindName = "DeclaredElementwise"
    let inner: any UnaryLayer

    init(_ inner: any UnaryLayer) { self.inner = inner }

    func footprint(of tensor: ProbedTensorID, shape: [Int], outputShape: [Int]) -> [AxisLink]? {
        shape.indices.map { AxisLink(input: $0, output: $0) }
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor { try inner.forward(x) }
    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor { try inner.backwardInput(dy) }
}

/// y = tanh x, but forward throws when between 20 and 200 of its elements differ from the
/// checked point: a domain that a proof pass (about half the elements) reaches and that one
/// element, or every element (the step choice, the Taylor test), does not.
final class ThrowsWhenManyMove: UnaryLayer {
    let kindName = "ThrowsWhenManyMove"
    let point: Tensor
    private var y: Tensor?

    init(at point: Tensor) { self.point = point }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let moved = zip(x.data, point.data).count { $0 != $1 }
        guard moved < 20 || moved > 200 else { throw .brokenContract(layer: kindName, detail: "\(moved) elements moved at once") }
        let y = Tensor(shape: x.shape, data: x.data.map { tanh($0) })
        self.y = y
        return y
    }

    func backwardInput(_ dy: Tensor) throws(LayerError) -> Tensor {
        guard let y else { throw .backwardBeforeForward(layer: kindName) }
        return Tensor(shape: y.shape, data: zip(dy.data, y.data).map { $0 * (1 - $1 * $1) })
    }
}

/// The grouped sums keep an owner's sums in registers over a run of outputs it owns: the same
/// additions in the same order as the plain loop over outputs, bit for bit, with runs, owners
/// that come back after others, outputs without an owner, and the first of those that moved.
@Suite struct GroupedSumsTests {
    @Test func runsOfAnOwnerAddAsThePlainLoop() throws {
        var rng = SeededGenerator(seed: 46)
        let count = 300
        var owners = [Int32](repeating: -1, count: count)
        var o = 0
        while o < count {
            let run = 1 + Int(rng.nextUnit() * 40)
            let owner = rng.nextUnit() < 0.15 ? -1 : Int32(rng.nextUnit() * 20)
            for k in o..<min(o + run, count) { owners[k] = owner }
            o += run
        }
        let (u, plus, minus) = (
            Tensor.uniform([count], using: &rng).data, Tensor.uniform([count], using: &rng).data,
            Tensor.uniform([count], using: &rng).data
        )
        var base = Tensor.uniform([count], using: &rng).data
        // Outputs without an owner keep their base values, so nothing moved outside a footprint.
        var (still, stillMinus) = (plus, minus)
        for o in 0..<count where owners[o] < 0 { (still[o], stillMinus[o]) = (base[o], base[o]) }
        var sums = GroupedSums(count: 20)
        for e in 0..<20 { (sums.central[e], sums.up[e], sums.down[e]) = (Double(e) * 0.1, -0.3, 0.7) }
        var plain = sums
        #expect(sums.add(owners: owners, upstream: u, plus: still, minus: stillMinus, base: base) == nil)
        for o in 0..<count where owners[o] >= 0 {
            let owner = Int(owners[o])
            plain.central[owner] += u[o] * (still[o] - stillMinus[o])
            plain.up[owner] += u[o] * (still[o] - base[o])
            plain.down[owner] += u[o] * (base[o] - stillMinus[o])
        }
        #expect(sums.central.map(\.bitPattern) == plain.central.map(\.bitPattern))
        #expect(
            sums.up.map(\.bitPattern) == plain.up.map(\.bitPattern) && sums.down.map(\.bitPattern) == plain.down.map(\.bitPattern)
        )
        // An output without an owner that moved stops the sums there.
        let unowned = try #require(owners.firstIndex(of: -1))
        base[unowned] += 1
        var again = GroupedSums(count: 20)
        #expect(again.add(owners: owners, upstream: u, plus: still, minus: stillMinus, base: base) == unowned)
    }
}
