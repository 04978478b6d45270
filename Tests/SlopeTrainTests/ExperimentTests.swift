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

@Suite struct RunOptionsTests {
    /// Without step losses the history keeps one loss per epoch, and training is the same.
    @Test func stepLossesCanBeLeftOut() throws {
        var options = RunOptions(epochs: 5)
        let recorded = try Experiments.sine(options)
        options.recordsStepLoss = false
        let perEpoch = try Experiments.sine(options)
        #expect(recorded.run.history.stepLoss.count == 15 && perEpoch.run.history.stepLoss.isEmpty)
        #expect(perEpoch.run.history.epochLoss == recorded.run.history.epochLoss)
        #expect(perEpoch.run.history.gradientNorms == recorded.run.history.gradientNorms)
        #expect(perEpoch.run.network.parameters.map(\.value) == recorded.run.network.parameters.map(\.value))
    }
}

@Suite struct SpiralFitTests {
    @Test func trainingAccuracyIsAbove95Percent() throws {
        let result = try Experiments.spiral()
        #expect(result.accuracy > 0.95, "accuracy \(result.accuracy)")
        let regions = result.decisionRegions(resolution: 20)
        #expect(regions.xs.count == 20 && regions.ys.count == 20 && regions.classes.count == 400)
        #expect(Set(regions.classes) == [0, 1, 2])
        // grid[r][c] is the class at (xs[c], ys[r]): row 0 at the bottom.
        let grid = regions.grid
        #expect(grid.count == 20 && grid.allSatisfy { $0.count == 20 })
        #expect(grid[3][17] == Double(regions.classes[3 * 20 + 17]))
        #expect(grid[17][3] == Double(regions.classes[17 * 20 + 3]))
        let points = result.labelledPoints
        #expect(points.count == 300)
        #expect(points[0].x == result.run.dataset.x.data[0] && points[299].y == result.run.dataset.x.data[599])
        #expect(Set(points.map(\.label)) == [0, 1, 2])
    }
}

/// Each experiment's defaults are written once (`ExperimentDefaults`); a run with no
/// options uses them, and the gradient-check sample is six points of the experiment's data.
@Suite struct ExperimentDefaultsTests {
    @Test func aRunWithoutOptionsUsesTheDefaults() throws {
        let chain = try Experiments.chain()
        #expect(chain.run.outcome.epoch == ExperimentDefaults.chain.epochs)
        #expect(chain.run.history.stepLoss.count == ExperimentDefaults.chain.epochs * Dataset.chain().count)
        let spiral = try Experiments.spiral(RunOptions(epochs: 2))
        #expect(spiral.run.history.stepLoss.count == 2)  // full batch: one step per epoch
    }

    @Test(arguments: Experiment.allCases)
    func checkSampleIsSixPointsOfItsOwnData(_ experiment: Experiment) throws {
        let sample = experiment.checkSample()
        let rows = min(6, experiment.dataSize)
        #expect(sample.input.shape[0] == rows && sample.target.shape[0] == rows)
        #expect(throws: Never.self) { try sample.network.forward(sample.input) }
    }

    @Test func dataSizeMatchesTheDataSets() {
        #expect(Experiment.sine.dataSize == Dataset.sine().count)
        #expect(Experiment.chain.dataSize == Dataset.chain().count)
        #expect(Experiment.spiral.dataSize == Experiments.spiralData(seed: 0).count)
    }
}
