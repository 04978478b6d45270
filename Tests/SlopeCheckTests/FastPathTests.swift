import SlopeLayers
import Testing

@testable import SlopeCheck

/// The invariant "every fast path matches its readable reference": every path a CPU has is
/// run against the plain-Swift version, and one wrong path fails the check by name even when
/// the path the layer would choose is right.
@Suite struct FastPathTests {
    @Test(arguments: ["Sigmoid", "Tanh", "Affine", "Affine/BLAS", "Affine/wide", "Conv2D", "Conv2D/uneven"])
    func builtInPathsMatchTheirReferences(name: String) throws {
        let report = CheckRegistry.builtIn.named(name)!.check(with: GradientCheck())
        let invariant = try #require(report.invariants.first { $0.name == .fastPathsMatchReference })
        #expect(invariant.verdict == .pass, "\(invariant.detail)")
        #expect(report.verdict == .pass)
    }

    @Test func everyPathThisCPUHasIsRun() throws {
        let sigmoid = Sigmoid()
        let report = GradientCheck().run(sigmoid, inputs: [Tensor(rows: [[0.5, -1, 2, 3, -4, 0.25, 1, -2, 0.1]])])
        let invariant = try #require(report.invariants.first { $0.name == .fastPathsMatchReference })
        for path in sigmoid.availablePaths { #expect(invariant.detail.contains(path.description), "\(invariant.detail)") }
        #expect(sigmoid.forcedPath == nil, "the layer's own choice is restored")
    }

    @Test func theReferencesThemselvesPassFiniteDifferences() {
        var rng = SeededGenerator(seed: 4)
        let affine = Affine(inFeatures: 3, outFeatures: 4, using: &rng)
        let conv = Conv2D(inChannels: 2, outChannels: 2, kernel: (2, 3), stride: (1, 2), padding: (1, 0), using: &rng)
        let cases: [(any Layer, Tensor)] = [
            (Sigmoid().readableReference(), .uniform([3, 4], in: -3..<3, using: &rng)),
            (Tanh().readableReference(), .uniform([3, 4], in: -3..<3, using: &rng)),
            (affine.readableReference(), .uniform([2, 3], in: -2..<2, using: &rng)),
            (conv.readableReference(), .uniform([1, 2, 4, 5], in: -2..<2, using: &rng)),
        ]
        for (layer, x) in cases {
            let report = GradientCheck().run(layer, inputs: [x])
            #expect(report.verdict == .pass, "\(layer.kindName): \(report.diagnosis)")
        }
    }

    @Test func aWrongPathFailsByNameThoughTheChosenOneIsRight() throws {
        let layer = TwoPathScale()
        let report = GradientCheck().run(layer, inputs: [Tensor(rows: [[1, -2, 0.5]])])
        #expect(report.tensors.allSatisfy { $0.verdict == .pass }, "the default path is right")
        let invariant = try #require(report.failedInvariants.first { $0.name == .fastPathsMatchReference })
        #expect(invariant.detail.contains("the blocked path's output"), "\(invariant.detail)")
        #expect(report.verdict == .fail)
    }

    @Test func aWrongPathFailsOnALargeBatchWhereTheReferenceSeesASample() throws {
        // 64 × 512 inputs: the reference runs on the first 2 rows; the blocked path's mistake,
        // in the last element of a tensor over 4,096 elements (none on the sample), shows
        // against the plain path on the whole batch.
        let layer = TwoPathScale()
        layer.blockedErrsAbove = 4_096
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.uniform([64, 512], in: -1..<1, using: &rng)
        var check = GradientCheck(mode: .fast(directions: 2))
        check.orderTest = false
        let report = check.run(layer, inputs: [x])
        let invariant = try #require(report.failedInvariants.first { $0.name == .fastPathsMatchReference })
        #expect(invariant.detail.contains("the blocked path's output at [63, 511]"), "\(invariant.detail)")
    }

    /// A path whose pass at full size would cost far more than the layer's own (plain loops
    /// beside OpenBLAS) is compared on the sample only, and the detail says so.
    @Test func aCostlyPathIsComparedOnTheSampleOnlyAndSaysSo() throws {
        let layer = TwoPathScale()
        layer.blockedRepeats = 200
        layer.blockedErrsAbove = .max
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.uniform([64, 512], in: -1..<1, using: &rng)
        let invariant = try #require(
            FastPathComparison(layer: layer, inputs: [x], upstream: Tensor(shape: [64, 512], repeating: 1)).evaluate())
        #expect(invariant.verdict == .pass, "\(invariant.detail)")
        #expect(invariant.detail.contains("not run there: blocked (about"), "\(invariant.detail)")
        // The same mistake at full size goes unseen there, and the detail never claims otherwise.
        layer.blockedErrsAbove = 4_096
        let unseen = try #require(
            FastPathComparison(layer: layer, inputs: [x], upstream: Tensor(shape: [64, 512], repeating: 1)).evaluate())
        #expect(unseen.detail.contains("first 2 of 64 rows") && unseen.detail.contains("not run there: blocked"))
    }

    @Test func aMistakeEveryPathSharesShowsOnTheSample() throws {
        let layer = TwoPathScale()
        layer.everyPathDropsTheFirstFactor = true
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.uniform([64, 512], in: -1..<1, using: &rng)
        let invariant = try #require(
            FastPathComparison(layer: layer, inputs: [x], upstream: Tensor(shape: [64, 512], repeating: 1)).evaluate())
        #expect(invariant.verdict == .fail)
        #expect(
            invariant.detail.contains("on the first 2 rows of the batch, the plain path's output at [0, 0]"),
            "\(invariant.detail)")
    }

    @Test func aLargeBatchPassesNamingItsSample() throws {
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.uniform([64, 512], in: -1..<1, using: &rng)
        let invariant = try #require(
            FastPathComparison(layer: Tanh(), inputs: [x], upstream: Tensor(shape: [64, 512], repeating: 0.5)).evaluate())
        #expect(invariant.verdict == .pass, "\(invariant.detail)")
        #expect(invariant.detail.contains("first 2 of 64 rows"), "\(invariant.detail)")
    }

    @Test func aLayerListingNoPathsIsInconclusiveNotAPass() throws {
        let layer = TwoPathScale()
        layer.listsNoPaths = true
        let report = GradientCheck().run(layer, inputs: [Tensor(rows: [[1, -2, 0.5]])])
        let invariant = try #require(report.invariants.first { $0.name == .fastPathsMatchReference })
        #expect(invariant.verdict == .inconclusive, "\(invariant.detail)")
    }

    /// `largestGap` reads eight at a time while they are within the limit: the same answer as
    /// one at a time, wherever the first gap beyond the limit (or NaN) lies among the lanes.
    @Test func theLargestGapIsThePlainLoops() {
        func plain(_ a: [Double], _ b: [Double], limit: Double) -> (Double, Int?) {
            var largest = 0.0
            for i in 0..<min(a.count, b.count) {
                let gap = abs(a[i] - b[i])
                if !(gap <= limit) { return (largest, i) }
                largest = max(largest, gap)
            }
            return (largest, nil)
        }
        var rng = SeededGenerator(seed: 31)
        for count in [0, 1, 7, 8, 9, 16, 17, 100] {
            let a = Tensor.uniform([count], in: -1..<1, using: &rng).data
            let close = a.map { $0 + Double.random(in: -1e-3..<1e-3, using: &rng) }
            for planted in [nil, 0, 3, 7, 8, 12, count - 1] {
                for bad in [1.0, Double.nan, -Double.infinity] {
                    var b = close
                    if let planted, planted >= 0, planted < count { b[planted] = bad }
                    let (largest, apart) = FastPathComparison.largestGap(a, b, limit: 0.5)
                    let expected = plain(a, b, limit: 0.5)
                    #expect(
                        largest.bitPattern == expected.0.bitPattern && apart == expected.1,
                        "\(count), \(String(describing: planted))")
                }
            }
        }
    }

    @Test func aPathThatThrowsIsAFailedInvariantNotACrash() throws {
        let layer = TwoPathScale()
        layer.blockedThrows = true
        let report = GradientCheck().run(layer, inputs: [Tensor(rows: [[1, -2, 0.5]])])
        let invariant = try #require(report.failedInvariants.first { $0.name == .fastPathsMatchReference })
        #expect(invariant.detail.contains("threw"))
    }
}

