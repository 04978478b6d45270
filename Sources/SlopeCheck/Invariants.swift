import CKernels
import Dispatch
import Foundation
import SlopeLayers

/// Properties every correct layer has, checked by running it, each reported by name.
///
/// - gradient shapes: one input gradient per input, each of the input's shape;
///   parameter gradients of the parameters' shapes.
/// - upstream untouched / inputs untouched: backward and forward leave their arguments
///   as they were (compared with deep copies, so writes through shared storage show).
/// - forward deterministic: the same input gives the same output, bit for bit.
/// - no state between calls: forward(x′) then forward(x) gives the gradients of forward(x) alone.
/// - backward repeatable: two backward calls after one forward give the same input gradients.
/// - parameter gradients accumulate: the second backward call doubles them.
/// - backward linear in upstream: g(αu + βv) = α·g(u) + β·g(v).
struct Invariants {
    let layer: any Layer
    let inputs: [Tensor]
    let upstream: Tensor
    let tolerance: Tolerance
    /// The checked code's precision: how close two gradients that should be equal must be.
    var precision: Precision = .double
    /// The layer's passes, counted where they are made; the fast-path comparison's, down other
    /// paths, apart (``CheckCost/otherPaths``).
    var passes = PassCounter()

    func evaluate(using generator: inout SeededGenerator) -> [InvariantResult] {
        var results: [InvariantResult] = []
        func record(_ name: InvariantName, _ body: () throws -> InvariantResult) {
            Breadcrumbs.phase("checking the invariant \"\(name)\"")
            let start = DispatchTime.now()
            var result: InvariantResult
            do { result = try body() } catch { result = .fail(name, "threw: \(error)") }
            result.seconds = seconds(since: start)
            results.append(result)
        }
        func timed(_ body: () -> [InvariantResult]) {
            let start = DispatchTime.now()
            var found = body()
            let each = seconds(since: start) / Double(max(found.count, 1))
            for i in found.indices { found[i].seconds = each }
            results += found
        }
        let parameters = layer.namedParameters
        let expectedGradients = inputs.count

        // One fresh forward, on copies with their own storage (the originals stay as the
        // reference for "untouched"), and two backward calls after it: the gradient shapes, the
        // untouched arguments, the reference gradients, repeatability and accumulation, and one
        // of the two forwards of determinism all read this one pass.
        var shared: SharedPass?
        var sharedError: (any Error)?
        record(.gradientShapes) {
            let pass: SharedPass
            do { pass = try SharedPass(self) } catch {
                sharedError = error
                throw error
            }
            shared = pass
            let gradients = pass.first
            guard gradients.count == expectedGradients else {
                return .fail(.gradientShapes, "backward returned \(gradients.count) gradients for \(expectedGradients) inputs")
            }
            for (i, (g, x)) in zip(gradients, inputs).enumerated() where g.shape != x.shape {
                return .fail(.gradientShapes, "gradient of input \(i) has shape \(g.shape), input has \(x.shape)")
            }
            for ((name, p), g) in zip(parameters, pass.firstParameters) where g.shape != p.value.shape {
                return .fail(.gradientShapes, "gradient of \(name) has shape \(g.shape), parameter has \(p.value.shape)")
            }
            return .pass(.gradientShapes)
        }
        guard let shared else {
            results.append(.fail(.backwardRuns, "threw: \(sharedError.map { "\($0)" } ?? "")"))
            return results
        }

        record(.argumentsUntouched) {
            for (i, (x, original)) in zip(shared.given, inputs).enumerated() where !sameBits(x, original) {
                return .fail(.argumentsUntouched, "input \(i) was modified (at \(firstDifference(x, original)))")
            }
            if !sameBits(shared.givenUpstream, upstream) {
                return .fail(
                    .argumentsUntouched,
                    "backward modified its upstream argument in place (at \(firstDifference(shared.givenUpstream, upstream)))")
            }
            return .pass(.argumentsUntouched)
        }

        record(.forwardDeterministic) {
            passes.forward += 1
            let second = try layer.forward(inputs)
            return sameBits(shared.output, second)
                ? .pass(.forwardDeterministic)
                : .fail(
                    .forwardDeterministic,
                    "two forward passes on the same input differ (at \(firstDifference(shared.output, second)))")
        }

        // Gradients of a fresh forward(x), backward(u): the reference for the next checks.
        let reference = shared.first + shared.firstParameters

        record(.backwardRepeatable) {
            if let where_ = mismatch(shared.first, shared.second) {
                return .fail(
                    .backwardRepeatable,
                    "a second backward after the same forward gives other input gradients (\(where_)); does backward modify its cached values?"
                )
            }
            if !parameters.isEmpty {
                if let where_ = mismatch(shared.secondParameters, shared.firstParameters.map { $0 * 2 }) {
                    return .fail(
                        .backwardRepeatable,
                        "parameter gradients do not accumulate: after two backward calls they should double (\(where_))")
                }
            }
            return .pass(.backwardRepeatable, parameters.isEmpty ? "" : "parameter gradients accumulate")
        }

        // The invariants that make passes of their own at other points run on the first rows
        // of a large batch (``BatchSample``): properties of the layer's code, tested for a
        // fraction of a full pass. Only the inputs given decide a failure (`sampledFirst`).
        let sample = try? BatchSample.of(inputs, upstream: upstream) { x in
            passes.forward += 1
            return try layer.forward(x)
        }

        record(.noStateBetweenCalls) {
            try sampledFirst(sample, .noStateBetweenCalls) { target, fresh in
                // The last calls were at x (when not, a call at x first). Take the gradient
                // at another point x′ (shifted, ties broken) right after them, and compare each
                // with a directional difference. A layer whose gradient agrees at x but not at x′
                // kept something from the earlier call. (A gradient wrong at both is the finite
                // differences' finding, not this invariant's.)
                if !fresh { _ = try target.gradients(target.upstream) }
                // A kink within the difference's step of x′ (a ReLU input 1e-4 from 0, at Float's
                // step of 1e-2) is no finding: another x′ is drawn, up to three.
                for _ in 0..<3 {
                    var other = target.inputs
                    for i in other.indices {
                        let noise = Tensor.normal(other[i].shape, using: &generator)
                        other[i] = other[i].zipMap(noise) { x, n in x + (0.37 + 0.05 * n) }
                    }
                    switch try target.directionalReading(at: other, confirmed: true, using: &generator) {
                    case .agrees: return .pass(.noStateBetweenCalls)
                    case .kinkNear: continue
                    case .disagrees(let atOther):
                        _ = try target.gradients(target.upstream, at: other)
                        if case .agrees = try target.directionalReading(at: target.inputs, using: &generator) {
                            return .fail(
                                .noStateBetweenCalls,
                                "after a call at one input, the gradient at another does not match its function (\(atOther)); does the layer keep values from earlier calls?"
                            )
                        }
                        return .pass(.noStateBetweenCalls, "gradient wrong at every point; see the finite differences")
                    }
                }
                return InvariantResult(
                    name: .noStateBetweenCalls, verdict: .inconclusive,
                    detail:
                        "at each of three other points a kink lay within the directional difference's step: nothing could be seen"
                )
            }
        }

        if let unary = layer as? any UnaryLayer, !parameters.isEmpty {
            record(.backwardParameters) {
                // The training shortcut (a network's first layer skips ∂L/∂x) must add exactly
                // what the full backward adds.
                zeroGradients()
                try forward(inputs, for: upstream)
                passes.backward += 1
                try unary.backwardParameters(upstream.copied())
                let shortcut = parameters.map { $0.1.gradient }
                if let where_ = mismatch(shortcut, Array(reference[inputs.count...])) {
                    return .fail(
                        .backwardParameters,
                        "backwardParameters adds other parameter gradients than backwardInput (\(where_)): training would not follow the checked gradient"
                    )
                }
                return .pass(.backwardParameters)
            }
        }

        record(.backwardLinear) {
            try sampledFirst(sample, .backwardLinear) { target, _ in
                // g(u) from the shared pass when the target is the whole batch.
                let u = target.upstream
                let gu = u.shape == upstream.shape ? reference : try target.gradients(u)
                let v = Tensor.uniform(u.shape, in: -1..<1, using: &generator)
                let (alpha, beta) = (0.75, -1.5)
                let gv = try target.gradients(v)
                // (Each combination in one pass: the same products and sum as `u * alpha + v * beta`.)
                let combined = try target.gradients(u.zipMap(v) { $0 * alpha + $1 * beta })
                guard gv.map(\.shape) == gu.map(\.shape) else {
                    return .fail(
                        .backwardLinear,
                        "another upstream gives gradients of shapes \(gv.map(\.shape)), not \(gu.map(\.shape))")
                }
                let expected = zip(gu, gv).map { $0.zipMap($1) { $0 * alpha + $1 * beta } }
                if let where_ = mismatch(combined, expected) {
                    return .fail(
                        .backwardLinear,
                        "g(αu + βv) ≠ α·g(u) + β·g(v) (\(where_)); does backward ignore or square its upstream?")
                }
                return .pass(.backwardLinear)
            }
        }
        timed {
            FastPathComparison(layer: layer, inputs: inputs, upstream: upstream, passes: passes).evaluate().map { [$0] } ?? []
        }
        timed { Identities(layer: layer, inputs: inputs, upstream: upstream).evaluate() }
        zeroGradients()
        return results
    }

