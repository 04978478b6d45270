import Foundation
import SlopeLayers

/// Checking code that computes in Float.
///
/// Finite differences of a Float function are poor: the best central difference errs by
/// ≈ 2e-5 relative, at h ≈ ∛ε_Float ≈ 5e-3, so a Double tolerance raises false alarms and a
/// loose one misses bugs. Two ways out, each reported:
///
/// - **With a Double twin** (the same formula in Double): the twin is checked against finite
///   differences in Double (is the formula right?), and the Float forward and vjp are compared
///   with the twin's at the same Float inputs and upstream (how much precision does the Float
///   code lose?), in units of ε_Float — see ``FloatTwinComparison``.
/// - **Without a twin**: the Float code is checked directly, with a step of 5e-3 × the spread
///   of each tensor (∛ε_Float), the rounding floor 16·ε_Float·|L|, rtol 1e-4, and the Taylor
///   test (which needs no tolerance) as the main evidence: a pass needs its error to fall
///   below 1e-3 of ⟨∇L, u⟩, a wrong gradient levels off.
extension GradientCheck {
    /// The step of Float code: 5e-3 × each tensor's spread, ≈ ∛ε_Float (4.9e-3), where the
    /// truncation error of a central difference (∝ h²) meets its rounding error (∝ ε/h).
    public static let floatMethod = FiniteDifference.central(step: 5e-3)
    /// The tolerance of Float code: rtol 1e-4 (≈ 840 ε_Float: a Float chain of a few dozen
    /// roundings stays inside, a 1% bug is a hundred times outside), no atol, the rounding
    /// floor 16·ε_Float·|L|, and a pass must resolve 1e-3 of the tensor's largest derivative.
    public static let floatTolerance = Tolerance(rtol: 1e-4, atol: 0, roundingFactor: 16, resolution: 1e-3)

    /// These settings for Float code: unchanged when `precision` is already `.float`;
    /// otherwise the Float method and tolerance (``floatMethod``, ``floatTolerance``) with this
    /// check's seed, mode and options.
    public var forFloat: GradientCheck {
        guard precision != .float else { return self }
        var copy = self
        copy.method = GradientCheck.floatMethod
        copy.tolerance = GradientCheck.floatTolerance
        copy.precision = .float
        return copy
    }

    /// Checks a function computed in Float, without a Double twin (see ``forFloat`` for the
    /// settings). Inputs and gradients are flat arrays in the row-major order of `inputs`'
    /// shapes; the output is flat too.
    ///
    /// ```swift
    /// let report = GradientCheck().run(
    ///     float: { x in x[0].map { tanh($0) } },
    ///     vjp: { x, u in [zip(x[0], u).map { (1 - tanh($0) * tanh($0)) * $1 }] },
    ///     at: [x], name: "tanh in Float")
    /// ```
    public func run(
        float forward: @escaping ([[Float]]) throws -> [Float], vjp: @escaping ([[Float]], [Float]) throws -> [[Float]],
        at inputs: [Tensor], inputNames: [String] = [], name: String = "function"
    ) -> CheckReport {
        let function = FloatFunction(forward: forward, vjp: vjp)
        return forFloat.run(function: function.forward, vjp: function.vjp, at: inputs, inputNames: inputNames, name: name)
    }

    /// Checks a function computed in Float against its Double twin, two ways: the twin against
    /// finite differences in Double (the formula), and the Float forward and vjp against the
    /// twin's at the same inputs and upstream, rounded to Float (the precision the Float code
    /// loses, in ``FloatTwinComparison``; a difference beyond `limit` ε_Float fails). The
    /// Double check uses this check's own settings.
    public func run(
        float forward: @escaping ([[Float]]) throws -> [Float], vjp: @escaping ([[Float]], [Float]) throws -> [[Float]],
        twin: @escaping ([Tensor]) throws -> Tensor, twinVJP: @escaping ([Tensor], Tensor) throws -> [Tensor],
        at inputs: [Tensor], inputNames: [String] = [], limit: Double = FloatTwinComparison.defaultLimit,
        name: String = "function"
    ) -> CheckReport {
        let rounded = inputs.map { $0.map { Double(Float($0)) } }
        let names = inputNames.count == inputs.count ? inputNames : standardInputNames(count: inputs.count)
        var report = run(function: twin, vjp: twinVJP, at: rounded, inputNames: names, name: name)
        guard report.problem == nil else { return report }
        do {
            let comparison = try FloatTwinComparison.measure(
                float: FloatFunction(forward: forward, vjp: vjp), twin: twin, twinVJP: twinVJP, at: rounded,
                names: names, seed: seed, limit: limit)
            report.floatTwin = comparison
            report.invariants += comparison.invariants
        } catch let problem as CheckProblem {
            report.problem = problem
        } catch {
            report.problem = .threw(stage: "the Float comparison", message: "\(error)")
        }
        return report
    }
}

