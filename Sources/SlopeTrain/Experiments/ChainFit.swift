import SlopeLayers

/// The chain experiment's result: the common result plus the trained chain's predictions.
public struct ChainFitResult {
    public let run: ExperimentResult
    /// The three weights w1, w2, w3 after training.
    public let weights: [Double]
    /// Predictions for the inputs 1 and −1 (the labels are −1 and 1).
    public let predictions: [Double]
}

extension Experiments {
    /// The seed's scalar chain: output = w3·w2·w1·x, three `Scale` layers.
    ///
    /// Weights uniform in [−0.5, 0.5) from `options.seed` (default 7);
    /// data x = [1, −1], labels [−1, 1]; loss ½(y − t)² per sample, one update per
    /// sample (batch 1, in order); SGD with lr 0.05; 160 epochs (`ExperimentDefaults.chain`). With `buggyGradient`
    /// each weight's gradient is the seed's mistaken upstream·w·x, which does not learn.
    /// The chain network itself: three `Scale` links with weights uniform in [−0.5, 0.5)
    /// from `seed`, and the loss ½(y − t)². What `chain(_:)` trains and `slope fit` checks.
    public static func chainNetwork(seed: UInt64 = ExperimentDefaults.chain.seed ?? 0, buggyGradient: Bool = false) -> Sequential
    {
        var generator = SeededGenerator(seed: seed)
        let links = (0..<3).map { _ in
            Scale(weight: Double.random(in: -0.5..<0.5, using: &generator), buggyGradient: buggyGradient)
        }
        return Sequential(links, loss: HalfSquaredError())
    }

    public static func chain(_ options: RunOptions = RunOptions(), buggyGradient: Bool = false) throws(TrainingError)
        -> ChainFitResult
    {
        let defaults = ExperimentDefaults.chain
        let network = chainNetwork(seed: options.seed ?? defaults.seed ?? 0, buggyGradient: buggyGradient)
        let links = network.layers.compactMap { $0 as? Scale }
        let dataset = Dataset.chain()
        let run = try run(
            network: network, optimizer: SGD(learningRate: options.learningRate ?? defaults.learningRate),
            loader: BatchLoader(dataset, batchSize: options.batchSize ?? defaults.batchSize ?? dataset.count),
            epochs: options.epochs ?? defaults.epochs, options: options)
        let predictions = (try? network.forward(dataset.x).data) ?? []
        return ChainFitResult(run: run, weights: links.map { $0.w.value.data[0] }, predictions: predictions)
    }
}
