import Foundation
import SlopeLayers

/// A reference case made by an independent engine (`slope-fixture/1`, see fixtures/README.md):
/// a layer kind and config, inputs, parameters, upstream (or loss targets), and the
/// output and gradients that engine computed.
public struct Fixture: Sendable {
    public static let format = "slope-fixture/1"

    public var file: String
    public var kind: FixtureKind
    public var caseName: String
    public var config: [String: ConfigValue]
    public var inputs: [Tensor]
    public var parameters: [(String, Tensor)]
    public var upstream: Tensor?
    public var targets: Tensor?
    public var expectedOutput: Tensor
    /// Every expected output: one, or one per output of a layer of several outputs
    /// (`expected.outputs`, with `upstreams`, one per output).
    public var expectedOutputs: [Tensor]
    /// The upstream of each output (one for a layer of one output, none for a loss).
    public var upstreams: [Tensor]
    public var expectedInputGradients: [Tensor]
    public var expectedParameterGradients: [(String, Tensor)]
    public var tolerance: Tolerance
    public var source: String

    /// Reads and validates one fixture file; every problem names the file and the field.
    /// `kinds` are the kinds a fixture may name (the built-ins, or a registry's `fixtureKinds`).
    public static func load(_ url: URL, kinds: [String: FixtureKind] = FixtureKind.builtInKinds) throws(FixtureError)
        -> Fixture
    {
        let file = url.path
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw FixtureError(file: file, field: nil, problem: "cannot be read (\(readableReason(error)))")
        }
        return try decode(bytes, file: file, kinds: kinds)
    }

    /// Validates fixture JSON already in memory; `file` names it in errors and, without a
    /// `"case"` field, gives the case its name.
    public static func decode(
        _ bytes: Data, file: String, kinds: [String: FixtureKind] = FixtureKind.builtInKinds
    ) throws(FixtureError) -> Fixture {
        if bytes.isEmpty { throw FixtureError(file: file, field: nil, problem: "is empty") }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]) } catch {
            throw FixtureError(file: file, field: nil, problem: "is not valid JSON (\(jsonReason(error)))")
        }
        let reader = JSONReader(file: file)
        let object = try reader.object(root, "")
        let format = try reader.string(object, "format")
        guard format == Fixture.format else {
            throw FixtureError(file: file, field: "format", problem: "is \"\(format)\"; expected \"\(Fixture.format)\"")
        }
        let kindName = try reader.string(object, "layer")
        guard let kind = kinds[kindName] else {
            throw FixtureError(
                file: file, field: "layer",
                problem:
                    "names the kind \"\(kindName)\", which nobody registered (known: \(kinds.keys.sorted().joined(separator: ", ")))"
            )
        }
        let config = try reader.config(object["config"] ?? [String: Any](), "config")
        let inputs = try reader.tensors(object, "inputs")
        guard inputs.count == kind.arity else {
            throw FixtureError(
                file: file, field: "inputs", problem: "has \(inputs.count) tensors; \(kind.name) takes \(kind.arity)")
        }
        let parameters = try reader.namedTensors(object["params"] ?? [String: Any](), "params", order: kind.parameterNames)
        let expected = try reader.object(try reader.field(object, "expected"), "expected")
        // One output, or several (`expected.outputs` with `upstreams`, one per output).
        let several = expected["outputs"] != nil
        let outputs =
            several
            ? try reader.tensors(expected, "outputs", path: "expected")
            : [try reader.tensor(try reader.field(expected, "output", path: "expected"), "expected.output")]
        guard let output = outputs.first else {
            throw FixtureError(file: file, field: "expected.outputs", problem: "is empty")
        }
        let inputGradients = try reader.tensors(expected, "inputGrads", path: "expected")
        guard inputGradients.count == inputs.count else {
            throw FixtureError(
                file: file, field: "expected.inputGrads",
                problem: "has \(inputGradients.count) tensors for \(inputs.count) inputs")
        }
        for (i, (g, x)) in zip(inputGradients, inputs).enumerated() where g.shape != x.shape {
            throw FixtureError(
                file: file, field: "expected.inputGrads[\(i)]", problem: "has shape \(g.shape) but inputs[\(i)] has \(x.shape)")
        }
        let parameterGradients = try reader.namedTensors(
            expected["paramGrads"] ?? [String: Any](), "expected.paramGrads", order: kind.parameterNames)
        var upstream: Tensor?
        var upstreams: [Tensor] = []
        var targets: Tensor?
        if several {
            upstreams = try reader.tensors(object, "upstreams")
            guard upstreams.count == outputs.count else {
                throw FixtureError(
                    file: file, field: "upstreams", problem: "has \(upstreams.count) tensors for \(outputs.count) outputs")
            }
            for (k, (u, y)) in zip(upstreams, outputs).enumerated() where u.shape != y.shape {
                throw FixtureError(
                    file: file, field: "upstreams[\(k)]",
                    problem: "has shape \(u.shape) but expected.outputs[\(k)] has \(y.shape)")
            }
            upstream = upstreams.first
        } else if kind.isLoss {
            targets = try reader.tensor(try reader.field(object, "targets"), "targets")
            guard output.count == 1 else {
                throw FixtureError(
                    file: file, field: "expected.output", problem: "of a loss must be a scalar, has shape \(output.shape)")
            }
        } else {
            let u = try reader.tensor(try reader.field(object, "upstream"), "upstream")
            guard u.shape == output.shape else {
                throw FixtureError(
                    file: file, field: "upstream", problem: "has shape \(u.shape) but expected.output has \(output.shape)")
            }
            upstream = u
            upstreams = [u]
        }
        var tolerance = Tolerance(rtol: 1e-9, atol: 1e-12, roundingFactor: 0)
        if let t = object["tolerance"] {
            let tol = try reader.object(t, "tolerance")
            tolerance.rtol = try reader.number(tol["rtol"] ?? 1e-9, "tolerance.rtol")
            tolerance.atol = try reader.number(tol["atol"] ?? 1e-12, "tolerance.atol")
            guard tolerance.rtol >= 0, tolerance.atol >= 0 else {
                throw FixtureError(file: file, field: "tolerance", problem: "must not be negative")
            }
        }
        let source = (object["source"] as? String) ?? "unknown engine"
        return Fixture(
            file: file, kind: kind,
            caseName: (object["case"] as? String) ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
            config: config, inputs: inputs, parameters: parameters, upstream: upstream, targets: targets,
            expectedOutput: output, expectedOutputs: outputs, upstreams: upstreams, expectedInputGradients: inputGradients,
            expectedParameterGradients: parameterGradients,
            tolerance: tolerance, source: source)
    }

    /// Every `*.json` under `directory` (sorted), or an error when it cannot be listed.
    public static func files(in directory: URL) throws(FixtureError) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw FixtureError(file: directory.path, field: nil, problem: "does not exist")
        }
        guard isDirectory.boolValue else {
            throw FixtureError(file: directory.path, field: nil, problem: "is not a directory")
        }
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw FixtureError(file: directory.path, field: nil, problem: "cannot be listed")
        }
        let files = enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
        guard !files.isEmpty else {
            throw FixtureError(file: directory.path, field: nil, problem: "holds no .json fixture files")
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// A fixture file that cannot be used, naming the file and the field.
public struct FixtureError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var field: String?
    public var problem: String

    public var description: String {
        if let field { return "\(file): field \"\(field)\" \(problem)" }
        return "\(file) \(problem)"
    }
}

