import SlopeLayers
import Testing

@testable import SlopeCheck

/// Every invariant that reads the invariants' shared pass (one forward on copies, two backward
/// calls) still fails its own planted bug, by name, and passes the same layer without it.
@Suite struct InvariantBugTests {
    static let x = Tensor(rows: [[0.5, -1.25, 2], [0.75, 1.5, -0.25]])
    static let upstream = Tensor(rows: [[0.3, -0.7, 0.2], [-0.4, 0.9, 0.6]])

    static func failed(_ layer: any Layer) -> [InvariantName: String] {
        var generator = SeededGenerator(seed: 5)
        let invariants = Invariants(layer: layer, inputs: [x], upstream: upstream, tolerance: .default)
        var failures: [InvariantName: String] = [:]
        for result in invariants.evaluate(using: &generator) where result.verdict == .fail {
            failures[result.name] = result.detail
        }
        return failures
    }

    @Test func theRightLayerFailsNone() {
        #expect(Self.failed(PlantedScale()).isEmpty, "\(Self.failed(PlantedScale()))")
    }

    /// One bug per invariant of the shared pass, and the words its failure must say.
    enum Plant: CaseIterable, Sendable {
        case drifts, spendsCache, overwritesGradient, flattensGradient, writesIntoInput

        var invariant: InvariantName {
            switch self {
            case .drifts: .forwardDeterministic
            case .spendsCache, .overwritesGradient: .backwardRepeatable
            case .flattensGradient: .gradientShapes
            case .writesIntoInput: .argumentsUntouched
            }
        }

        var words: String {
            switch self {
            case .drifts: "two forward passes on the same input differ"
            case .spendsCache: "a second backward"
            case .overwritesGradient: "do not accumulate"
            case .flattensGradient: "has shape [6]"
            case .writesIntoInput: "input 0 was modified"
            }
        }

        fileprivate func planted() -> PlantedScale {
            let layer = PlantedScale()
            switch self {
            case .drifts: layer.drifts = true
            case .spendsCache: layer.backwardSpendsCache = true
            case .overwritesGradient: layer.overwritesGradient = true
            case .flattensGradient: layer.flattensGradient = true
            case .writesIntoInput: layer.writesIntoInput = true
            }
            return layer
        }
    }

    @Test(arguments: Plant.allCases)
    func eachPlantedBugFailsItsInvariant(plant: Plant) {
        let failures = Self.failed(plant.planted())
        #expect(failures[plant.invariant]?.contains(plant.words) == true, "\(failures)")
    }

    /// On a large batch the invariants that make passes at other points run on its first rows
    /// (``BatchSample``), and on the whole batch when they do not pass there: the verdict and
    /// detail of each, when either says more than a plain pass.
    static func failedOnALargeBatch(_ layer: any Layer) -> [InvariantName: String] {
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.uniform([64, 512], in: -2..<2, using: &generator)
        let u = Tensor.uniform([64, 512], in: -1..<1, using: &generator)
        var failures: [InvariantName: String] = [:]
        let invariants = Invariants(layer: layer, inputs: [x], upstream: u, tolerance: .default)
        for result in invariants.evaluate(using: &generator) where result.verdict != .pass || !result.detail.isEmpty {
            failures[result.name] = "\(result.verdict): \(result.detail)"
        }
        return failures
    }

    @Test func aLargeBatchTestsStateAndLinearityOnItsFirstRows() {
        let right = Self.failedOnALargeBatch(PlantedScale())
        #expect(right[.noStateBetweenCalls] == "pass: on the first 2 of 64 rows", "\(right)")
        #expect(right[.backwardLinear] == "pass: on the first 2 of 64 rows", "\(right)")
        let stateful = PlantedScale()
        stateful.keepsFirstInput = true
        let state = Self.failedOnALargeBatch(stateful)[.noStateBetweenCalls] ?? ""
        #expect(state.hasPrefix("fail") && state.contains("keep values from earlier calls"), "\(state)")
        let squaring = PlantedScale()
        squaring.squaresUpstream = true
        let linear = Self.failedOnALargeBatch(squaring)[.backwardLinear] ?? ""
        #expect(linear.hasPrefix("fail") && linear.contains("square its upstream"), "\(linear)")
    }