    func zeroGradients() { layer.zeroGradients() }

    /// `body` on the batch's first rows when there is a sample, and on the inputs given when it
    /// does not pass there: a failure is only ever what the inputs given show (a layer may be
    /// written for its batch size). A pass on the sample says where it was seen; a pass on the
    /// whole batch after a miss on the sample says that too.
    func sampledFirst(
        _ sample: BatchSample?, _ name: InvariantName,
        _ body: (_ target: Invariants, _ fresh: Bool) throws -> InvariantResult
    ) throws -> InvariantResult {
        // `fresh`: the layer's last calls were at the target's inputs (the shared pass's).
        guard let sample else { return try body(self, true) }
        var small = Invariants(
            layer: layer, inputs: sample.inputs, upstream: sample.upstream, tolerance: tolerance, precision: precision)
        small.passes = passes
        let first = Result { try body(small, false) }
        if case .success(let result) = first, result.verdict == .pass {
            return .pass(name, [sample.words, result.detail].filter { !$0.isEmpty }.joined(separator: "; "))
        }
        let whole = try body(self, false)
        guard whole.verdict == .pass else { return whole }
        let missed: String
        switch first {
        case .success(let result): missed = result.detail
        case .failure(let error): missed = "threw: \(error)"
        }
        return .pass(
            name,
            [
                whole.detail,
                "on the whole batch; \(sample.words) it did not hold (\(missed)): does the layer depend on the batch size?",
            ]
            .filter { !$0.isEmpty }.joined(separator: "; "))
    }

