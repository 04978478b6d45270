import Foundation
import SlopeFiles
import SlopeLayers

/// A training run frozen between epochs, as versioned JSON (`"format": "slope-checkpoint/1"`):
/// the architecture, every parameter in full precision, the optimizer's memory, the
/// number of finished epochs and the shuffling generator's state. Loading it into a
/// fresh network and optimizer and training on gives bit-for-bit the result of an
/// unbroken run.
public struct Checkpoint: Codable, Equatable, Sendable {
    public static let format = "slope-checkpoint/1"

    /// A named parameter tensor (`"0.Affine.W"`, shape, row-major data).
    public struct NamedTensor: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var data: [Double]
    }

    public var format: String
    public var architecture: Architecture
    public var parameters: [NamedTensor]
    public var optimizer: OptimizerState
    /// Epochs finished when the checkpoint was taken.
    public var epoch: Int
    /// The batch loader's generator state, four 64-bit words as hex strings
    /// (JSON numbers lose integers above 2⁵³ in many readers).
    public var rng: [String]

    public init(network: Sequential, optimizer: any Optimizer, epoch: Int, generator: SeededGenerator) {
        format = Self.format
        architecture = Architecture(network)
        let named = network.namedParameters
        parameters = named.map { NamedTensor(name: $0.name, shape: $0.parameter.value.shape, data: $0.parameter.value.data) }
        self.optimizer = optimizer.state(naming: named)
        self.epoch = epoch
        rng = generator.state.map { String($0, radix: 16) }
    }

    /// JSON text (pretty-printed, keys sorted; doubles print their shortest exact form):
    /// the bytes `JSONEncoder` gives with `[.prettyPrinted, .sortedKeys]`, written by `json`.
    public func encoded() -> Data {
        var text = ""
        json.write(to: &text)
        return Data(text.utf8)
    }

    /// Writes the checkpoint atomically (temporary file, then rename), streamed.
    public func write(to path: String) throws(FileWriteError) {
        try AtomicFile.write(to: URL(fileURLWithPath: path)) { json.write(to: &$0) }
    }

    /// The checkpoint as the JSON value its `Codable` conformance encodes (same keys, same
    /// values; `loss` left out when there is none, as `encodeIfPresent` does).
    var json: PrettyJSON {
        func numbers(_ values: [Double]) -> PrettyJSON { .array(values.map(PrettyJSON.number)) }
        let layers = architecture.layers.map { layer in
            PrettyJSON.object([
                "kind": .string(layer.kind),
                "config": .object(layer.config.mapValues(numbers)),
                "parameters": .object(layer.parameters.mapValues { .array($0.map(PrettyJSON.integer)) }),
            ])
        }
        var architecture: [String: PrettyJSON] = ["layers": .array(layers)]
        if let loss = self.architecture.loss { architecture["loss"] = .string(loss) }
        return .object([
            "format": .string(format),
            "architecture": .object(architecture),
            "parameters": .array(
                parameters.map { tensor in
                    .object([
                        "name": .string(tensor.name), "shape": .array(tensor.shape.map(PrettyJSON.integer)),
                        "data": numbers(tensor.data),
                    ])
                }),
            "optimizer": .object([
                "kind": .string(optimizer.kind), "step": .integer(optimizer.step),
                "hyperparameters": .object(optimizer.hyperparameters.mapValues(PrettyJSON.number)),
                "slots": .object(optimizer.slots.mapValues { .object($0.mapValues(numbers)) }),
            ]),
            "epoch": .integer(epoch),
            "rng": .array(rng.map(PrettyJSON.string)),
        ])
    }

    /// Reads and decodes a checkpoint, checking the format line first.
    public static func read(from path: String) throws(CheckpointError) -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(file: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw .unreadable(file: path, reason: "it is a directory, not a checkpoint file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        return try decode(data, file: path)
    }

    /// Decodes checkpoint JSON; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws(CheckpointError) -> Checkpoint {
        struct Header: Decodable { var format: String }
        let decoder = JSONDecoder()
        do {
            let header = try decoder.decode(Header.self, from: data)
            if header.format != Self.format {
                if header.format.hasPrefix("slope-checkpoint/") {
                    throw CheckpointError.unsupportedVersion(file: file, found: header.format)
                }
                throw CheckpointError.wrongFormat(file: file, found: header.format)
            }
            return try decoder.decode(Checkpoint.self, from: data)
        } catch let error as CheckpointError {
            throw error
        } catch let error as DecodingError {
            throw describe(error, file: file)
        } catch {
            throw .malformed(file: file, detail: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError, file: String) -> CheckpointError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in codingPath + (last.map { [$0] } ?? []) {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context): return .missingField(file: file, field: path(context.codingPath, key))
        case .typeMismatch(let type, let context):
            return .invalidField(file: file, field: path(context.codingPath), reason: "is not a \(type)")
        case .valueNotFound(let type, let context):
            return .invalidField(file: file, field: path(context.codingPath), reason: "is null, expected a \(type)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                let underlying = context.underlyingError.map { " (\($0))" } ?? ""
                return .malformed(file: file, detail: context.debugDescription + underlying)
            }
            return .invalidField(file: file, field: path(context.codingPath), reason: context.debugDescription)
        @unknown default: return .malformed(file: file, detail: "\(error)")
        }
    }

    /// Checks that this checkpoint fits `network` and `optimizer`, then loads parameters
    /// and optimizer memory into them and returns the restored generator.
    /// Nothing is changed when a check fails.
    public func restore(into network: Sequential, optimizer: any Optimizer, file: String) throws(CheckpointError)
        -> SeededGenerator
    {
        let expected = Architecture(network)
        // Layer kinds first: a different chain makes every later message meaningless.
        if architecture.layers.count != expected.layers.count {
            throw .architectureMismatch(
                file: file, field: "architecture.layers", found: "\(architecture.layers.count) layers",
                expected: "\(expected.layers.count) layers")
        }
        for (index, (saved, wanted)) in zip(architecture.layers, expected.layers).enumerated() where saved.kind != wanted.kind {
            throw .architectureMismatch(
                file: file, field: "architecture.layers[\(index)].kind", found: "\"\(saved.kind)\"",
                expected: "\"\(wanted.kind)\"")
        }
        if architecture.loss != expected.loss {
            throw .architectureMismatch(
                file: file, field: "architecture.loss", found: "\"\(architecture.loss ?? "none")\"",
                expected: "\"\(expected.loss ?? "none")\"")
        }
        // Parameters: names, shapes, lengths.
        let named = network.namedParameters
        var saved: [String: NamedTensor] = [:]
        for (index, tensor) in parameters.enumerated() {
            // Checked arithmetic: the shape comes from the file ([4294967296, 4294967296]
            // trapped on overflow here; CheckpointTests keeps the input).
            guard let count = Tensor.validCount(of: tensor.shape) else {
                throw .invalidField(
                    file: file, field: "parameters[\(index)].shape",
                    reason: "\(tensor.shape) is not a shape (a negative size, or more elements than an Int counts)")
            }
            guard count == tensor.data.count else {
                throw .invalidField(
                    file: file, field: "parameters[\(index)].data",
                    reason: "has \(tensor.data.count) values but shape \(tensor.shape) needs \(count)")
            }
            saved[tensor.name] = tensor
        }
        for (name, parameter) in named {
            guard let tensor = saved[name] else { throw .missingParameter(file: file, name: name) }
            guard tensor.shape == parameter.value.shape else {
                throw .parameterShape(file: file, name: name, found: tensor.shape, expected: parameter.value.shape)
            }
        }
        let known = Set(named.map(\.name))
        if let extra = parameters.first(where: { !known.contains($0.name) }) {
            throw .unexpectedParameter(file: file, name: extra.name)
        }
        for (index, (saved, wanted)) in zip(architecture.layers, expected.layers).enumerated() where saved.config != wanted.config
        {
            throw .architectureMismatch(
                file: file, field: "architecture.layers[\(index)].config", found: "\(saved.config.sorted { $0.key < $1.key })",
                expected: "\(wanted.config.sorted { $0.key < $1.key })")
        }
        guard epoch >= 0 else { throw .invalidField(file: file, field: "epoch", reason: "is negative (\(epoch))") }
        let words = rng.compactMap { UInt64($0, radix: 16) }
        guard words.count == rng.count, let generator = SeededGenerator(state: words) else {
            throw .invalidField(file: file, field: "rng", reason: "must hold four hexadecimal 64-bit words, not all zero")
        }
        // Optimizer last; on failure its previous memory is put back, so nothing changes.
        do throws(OptimizerStateError) {
            let current = optimizer.state(naming: named)
            do throws(OptimizerStateError) { try optimizer.restore(self.optimizer, naming: named) } catch {
                try? optimizer.restore(current, naming: named)
                throw error
            }
        } catch {
            throw .optimizer(file: file, error)
        }
        for (name, parameter) in named {
            let tensor = saved[name]!
            parameter.value = Tensor(shape: tensor.shape, data: tensor.data)
            parameter.zeroGradient()
        }
        return generator
    }
}