    /// A layer wrong only at batch sizes it was not given is not failed for it: the whole batch
    /// decides, and the detail says where it did not hold.
    @Test func aMissOnTheSampleAloneIsNotAFailure() {
        let layer = PlantedScale()
        layer.squaresUpstream = true
        layer.onlyBelowRows = 64
        let linear = Self.failedOnALargeBatch(layer)[.backwardLinear] ?? ""
        #expect(linear.hasPrefix("pass: on the whole batch; on the first 2 of 64 rows it did not hold"), "\(linear)")
        #expect(linear.contains("does the layer depend on the batch size?"), "\(linear)")
    }

    @Test func aBackwardThatThrowsEndsTheInvariantsWithBackwardRuns() {
        let layer = PlantedScale()
        layer.backwardThrows = true
        let failures = Self.failed(layer)
        #expect(failures[.gradientShapes]?.contains("threw") == true)
        #expect(failures[.backwardRuns]?.contains("not built") == true, "\(failures)")
    }
}

/// y = s·x with a parameter s of one element; each flag plants one bug.
private final class PlantedScale: Layer {
    let kindName = "PlantedScale"
    let s = Parameter("s", Tensor(shape: [1], data: [1.5]))
    var parameters: [Parameter] { [s] }
    var drifts = false
    var backwardSpendsCache = false
    var overwritesGradient = false
    var flattensGradient = false
    var writesIntoInput = false
    var backwardThrows = false
    /// Keeps the input of its first forward call at a shape for every later backward.
    var keepsFirstInput = false
    /// Backward uses the upstream squared (only for batches of fewer rows than this, when set).
    var squaresUpstream = false
    var onlyBelowRows: Int?
    private var x: Tensor?
    /// s as the forward saw it: the input gradient's factor.
    private var scale = 0.0
    private var calls = 0.0

    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor {
        let x = inputs[0]
        if !keepsFirstInput || self.x?.shape != x.shape { self.x = x }
        scale = s.value.data[0]
        calls += 1
        if writesIntoInput {
            x.data.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!)[0] = 0 }
        }
        return x * s.value.data[0] + (drifts ? calls * 1e-3 : 0)
    }

    func backward(_ given: Tensor) throws(LayerError) -> [Tensor] {
        let squares = squaresUpstream && given.shape[0] < (onlyBelowRows ?? .max)
        let upstream = squares ? given * given : given
        if backwardThrows { throw .brokenContract(layer: kindName, detail: "backward is not built") }
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        let ds = Tensor(shape: [1], data: [x.dot(upstream)])
        if overwritesGradient { s.gradient = ds } else { s.gradient = s.gradient + ds }
        let dx = upstream * scale
        if backwardSpendsCache { scale *= 2 }
        return [flattensGradient ? dx.reshaped([dx.count]) : dx]
    }
}

/// The invariants' comparisons read eight values at a time: the same answers as the plain
/// loops, wherever the first difference lies among the lanes, NaN and −0 included.
@Suite struct InvariantComparisonTests {
    @Test func firstApartAndSameBitsAreThePlainLoops() {
        var rng = SeededGenerator(seed: 41)
        for count in [0, 1, 7, 8, 9, 16, 17, 100] {
            let a = Tensor.uniform([count], in: -1..<1, using: &rng).data
            for planted in [nil, 0, 3, 7, 8, 12, count - 1] {
                for value in [1.0, Double.nan, -0.0, a.first.map { $0 + 1e-15 } ?? 0, 5.0, .infinity] {
                    var b = a
                    if let planted, planted >= 0, planted < count { b[planted] = value }
                    let plain = (0..<count).first { abs(a[$0] - b[$0]) > 1e-12 || a[$0].isNaN != b[$0].isNaN }
                    #expect(Invariants.firstApart(a, b, by: 1e-12) == plain, "\(count), \(String(describing: planted))")
                    // The one-pass sizes and gap: maxMagnitude's sizes, the plain loop's largest
                    // gap (NaN never kept), unordered exactly where a difference is NaN or ∞, and
                    // then the gap beyond the tolerance exactly where firstApart finds one.
                    let found = Invariants.sizesAndGap(a, b)
                    let (sizeA, sizeB) = (
                        Tensor(shape: [count], data: a).maxMagnitude, Tensor(shape: [count], data: b).maxMagnitude
                    )
                    let gap = zip(a, b).reduce(0.0) { abs($1.0 - $1.1) > $0 ? abs($1.0 - $1.1) : $0 }
                    #expect(found.sizeA.bitPattern == sizeA.bitPattern && found.sizeB.bitPattern == sizeB.bitPattern)
                    #expect(found.largestGap.bitPattern == gap.bitPattern)
                    let where_ = "\(count), \(String(describing: planted))"
                    #expect(found.unordered == zip(a, b).contains { !($0 - $1).isFinite }, "\(where_)")
                    if !found.unordered { #expect((found.largestGap > 1e-12) == (plain != nil), "\(where_)") }
                    let bits = zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
                    #expect(
                        sameBits(Tensor(shape: [count], data: a), Tensor(shape: [count], data: b)) == bits,
                        "\(count), \(String(describing: planted))")
                }
            }
        }
    }

