import Foundation
import SlopeLayers
import SlopeTestSupport
import Testing

@testable import SlopeTrain

private func parameter(_ values: [Double], gradient: [Double]) -> Parameter {
    let p = Parameter("w", Tensor(shape: [values.count], data: values))
    p.gradient = Tensor(shape: [gradient.count], data: gradient)
    return p
}

@Suite struct OptimizerTests {
    @Test func sgdSubtractsTheScaledGradient() {
        let p = parameter([1, -2], gradient: [0.5, -4])
        SGD(learningRate: 0.1).step([p])
        #expect(p.value.data == [1 - 0.1 * 0.5, -2 + 0.1 * 4])
    }

    @Test func momentumAccumulatesVelocity() {
        let p = parameter([0], gradient: [1])
        let optimizer = Momentum(learningRate: 0.1, momentum: 0.9)
        optimizer.step([p])  // v = -0.1
        optimizer.step([p])  // v = 0.9·(-0.1) - 0.1 = -0.19
        #expect(isClose(p.value.data[0], -0.29, rtol: 1e-15))
    }

    @Test func adamsFirstStepIsTheLearningRateTimesTheSign() {
        // With bias correction m̂ = g and v̂ = g², so the first step is lr·g/(|g| + ε).
        let p = parameter([1, 1], gradient: [3, -0.02])
        Adam(learningRate: 0.01).step([p])
        #expect(isClose(p.value.data[0], 0.99, rtol: 1e-9))
        #expect(isClose(p.value.data[1], 1.01, rtol: 1e-6))
    }

    @Test func adamMatchesTheFormulaOverSteps() {
        let p = parameter([0.5], gradient: [0])
        let adam = Adam(learningRate: 0.05, beta1: 0.8, beta2: 0.9, epsilon: 1e-6)
        var (x, m, v) = (0.5, 0.0, 0.0)
        for t in 1...5 {
            let g = 2 * x - 1  // gradient of (x - 0.5)² + x... any function of x
            p.gradient = Tensor(shape: [1], data: [g])
            adam.step([p])
            m = 0.8 * m + 0.2 * g
            v = 0.9 * v + 0.1 * g * g
            x -= 0.05 * (m / (1 - pow(0.8, Double(t)))) / ((v / (1 - pow(0.9, Double(t)))).squareRoot() + 1e-6)
        }
        #expect(p.value.data[0] == x)
        #expect(adam.stepCount == 5)
    }

    @Test func stateRoundTripsByParameterName() throws {
        let p = parameter([1, 2, 3], gradient: [0.1, 0.2, 0.3])
        let adam = Adam()
        adam.step([p])
        let state = adam.state(naming: [("0.Affine.W", p)])
        #expect(state.kind == "Adam" && state.step == 1)
        #expect(state.slots["m"]?["0.Affine.W"]?.count == 3)

        let q = parameter([1, 2, 3], gradient: [0.1, 0.2, 0.3])
        let copy = Adam()
        try copy.restore(state, naming: [("0.Affine.W", q)])
        q.value = p.value
        adam.step([p])
        copy.step([q])
        #expect(p.value == q.value)

        #expect(throws: OptimizerStateError.missingSlot(field: "optimizer.slots.m.1.Affine.W")) {
            try Adam().restore(state, naming: [("1.Affine.W", q)])
        }
        #expect(throws: OptimizerStateError.wrongKind(expected: "Momentum", found: "Adam")) {
            try Momentum(learningRate: 1).restore(state, naming: [("0.Affine.W", q)])
        }
    }
}

@Suite struct DataTests {
    @Test func sineIs200PointsOfTwentySinTwoPiX() {
        let data = Dataset.sine()
        #expect(data.x.shape == [200, 1] && data.y.shape == [200, 1])
        #expect(data.x.data[0] == 0 && data.x.data[1] == 0.01 && data.x.data[199] == 1.99)
        #expect(data.y.data[37] == 20 * sin(2 * Double.pi * (37.0 / 100)))
    }

    @Test func chainIsMinusX() {
        let data = Dataset.chain()
        #expect(data.x.data == [1, -1] && data.y.data == [-1, 1])
    }

    @Test func spiralIsSeededAndOneHot() {
        let a = Dataset.spiral(pointsPerClass: 50, classes: 3, seed: 4)
        #expect(a.x.shape == [150, 2] && a.y.shape == [150, 3])
        #expect(a == Dataset.spiral(pointsPerClass: 50, classes: 3, seed: 4))
        #expect(a != Dataset.spiral(pointsPerClass: 50, classes: 3, seed: 5))
        for row in 0..<150 {
            let labels = Array(a.y.data[(row * 3)..<(row * 3 + 3)])
            #expect(labels.reduce(0, +) == 1 && labels[row / 50] == 1)
        }
        // Radius grows from 0 to 1 along each arm.
        #expect(a.x.data[0] == 0 && a.x.data[1] == 0)
        #expect(isClose(hypot(a.x.data[98], a.x.data[99]), 1, rtol: 1e-12))
    }

    @Test func inOrderBatchesKeepTheShortLastBatch() {
        var loader = BatchLoader(.sine(), batchSize: 90)
        let batches = loader.nextEpoch()
        #expect(batches.map { $0.x.shape } == [[90, 1], [90, 1], [20, 1]])
        #expect(batches[1].x.data.first == 0.9 && batches[2].y.data == Array(Dataset.sine().y.data[180...]))
    }

