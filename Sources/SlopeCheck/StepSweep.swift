import Foundation
import SlopeLayers

/// The error of the finite difference against the analytic gradient as the step h
/// shrinks: the data behind the V-shaped log–log chart.
///
/// On the right, truncation error falls as hᵖ (p = 2 for central differences); on the
/// left, rounding error grows as ε·|L|/h. The bottom of the V is the step to trust.
public struct StepSweep: Sendable, Codable {
    public struct Point: Sendable, Codable {
        public var step: Double
        /// max over elements of |analytic − numeric| / max(|analytic|, tiny).
        public var error: Double
    }

    public var target: String
    public var method: FiniteDifference
    public var points: [Point]
    /// The slope of log(error) against log(h) over the truncation side (h ≥ 10× the best step):
    /// ≈ 2 for a right gradient with central differences, ≈ 0 for a wrong one.
    public var fittedOrder: Double
    public var defaultStep: Double
    public var best: Point

    /// Steps from 1e-1 down to 1e-12, four per decade.
    public static let defaultSteps: [Double] = (4...48).map { pow(10, -Double($0) / 4) }

    /// Sweeps `layer` at `inputs` (every element of every input and parameter tensor).
    public static func run(
        _ layer: any Layer, inputs: [Tensor], name: String, stencil: FiniteDifference.Stencil = .central,
        steps: [Double] = defaultSteps, seed: UInt64 = 0
    ) throws -> StepSweep {
        var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
        // The check's own probe: a user's layer that breaks the contract of `Layer` (output
        // shape, gradient count or shape) is a thrown `CheckProblem` here too, never a trap.
        let output = try CheckProblem.validated(
            CheckProblem.running("forward") { try layer.forward(inputs) }, as: "the forward output")
        let upstream = Tensor.uniform(output.shape, in: -1..<1, using: &generator)
        let snapshot = ParameterSnapshot(of: layer)
        defer { snapshot.restore() }
        let probe = Probe.checking(layer, inputs: inputs, upstream: upstream)
        let analytic = try probe.analyticGradients()
        let scale = max(analytic.map(\.maxMagnitude).max() ?? 0, 1e-300)
        let baseValue = try probe.evaluate()
        // The check's own stencil at a fixed step h·max(1, |x|) per element: the sweep shows
        // the error of the quotient a check computes, at every step instead of the chosen one.
        let quotients = Quotients(method: FiniteDifference(stencil: stencil, step: 1))
        var points: [Point] = []
        for h in steps {
            var worst = 0.0
            for tensor in probe.ids.indices {
                for element in 0..<probe.value(of: tensor).count {
                    let x0 = probe[tensor, element]
                    let step = h * max(1, abs(x0))
                    let level = try quotients(
                        step: step, base: baseValue,
                        place: { offset in
                            probe[tensor, element] = x0 + offset * step
                            return probe[tensor, element] - x0
                        }, evaluate: probe.evaluateMarked)
                    probe[tensor, element] = x0
                    worst = max(worst, abs(level.numeric - analytic[tensor].data[element]) / scale)
                }
            }
            points.append(Point(step: h, error: max(worst, 1e-18)))
        }
        // Fit the truncation side: steps at least 10× the best one (where rounding is negligible).
        let best = points.min { $0.error < $1.error }!
        var right = points.filter { $0.step >= 10 * best.step }
        if right.count < 3 { right = Array(points.prefix(4)) }
        let order = slope(right.map { log10($0.step) }, right.map { log10($0.error) })
        let defaultStep = FiniteDifference.standard(stencil).step
        return StepSweep(
            target: name, method: FiniteDifference(stencil: stencil, step: defaultStep), points: points,
            fittedOrder: order, defaultStep: defaultStep, best: best)
    }

    /// Least-squares slope of y against x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for i in x.indices { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
        return sxx == 0 ? .nan : sxy / sxx
    }
}