    /// What a directional difference at a point says of the gradient there.
    enum DirectionalReading {
        case agrees
        /// ⟨g, d⟩ against the difference, in words.
        case disagrees(String)
        /// The one-sided differences at the smallest step still differ like a kink's: the
        /// function, not the gradient, is what the differences saw.
        case kinkNear
    }

    /// Compares ⟨g, d⟩ with a central difference along one random direction d at `point` (the
    /// gradient is taken right after whatever call came before).
    ///
    /// `confirmed`: a disagreement counts only when the differences at h/4 and h/16 (the same g,
    /// the same d) disagree too, and the one-sided differences at h/16 differ by less than half
    /// the disagreement. A kink within h of the point (a ReLU input 0.01 from 0, at Float's step
    /// of 1e-2) moves the difference at h and not at a step that no longer reaches it; one
    /// within h/16 leaves the one-sided differences a jump apart at every step (`kinkNear`). A
    /// gradient of the wrong point on a smooth stretch is wrong at every step, and its one-sided
    /// differences agree.
    func directionalReading(at point: [Tensor], confirmed: Bool = false, using generator: inout SeededGenerator)
        throws -> DirectionalReading
    {
        let parameters = layer.namedParameters
        let g = try gradients(upstream, at: point)
        let shapes = point.map(\.shape) + parameters.map { $0.1.value.shape }
        guard g.map(\.shape) == shapes, g.allSatisfy({ Tensor.validCount(of: $0.shape) == $0.count }) else {
            return .disagrees(
                "at another input, backward returned gradients of shapes \(g.map(\.shape)) for tensors of shapes \(shapes)")
        }
        var directions: [Tensor] = []
        var expected = 0.0, magnitude = 0.0
        for tensor in g {
            let d = Tensor.normal(tensor.shape, using: &generator)
            directions.append(d)
            let sums = dotAndMagnitude(tensor, d)
            (expected, magnitude) = (expected + sums.dot, magnitude + sums.magnitude)
        }
        let h = precision.directionalStep
        // Float code puts every moved value on the Float grid: L moves by Σ|gᵢ|·ulpᵢ/2 beside
        // its own rounding (an ulp of 0.008 at an offset of 1e5, beside a step of 1e-2, failed a
        // correct Float Softmax here).
        let inputRounding = precision.inputRounding(values: point + parameters.map(\.1.value), derivatives: g)
        func value(at t: Double) throws -> Double {
            let shifted = point.indices.map { i in point[i].zipMap(directions[i]) { x, d in x + t * d } }
            let snapshot = ParameterSnapshot(of: layer)
            defer { snapshot.restore() }
            for (k, (_, p)) in parameters.enumerated() { p.value.add(directions[point.count + k], scaledBy: t) }
            passes.forward += 1
            let y = try layer.forward(shifted)
            guard y.shape == upstream.shape, Tensor.validCount(of: y.shape) == y.count else {
                throw CheckProblem.outputShapeChanged(from: upstream.shape, to: y.shape)
            }
            return y.dot(upstream)
        }
        /// The difference at step h, and whether it disagrees with ⟨g, d⟩.
        func difference(step h: Double) throws -> (plus: Double, minus: Double, numeric: Double, disagrees: Bool) {
            let (plus, minus) = (try value(at: h), try value(at: -h))
            let numeric = (plus - minus) / (2 * h)
            // What rounding alone can do to the difference: a few ulps of L (at the checked code's
            // precision) over 2h. Float code flat at tanh(+10) moves L by less than that.
            let rounding = 16 * precision.epsilon * max(abs(plus), abs(minus)) / (2 * h) + inputRounding / h
            let allowed = precision.directionalTolerance * magnitude + 1e-7 + rounding
            return (plus, minus, numeric, abs(numeric - expected) > allowed)
        }
        let first = try difference(step: h)
        guard first.disagrees else { return .agrees }
        let found = "directional derivative \(formatNumber(expected)) vs finite difference \(formatNumber(first.numeric))"
        guard confirmed else { return .disagrees(found) }
        guard try difference(step: h / 4).disagrees else { return .agrees }
        let smallest = try difference(step: h / 16)
        guard smallest.disagrees else { return .agrees }
        let base = try value(at: 0)
        let (forward, backward) = ((smallest.plus - base) / (h / 16), (base - smallest.minus) / (h / 16))
        return abs(forward - backward) > abs(smallest.numeric - expected) / 2 ? .kinkNear : .disagrees(found)
    }

