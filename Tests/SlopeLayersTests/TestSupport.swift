import Testing

@testable import SlopeLayers

// One tolerance helper for the whole target, modelled on swift-numerics'
// `isApproximatelyEqual(to:absoluteTolerance:relativeTolerance:)`:
// a and b are close when |a − b| ≤ max(atol, rtol · max(|a|, |b|)).
// Equal values (including equal infinities) are always close; NaN is close to nothing.

/// Whether `a` and `b` agree within a relative and an absolute tolerance.
func isClose(_ a: Double, _ b: Double, rtol: Double = 1e-12, atol: Double = 1e-12) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= max(atol, rtol * max(abs(a), abs(b)))
}

/// Whether two tensors have the same shape and element-wise close values.
func isClose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-12, atol: Double = 1e-12) -> Bool {
    a.shape == b.shape && zip(a.data, b.data).allSatisfy { isClose($0, $1, rtol: rtol, atol: atol) }
}

/// A tensor from a shape and its row-major values (test shorthand).
func tensor(_ shape: [Int], _ data: [Double]) -> Tensor { Tensor(shape: shape, data: data) }

/// A copy with its own storage, so a layer that wrote through a shared buffer is caught.
func deepCopy(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, data: t.data.map { $0 }) }

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

/// A loss built from the registry.
func buildLoss(_ kind: LayerKind) throws -> any LossLayer {
    var generator = SeededGenerator(seed: 1)
    guard case .loss(let loss) = try LayerRegistry.build(kind, using: &generator) else {
        Issue.record("\(kind.rawValue) built as a layer")
        throw LayerError.unknownKind(kind.rawValue, known: [])
    }
    return loss
}
