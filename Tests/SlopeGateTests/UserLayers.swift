import Foundation
import SlopeCheck
import SlopeLayers

// A user's own layers, registered for a gate the way a user would (no edit to Slope).

/// GELU, tanh approximation: y = ½x(1 + tanh(c(x + 0.044715x³))), c = √(2/π).
/// dy/dx = ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²), t = tanh(c(x + 0.044715x³)).
final class GELU: UnaryLayer {
    let kindName = "GELU"
    /// The planted bug: forget the chain rule's inner factor c(1 + 3·0.044715x²).
    let forgetsInnerFactor: Bool
    private var x: Tensor?
    static let c = (2 / Double.pi).squareRoot()

    init(forgetsInnerFactor: Bool = false) { self.forgetsInnerFactor = forgetsInnerFactor }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { 0.5 * $0 * (1 + tanh(Self.c * ($0 + 0.044715 * $0 * $0 * $0))) }
    }

    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        var dx = Tensor.zeros(x.shape)
        for i in 0..<x.count {
            let v = x.data[i]
            let t = tanh(Self.c * (v + 0.044715 * v * v * v))
            let inner = forgetsInnerFactor ? 1 : Self.c * (1 + 3 * 0.044715 * v * v)
            dx.data[i] = upstream.data[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * inner)
        }
        return dx
    }
}

/// Breaks the contract of `Layer`: its gradient is the upstream flattened.
final class FlatGradient: UnaryLayer {
    let kindName = "FlatGradient"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor { upstream.reshaped([upstream.count]) }
}

enum UserChecks {
    static func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .uniform(shape, in: -2..<2, using: &rng)
    }

    static let geluFixture = FixtureKind(name: "GELU") { _ in .layer(GELU()) }
    static let buggyFixture = FixtureKind(name: "BuggyGELU") { _ in .layer(GELU(forgetsInnerFactor: true)) }

    static var registry: CheckRegistry {
        get throws {
            try CheckRegistry(
                suite: "MyLayers",
                cases: [
                    .layer("GELU", summary: "tanh-approximated GELU", fixture: geluFixture) { seed in
                        (GELU(), [input([3, 4], seed: seed)])
                    },
                    .layer("BuggyGELU", summary: "GELU without the inner factor", fixture: buggyFixture) { seed in
                        (GELU(forgetsInnerFactor: true), [input([3, 4], seed: seed)])
                    },
                    .network("GELUNet", summary: "Affine → GELU → Affine with MSE") { seed in
                        var rng = SeededGenerator(seed: seed)
                        let network = Sequential(
                            [
                                Affine(inFeatures: 3, outFeatures: 5, using: &rng), GELU(forgetsInnerFactor: true),
                                Affine(inFeatures: 5, outFeatures: 2, using: &rng),
                            ], loss: MSE())
                        return (network, input([4, 3], seed: seed &+ 1), input([4, 2], seed: seed &+ 2))
                    },
                    .layer("WideGELU", summary: "a large case, to see the cost note") { seed in
                        (GELU(), [input([150, 150], seed: seed)])
                    },
                    .layer("FlatGradient", summary: "a gradient of the wrong shape") { seed in
                        (FlatGradient(), [input([2, 3], seed: seed)])
                    },
                    .layer("Unbuildable", summary: "a builder that throws") { _ in
                        throw LayerError.invalidConfig(layer: "GELU", key: "width", reason: "must be positive")
                    },
                ])
        }
    }
}