/// A Float function on flat arrays, seen as a function of Double tensors: inputs are rounded
/// to Float, the output is a flat tensor, each gradient takes its input's shape (or, when its
/// count is wrong, the flat shape that the check then reports as a shape mismatch).
struct FloatFunction {
    let floatForward: ([[Float]]) throws -> [Float]
    let floatVJP: ([[Float]], [Float]) throws -> [[Float]]

    init(forward: @escaping ([[Float]]) throws -> [Float], vjp: @escaping ([[Float]], [Float]) throws -> [[Float]]) {
        floatForward = forward
        floatVJP = vjp
    }

    static func float(_ t: Tensor) -> [Float] { t.data.map(Float.init) }

    var forward: ([Tensor]) throws -> Tensor {
        { [floatForward] x in
            let y = try floatForward(x.map(FloatFunction.float))
            return Tensor(shape: [y.count], data: y.map(Double.init))
        }
    }

    var vjp: ([Tensor], Tensor) throws -> [Tensor] {
        { [floatVJP] x, u in
            let g = try floatVJP(x.map(FloatFunction.float), FloatFunction.float(u))
            return g.enumerated().map { i, gi in
                let shape = i < x.count && gi.count == x[i].count ? x[i].shape : [gi.count]
                return Tensor(shape: shape, data: gi.map(Double.init))
            }
        }
    }
}

/// How far a Float function's forward and vjp are from their Double twin's, at the same
/// Float inputs and the same upstream (rounded to Float), in units of ε_Float ≈ 1.19e-7.
///
/// Each tensor's figure is max |float − double| / max |double|: normwise, because a Float
/// result's rounding scales with the tensor's size, and an element's own relative error is
/// unbounded where a sum cancels. A gradient passes within `limit` ε_Float (default 256,
/// 3e-5; the Float versions of the test suite's activations, affine map and softmax differ by
/// at most 1.2 ε_Float; a 1% bug is 84 000). Beyond it, a gradient whose difference is still
/// within `limit` ε_Float of the upstream's size is inconclusive, not failed: a Float formula
/// that cancels (1 − tanh²x at x = 10 is 0 in Float, 8e-9 in Double) loses its digits against
/// terms of the upstream's size, and that loss cannot be told from a bug of the same size.
public struct FloatTwinComparison: Sendable, Codable, Equatable {
    public static let defaultLimit = 256.0

    /// The output's difference, in ε_Float of its largest value.
    public var forwardDifference: Double
    /// Each input gradient's difference, in ε_Float of its largest value, in input order.
    public var gradientDifferences: [Double]
    /// Each input gradient's difference in ε_Float of the upstream's largest value.
    public var upstreamDifferences: [Double]
    /// Where each gradient differs most: "x[1, 2]".
    public var worstElements: [String]
    public var limit: Double