    @Test func shuffledBatchesAreSeededPermutations() {
        var a = BatchLoader(.sine(), batchSize: 64, shuffleSeed: 9)
        var b = BatchLoader(.sine(), batchSize: 64, shuffleSeed: 9)
        let first = a.nextEpoch(), second = a.nextEpoch()
        #expect(first.map(\.x) == b.nextEpoch().map(\.x))
        #expect(first.map(\.x) != second.map(\.x))
        #expect(first.map(\.x.shape[0]) == [64, 64, 64, 8])
        #expect(first.flatMap(\.x.data).sorted() == Dataset.sine().x.data)
        // x and y stay paired.
        for batch in first { #expect(batch.y.data == batch.x.data.map { 20 * sin(2 * Double.pi * $0) }) }
    }
}

@Suite struct HistoryTests {
    @Test func csvHasAHeaderAndOneRowPerEpoch() throws {
        let trainer = Experiments.sineTrainerForTests()
        try trainer.train(epochs: 3)
        let lines = trainer.history.csv().split(separator: "\n")
        #expect(lines.first == "epoch,loss,gradnorm.0.Affine.W,gradnorm.0.Affine.b,gradnorm.2.Affine.W,gradnorm.2.Affine.b")
        #expect(lines.count == 4)
        let row = lines[1].split(separator: ",")
        #expect(row.count == 6 && row[0] == "1" && Double(row[1]) == trainer.history.epochLoss[0])
        #expect(trainer.history.gradientNorms.allSatisfy { $0.count == 4 && $0.allSatisfy { $0 > 0 } })
    }

    @Test func writingIsAtomicAndAnUnwritablePathIsAnError() throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("history.csv").path
        var history = History(parameterNames: ["0.Affine.W"])
        history.epochLoss = [2, 1]
        history.gradientNorms = [[0.5], [0.25]]
        try history.writeCSV(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "epoch,loss,gradnorm.0.Affine.W\n1,2.0,0.5\n2,1.0,0.25\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["history.csv"])
        #expect(throws: FileWriteError.self) { try history.writeCSV(to: "/nonexistent/dir/history.csv") }
    }

    /// The file is written a piece at a time: a history of several times the writer's
    /// 64 KiB buffer arrives whole, byte for byte the text of `csv()`.
    @Test func aLongHistoryIsStreamedByteForByte() throws {
        let directory = try temporaryDirectory()
        var history = History(parameterNames: ["0.Affine.W", "0.Affine.b"])
        for epoch in 1...5_000 {
            history.epochLoss.append(1 / Double(epoch))
            history.appendGradientNorms([Double(epoch) / 3, .pi * Double(epoch)])
        }
        let path = directory.appendingPathComponent("history.csv").path
        try history.writeCSV(to: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count > 4 * 65_536)
        #expect(written == Data(history.csv().utf8))
    }

    /// Gradient norms are kept as one flat array of equally long rows.
    @Test func gradientNormRowsReadBackAsRecorded() {
        var history = History(parameterNames: ["a", "b"])
        history.gradientNorms = [[1, 2], [3, 4], [5, 6]]
        history.appendGradientNorms([7, 8])
        #expect(history.gradientNormRowCount == 4)
        #expect(Array(history.gradientNorms(at: 1)) == [3, 4])
        #expect(history.lastGradientNorms == [7, 8])
        #expect(history.gradientNorms == [[1, 2], [3, 4], [5, 6], [7, 8]])
        #expect(history.gradientNormValues == [1, 2, 3, 4, 5, 6, 7, 8])

        // A network without parameters records rows of no norms.
        var empty = History(parameterNames: [])
        empty.epochLoss = [2, 1]
        empty.appendGradientNorms([])
        empty.appendGradientNorms([])
        #expect(empty.gradientNormRowCount == 2 && empty.gradientNorms == [[], []])
        #expect(empty.csv() == "epoch,loss\n1,2.0\n2,1.0\n")
    }
}

@Suite struct ProgressLineTests {
    @Test func theLineReadsLikeTheExample() {
        #expect(
            ProgressLine.format(epoch: 1200, total: 40000, loss: 3.2134, epochsPerSecond: 8400)
                == "epoch 1200/40000  loss 3.21  8,400 epochs/s  ETA 5s")
        #expect(ProgressLine.formatDuration(125) == "2m05s")
        #expect(ProgressLine.groupThousands(1_234_567) == "1,234,567")
    }

    /// Text written and a clock the test moves.
    final class Capture: @unchecked Sendable {
        var text = ""
        var now = 0.0
    }

    @Test func plainLinesComeEveryIntervalAndTheTerminalRedrawsInPlace() {
        let capture = Capture()
        let lines = ProgressLine(total: 100, mode: .lines(every: 2), write: { capture.text += $0 }, clock: { capture.now })
        for epoch in 0...100 {
            capture.now = Double(epoch) * 0.1
            lines.update(epoch: epoch, loss: 1)
        }
        #expect(capture.text.split(separator: "\n").count == 5)  // at 2, 4, 6, 8, 10 s
        #expect(!capture.text.contains("\r"))

        capture.text = ""
        let terminal = ProgressLine(total: 100, mode: .terminal, write: { capture.text += $0 }, clock: { capture.now })
        terminal.update(epoch: 0, loss: 1)
        capture.now += 1
        terminal.update(epoch: 10, loss: 0.5)
        terminal.finish(epoch: 10, loss: 0.5)
        #expect(capture.text.hasPrefix("\repoch 10/100  loss 0.5  10 epochs/s  ETA 9s"))
        #expect(capture.text.hasSuffix("\n"))

        capture.text = ""
        let quiet = ProgressLine(total: 100, mode: .quiet, write: { capture.text += $0 }, clock: { capture.now })
        quiet.update(epoch: 1, loss: 1)
        quiet.finish(epoch: 1, loss: 1)
        #expect(capture.text.isEmpty)
    }
}
