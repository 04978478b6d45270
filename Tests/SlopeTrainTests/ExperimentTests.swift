import SlopeLayers
import Testing

@testable import SlopeTrain

@Suite struct ChainFitTests {
    @Test func correctGradientsLearnMinusX() throws {
        let result = try Experiments.chain()
        #expect(result.predictions.count == 2)
        #expect(abs(result.predictions[0] - (-1)) < 0.05, "prediction for 1: \(result.predictions[0])")
        #expect(abs(result.predictions[1] - 1) < 0.05, "prediction for -1: \(result.predictions[1])")
        #expect(result.run.history.stepLoss.count == 320)
    }

    @Test func theSeedsBuggyGradientDoesNotLearn() throws {
        let result = try Experiments.chain(buggyGradient: true)
        #expect(abs(result.predictions[0] - (-1)) > 0.5, "buggy prediction for 1: \(result.predictions[0])")
    }
}

@Suite struct SpiralFitTests {
    @Test func trainingAccuracyIsAbove95Percent() throws {
        let result = try Experiments.spiral()
        #expect(result.accuracy > 0.95, "accuracy \(result.accuracy)")
        let regions = result.decisionRegions(resolution: 20)
        #expect(regions.xs.count == 20 && regions.ys.count == 20 && regions.classes.count == 400)
        #expect(Set(regions.classes) == [0, 1, 2])
    }
}