    /// A forward pass before a backward: an output of another shape than the upstream about to
    /// be handed to backward is the layer's broken contract, reported before backward could
    /// trap on it.
    @discardableResult
    func forward(_ x: [Tensor], for upstream: Tensor) throws -> Tensor {
        passes.forward += 1
        let y = try layer.forward(x)
        guard y.shape == upstream.shape else { throw CheckProblem.outputShapeChanged(from: upstream.shape, to: y.shape) }
        return y
    }

    /// The layer's backward, counted.
    func backward(_ u: Tensor) throws -> [Tensor] {
        passes.backward += 1
        return try layer.backward(u)
    }

    /// Input gradients then parameter gradients of a fresh forward/backward.
    func gradients(_ u: Tensor, at point: [Tensor]? = nil) throws -> [Tensor] {
        zeroGradients()
        try forward(point ?? inputs, for: u)
        let inputGradients = try backward(u.copied())
        return inputGradients + layer.namedParameters.map { $0.1.gradient }
    }

    /// The first index where `a` and `b` are more than `tolerance` apart, or one is NaN and the
    /// other not.
    static func firstApart(_ a: [Double], _ b: [Double], by tolerance: Double) -> Int? {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                func apart(_ i: Int) -> Bool { abs(a[i] - b[i]) > tolerance || a[i].isNaN != b[i].isNaN }
                let count = min(a.count, b.count)
                // Eight at a time without a branch while none is apart, then one at a time.
                var i = 0
                while i + 8 <= count {
                    var flags: UInt8 = 0
                    for k in i..<(i + 8) {
                        flags |= (abs(a[k] - b[k]) > tolerance ? 1 : 0) | (a[k].isNaN != b[k].isNaN ? 1 : 0)
                    }
                    if flags != 0 { break }
                    i += 8
                }
                return (i..<count).first(where: apart)
            }
        }
    }

    /// max|aᵢ| and max|bᵢ| (`maxMagnitude`'s: a NaN is never kept), the largest |aᵢ − bᵢ| (NaN
    /// never kept), and whether some aᵢ − bᵢ is NaN or infinite (a NaN or ∞ among the values):
    /// in one pass. Where none is, the largest gap is beyond a tolerance exactly where
    /// `firstApart` finds an index by that tolerance.
    static func sizesAndGap(_ a: [Double], _ b: [Double]) -> (
        sizeA: Double, sizeB: Double, largestGap: Double, unordered: Bool
    ) {
        // In C, eight lanes at a time (`slope_sizes_and_gap`; maxima are exact, so any order of
        // the same comparisons gives the plain loops' values, which a test holds it to).
        var (sizeA, sizeB, gap) = (0.0, 0.0, 0.0)
        let unordered = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                slope_sizes_and_gap(a.baseAddress, b.baseAddress, min(a.count, b.count), &sizeA, &sizeB, &gap)
            }
        }
        return (sizeA, sizeB, gap, unordered != 0)
    }

    /// Where two lists of tensors differ beyond tolerance, or nil.
    func mismatch(_ a: [Tensor], _ b: [Tensor]) -> String? {
        guard a.count == b.count else { return "\(a.count) vs \(b.count) tensors" }
        for (t, (x, y)) in zip(a, b).enumerated() {
            guard x.shape == y.shape else { return "tensor \(t): shape \(x.shape) vs \(y.shape)" }
            // One pass finds both sizes and the largest gap; only a gap beyond the tolerance,
            // or a NaN or ∞ among the values, is looked for element by element.
            let (sizeX, sizeY, largestGap, unordered) = Self.sizesAndGap(x.data, y.data)
            let size = max(sizeX, sizeY)
            let tolerance = precision.invariantTolerance * size + 1e-12
            if largestGap > tolerance || unordered, let i = Self.firstApart(x.data, y.data, by: tolerance) {
                let (a, b) = distinguishable(x.data[i], y.data[i])
                let share = abs(x.data[i] - y.data[i]) / max(size, .leastNonzeroMagnitude)
                return
                    "tensor \(t) at \(x.index(ofFlat: i)): \(a) vs \(b) (apart by \(formatNumber(share, significantDigits: 2)) of the gradient's size; allowed \(formatNumber(precision.invariantTolerance, significantDigits: 2)))"
            }
        }
        return nil
    }
}

