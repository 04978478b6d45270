import CKernels
import Foundation
import SlopeLayers

/// One tensor a check perturbs: an input of the target or one of its parameters.
public struct ProbedTensorID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `value` names a compared quantity that is neither (a fixture's output or gradient).
    public enum Role: String, Sendable, Codable { case input, parameter, value }
    public let role: Role
    public let name: String

    public var description: String {
        switch role {
        case .input: "input \(name)"
        case .parameter: "param \(name)"
        case .value: name
        }
    }
}

/// What a check needs of its target: the scalar L = Σ upstream ⊙ f(...) (or the loss),
/// its analytic gradient with respect to every probed tensor, and a way to nudge one
/// element at a time.
///
/// Inputs are held here by value; parameters live in the layer's `Parameter` objects
/// and are nudged there (and always restored to the saved original value, never by
/// subtracting the step, so nothing drifts).
final class Probe {
    let ids: [ProbedTensorID]
    private(set) var inputs: [Tensor]
    private let parameters: [Parameter]
    private let evaluateClosure: ([Tensor]) throws -> Double
    private let gradientClosure: ([Tensor]) throws -> [Tensor]
    private let decisionClosure: (() -> [Int])?
    /// The target's outputs f(x) (nil: only L is known, and nothing can be compressed).
    private let outputClosure: (([Tensor]) throws -> Tensor)?
    /// The target's declared footprints (see ``DeclaresFootprints``), if it declares any.
    private(set) var declaredFootprint: ((ProbedTensorID, [Int], [Int]) -> [AxisLink]?)?
    /// The layer passes this probe made and the seconds inside them, counted where they are
    /// made; a worker copy's are added to its parent's (`absorb`).
    private(set) var passes = CheckCost.Phase()
    /// The decisions at the unperturbed point: a pass whose decisions differ `flipped`.
    var baseDecisions: [Int] = []

    init(
        inputNames: [String], inputs: [Tensor], parameters: [(name: String, parameter: Parameter)],
        evaluate: @escaping ([Tensor]) throws -> Double,
        gradients: @escaping ([Tensor]) throws -> [Tensor],
        decisions: (() -> [Int])? = nil,
        outputs: (([Tensor]) throws -> Tensor)? = nil
    ) {
        ids =
            inputNames.map { ProbedTensorID(role: .input, name: $0) }
            + parameters.map { ProbedTensorID(role: .parameter, name: $0.0) }
        self.inputs = inputs
        self.parameters = parameters.map(\.1)
        evaluateClosure = evaluate
        gradientClosure = gradients
        decisionClosure = decisions
        outputClosure = outputs
    }

    /// The probe of a gradient check: L = Σ upstream ⊙ layer(inputs), its analytic
    /// gradients from the layer's backward, and the decisions of every decision layer inside.
    static func checking(_ layer: any Layer, inputs: [Tensor], upstream: Tensor) -> Probe {
        let decisionSources = decisionLayers(of: layer)
        let outputs = { (x: [Tensor]) throws -> Tensor in
            let y = try CheckProblem.running("forward") { try layer.forward(x) }
            guard y.shape == upstream.shape else { throw CheckProblem.outputShapeChanged(from: upstream.shape, to: y.shape) }
            return try CheckProblem.validated(y, as: "the forward output")
        }
        let probe = Probe(
            inputNames: inputNames(of: layer, count: inputs.count), inputs: inputs, parameters: layer.namedParameters,
            evaluate: { x in try outputs(x).dot(upstream) },
            gradients: { x in
                // The output's shape first: a backward handed an upstream of another shape than
                // its forward's output may trap inside the user's code (Tensor's element-wise
                // operations require equal shapes).
                _ = try outputs(x)
                return try CheckProblem.running("backward") { try layer.backward(upstream.copied()) }
            },
            decisions: decisionSources.isEmpty ? nil : { decisionSources.flatMap(\.decisions) }, outputs: outputs)
        if let declaring = layer as? any DeclaresFootprints { probe.declaredFootprint = declaring.footprint }
        return probe
    }

    var tracksDecisions: Bool { decisionClosure != nil }

    func value(of tensor: Int) -> Tensor {
        tensor < inputs.count ? inputs[tensor] : parameters[tensor - inputs.count].value
    }

    subscript(tensor: Int, element: Int) -> Double {
        get {
            tensor < inputs.count
                ? inputs[tensor].data[element] : parameters[tensor - inputs.count].value.data[element]
        }
        set {
            if Breadcrumbs.isRecording {
                markTensor(tensor)
                Breadcrumbs.element(element)
            }
            if tensor < inputs.count {
                inputs[tensor].data[element] = newValue
            } else {
                parameters[tensor - inputs.count].value.data[element] = newValue
            }
        }
    }

