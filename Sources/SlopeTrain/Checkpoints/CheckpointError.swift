/// Why a checkpoint could not be read or does not fit the network; the text names the
/// file and the field, e.g. `checkpoint run.json: parameter "0.Affine.W" has shape [1, 25]
/// but the network expects [1, 30]`.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// Not JSON, or cut short (a truncated file).
    case malformed(file: String, detail: String)
    case wrongFormat(file: String, found: String)
    case unsupportedVersion(file: String, found: String)
    case missingField(file: String, field: String)
    case invalidField(file: String, field: String, reason: String)
    case architectureMismatch(file: String, field: String, found: String, expected: String)
    case parameterShape(file: String, name: String, found: [Int], expected: [Int])
    case missingParameter(file: String, name: String)
    case unexpectedParameter(file: String, name: String)
    case optimizer(file: String, OptimizerStateError)
    case write(FileWriteError)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "checkpoint \(file): cannot read it: \(reason)"
        case .malformed(let file, let detail):
            return "checkpoint \(file): not valid JSON (truncated or corrupted?): \(detail)"
        case .wrongFormat(let file, let found):
            return
                "checkpoint \(file): field \"format\" is \"\(found)\", expected \"\(Checkpoint.format)\" — is this a Slope checkpoint?"
        case .unsupportedVersion(let file, let found):
            return "checkpoint \(file): field \"format\" is \"\(found)\"; this Slope reads \"\(Checkpoint.format)\""
        case .missingField(let file, let field): return "checkpoint \(file): field \"\(field)\" is missing"
        case .invalidField(let file, let field, let reason): return "checkpoint \(file): field \"\(field)\" \(reason)"
        case .architectureMismatch(let file, let field, let found, let expected):
            return "checkpoint \(file): \(field) is \(found) but the network has \(expected)"
        case .parameterShape(let file, let name, let found, let expected):
            return "checkpoint \(file): parameter \"\(name)\" has shape \(found) but the network expects \(expected)"
        case .missingParameter(let file, let name):
            return "checkpoint \(file): parameter \"\(name)\" is missing"
        case .unexpectedParameter(let file, let name):
            return "checkpoint \(file): parameter \"\(name)\" is not in the network"
        case .optimizer(let file, let error): return "checkpoint \(file): \(error)"
        case .write(let error): return "\(error)"
        }
    }
}
