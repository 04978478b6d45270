import SlopeTestSupport
import Testing

@testable import SlopeLayers

/// A tensor from a shape and its row-major values (test shorthand).
func tensor(_ shape: [Int], _ data: [Double]) -> Tensor { Tensor(shape: shape, data: data) }

/// Runs `body`, expects a `LayerError`, and expects its description to mention every fragment
/// (the layer name, the shapes, the keys). Returns the error for further checks.
@discardableResult
func expectLayerError(
    mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> LayerError? {
    let error = #expect(throws: LayerError.self, sourceLocation: sourceLocation) { try body() }
    if let error {
        for fragment in fragments {
            #expect(
                error.description.contains(fragment), "\"\(error.description)\" should mention \(fragment)",
                sourceLocation: sourceLocation)
        }
    }
    return error
}

/// A layer (not a loss) built from the registry.
func buildLayer(_ kind: LayerKind, _ config: [String: ConfigValue] = [:], seed: UInt64 = 1) throws -> any Layer {
    var generator = SeededGenerator(seed: seed)
    guard case .layer(let layer) = try LayerRegistry.build(kind, config: config, using: &generator) else {
        Issue.record("\(kind.rawValue) built as a loss")
        throw LayerError.unknownKind(kind.rawValue, known: [])
    }
    return layer
}
