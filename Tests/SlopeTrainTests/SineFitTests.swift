import SlopeLayers
import SlopeTestSupport
import Testing

@testable import SlopeTrain

/// The seed's reference trajectory (docs/baselines.md, numpy): last-batch MSE before its update.
@Suite struct SineFitTests {
    @Test func firstEpochMatchesTheReference() throws {
        let result = try Experiments.sine(RunOptions(epochs: 1))
        let loss = try #require(result.run.finalLoss)
        #expect(isClose(loss, 290.12502343146394, rtol: 1e-12), "epoch 1 loss \(loss)")
        #expect(result.run.history.stepLoss.count == 3)
    }

    @Test func epoch5000MatchesTheReference() throws {
        let result = try Experiments.sine(RunOptions(epochs: 5_000))
        let loss = try #require(result.run.finalLoss)
        #expect(isClose(loss, 15.594324048675251, rtol: 1e-10), "epoch 5000 loss \(loss)")
        #expect(result.run.history.epochLoss.count == 5_000)
        #expect(isClose(result.run.history.epochLoss[0], 290.12502343146394, rtol: 1e-12))
    }

    @Test func batchesAre90And90And20() {
        #expect(BatchLoader(.sine(), batchSize: 90).batchSizes == [90, 90, 20])
    }
}
