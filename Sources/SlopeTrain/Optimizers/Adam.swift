import Foundation
import SlopeLayers

/// Adam (Kingma & Ba 2015) with bias correction.
///
/// With g = ∂L/∂θ and t the step count (from 1):
/// m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
/// m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);  θ ← θ − lr·m̂/(√v̂ + ε).
public final class Adam: Optimizer {
    public let kind = "Adam"
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// Steps taken so far (t of the formula after the step).
    public private(set) var stepCount = 0
    private let slots = SlotTable(names: ["m", "v"])

    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public var hyperparameters: [String: Double] {
        ["lr": learningRate, "beta1": beta1, "beta2": beta2, "epsilon": epsilon]
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let (lr, b1, b2, eps) = (learningRate, beta1, beta2, epsilon)
        let correction1 = 1 - pow(b1, Double(stepCount))
        let correction2 = 1 - pow(b2, Double(stepCount))
        for p in parameters {
            let slot = slots.slot(for: p)
            p.update { x, g in
                slot.buffers[0].values.withUnsafeMutableBufferPointer { m in
                    slot.buffers[1].values.withUnsafeMutableBufferPointer { v in
                        for i in x.indices {
                            m[i] = b1 * m[i] + (1 - b1) * g[i]
                            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                            let mHat = m[i] / correction1
                            let vHat = v[i] / correction2
                            x[i] -= lr * mHat / (vHat.squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }

    public func state(naming parameters: [(name: String, parameter: Parameter)]) -> OptimizerState {
        OptimizerState(
            kind: kind, step: stepCount, hyperparameters: hyperparameters, slots: slots.save(naming: parameters))
    }

    public func restore(_ state: OptimizerState, naming parameters: [(name: String, parameter: Parameter)])
        throws(OptimizerStateError)
    {
        try requireKind(state)
        try slots.restore(state.slots, naming: parameters)
        stepCount = state.step
    }
}
