import SlopeLayers

/// The classes a classifier assigns over a grid of points, for a decision-region heat map.
public struct DecisionRegions: Sendable, Equatable {
    /// Grid coordinates: `xs[column]`, `ys[row]`.
    public let xs: [Double]
    public let ys: [Double]
    /// The class of point (xs[c], ys[r]) at `classes[r * xs.count + c]`.
    public let classes: [Int]
}

/// The spiral experiment's result.
public struct SpiralFitResult {
    public let run: ExperimentResult
    /// Fraction of training points classified correctly.
    public let accuracy: Double

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
    /// initial weights and the shuffles.
    public static func spiral(_ options: RunOptions = RunOptions(), hidden: Int = 100) throws(TrainingError)
        -> SpiralFitResult
    {
        let seed = options.seed ?? 0
        let dataset = Dataset.spiral(pointsPerClass: 100, classes: 3, seed: seed)
        let network = spiralNetwork(hidden: hidden, seed: seed)
        let batchSize = options.batchSize ?? dataset.count
        let loader = BatchLoader(dataset, batchSize: batchSize, shuffleSeed: batchSize < dataset.count ? seed &+ 2 : nil)
        let run = try run(
            network: network, optimizer: Adam(learningRate: options.learningRate ?? 0.01), loader: loader,
            epochs: options.epochs ?? 400, options: options)
        let predicted = (try? network.forward(dataset.x)).map(argmaxRows) ?? []
        let truth = argmaxRows(dataset.y)
        let correct = zip(predicted, truth).filter { $0 == $1 }.count
        return SpiralFitResult(run: run, accuracy: Double(correct) / Double(dataset.count))
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