    var invariants: [InvariantResult] {
        var results: [InvariantResult] = []
        func describe(_ ulps: Double) -> String {
            "\(formatNumber(ulps, significantDigits: 3)) ε_Float (\(formatNumber(ulps * Double(Float.ulpOfOne), significantDigits: 2)) of its largest value)"
        }
        let forwardName = InvariantName.floatForwardMatchesTwin
        results.append(
            forwardDifference <= limit
                ? .pass(forwardName, "largest difference \(describe(forwardDifference))")
                : .fail(
                    forwardName,
                    "the Float output differs from the Double twin's by \(describe(forwardDifference)), more than \(formatNumber(limit)) ε_Float: another formula, or precision lost to cancellation"
                ))
        let vjpName = InvariantName.floatVJPMatchesTwin
        guard let worst = gradientDifferences.indices.max(by: { gradientDifferences[$0] < gradientDifferences[$1] })
        else { return results }
        let ulps = gradientDifferences[worst]
        if ulps <= limit {
            results.append(.pass(vjpName, "largest difference \(describe(ulps)) at \(worstElements[worst])"))
        } else if let lost = upstreamDifferences.indices.first(where: {
            gradientDifferences[$0] > limit && upstreamDifferences[$0] <= limit
        }), upstreamDifferences.indices.allSatisfy({ gradientDifferences[$0] <= limit || upstreamDifferences[$0] <= limit }) {
            results.append(
                InvariantResult(
                    name: vjpName, verdict: .inconclusive,
                    detail:
                        "the Float gradient differs from the Double twin's by \(describe(gradientDifferences[lost])) at \(worstElements[lost]), but only \(formatNumber(upstreamDifferences[lost], significantDigits: 3)) ε_Float of the upstream's size: precision lost to rounding (a formula that cancels in Float) cannot be told from a bug here; check at inputs where the gradient is larger"
                ))
        } else {
            results.append(
                .fail(
                    vjpName,
                    "the Float gradient differs from the Double twin's by \(describe(ulps)) at \(worstElements[worst]), more than \(formatNumber(limit)) ε_Float: the Float vjp computes another formula"
                ))
        }
        return results
    }

    static func measure(
        float: FloatFunction, twin: ([Tensor]) throws -> Tensor, twinVJP: ([Tensor], Tensor) throws -> [Tensor],
        at inputs: [Tensor], names: [String], seed: UInt64, limit: Double
    ) throws -> FloatTwinComparison {
        let double = try CheckProblem.running("the Double twin") { try twin(inputs) }
        let single = try CheckProblem.running("the Float forward") { try float.forward(inputs) }
        guard single.count == double.count else {
            throw CheckProblem.reference(
                message: "the Float forward returned \(single.count) values, its Double twin \(double.count)")
        }
        // The check's own upstream (the same generator and draw), rounded to Float.
        var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
        let upstream = Tensor.uniform(double.shape, in: -1..<1, using: &generator).map { Double(Float($0)) }
        let doubleGradients = try CheckProblem.running("the Double twin's vjp") { try twinVJP(inputs, upstream) }
        let singleGradients = try CheckProblem.running("the Float vjp") {
            try float.vjp(inputs, upstream.reshaped([upstream.count]))
        }
        for gradients in [singleGradients, doubleGradients] where gradients.count != inputs.count {
            throw CheckProblem.gradientCount(returned: gradients.count, inputs: inputs.count)
        }
        var differences: [Double] = []
        var againstUpstream: [Double] = []
        var worst: [String] = []
        let upstreamSize = upstream.maxMagnitude
        for (i, (g, reference)) in zip(singleGradients, doubleGradients).enumerated() {
            guard g.count == inputs[i].count, reference.count == inputs[i].count else {
                throw CheckProblem.gradientShape(input: names[i], shape: g.shape, expected: inputs[i].shape)
            }
            let (ulps, at) = difference(g.data, reference.data)
            differences.append(ulps)
            againstUpstream.append(ulps * max(reference.maxMagnitude, 1e-300) / max(upstreamSize, 1e-300))
            worst.append("\(names[i])\(inputs[i].index(ofFlat: at))")
        }
        return FloatTwinComparison(
            forwardDifference: difference(single.data, double.data).ulps, gradientDifferences: differences,
            upstreamDifferences: againstUpstream, worstElements: worst, limit: limit)
    }

    /// max |a − b| / max |b| in ε_Float, and where it is largest (NaN anywhere is infinitely far).
    static func difference(_ a: [Double], _ b: [Double]) -> (ulps: Double, at: Int) {
        let size = b.reduce(0) { max($0, abs($1)) }
        var (largest, at) = (0.0, 0)
        for i in a.indices {
            let d = a[i].isNaN != b[i].isNaN || !a[i].isFinite ? .infinity : abs(a[i] - b[i])
            if d > largest { (largest, at) = (d, i) }
        }
        let scale = size > 0 ? size : 1e-300
        return (largest == 0 ? 0 : largest / scale / Double(Float.ulpOfOne), at)
    }
}