    /// Sets a whole tensor to `base + scale·direction` (for steps along a direction), written
    /// once into new storage: the old is nearly always shared (with `base`, which restores it,
    /// or with the layer's cache of its input), and writing over it in place first copied it.
    func place(_ tensor: Int, at base: Tensor, plus direction: Tensor, scaledBy scale: Double) {
        if Breadcrumbs.isRecording { markTensor(tensor) }
        precondition(direction.count == base.count, "a direction of \(direction.shape) for a tensor of \(base.shape)")
        let values = base.data.withUnsafeBufferPointer { x in
            direction.data.withUnsafeBufferPointer { d in
                [Double](unsafeUninitializedCapacity: x.count) { out, written in
                    // x + scale·d, eight lanes at a time (`slope_add_scaled`: the same product
                    // and sum as `x[i] + scale * d[i]`, never fused).
                    slope_add_scaled(x.baseAddress, d.baseAddress, scale, out.baseAddress, x.count)
                    written = x.count
                }
            }
        }
        if tensor < inputs.count {
            inputs[tensor] = Tensor(shape: base.shape, data: values)
        } else {
            parameters[tensor - inputs.count].value = Tensor(shape: base.shape, data: values)
        }
    }

    /// Writes a tensor in place from `base` (of the tensor's shape): `body(values, base)` sets
    /// the values it changes; the others keep what the tensor holds (`base`'s, when the tensor
    /// had been replaced by one of another size).
    func overwrite(
        _ tensor: Int, from base: Tensor,
        _ body: (UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>) -> Void
    ) {
        if Breadcrumbs.isRecording { markTensor(tensor) }
        func write(_ values: inout [Double]) {
            if values.count != base.count { values = base.data }
            values.withUnsafeMutableBufferPointer { out in base.data.withUnsafeBufferPointer { x in body(out, x) } }
        }
        if tensor < inputs.count {
            write(&inputs[tensor].data)
        } else {
            write(&parameters[tensor - inputs.count].value.data)
        }
    }

    /// The tensor last named in the breadcrumbs (a worker's record of where the check is).
    private var markedTensor = -1

    private func markTensor(_ tensor: Int) {
        guard tensor != markedTensor else { return }
        markedTensor = tensor
        Breadcrumbs.tensor(ids[tensor].description, shape: value(of: tensor).shape)
    }

    func restore(_ tensor: Int, to saved: Tensor) {
        if tensor < inputs.count { inputs[tensor] = saved } else { parameters[tensor - inputs.count].value = saved }
    }

    /// L at the current values.
    func evaluate() throws -> Double {
        let start = DispatchTime.now()
        defer { count(forward: 1, since: start) }
        return try evaluateClosure(inputs)
    }

    /// L at the current values, and whether a decision differs from the base point's.
    func evaluateMarked() throws -> (value: Double, flipped: Bool) {
        let value = try evaluate()
        return (value, flipped)
    }

    /// Whether the last pass's decisions differ from `baseDecisions`.
    var flipped: Bool { tracksDecisions && decisions() != baseDecisions }

    /// Adds a worker copy's passes to this probe's.
    func absorb(_ other: CheckCost.Phase) {
        passes.forwardPasses += other.forwardPasses
        passes.backwardPasses += other.backwardPasses
        passes.seconds += other.seconds
    }

    private func count(forward: Int, backward: Int = 0, since start: DispatchTime) {
        passes.forwardPasses += forward
        passes.backwardPasses += backward
        passes.seconds += seconds(since: start)
    }

    var producesOutputs: Bool { outputClosure != nil }

    /// f at the current values (only for a probe that `producesOutputs`).
    func output() throws -> Tensor {
        guard let outputClosure else { throw CheckProblem.threw(stage: "the check", message: "this probe has no outputs") }
        let start = DispatchTime.now()
        defer { count(forward: 1, since: start) }
        return try outputClosure(inputs)
    }

    /// The decisions (ReLU masks, argmaxes) of the last evaluation.
    func decisions() -> [Int] { decisionClosure?() ?? [] }

    /// ∂L/∂(each probed tensor), computed by the target's backward from zeroed parameter
    /// gradients; throws a ``CheckProblem`` when the count or a shape is not what the inputs
    /// and parameters have.
    func analyticGradients() throws -> [Tensor] {
        for parameter in parameters { parameter.zeroGradient() }
        let start = DispatchTime.now()
        let inputGradients = try gradientClosure(inputs)
        count(forward: 1, backward: 1, since: start)
        guard inputGradients.count == inputs.count else {
            throw CheckProblem.gradientCount(returned: inputGradients.count, inputs: inputs.count)
        }
        for (i, (g, x)) in zip(inputGradients, inputs).enumerated() {
            let name = ids[i].name
            _ = try CheckProblem.validated(g, as: "the gradient of input \(name)")
            guard g.shape == x.shape else { throw CheckProblem.gradientShape(input: name, shape: g.shape, expected: x.shape) }
        }
        for (k, parameter) in parameters.enumerated() {
            let name = ids[inputs.count + k].name
            _ = try CheckProblem.validated(parameter.gradient, as: "the gradient of parameter \(name)")
            guard parameter.gradient.shape == parameter.value.shape else {
                throw CheckProblem.parameterGradientShape(
                    parameter: name, shape: parameter.gradient.shape, expected: parameter.value.shape)
            }
        }
        return inputGradients + parameters.map(\.gradient)
    }
}