    /// A NaN beside a number keeps the number's size and marks the pair unordered, in the
    /// lanes and after them.
    @Test func aNaNBesideANumberKeepsItsSize() {
        for count in [4, 5, 9] {
            var (a, b) = ([Double](repeating: 1, count: count), [Double](repeating: 1, count: count))
            (a[count - 1], b[count - 1], a[0], b[0]) = (.nan, -7, .nan, 5)
            let found = Invariants.sizesAndGap(a, b)
            #expect(found.sizeA == 1 && found.sizeB == 7 && found.largestGap == 0 && found.unordered, "\(count): \(found)")
            #expect(Invariants.sizesAndGap(b, a).sizeA == 7)
        }
    }

    /// A step along a direction, written in C eight lanes at a time, is `x + scale·d` element
    /// by element, bit for bit, at every length around the lanes, into an input or a parameter.
    @Test func aStepAlongADirectionIsThePlainSum() {
        var rng = SeededGenerator(seed: 45)
        for count in [1, 7, 8, 9, 17, 1_001] {
            let affine = Affine(inFeatures: count, outFeatures: 1, using: &rng)
            let x = Tensor.uniform([1, count], using: &rng)
            let probe = Probe.checking(affine, inputs: [x], upstream: Tensor.uniform([1, 1], using: &rng))
            for tensor in 0..<2 {
                let base = probe.value(of: tensor)
                let d = Tensor.normal(base.shape, using: &rng)
                probe.place(tensor, at: base, plus: d, scaledBy: -0.37)
                let plain = base.zipMap(d) { $0 + -0.37 * $1 }
                #expect(probe.value(of: tensor).data.map(\.bitPattern) == plain.data.map(\.bitPattern), "\(count)")
                #expect(probe.value(of: tensor).shape == base.shape)
            }
        }
    }

    /// A direction's derivative and magnitude in eight lanes: the plain sums to rounding.
    @Test func dotAndMagnitudeAreThePlainSums() {
        var rng = SeededGenerator(seed: 44)
        for count in [0, 1, 3, 4, 5, 7, 8, 9, 16, 17, 1_001] {
            let (a, b) = (Tensor.uniform([count], using: &rng), Tensor.uniform([count], using: &rng))
            let sums = dotAndMagnitude(a, b)
            let magnitude = zip(a.data, b.data).reduce(0.0) { $0 + abs($1.0 * $1.1) }
            #expect(abs(sums.dot - a.dot(b)) <= 1e-13 * magnitude && abs(sums.magnitude - magnitude) <= 1e-13 * magnitude)
            // The C loop is its Swift reference, bit for bit.
            let reference = dotAndMagnitudeReference(a, b)
            #expect(
                sums.dot.bitPattern == reference.dot.bitPattern && sums.magnitude.bitPattern == reference.magnitude.bitPattern)
        }
    }

    /// The rounding measure's two sums in eight lanes: the plain sums to rounding, at every
    /// length around the lanes.
    @Test func theAffineDepartureIsThePlainSums() {
        var rng = SeededGenerator(seed: 43)
        for count in [0, 1, 3, 4, 5, 7, 8, 9, 16, 17, 1_001] {
            let (a, b) = (Tensor.uniform([count], using: &rng).data, Tensor.uniform([count], using: &rng).data)
            let sums = RoundingLevel.affineDeparture(a, b, ratio: 5.0 / 3)
            let mismatch = zip(a, b).reduce(0.0) { $0 + abs($1.1 - 5.0 / 3 * $1.0) }
            let size = a.reduce(0.0) { $0 + abs(5.0 / 3 * $1) }
            #expect(abs(sums.mismatch - mismatch) <= 1e-13 * mismatch && abs(sums.size - size) <= 1e-13 * size, "\(count)")
        }
    }
}
