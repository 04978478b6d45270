import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

@Suite struct StepSweepTests {
    @Test func aRightGradientShowsSecondOrderAndAV() throws {
        let example = LayerExample.make(.tanh, seed: 1)
        let sweep = try StepSweep.run(example.layer, inputs: example.inputs, name: "Tanh")
        #expect(abs(sweep.fittedOrder - 2) < 0.3, "fitted order \(sweep.fittedOrder)")
        // The V: the best step is inside, not at either end, and both ends are worse.
        #expect(sweep.best.step < 1e-2 && sweep.best.step > 1e-11)
        #expect(sweep.points.first!.error > 100 * sweep.best.error)
        #expect(sweep.points.last!.error > 100 * sweep.best.error)
    }

    @Test func fourthOrderStencilShowsFourthOrder() throws {
        let example = LayerExample.make(.sigmoid, seed: 2)
        let sweep = try StepSweep.run(example.layer, inputs: example.inputs, name: "Sigmoid", stencil: .fourthOrder)
        #expect(sweep.fittedOrder > 3.3, "fitted order \(sweep.fittedOrder)")
    }

    @Test func aWrongGradientShowsOrderZero() throws {
        guard case .layer(let layer, let inputs) = BrokenLayer.tanhSignFlipped.subject() else {
            Issue.record("the sign-flipped tanh is no longer a layer subject")
            return
        }
        let sweep = try StepSweep.run(layer, inputs: inputs, name: "broken")
        #expect(abs(sweep.fittedOrder) < 0.2, "fitted order \(sweep.fittedOrder)")
    }
}