func readableReason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSCocoaErrorDomain {
        switch ns.code {
        case NSFileReadNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        default: break
        }
    }
    return ns.localizedDescription
}

func jsonReason(_ error: Error) -> String {
    let ns = error as NSError
    if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
    return "truncated or malformed"
}

/// Typed access to parsed JSON with errors naming the field path.
struct JSONReader {
    let file: String

    func fail(_ field: String, _ problem: String) -> FixtureError {
        FixtureError(file: file, field: field.isEmpty ? nil : field, problem: problem)
    }

    func object(_ value: Any, _ field: String) throws(FixtureError) -> [String: Any] {
        guard let object = value as? [String: Any] else {
            throw fail(field, field.isEmpty ? "is not a JSON object" : "must be an object")
        }
        return object
    }

    func field(_ object: [String: Any], _ key: String, path: String = "") throws(FixtureError) -> Any {
        guard let value = object[key] else { throw fail(path.isEmpty ? key : "\(path).\(key)", "is missing") }
        return value
    }

    func string(_ object: [String: Any], _ key: String) throws(FixtureError) -> String {
        guard let value = try field(object, key) as? String else { throw fail(key, "must be a string") }
        return value
    }

    func number(_ value: Any, _ field: String) throws(FixtureError) -> Double {
        guard let n = value as? NSNumber else { throw fail(field, "must be a number") }
        if isJSONBool(value) { throw fail(field, "must be a number, not true/false") }
        let x = n.doubleValue
        guard x.isFinite else { throw fail(field, "must be finite, got \(x)") }
        return x
    }