/// The invariants' shared pass: zeroed gradients, one forward on copies of the inputs, and two
/// backward calls (each with its own copy of the upstream) after it.
struct SharedPass {
    /// The copies the layer was given, and the upstream of the first backward, as the layer left them.
    let given: [Tensor]
    let givenUpstream: Tensor
    let output: Tensor
    /// Input and parameter gradients after the first backward, and after the second.
    let first: [Tensor]
    let firstParameters: [Tensor]
    let second: [Tensor]
    let secondParameters: [Tensor]

    init(_ invariants: Invariants) throws {
        let (layer, upstream) = (invariants.layer, invariants.upstream)
        let given = invariants.inputs.map { $0.copied() }
        let givenUpstream = upstream.copied()
        invariants.zeroGradients()
        output = try invariants.forward(given, for: upstream)
        first = try invariants.backward(givenUpstream)
        firstParameters = layer.namedParameters.map(\.parameter.gradient)
        second = try invariants.backward(upstream.copied())
        secondParameters = layer.namedParameters.map(\.parameter.gradient)
        (self.given, self.givenUpstream) = (given, givenUpstream)
    }
}

/// Two different numbers printed with as many digits as it takes to tell them apart (never
/// "0.165892 vs 0.165892").
func distinguishable(_ a: Double, _ b: Double) -> (String, String) {
    for digits in 6...17 {
        let pair = (formatNumber(a, significantDigits: digits), formatNumber(b, significantDigits: digits))
        if pair.0 != pair.1 || a == b { return pair }
    }
    return (formatNumber(a, significantDigits: 17), formatNumber(b, significantDigits: 17))
}

