import SlopeLayers
import Testing

@testable import SlopeCheck

/// The gate's code-path cases take the paths their names promise (`make coverage` and
/// `make mutants` measure the result; these fail at once when a case is edited off its path).
@Suite struct CodePathCaseTests {
    func layer<L: Layer>(_ name: String, as type: L.Type) throws -> (L, [Tensor]) {
        let found = try #require(CheckRegistry.builtIn.named(name), "no case \(name)")
        guard case .layer(let layer, let inputs) = try found.subject(seed: 0), let typed = layer as? L else {
            throw CodePathError(name: name)
        }
        return (typed, inputs)
    }

    struct CodePathError: Error { var name: String }

    @Test func affineCasesStraddleTheBLASThreshold() throws {
        for name in ["Affine/one-output", "Affine/one-input", "Affine/wide", "Affine/wide-3", "Affine/wide-1", "Affine/BLAS"] {
            let (affine, inputs) = try layer(name, as: Affine.self)
            let work = inputs[0].shape[0] * affine.inFeatures * affine.outFeatures
            #expect((work >= Tensor.blasThreshold) == (name == "Affine/BLAS"), "\(name): \(work) multiply-adds")
        }
        #expect(try layer("Affine/one-output", as: Affine.self).0.outFeatures == 1)
        #expect(try layer("Affine/one-input", as: Affine.self).0.inFeatures == 1)
        // Column groups of 4 × 8: 45 = 4 blocks + 2 overlapping, 36 = 3 + 2, 40 = 4 + 1.
        #expect(
            try [("Affine/wide", 45), ("Affine/wide-3", 36), ("Affine/wide-1", 40)].allSatisfy {
                try layer($0.0, as: Affine.self).0.outFeatures == $0.1
            })
    }

    @Test func convolutionCasesTakeTheirShapes() throws {
        let (one, x) = try layer("Conv2D/one-position", as: Conv2D.self)
        #expect(try one.forward(x[0]).shape.suffix(2) == [1, 1])
        let (uneven, _) = try layer("Conv2D/uneven", as: Conv2D.self)
        #expect(uneven.stride.0 != uneven.stride.1 && uneven.padding.0 != uneven.padding.1)
        #expect(uneven.kernel.0 != uneven.kernel.1)
        let (narrow, y) = try layer("Conv2D/narrow", as: Conv2D.self)
        let positions = try narrow.forward(y[0]).shape.suffix(2).reduce(1, *) * y[0].shape[0]
        #expect(positions < 4, "k of the weight gradient's product is \(positions)")
    }

    @Test func broadcastAndModeCasesTakeTheirPaths() throws {
        #expect(try layer("Mul/scalar-y", as: Mul.self).1[1].count == 1)
        #expect(try layer("Mul/scalar-x", as: Mul.self).1[0].count == 1)
        #expect(try layer("Add/scalar-y", as: Add.self).1[1].count == 1)
        #expect(try !layer("BatchNorm/inference", as: BatchNorm.self).0.isTraining)
        #expect(try !layer("Dropout/inference", as: Dropout.self).0.isTraining)
        let pool = try layer("MaxPool2D/3×2", as: MaxPool2D.self).0
        #expect(pool.kernel.0 != pool.kernel.1 && pool.stride.0 < pool.kernel.0, "non-square and overlapping")
    }
}
