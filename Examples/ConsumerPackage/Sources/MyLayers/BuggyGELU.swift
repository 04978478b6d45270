import Foundation
import SlopeLayers

/// GELU with a deliberate bug in its backward, to show what a failed check looks like.
///
/// Forward (right): y = x Φ(x), Φ(x) = ½(1 + erf(x/√2)), any shape.
/// Backward, right: ∂L/∂x = dout · (Φ(x) + x φ(x)), φ(x) = e^(−x²/2)/√(2π).
/// Backward, **as written here (wrong)**: dout · Φ(x) — the product rule's x φ(x) term is lost.
public final class BuggyGELU: UnaryLayer {
    public let kindName = "BuggyGELU"
    private var x: Tensor?

    public init() {}

    static func cdf(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { $0 * Self.cdf($0) }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        guard let x else { throw .backwardBeforeForward(layer: kindName) }
        guard dout.shape == x.shape else { throw .upstreamShape(layer: kindName, expected: x.shape, actual: dout.shape) }
        return dout.zipMap(x) { d, x in d * Self.cdf(x) }  // the bug: + x·φ(x) is missing
    }
}
