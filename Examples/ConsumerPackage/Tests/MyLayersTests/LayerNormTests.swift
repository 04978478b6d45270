import MyLayers
import SlopeCheck
import SlopeLayers
import SlopeTesting
import Testing

/// The user's own layer, checked by finite differences in one line per test.
struct LayerNormTests {
    static func input(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .uniform(shape, in: -2..<2, using: &rng)
    }

    @Test(arguments: [[1, 4], [3, 5], [2, 3, 6]])
    func backwardMatchesFiniteDifferences(shape: [Int]) {
        let features = shape.last!
        let gamma = Self.input([features], seed: 2).data.map { 1 + 0.5 * $0 }
        let beta = Self.input([features], seed: 3).data
        let report = expectGradientsCorrect(
            LayerNorm(features: features, gamma: gamma, beta: beta), inputs: [Self.input(shape)])
        #expect(report.tensors.count == 3)  // x, gamma, beta
        // The layer's own identity ran with the check, and held.
        #expect(report.invariants.contains { $0.name == LayerNorm.rowSumsVanish && $0.verdict == .pass })
    }

    /// The identity can fail: a ∂L/∂x whose second row does not sum to 0.
    @Test func theRowSumIdentityCatchesAMissingMeanTerm() {
        let dx = Tensor(rows: [[0.5, -0.25, -0.25], [0.5, 0.25, -0.25]])
        let result = LayerNorm.rowSums(of: dx, features: 3)
        #expect(result.verdict == .fail)
        #expect(result.detail.contains("sums to 0.5"), "\(result.detail)")
    }

    @Test func inANetworkWithALoss() {
        var rng = SeededGenerator(seed: 4)
        let network = Sequential(
            [Affine(inFeatures: 3, outFeatures: 4, using: &rng), LayerNorm(features: 4), Tanh()], loss: MSE())
        expectGradientsCorrect(network: network, input: Self.input([5, 3]), target: Self.input([5, 4], seed: 5))
    }
}
