import Foundation
import SlopeLayers
import Testing

@testable import SlopeTrain

/// Foundation's encoder with the checkpoint's settings: the reference `PrettyJSON` must match.
private func referenceJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

private func text(_ json: PrettyJSON) -> String {
    var text = ""
    json.write(to: &text)
    return text
}

@Suite struct PrettyJSONTests {
    /// Every rule the checkpoint relies on, next to JSONEncoder's output for the same values:
    /// number forms, escapes, empty containers, key order (bytes: "10" before "2", "B" before "a").
    @Test func writesWhatJSONEncoderWrites() throws {
        struct Sample: Encodable {
            var numbers: [Double]
            var integers: [Int]
            var strings: [String]
            var keyed: [String: [Double]]
            var none: [String: Int]
            var empty: [Double]
            var nested: [String: [String: [Double]]]
        }
        let numbers = [
            1, -0.0, 0.015, 1e-5, 1e20, 1.2345678901234567e21, 5e-324, .greatestFiniteMagnitude, 123456, 0.1, 1e16, 1e15,
            2.5e-7, -3e-10, 100, -24.300161740687535, 0.75901243639638438,
        ]
        let strings = ["a/b", "q\"uo\\te", "tab\tnl\ncr\rbs\u{8}ff\u{c}", "ctl\u{1}\u{1f}", "σ ünï 😀", "slope-checkpoint/1"]
        let keys = ["10.Affine.W", "2.Affine.W", "b", "W", "B", "a_b", "aB", "ab", "z10", "z9", "é"]
        var keyed: [String: [Double]] = [:]
        for (index, key) in keys.enumerated() { keyed[key] = [Double(index)] }
        let nested = ["m": ["0.Affine.W": [0.5, 1]], "v": [:]]
        let sample = Sample(
            numbers: numbers, integers: [0, -42, .max, .min], strings: strings, keyed: keyed, none: [:], empty: [],
            nested: nested)
        let json = PrettyJSON.object([
            "numbers": .array(numbers.map(PrettyJSON.number)),
            "integers": .array(sample.integers.map(PrettyJSON.integer)),
            "strings": .array(strings.map(PrettyJSON.string)),
            "keyed": .object(keyed.mapValues { .array($0.map(PrettyJSON.number)) }),
            "none": .object([:]), "empty": .array([]),
            "nested": .object(nested.mapValues { .object($0.mapValues { .array($0.map(PrettyJSON.number)) }) }),
        ])
        #expect(text(json) == (try referenceJSON(sample)))
    }

    /// Checkpoints of every optimizer and shape, including a network of more than ten layers
    /// (parameter names "10.…" sort before "2.…"), are JSONEncoder's bytes, in memory and on disk.
    @Test(arguments: ["SGD", "Momentum", "Adam", "deep"])
    func checkpointsAreJSONEncodersBytes(_ kind: String) throws {
        var generator = SeededGenerator(seed: 4)
        var layers: [any Layer] = [Affine(inFeatures: 1, outFeatures: 4, using: &generator)]
        if kind == "deep" {
            for _ in 0..<6 { layers += [Tanh(), Affine(inFeatures: 4, outFeatures: 4, using: &generator)] }
        }
        layers += [Sigmoid(), Affine(inFeatures: 4, outFeatures: 1, using: &generator)]
        let optimizer: any Optimizer =
            switch kind {
            case "Momentum": Momentum(learningRate: 0.05)
            case "Adam": Adam(learningRate: 0.01)
            default: SGD(learningRate: 0.1)
            }
        let trainer = Trainer(
            network: Sequential(layers, loss: MSE()), optimizer: optimizer,
            loader: BatchLoader(.sine(), batchSize: 64, shuffleSeed: 9))
        try trainer.train(epochs: 3)
        let checkpoint = trainer.checkpoint()
        let reference = try referenceJSON(checkpoint)
        #expect(String(decoding: checkpoint.encoded(), as: UTF8.self) == reference)

        let path = try temporaryDirectory().appendingPathComponent("checkpoint.json").path
        try checkpoint.write(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == reference)
        #expect(try Checkpoint.read(from: path) == checkpoint)
    }

    /// A network without a loss layer has no "loss" key, as `encodeIfPresent` leaves it out.
    @Test func aMissingLossIsLeftOut() throws {
        var checkpoint = Experiments.sineTrainerForTests().checkpoint()
        checkpoint.architecture.loss = nil
        #expect(String(decoding: checkpoint.encoded(), as: UTF8.self) == (try referenceJSON(checkpoint)))
        #expect(!String(decoding: checkpoint.encoded(), as: UTF8.self).contains("\"loss\""))
    }
}
