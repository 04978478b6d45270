import SlopeLayers

/// The direction of the pass in which a value was computed.
public enum Pass: String, Sendable, Equatable {
    case forward, backward
}

/// Where a NaN or infinity first appeared in a training step.
public struct NonFiniteReport: Sendable, Equatable, CustomStringConvertible {
    /// The epoch being trained (1-based) and the step within the whole run (1-based).
    public var epoch: Int
    public var step: Int
    public var pass: Pass
    /// The index of the layer in the network, or `nil` for the loss layer.
    public var layerIndex: Int?
    public var layerKind: String
    /// What was non-finite: `"output"`, `"loss"`, `"input gradient"`, `"gradient of W"`.
    public var quantity: String
    /// Where the last good state (the end of epoch `epoch − 1`) was saved, if a checkpoint path was set.
    public var checkpointPath: String?

    public var description: String {
        let layer = layerIndex.map { "layer \($0) (\(layerKind))" } ?? "the loss layer (\(layerKind))"
        let what = layerIndex == nil && quantity == "loss" ? "" : ", in its \(quantity)"
        var text =
            "training diverged: a non-finite value (NaN or ±∞) at epoch \(epoch), step \(step), first produced by \(layer) in the \(pass.rawValue) pass\(what)"
        if let checkpointPath { text += "; the last good state (epoch \(epoch - 1)) is saved in \(checkpointPath)" }
        return text
    }
}

/// Why training stopped early with an error.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFinite(NonFiniteReport)
    case layer(LayerError, epoch: Int)
    case checkpoint(CheckpointError)

    public var description: String {
        switch self {
        case .nonFinite(let report): "\(report)"
        case .layer(let error, let epoch): "epoch \(epoch): \(error)"
        case .checkpoint(let error): "\(error)"
        }
    }
}