/// y = 3x; its "blocked" path (never chosen by itself) drops the last element's factor.
private final class TwoPathScale: UnaryLayer, FastPathLayer {
    enum Path: CustomStringConvertible {
        case plain, blocked
        var description: String { self == .plain ? "plain" : "blocked" }
    }
    let kindName = "TwoPathScale"
    var listsNoPaths = false
    var availablePaths: [Path] { listsNoPaths ? [] : [.plain, .blocked] }
    var forcedPath: Path?
    var blockedThrows = false
    /// The blocked path errs only on tensors of more elements than this (nil: always).
    var blockedErrsAbove: Int?
    /// The blocked path does its work this many times (a costly path).
    var blockedRepeats = 1
    /// Every path (not the reference) drops the factor of the first element.
    var everyPathDropsTheFirstFactor = false
    func readableReference() -> any Layer { ThreeX() }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        if everyPathDropsTheFirstFactor {
            var y = x * 3
            y.data[0] = x.data[0]
            return y
        }
        guard forcedPath == .blocked else { return x * 3 }
        if blockedThrows { throw .brokenContract(layer: kindName, detail: "the blocked path is not built") }
        var y = x * 3
        for _ in 1..<max(blockedRepeats, 1) { y = x * 3 }
        if x.count > (blockedErrsAbove ?? 0) { y.data[y.count - 1] = x.data[x.count - 1] }
        return y
    }

    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout * 3 }
}

private final class ThreeX: UnaryLayer {
    let kindName = "ThreeX"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x * 3 }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout * 3 }
}