/// Network-level invariants.
///
/// - every parameter receives a gradient: for a generic input, no parameter's gradient
///   is entirely zero (names those that are: "my gradient never reaches layer 1").
/// - loss matches its gradient: along the gradient direction g, the loss must change at
///   rate ‖g‖²; a network that reports mean((y−t)²) but back-propagates the gradient of
///   half of it shows a ratio of ½.
struct NetworkInvariants {
    let network: NetworkWithLoss
    let input: Tensor
    let tolerance: Tolerance
    let method: FiniteDifference

    func evaluate() -> [InvariantResult] {
        var results: [InvariantResult] = []
        let parameters = network.namedParameters
        do {
            for (_, p) in parameters { p.zeroGradient() }
            _ = try network.forward(input)
            _ = try network.backward(Tensor(scalar: 1))
            let silent = parameters.filter { $0.1.gradient.maxMagnitude == 0 }.map(\.0)
            results.append(
                silent.isEmpty
                    ? .pass(.everyParameterReceivesGradient)
                    : .fail(.everyParameterReceivesGradient, "no gradient reaches \(silent.joined(separator: ", "))"))

            // Directional derivative of the loss along the parameter gradient.
            let gradients = parameters.map { $0.1.gradient }
            let squaredNorm = gradients.reduce(0) { $0 + $1.dot($1) }
            guard squaredNorm > 0 else { return results }
            // Put back even when a pass at a moved point throws.
            let snapshot = ParameterSnapshot(of: network)
            defer { snapshot.restore() }
            let saved = parameters.map { $0.1.value }
            let largest = max(1, saved.map(\.maxMagnitude).max() ?? 1)
            let gradientSize = gradients.map(\.maxMagnitude).max() ?? 1
            let h = 1e-5 * largest / gradientSize
            func loss(at t: Double) throws -> Double {
                for ((_, p), (value, g)) in zip(parameters, zip(saved, gradients)) { p.value = value + g * t }
                return try network.forward(input).scalar
            }
            let slope = (try loss(at: h) - loss(at: -h)) / (2 * h)
            snapshot.restore()
            let ratio = squaredNorm / slope
            if abs(ratio - 1) <= 1e-4 {
                results.append(.pass(.lossMatchesGradient, "ratio \(formatNumber(ratio, significantDigits: 8))"))
            } else {
                results.append(
                    .fail(
                        .lossMatchesGradient,
                        "back-propagated gradient is \(formatNumber(ratio, significantDigits: 4))× the slope of the reported loss"
                            + (abs(ratio - 0.5) < 1e-3 ? " (the gradient of half the loss?)" : "")
                            + (abs(ratio - 2) < 2e-3 ? " (the loss is half of what the gradient belongs to?)" : "")))
            }
        } catch {
            results.append(.fail(.networkRuns, "threw: \(error)"))
        }
        return results
    }
}

/// Forward and backward passes of a layer, counted by the code that makes them; the passes
/// down other paths than the layer's own (``CheckCost/otherPaths``) apart, with their seconds.
final class PassCounter {
    var forward = 0
    var backward = 0
    var otherPaths = CheckCost.Phase()
}

func sameBits(_ a: Tensor, _ b: Tensor) -> Bool {
    guard a.shape == b.shape, a.data.count == b.data.count else { return false }
    // Bit for bit is byte for byte (−0 is not 0, and a NaN equals only its own bits).
    return a.data.withUnsafeBytes { x in
        b.data.withUnsafeBytes { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
    }
}

func firstDifference(_ a: Tensor, _ b: Tensor) -> String {
    guard a.shape == b.shape else { return "shape \(a.shape) vs \(b.shape)" }
    for i in 0..<a.count where a.data[i].bitPattern != b.data[i].bitPattern {
        return "\(a.index(ofFlat: i)): \(formatNumber(b.data[i])) became \(formatNumber(a.data[i]))"
    }
    return "nowhere"
}
