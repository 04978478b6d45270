import SlopeLayers

/// Updates parameter values from their accumulated gradients.
///
/// `step` reads each parameter's `gradient` and changes its `value` in place; it never
/// clears gradients (the trainer does). Optimizers with memory (momentum, Adam) keep one
/// slot per parameter, found by the parameter's identity at run time and by its
/// network-unique name (`"0.Affine.W"`) in a checkpoint.
public protocol Optimizer: AnyObject {
    /// The optimizer's name in checkpoints: `"SGD"`, `"Momentum"`, `"Adam"`.
    var kind: String { get }
    /// The hyper-parameters, by name (checkpoints record them to catch a mismatch).
    var hyperparameters: [String: Double] { get }
    func step(_ parameters: [Parameter])
    /// Everything needed to continue exactly where this optimizer is, keyed by parameter name.
    func state(naming parameters: [(name: String, parameter: Parameter)]) -> OptimizerState
    /// Restores `state` (made by `state(naming:)` for parameters of the same names and shapes).
    func restore(_ state: OptimizerState, naming parameters: [(name: String, parameter: Parameter)])
        throws(OptimizerStateError)
}

/// An optimizer's memory in a portable form: its kind, step count, hyper-parameters and,
/// per slot (`"velocity"`, `"m"`, `"v"`), one array per parameter name.
public struct OptimizerState: Codable, Equatable, Sendable {
    public var kind: String
    public var step: Int
    public var hyperparameters: [String: Double]
    public var slots: [String: [String: [Double]]]

    public init(kind: String, step: Int, hyperparameters: [String: Double], slots: [String: [String: [Double]]] = [:]) {
        self.kind = kind
        self.step = step
        self.hyperparameters = hyperparameters
        self.slots = slots
    }
}

/// Why a saved optimizer state does not fit this optimizer; `field` is a path inside the state.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    case wrongKind(expected: String, found: String)
    case missingSlot(field: String)
    case slotLength(field: String, expected: Int, found: Int)

    public var field: String {
        switch self {
        case .wrongKind: "optimizer.kind"
        case .missingSlot(let field), .slotLength(let field, _, _): field
        }
    }

    public var description: String {
        switch self {
        case .wrongKind(let expected, let found):
            "optimizer.kind is \"\(found)\" but the run uses \"\(expected)\""
        case .missingSlot(let field): "\(field) is missing"
        case .slotLength(let field, let expected, let found):
            "\(field) has \(found) values but the parameter has \(expected)"
        }
    }
}

/// Per-parameter buffers of an optimizer with memory, created lazily at the first step.
final class SlotTable {
    /// One buffer per slot name; separate objects so an update may write two at once.
    final class Slot {
        final class Buffer {
            var values: [Double]
            init(_ values: [Double]) { self.values = values }
        }
        let buffers: [Buffer]
        init(count: Int, buffers: Int) { self.buffers = (0..<buffers).map { _ in Buffer(Array(repeating: 0, count: count)) } }
    }

    let names: [String]
    private var slots: [ObjectIdentifier: Slot] = [:]

    init(names: [String]) { self.names = names }

    func slot(for parameter: Parameter) -> Slot {
        let id = ObjectIdentifier(parameter)
        if let slot = slots[id] { return slot }
        let slot = Slot(count: parameter.value.count, buffers: names.count)
        slots[id] = slot
        return slot
    }

    func save(naming parameters: [(name: String, parameter: Parameter)]) -> [String: [String: [Double]]] {
        var result: [String: [String: [Double]]] = [:]
        for (index, slotName) in names.enumerated() {
            var byParameter: [String: [Double]] = [:]
            for (name, parameter) in parameters {
                byParameter[name] =
                    slots[ObjectIdentifier(parameter)]?.buffers[index].values
                    ?? Array(repeating: 0, count: parameter.value.count)
            }
            result[slotName] = byParameter
        }
        return result
    }

    func restore(_ saved: [String: [String: [Double]]], naming parameters: [(name: String, parameter: Parameter)])
        throws(OptimizerStateError)
    {
        var restored: [ObjectIdentifier: Slot] = [:]
        for (name, parameter) in parameters {
            let slot = Slot(count: parameter.value.count, buffers: names.count)
            for (index, slotName) in names.enumerated() {
                let field = "optimizer.slots.\(slotName).\(name)"
                guard let values = saved[slotName]?[name] else { throw .missingSlot(field: field) }
                guard values.count == parameter.value.count else {
                    throw .slotLength(field: field, expected: parameter.value.count, found: values.count)
                }
                slot.buffers[index].values = values
            }
            restored[ObjectIdentifier(parameter)] = slot
        }
        slots = restored
    }
}

extension Optimizer {
    func requireKind(_ state: OptimizerState) throws(OptimizerStateError) {
        guard state.kind == kind else { throw .wrongKind(expected: kind, found: state.kind) }
    }
}
