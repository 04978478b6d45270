import SlopeCheck
import SlopeLayers

/// LayerNorm's own exact identity, checked by every gradient check of it beside the finite
/// differences (`GradientIdentities`, no edit to Slope): adding a constant to a row of x
/// leaves y unchanged, so each row of ∂L/∂x sums to 0 — whatever the step or tolerance.
extension LayerNorm: GradientIdentities {
    public static let rowSumsVanish = InvariantName("identity: each row of ∂L/∂x sums to 0")

    public func identities(inputs: [Tensor], upstream: Tensor) throws -> [InvariantResult] {
        _ = try forward(inputs[0])
        return [Self.rowSums(of: try backward(upstream)[0], features: gamma.value.count)]
    }

    /// The identity on a given ∂L/∂x of rows of `features` values: each row sums to 0 within
    /// rounding (1e-10 of the largest element).
    public static func rowSums(of dx: Tensor, features: Int) -> InvariantResult {
        var worst = 0.0
        for row in 0..<(dx.count / features) {
            worst = max(worst, abs(dx.data[(row * features)..<((row + 1) * features)].reduce(0, +)))
        }
        return worst <= 1e-10 * max(1, dx.maxMagnitude)
            ? .pass(rowSumsVanish, "largest |row sum| \(worst)")
            : .fail(rowSumsVanish, "a row of ∂L/∂x sums to \(worst), not 0: the mean's derivative is missing?")
    }
}