    func tensor(_ value: Any, _ field: String) throws(FixtureError) -> Tensor {
        let object = try object(value, field)
        guard let shapeValue = object["shape"] else { throw fail("\(field).shape", "is missing") }
        guard let dataValue = object["data"] else { throw fail("\(field).data", "is missing") }
        guard let shapeList = shapeValue as? [Any] else { throw fail("\(field).shape", "must be a list of sizes") }
        var shape: [Int] = []
        for (i, extent) in shapeList.enumerated() {
            let x = try number(extent, "\(field).shape[\(i)]")
            guard x >= 0, x == x.rounded(), x < 1e9 else {
                throw fail("\(field).shape[\(i)]", "must be a non-negative integer, got \(x)")
            }
            shape.append(Int(x))
        }
        guard let dataList = dataValue as? [Any] else { throw fail("\(field).data", "must be a list of numbers") }
        var data: [Double] = []
        data.reserveCapacity(dataList.count)
        for (i, item) in dataList.enumerated() {
            if item is NSNull { throw fail("\(field).data[\(i)]", "is null (NaN is not allowed in fixtures)") }
            data.append(try number(item, "\(field).data[\(i)]"))
        }
        do { return try Tensor(validatingShape: shape, data: data) } catch { throw fail(field, "\(error)") }
    }

    func tensors(_ object: [String: Any], _ key: String, path: String = "") throws(FixtureError) -> [Tensor] {
        let name = path.isEmpty ? key : "\(path).\(key)"
        guard let list = try field(object, key, path: path) as? [Any] else { throw fail(name, "must be a list of tensors") }
        var result: [Tensor] = []
        for (i, item) in list.enumerated() { result.append(try tensor(item, "\(name)[\(i)]")) }
        return result
    }

    /// Named tensors in the kind's parameter order; unknown or missing names are errors.
    func namedTensors(_ value: Any, _ field: String, order: [String]) throws(FixtureError) -> [(String, Tensor)] {
        let object = try object(value, field)
        let unknown = object.keys.filter { !order.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw fail(
                field,
                "has unknown parameter\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) (expected: \(order.isEmpty ? "none" : order.joined(separator: ", ")))"
            )
        }
        var result: [(String, Tensor)] = []
        for name in order {
            guard let item = object[name] else { throw fail("\(field).\(name)", "is missing") }
            result.append((name, try tensor(item, "\(field).\(name)")))
        }
        return result
    }

    func config(_ value: Any, _ field: String) throws(FixtureError) -> [String: ConfigValue] {
        let object = try object(value, field)
        var config: [String: ConfigValue] = [:]
        for (key, item) in object {
            if isJSONBool(item), let flag = item as? Bool {
                config[key] = .flag(flag)
            } else if item is NSNumber {
                config[key] = .number(try number(item, "\(field).\(key)"))
            } else if let list = item as? [Any] {
                var numbers: [Double] = []
                for (i, x) in list.enumerated() { numbers.append(try number(x, "\(field).\(key)[\(i)]")) }
                config[key] = .numbers(numbers)
            } else if item is [String: Any] {
                config[key] = .tensor(try tensor(item, "\(field).\(key)"))
            } else {
                throw fail("\(field).\(key)", "must be a number, a list of numbers, true/false or a tensor")
            }
        }
        return config
    }
}

/// True for JSON `true`/`false` (which Foundation also presents as NSNumber).
func isJSONBool(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return number.objCType.pointee == UInt8(ascii: "c")
}
