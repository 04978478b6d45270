import Foundation
import SlopeLayers

/// How far a running check is, for a progress display (the library never prints: the CLI
/// draws this on its terminal).
public struct CheckProgress: Sendable, Equatable, Codable {
    /// The target being checked.
    public var target: String
    /// Elements measured so far, over every tensor of the check.
    public var elementsDone: Int
    public var elementCount: Int
    /// Seconds since the element loop started.
    public var seconds: Double

    public init(target: String, elementsDone: Int, elementCount: Int, seconds: Double) {
        self.target = target
        self.elementsDone = elementsDone
        self.elementCount = elementCount
        self.seconds = seconds
    }

    /// The time left at the rate so far (nil before the first element).
    public var estimatedSecondsLeft: Double? {
        guard elementsDone > 0, seconds > 0 else { return nil }
        return seconds / Double(elementsDone) * Double(max(elementCount - elementsDone, 0))
    }
}

/// Counts elements done across worker threads and calls the check's `progress` at most every
/// quarter of a second.
final class ProgressTracker: @unchecked Sendable {
    private let report: @Sendable (CheckProgress) -> Void
    private let lock = NSLock()
    private let started = Date()
    private var lastCall = Date.distantPast
    private var done = 0
    let target: String
    let elementCount: Int

    init(target: String, elementCount: Int, report: @escaping @Sendable (CheckProgress) -> Void) {
        self.target = target
        self.elementCount = elementCount
        self.report = report
    }

    func advance(by elements: Int) {
        lock.lock()
        done += elements
        let now = Date()
        let due = now.timeIntervalSince(lastCall) >= 0.25 || done >= elementCount
        if due { lastCall = now }
        let progress = CheckProgress(
            target: target, elementsDone: done, elementCount: elementCount, seconds: now.timeIntervalSince(started))
        lock.unlock()
        if due { report(progress) }
    }
}

/// What an exhaustive (or any) check of a layer will cost, known before it starts: forward
/// passes from the footprints its probes propose (a few passes per tensor; the proof is not
/// run), and seconds from timing the forward pass.
package struct CheckEstimate: Sendable, Equatable {
    package var elements: Int
    /// Forward passes the element loops, the step choices and the Taylor tests will take (the
    /// one-at-a-time refinements of elements that do not pass at once are not counted).
    package var forwardPasses: Int
    package var secondsPerPass: Double
    /// Tensors whose proposed footprint makes compression pay.
    package var compressedTensors: Int
    package var tensors: Int

    package var seconds: Double { Double(forwardPasses) * secondsPerPass }
}

extension GradientCheck {
    /// The cost of `run(layer, inputs:)` with these settings, or nil when the layer cannot run.
    package func estimate(_ layer: any Layer, inputs: [Tensor]) -> CheckEstimate? {
        let snapshot = ParameterSnapshot(of: layer)
        defer { snapshot.restore() }
        guard let output = try? layer.forward(inputs) else { return nil }
        var generator = SeededGenerator(seed: GradientCheck.upstreamSeed(seed))
        let upstream = Tensor.uniform(output.shape, in: -1..<1, using: &generator)
        let probe = Probe.checking(layer, inputs: inputs, upstream: upstream)
        let started = Date()
        guard (try? probe.evaluate()) != nil, (try? probe.evaluate()) != nil else { return nil }
        let secondsPerPass = Date().timeIntervalSince(started) / 2
        probe.baseDecisions = probe.decisions()
        var estimate = CheckEstimate(
            elements: 0, forwardPasses: 0, secondsPerPass: secondsPerPass, compressedTensors: 0, tensors: probe.ids.count)
        for tensor in probe.ids.indices {
            let count = probe.value(of: tensor).count
            estimate.elements += count
            // The step choice and the Taylor test (its ten steps: it may stop after three).
            estimate.forwardPasses += StepChoice.noisePoints + (orderTest ? 2 * ConvergenceOrder.minimumSteps : 0)
            let points = method.points.count
            switch mode {
            case .sampled(let k): estimate.forwardPasses += points * min(k, count)
            case .fast(let directions): estimate.forwardPasses += points * directions
            case .exhaustive:
                let choice = StepChoice(step: method.step * StepChoice.spread(of: probe.value(of: tensor)))
                let plan = ElementPlan(
                    check: self, probe: probe, upstream: upstream, choice: choice, gradientScale: 0, baseValue: 0,
                    baseOutput: nil)
                var own = SeededGenerator(seed: seed ^ 0xC0_10_0A ^ UInt64(tensor))
                if let planned = try? plan.plannedCompression(tensor: tensor, using: &own) {
                    estimate.forwardPasses += planned
                    estimate.compressedTensors += 1
                } else {
                    estimate.forwardPasses += points * count
                }
            }
        }
        return estimate
    }
}
