import SlopeLayers

/// The classes a classifier assigns over a grid of points, for a decision-region heat map.
public struct DecisionRegions: Sendable, Equatable {
    /// Grid coordinates: `xs[column]`, `ys[row]`.
    public let xs: [Double]
    public let ys: [Double]
    /// The class of point (xs[c], ys[r]) at `classes[r * xs.count + c]`.
    public let classes: [Int]

    /// The classes as rows of a heat map, `grid[r][c]` the class at (xs[c], ys[r]), row 0
    /// at the bottom (as `Chart.heatMap` takes them).
    public var grid: [[Double]] {
        let n = xs.count
        return (0..<ys.count).map { r in (0..<n).map { c in Double(classes[r * n + c]) } }
    }
}

/// The spiral experiment's result.
public struct SpiralFitResult {
    public let run: ExperimentResult
    /// Fraction of training points classified correctly.
    public let accuracy: Double

    /// The training points with their true class, for drawing over the regions.
    public var labelledPoints: [(x: Double, y: Double, label: Int)] {
        let data = run.dataset
        let labels = Experiments.argmaxRows(data.y)
        return (0..<data.count).map { i in (x: data.x.data[2 * i], y: data.x.data[2 * i + 1], label: labels[i]) }
    }

    /// The predicted class of every row of `points` (`[N, 2]`): the arg-max logit.
    public func classify(_ points: Tensor) -> [Int] {
        guard let logits = try? run.network.forward(points) else { return [] }
        return Experiments.argmaxRows(logits)
    }

    /// Classes over a `resolution`×`resolution` grid covering `xRange` × `yRange`.
    public func decisionRegions(
        xRange: ClosedRange<Double> = -1.5...1.5, yRange: ClosedRange<Double> = -1.5...1.5, resolution: Int = 200
    ) -> DecisionRegions {
        precondition(resolution >= 2, "a grid needs at least 2 points per side")
        func axis(_ range: ClosedRange<Double>) -> [Double] {
            (0..<resolution).map {
                range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(resolution - 1)
            }
        }
        let xs = axis(xRange), ys = axis(yRange)
        var points = [Double]()
        points.reserveCapacity(2 * resolution * resolution)
        for y in ys { for x in xs { points += [x, y] } }
        return DecisionRegions(xs: xs, ys: ys, classes: classify(Tensor(shape: [resolution * resolution, 2], data: points)))
    }
}

extension Experiments {
    /// The cs231n spiral: 3 classes × 100 points, Affine(2, 100) → ReLU → Affine(100, 3)
    /// → SoftmaxWithLoss, Adam (lr 0.01), full batch unless `batchSize` is given
    /// (then shuffled each epoch), 400 epochs. `seed` (default 0) draws the data, the
    /// initial weights and the shuffles. Defaults: `ExperimentDefaults.spiral`.
    public static func spiral(_ options: RunOptions = RunOptions(), hidden: Int = 100) throws(TrainingError)
        -> SpiralFitResult
    {
        let defaults = ExperimentDefaults.spiral
        let seed = options.seed ?? defaults.seed ?? 0
        let dataset = spiralData(seed: seed)
        let network = spiralNetwork(hidden: hidden, seed: seed)
        let batchSize = options.batchSize ?? defaults.batchSize ?? dataset.count
        let loader = BatchLoader(dataset, batchSize: batchSize, shuffleSeed: batchSize < dataset.count ? seed &+ 2 : nil)
        let run = try run(
            network: network, optimizer: Adam(learningRate: options.learningRate ?? defaults.learningRate),
            loader: loader, epochs: options.epochs ?? defaults.epochs, options: options)
        let predicted = (try? network.forward(dataset.x)).map(argmaxRows) ?? []
        let truth = argmaxRows(dataset.y)
        let correct = zip(predicted, truth).filter { $0 == $1 }.count
        return SpiralFitResult(run: run, accuracy: Double(correct) / Double(dataset.count))
    }

    /// The spiral data set drawn from `seed`: 3 classes × 100 points.
    public static func spiralData(seed: UInt64) -> Dataset {
        Dataset.spiral(
            pointsPerClass: ExperimentDefaults.spiralPointsPerClass, classes: ExperimentDefaults.spiralClasses, seed: seed)
    }

    /// The spiral classifier: Affine(2, hidden) → ReLU → Affine(hidden, 3) →
    /// SoftmaxWithLoss, Glorot weights drawn from `seed + 1`. What `spiral(_:)` trains and
    /// `slope fit` checks.
    public static func spiralNetwork(hidden: Int = 100, seed: UInt64 = 0) -> Sequential {
        var generator = SeededGenerator(seed: seed &+ 1)
        return Sequential(
            [
                Affine(inFeatures: 2, outFeatures: hidden, using: &generator), ReLU(),
                Affine(inFeatures: hidden, outFeatures: 3, using: &generator),
            ], loss: SoftmaxWithLoss())
    }

    /// The arg-max column of every row (the predicted class).
    public static func argmaxRows(_ t: Tensor) -> [Int] {
        let columns = t.shape[1]
        return (0..<t.shape[0]).map { row in
            var best = 0
            for c in 1..<columns where t.data[row * columns + c] > t.data[row * columns + best] { best = c }
            return best
        }
    }
}
