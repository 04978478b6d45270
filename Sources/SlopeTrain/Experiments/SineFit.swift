import SlopeLayers

/// The sine fit's result: the common result plus the curve the network draws.
public struct SineFitResult {
    public let run: ExperimentResult
    /// mean((y − t)²) over all 200 points after training.
    public let fullDataMSE: Double
    /// The network's prediction at `curveX` (0…2 in 401 steps), for the fitted-curve plot.
    public let curveX: [Double]
    public let curveY: [Double]
}

extension Experiments {
    /// The seed experiment: fit y = 20·sin(2πx) on 200 points with a [1, 25, 1] network.
    ///
    /// Affine(1, 25) → Sigmoid → Affine(25, 1), loss MSE; batches of 90 in order
    /// (90, 90, 20); plain SGD with lr 0.015 (the seed's 0.03 on the gradient of ½·MSE);
    /// 40,000 epochs (`ExperimentDefaults.sine`). Initial weights are the seed's exact numpy draws unless
    /// `options.seed` is set, which draws W uniform in [0, 1) from that seed instead
    /// (biases zero either way). The recorded loss per epoch is the last batch's MSE
    /// computed before that batch's update.
    public static func sine(_ options: RunOptions = RunOptions()) throws(TrainingError) -> SineFitResult {
        let defaults = ExperimentDefaults.sine
        let network = sineNetwork(seed: options.seed ?? defaults.seed)
        let dataset = Dataset.sine()
        let run = try run(
            network: network, optimizer: SGD(learningRate: options.learningRate ?? defaults.learningRate),
            loader: BatchLoader(dataset, batchSize: options.batchSize ?? defaults.batchSize ?? dataset.count),
            epochs: options.epochs ?? defaults.epochs, options: options)
        let fullDataMSE = (try? MSE().forward(try network.forward(dataset.x), dataset.y)) ?? .nan
        let curveX = (0...400).map { Double($0) / 200 }
        let curveY = (try? network.forward(Tensor(shape: [curveX.count, 1], data: curveX)).data) ?? []
        return SineFitResult(run: run, fullDataMSE: fullDataMSE, curveX: curveX, curveY: curveY)
    }

    /// The sine network with the seed's weights (`seed == nil`) or W uniform in [0, 1) from `seed`.
    public static func sineNetwork(seed: UInt64? = nil) -> Sequential {
        let hidden: Affine, output: Affine
        if let seed {
            var generator = SeededGenerator(seed: seed)
            hidden = Affine(weight: .uniform([1, 25], in: 0..<1, using: &generator), bias: .zeros([25]))
            output = Affine(weight: .uniform([25, 1], in: 0..<1, using: &generator), bias: .zeros([1]))
        } else {
            typealias R = SineReferenceWeights
            hidden = Affine(weight: Tensor(shape: R.W0Shape, data: R.W0), bias: Tensor(shape: R.b0Shape, data: R.b0))
            output = Affine(weight: Tensor(shape: R.W1Shape, data: R.W1), bias: Tensor(shape: R.b1Shape, data: R.b1))
        }
        return Sequential([hidden, Sigmoid(), output], loss: MSE())
    }
}
