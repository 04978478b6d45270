/// What went wrong inside a layer, naming the layer and the shapes or keys involved.
public enum LayerError: Error, Equatable, CustomStringConvertible {
    case shapeMismatch(layer: String, expected: String, actual: [[Int]])
    case wrongInputCount(layer: String, expected: Int, actual: Int)
    case backwardBeforeForward(layer: String)
    case upstreamShape(layer: String, expected: [Int], actual: [Int])
    case invalidConfig(layer: String, key: String, reason: String)
    case missingConfig(layer: String, key: String)
    case unknownConfigKeys(layer: String, keys: [String], allowed: [String])
    case unknownKind(String, known: [String])
    case windowTooLarge(layer: String, window: [Int], input: [Int])
    /// A layer broke the contract of `Layer` (gradients of the wrong number or shape, a tensor
    /// whose data does not fill its shape), seen by the network that runs it.
    case brokenContract(layer: String, detail: String)
    /// A one-input layer's backward returned this many gradients (named by the chain that saw it).
    case wrongGradientCount(returned: Int)
    /// Code a layer wraps (a user's closure) threw an error of its own; `message` describes it.
    case wrapped(layer: String, message: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let layer, let expected, let actual):
            let shapes = actual.map { "\($0)" }.joined(separator: " and ")
            return "\(layer): expected \(expected), got \(shapes)"
        case .wrongInputCount(let layer, let expected, let actual):
            return "\(layer): takes \(expected) input\(expected == 1 ? "" : "s"), got \(actual)"
        case .backwardBeforeForward(let layer):
            return "\(layer): backward called before forward"
        case .upstreamShape(let layer, let expected, let actual):
            return "\(layer): upstream gradient has shape \(actual), but the output had shape \(expected)"
        case .invalidConfig(let layer, let key, let reason):
            return "\(layer): config \"\(key)\" \(reason)"
        case .missingConfig(let layer, let key):
            return "\(layer): config is missing \"\(key)\""
        case .unknownConfigKeys(let layer, let keys, let allowed):
            let list = keys.map { "\"\($0)\"" }.joined(separator: ", ")
            let known = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            return "\(layer): unknown config key\(keys.count == 1 ? "" : "s") \(list) (allowed: \(known))"
        case .unknownKind(let kind, let known):
            return "unknown layer kind \"\(kind)\" (known: \(known.joined(separator: ", ")))"
        case .windowTooLarge(let layer, let window, let input):
            return "\(layer): window \(window) is larger than the padded input \(input)"
        case .brokenContract(let layer, let detail):
            return "\(layer): \(detail)"
        case .wrongGradientCount(let returned):
            return "backward returned \(returned) gradients for 1 input"
        case .wrapped(let layer, let message):
            return "\(layer): \(message)"
        }
    }
}
