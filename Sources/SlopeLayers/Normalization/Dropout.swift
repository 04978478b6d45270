/// Inverted dropout with a mask drawn from a seeded generator, so it can be checked.
///
/// Training: y = x ⊙ m / (1 − p), where m ∈ {0, 1} keeps each element with probability 1 − p.
/// The mask is drawn once per input shape and kept until `resample()` (a trainer calls
/// it once per step), so repeated forward passes — as a gradient check makes — see one
/// function. Backward: ∂L/∂x = dout ⊙ m / (1 − p). Inference: y = x, ∂L/∂x = dout.
public final class Dropout: UnaryLayer, ModalLayer, ResamplingLayer {
    public let kindName = "Dropout"
    public let rate: Double
    public var isTraining = true
    private var generator: SeededGenerator
    public private(set) var mask: Tensor?
    /// A mask given at init is never redrawn: an input of another shape is an error.
    private let isMaskFixed: Bool
    private var inputShape: [Int]?
    /// The mode of the last forward pass: backward differentiates that function.
    private var forwardWasTraining = true

    /// - Parameters:
    ///   - rate: the probability p of dropping an element, in [0, 1).
    ///   - seed: seeds the masks, so a run (and a check) draws the same ones again.
    public init(rate: Double, seed: UInt64 = 0) {
        precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
        isMaskFixed = false
    }

    /// A layer with a fixed mask (entries 0 or 1), e.g. from a fixture.
    public init(rate: Double, mask: Tensor) {
        precondition(rate >= 0 && rate < 1)
        self.rate = rate
        generator = SeededGenerator(seed: 0)
        self.mask = mask
        isMaskFixed = true
    }

    /// Draws a fresh mask at the next forward pass (a fixed mask is kept).
    public func resample() { if !isMaskFixed { mask = nil } }

    public func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        if isMaskFixed, let mask, mask.shape != x.shape {
            throw .shapeMismatch(layer: kindName, expected: "x of the fixed mask's shape \(mask.shape)", actual: [x.shape])
        }
        inputShape = x.shape
        forwardWasTraining = isTraining
        guard isTraining else { return x }
        if let mask, mask.shape != x.shape { self.mask = nil }
        if mask == nil {
            var m = Tensor.zeros(x.shape)
            generator.withStream { stream in
                for i in 0..<m.count { m.data[i] = stream.nextUnit() >= rate ? 1 : 0 }
            }
            mask = m
        }
        let scale = 1 / (1 - rate)
        return x.zipMap(mask!) { xi, mi in xi * mi * scale }
    }

    public func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        try requireUpstream(dout, matches: try cached(inputShape))
        guard forwardWasTraining else { return dout }
        let mask = try cached(mask)
        let scale = 1 / (1 - rate)
        return dout.zipMap(mask) { d, mi in d * mi * scale }
    }
}
