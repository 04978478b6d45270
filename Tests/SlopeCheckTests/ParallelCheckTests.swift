import Testing

@testable import SlopeCheck
@testable import SlopeLayers
@testable import SlopeZoo

/// Element checks spread over worker copies must give the one-thread report exactly.
@Suite struct ParallelCheckTests {
    @Test(arguments: [LayerKind.conv2D, .affine, .maxPool2D, .batchNorm])
    func workersReproduceTheSerialReport(kind: LayerKind) {
        let example = LayerExample.make(kind, seed: 3)
        let serial = GradientCheck(seed: 3).run(example.layer, inputs: example.inputs, name: kind.rawValue)
        let parallel = GradientCheck(seed: 3).run(
            making: { LayerExample.make(kind, seed: 3).layer }, inputs: example.inputs, name: kind.rawValue, workers: 3)
        #expect(parallel.verdict == serial.verdict)
        #expect(parallel.forwardPasses == serial.forwardPasses)
        // zip stops at the shorter list: a report that lost a tensor must fail here, not pass.
        #expect(parallel.tensors.map(\.tensor) == serial.tensors.map(\.tensor))
        #expect(!serial.tensors.isEmpty)
        for (p, s) in zip(parallel.tensors, serial.tensors) {
            #expect(p.checked == s.checked)
            #expect(p.maxAbsoluteError == s.maxAbsoluteError, "\(kind) \(p.tensor)")
            #expect(p.worst == s.worst)
            #expect(p.census == s.census)
        }
    }

    @Test func aBrokenLayerFailsWithWorkersToo() throws {
        guard case .layer(_, let inputs) = BrokenLayer.tanhSignFlipped.subject(seed: 1) else {
            Issue.record("the sign-flipped tanh is no longer a layer subject")
            return
        }
        // Each worker's copy, made the same way; the guard above has shown it is a layer.
        let subject: @Sendable () -> any Layer = {
            guard case .layer(let layer, _) = BrokenLayer.tanhSignFlipped.subject(seed: 1) else { fatalError() }
            return layer
        }
        let report = GradientCheck().run(making: subject, inputs: inputs, name: "broken", workers: 2)
        #expect(report.verdict == .fail)
        let first = try #require(report.tensors.first)
        #expect(first.checked > 0 && first.failed == first.checked)
    }
}
