import SlopeLayers

/// Plain stochastic gradient descent.
///
/// θ ← θ − lr · ∂L/∂θ. No memory.
public final class SGD: Optimizer {
    public let kind = "SGD"
    public var learningRate: Double

    public init(learningRate: Double) { self.learningRate = learningRate }

    public var hyperparameters: [String: Double] { ["lr": learningRate] }

    public func step(_ parameters: [Parameter]) {
        let lr = learningRate
        for index in parameters.indices {  // by index: borrows each parameter, no retain
            parameters[index].update { x, g in
                for i in x.indices { x[i] -= lr * g[i] }
            }
        }
    }

    public func state(naming parameters: [(name: String, parameter: Parameter)]) -> OptimizerState {
        OptimizerState(kind: kind, step: 0, hyperparameters: hyperparameters)
    }

    public func restore(_ state: OptimizerState, naming parameters: [(name: String, parameter: Parameter)])
        throws(OptimizerStateError)
    { try requireKind(state) }
}

/// SGD with (heavy-ball) momentum.
///
/// v ← μ·v − lr·∂L/∂θ;  θ ← θ + v. The velocity v starts at zero.
public final class Momentum: Optimizer {
    public let kind = "Momentum"
    public var learningRate: Double
    public var momentum: Double
    private let slots = SlotTable(names: ["velocity"])

    public init(learningRate: Double, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public var hyperparameters: [String: Double] { ["lr": learningRate, "momentum": momentum] }

    public func step(_ parameters: [Parameter]) {
        let (lr, mu) = (learningRate, momentum)
        for p in parameters {
            let slot = slots.slot(for: p)
            p.update { x, g in
                slot.buffers[0].values.withUnsafeMutableBufferPointer { v in
                    for i in x.indices {
                        v[i] = mu * v[i] - lr * g[i]
                        x[i] += v[i]
                    }
                }
            }
        }
    }

    public func state(naming parameters: [(name: String, parameter: Parameter)]) -> OptimizerState {
        OptimizerState(kind: kind, step: 0, hyperparameters: hyperparameters, slots: slots.save(naming: parameters))
    }

    public func restore(_ state: OptimizerState, naming parameters: [(name: String, parameter: Parameter)])
        throws(OptimizerStateError)
    {
        try requireKind(state)
        try slots.restore(state.slots, naming: parameters)
    }
}
