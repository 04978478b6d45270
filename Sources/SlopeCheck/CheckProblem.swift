import SlopeLayers

/// Why a check could not go on: the checked code threw, or broke the contract of `Layer`.
///
/// A checker exists to meet broken code, so everything a layer can do wrong comes back as one
/// of these (the check's verdict is `.fail`), never as a trap.
public enum CheckProblem: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// `forward`, `backward` or the loss threw.
    case threw(stage: String, message: String)
    /// backward returned a number of input gradients other than the number of inputs.
    case gradientCount(returned: Int, inputs: Int)
    /// An input gradient's shape is not its input's.
    case gradientShape(input: String, shape: [Int], expected: [Int])
    /// A parameter gradient's shape is not its parameter's.
    case parameterGradientShape(parameter: String, shape: [Int], expected: [Int])
    /// A tensor whose data does not fill its shape (its `data` was resized).
    case malformedTensor(what: String, shape: [Int], count: Int)
    /// forward returned an output of another shape than on the first call.
    case outputShapeChanged(from: [Int], to: [Int])
    /// A registered case whose builder threw (bad input to a gate: exit status 2).
    case caseNotBuilt(name: String, message: String)
    /// A network checked against a loss that has none.
    case networkWithoutLoss
    /// A fixture or other reference that could not be used.
    case reference(message: String)
    /// The check never returned: its worker process trapped, hung, ran out of memory or exited.
    case unfinished(UnfinishedCheck)

    /// Whether the check could not finish (JUnit's `<error>`) rather than found something wrong.
    public var isUnfinished: Bool {
        if case .unfinished = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .threw(let stage, let message): "\(stage) threw: \(message)"
        case .gradientCount(let returned, let inputs):
            "backward returned \(returned) gradient\(returned == 1 ? "" : "s") for \(inputs) input\(inputs == 1 ? "" : "s")"
        case .gradientShape(let input, let shape, let expected):
            "backward returned a gradient of shape \(shape) for input \(input) of shape \(expected)"
        case .parameterGradientShape(let parameter, let shape, let expected):
            "the gradient of parameter \(parameter) has shape \(shape), the parameter has shape \(expected)"
        case .malformedTensor(let what, let shape, let count):
            "\(what) has shape \(shape) (\(Tensor.validCount(of: shape).map(String.init) ?? "too many") elements) but holds \(count) values"
        case .outputShapeChanged(let from, let to):
            "forward returned an output of shape \(to) where the first call returned \(from)"
        case .caseNotBuilt(let name, let message): "the check \"\(name)\" could not be built: \(message)"
        case .networkWithoutLoss: "the network has no loss layer: build it with Sequential(layers, loss: …)"
        case .reference(let message): message
        case .unfinished(let unfinished): "the check \(unfinished)"
        }
    }

    /// Runs user code, turning anything it throws into `.threw(stage:…)`.
    static func running<T>(_ stage: String, _ body: () throws -> T) throws(CheckProblem) -> T {
        Breadcrumbs.call(stage)
        defer { Breadcrumbs.call(nil) }
        do { return try body() } catch let problem as CheckProblem { throw problem } catch {
            throw .threw(stage: stage, message: "\(error)")
        }
    }

    /// The tensor itself, when its data fills its shape.
    static func validated(_ tensor: Tensor, as what: String) throws(CheckProblem) -> Tensor {
        guard Tensor.validCount(of: tensor.shape) == tensor.data.count else {
            throw .malformedTensor(what: what, shape: tensor.shape, count: tensor.data.count)
        }
        return tensor
    }
}
