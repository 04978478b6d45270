import Foundation
import SlopeCheck
import SlopeLayers

/// The zoo of deliberately wrong layers: each has one classic backward bug. They are
/// the proof that the checker works (the tests assert each one is caught, with its
/// message) and `slope verify --include-broken` shows them to users.
public enum BrokenLayer: String, CaseIterable, Sendable {
    case sigmoidReturnsUpstream = "Broken.SigmoidReturnsUpstream"
    case sigmoidDerivativeFromInput = "Broken.SigmoidDerivativeFromInput"
    case reluWritesUpstream = "Broken.ReLUWritesUpstream"
    case affineNoTranspose = "Broken.AffineNoTranspose"
    case affineBiasNotSummed = "Broken.AffineBiasNotSummed"
    case softmaxWithLossNoMean = "Broken.SoftmaxWithLossNoMean"
    case tanhSignFlipped = "Broken.TanhSignFlipped"
    case chainWeightTimesW = "Broken.ChainWeightTimesW"
    case ignoresUpstream = "Broken.IgnoresUpstream"
    case keepsStateBetweenCalls = "Broken.KeepsStateBetweenCalls"
    case firstLayerCutOff = "Broken.FirstLayerCutOff"
    case lossHalfGradient = "Broken.LossHalfGradient"
    case tanhSlightlyOff = "Broken.TanhSlightlyOff"
    case mseDoubleGradient = "Broken.MSEDoubleGradient"
    case softmaxWithLossDoubleMean = "Broken.SoftmaxWithLossDoubleMean"
    case affineTransposedWeightGradient = "Broken.AffineTransposedWeightGradient"
    case flattenForgetsReshape = "Broken.FlattenForgetsReshape"
    case extraGradient = "Broken.ExtraGradient"
    case outputShapeChanges = "Broken.OutputShapeChanges"
    case unlistedParameter = "Broken.UnlistedParameter"

    /// The bug, in one line.
    public var bug: String {
        switch self {
        case .sigmoidReturnsUpstream: "Sigmoid backward returns upstream unchanged (the seed code forgot its `return dx`)"
        case .sigmoidDerivativeFromInput: "Sigmoid derivative computed from the input x(1−x) instead of the output y(1−y)"
        case .reluWritesUpstream: "ReLU backward zeroes the upstream buffer in place and returns it"
        case .affineNoTranspose: "Affine dW = x·dout instead of xᵀ·dout"
        case .affineBiasNotSummed: "Affine db takes only the first row of dout instead of the batch sum"
        case .softmaxWithLossNoMean: "SoftmaxWithLoss gradient without the 1/N of the batch mean"
        case .tanhSignFlipped: "Tanh backward with the sign flipped"
        case .chainWeightTimesW: "chain weight gradient upstream·w·x instead of upstream·x (the seed's chain network)"
        case .ignoresUpstream: "Sigmoid backward ignores upstream (passes when upstream is all ones)"
        case .keepsStateBetweenCalls: "caches its input only on the first forward call and keeps using it"
        case .firstLayerCutOff: "a network whose first Affine never accumulates its parameter gradients"
        case .lossHalfGradient:
            "MSE reported as mean((y−t)²) but back-propagating the gradient of half of it (the seed's mismatch)"
        case .tanhSlightlyOff: "Tanh backward off by 5e-6 relative (below rtol): (1 − y²)·(1 + 5e-6)"
        case .mseDoubleGradient: "loss ½·mean((y−t)²) reported, gradient 2(y−t)/M of the full mean back-propagated"
        case .softmaxWithLossDoubleMean: "SoftmaxWithLoss gradient divided by the batch size twice"
        case .affineTransposedWeightGradient: "Affine dW = (xᵀ·dout)ᵀ, the product transposed (shapes agree when in = out)"
        case .flattenForgetsReshape: "Flatten backward returns the upstream flat, forgetting to reshape it to the input's shape"
        case .extraGradient: "backward returns two gradients for its one input"
        case .outputShapeChanges: "forward drops the last row after its first call"
        case .unlistedParameter: "y = s·x stores its Parameter s but leaves it out of `parameters` (never checked, never trained)"
        }
    }

    /// How a check can find a bug: what a report of this subject must show.
    public enum Evidence: Sendable, Equatable, CustomStringConvertible {
        /// Elements whose finite differences disagree with the analytic gradient.
        case finiteDifferences
        /// A failed invariant, by name.
        case invariant(InvariantName)
        /// A failed convergence-order (Taylor) test.
        case convergenceOrder
        /// A broken contract of `Layer`, reported as a `CheckProblem`.
        case contract

        public var description: String {
            switch self {
            case .finiteDifferences: "finite differences"
            case .invariant(let name): "invariant \"\(name)\""
            case .convergenceOrder: "the convergence order"
            case .contract: "the contract of Layer (a CheckProblem)"
            }
        }

        /// Whether `report` shows this evidence.
        public func isShown(by report: CheckReport) -> Bool {
            switch self {
            case .finiteDifferences: report.tensors.contains { $0.failed > 0 }
            case .invariant(let name): report.failedInvariants.contains { $0.name == name }
            case .convergenceOrder: report.tensors.contains { $0.order?.verdict == .fail }
            case .contract: report.problem != nil
            }
        }
    }

    /// What a check of this subject must report (all of it).
    public var caughtBy: [Evidence] {
        switch self {
        case .reluWritesUpstream: [.invariant(.argumentsUntouched)]
        case .keepsStateBetweenCalls: [.invariant(.noStateBetweenCalls)]
        case .firstLayerCutOff: [.invariant(.everyParameterReceivesGradient), .finiteDifferences]
        case .lossHalfGradient: [.invariant(.lossMatchesGradient), .finiteDifferences]
        case .ignoresUpstream: [.finiteDifferences, .invariant(.backwardLinear)]
        case .tanhSlightlyOff: [.convergenceOrder]
        case .flattenForgetsReshape, .extraGradient, .outputShapeChanges: [.contract]
        case .unlistedParameter: [.invariant(.storedParametersListed)]
        default: [.finiteDifferences]
        }
    }

    /// The subject to check, with seeded inputs.
    public func subject(seed: UInt64 = 0) -> CheckSubject {
        var rng = SeededGenerator(seed: seed &+ 0xB0B)
        func input(_ shape: [Int]) -> Tensor { .uniform(shape, in: -2..<2, using: &rng) }
        switch self {
        case .sigmoidReturnsUpstream: return .layer(SigmoidReturnsUpstream(), inputs: [input([3, 4])])
        case .sigmoidDerivativeFromInput: return .layer(SigmoidDerivativeFromInput(), inputs: [input([3, 4])])
        case .reluWritesUpstream: return .layer(ReLUWritesUpstream(), inputs: [input([3, 4])])
        case .affineNoTranspose:
            // A square batch (N = in) so the wrong product still has W's shape.
            return .layer(AffineNoTranspose(inFeatures: 4, outFeatures: 3, using: &rng), inputs: [input([4, 4])])
        case .affineBiasNotSummed:
            return .layer(AffineBiasNotSummed(inFeatures: 5, outFeatures: 3, using: &rng), inputs: [input([4, 5])])
        case .softmaxWithLossNoMean:
            var t = Tensor.zeros([4, 5])
            for row in 0..<4 { t[row, Int(rng.next() % 5)] = 1 }
            return .layer(LossAsLayer(SoftmaxWithLossNoMean(), target: t), inputs: [input([4, 5])])
        case .tanhSignFlipped: return .layer(TanhSignFlipped(), inputs: [input([3, 4])])
        case .tanhSlightlyOff: return .layer(TanhSlightlyOff(), inputs: [input([3, 4])])
        case .mseDoubleGradient:
            return .layer(LossAsLayer(HalfMSEFullGradient(), target: input([4, 3])), inputs: [input([4, 3])])
        case .softmaxWithLossDoubleMean:
            var t = Tensor.zeros([4, 5])
            for row in 0..<4 { t[row, Int(rng.next() % 5)] = 1 }
            return .layer(LossAsLayer(SoftmaxWithLossDoubleMean(), target: t), inputs: [input([4, 5])])
        case .affineTransposedWeightGradient:
            return .layer(AffineTransposedWeightGradient(features: 4, using: &rng), inputs: [input([5, 4])])
        case .flattenForgetsReshape: return .layer(FlattenForgetsReshape(), inputs: [input([2, 3, 2, 2])])
        case .extraGradient: return .layer(TanhExtraGradient(), inputs: [input([3, 4])])
        case .outputShapeChanges: return .layer(TanhShrinksLater(), inputs: [input([3, 4])])
        case .unlistedParameter: return .layer(UnlistedScale(scale: 0.5 + rng.nextUnit()), inputs: [input([3, 4])])
        case .chainWeightTimesW:
            return .layer(ScaleWeightTimesW(weight: 0.3 + rng.nextUnit()), inputs: [input([2, 1])])
        case .ignoresUpstream: return .layer(SigmoidIgnoresUpstream(), inputs: [input([3, 4])])
        case .keepsStateBetweenCalls: return .layer(TanhKeepsState(), inputs: [input([3, 4])])
        case .firstLayerCutOff:
            let network = Sequential(
                [
                    AffineNoParameterGradient(inFeatures: 3, outFeatures: 4, using: &rng), Tanh(),
                    Affine(inFeatures: 4, outFeatures: 2, using: &rng),
                ], loss: MSE())
            return .network(network, input: input([5, 3]), target: input([5, 2]))
        case .lossHalfGradient:
            let network = Sequential(
                [
                    Affine(inFeatures: 1, outFeatures: 6, using: &rng), Sigmoid(),
                    Affine(inFeatures: 6, outFeatures: 1, using: &rng),
                ],
                loss: HalfGradientMSE())
            return .network(network, input: input([8, 1]), target: input([8, 1]))
        }
    }
}

// MARK: - The broken layers

final class FlattenForgetsReshape: UnaryLayer {
    let kindName = "Broken.FlattenForgetsReshape"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x.reshaped([x.shape[0], x.count / max(x.shape[0], 1)]) }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout.reshaped([dout.count]) }
}

final class TanhExtraGradient: Layer {
    let kindName = "Broken.ExtraGradient"
    private let tanh = Tanh()
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor { try tanh.forward(inputs) }
    func backward(_ dout: Tensor) throws(LayerError) -> [Tensor] {
        let dx = try tanh.backwardInput(dout)
        return [dx, dx]
    }
}

final class TanhShrinksLater: UnaryLayer {
    let kindName = "Broken.OutputShapeChanges"
    private let tanh = Tanh()
    private var calls = 0
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        calls += 1
        let y = try tanh.forward(x)
        guard calls > 1, x.rank == 2, x.shape[0] > 1 else { return y }
        return Tensor(shape: [x.shape[0] - 1, x.shape[1]], data: Array(y.data.dropLast(x.shape[1])))
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { try tanh.backwardInput(dout) }
}

final class UnlistedScale: UnaryLayer {
    let kindName = "Broken.UnlistedParameter"
    let s: Parameter
    private var x: Tensor?
    init(scale: Double) { s = Parameter("s", Tensor(scalar: scale)) }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x * s.value.data[0]
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout * s.value.data[0] }
}

final class SigmoidReturnsUpstream: UnaryLayer {
    let kindName = "Broken.SigmoidReturnsUpstream"
    private let sigmoid = Sigmoid()
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { try sigmoid.forward(x) }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        _ = try sigmoid.backwardInput(dout)  // computes dx… and drops it
        return dout
    }
}

final class SigmoidDerivativeFromInput: UnaryLayer {
    let kindName = "Broken.SigmoidDerivativeFromInput"
    private var x: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { 1 / (1 + exp(-$0)) }
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        dout.zipMap(x!) { d, xi in d * xi * (1 - xi) }
    }
}

final class ReLUWritesUpstream: UnaryLayer {
    let kindName = "Broken.ReLUWritesUpstream"
    private var x: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x.map { max($0, 0) }
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        // The in-place bug, Swift edition: writing through the shared buffer of a value.
        dout.data.withUnsafeBufferPointer { buffer in
            let p = UnsafeMutablePointer(mutating: buffer.baseAddress!)
            for i in 0..<buffer.count where x!.data[i] <= 0 { p[i] = 0 }
        }
        return dout
    }
}

final class AffineNoTranspose: UnaryLayer {
    let kindName = "Broken.AffineNoTranspose"
    private let affine: Affine
    private var x: Tensor?
    var parameters: [Parameter] { affine.parameters }
    init(inFeatures: Int, outFeatures: Int, using rng: inout SeededGenerator) {
        affine = Affine(inFeatures: inFeatures, outFeatures: outFeatures, using: &rng)
        affine.b.value = .uniform([outFeatures], in: -0.5..<0.5, using: &rng)
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return try affine.forward(x)
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        affine.W.gradient += Tensor.matmul(x!, dout)  // should be xᵀ·dout
        affine.b.gradient += dout.sum(axis: 0)
        return Tensor.matmul(dout, affine.W.value, transposeB: true)
    }
}

final class AffineBiasNotSummed: UnaryLayer {
    let kindName = "Broken.AffineBiasNotSummed"
    private let affine: Affine
    private var x: Tensor?
    var parameters: [Parameter] { affine.parameters }
    init(inFeatures: Int, outFeatures: Int, using rng: inout SeededGenerator) {
        affine = Affine(inFeatures: inFeatures, outFeatures: outFeatures, using: &rng)
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return try affine.forward(x)
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        affine.W.gradient += Tensor.matmul(x!, dout, transposeA: true)
        affine.b.gradient += Tensor(shape: [dout.shape[1]], data: Array(dout.data[0..<dout.shape[1]]))  // first row only
        return Tensor.matmul(dout, affine.W.value, transposeB: true)
    }
}

final class SoftmaxWithLossNoMean: LossLayer {
    let kindName = "Broken.SoftmaxWithLossNoMean"
    private let inner = SoftmaxWithLoss()
    private var batch = 1.0
    func forward(_ x: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        batch = Double(x.shape.first ?? 1)
        return try inner.forward(x, t)
    }
    func backward() throws(LayerError) -> Tensor { try inner.backward() * batch }  // (p − t), no 1/N
}

final class TanhSignFlipped: UnaryLayer {
    let kindName = "Broken.TanhSignFlipped"
    private let tanh = Tanh()
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { try tanh.forward(x) }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { -(try tanh.backwardInput(dout)) }
}

/// y = w·x with one scalar weight; its weight gradient wrongly carries an extra w.
final class ScaleWeightTimesW: UnaryLayer {
    let kindName = "Broken.ChainWeightTimesW"
    let w: Parameter
    private var x: Tensor?
    var parameters: [Parameter] { [w] }
    init(weight: Double) { w = Parameter("w", Tensor(shape: [1], data: [weight])) }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return x * w.value.data[0]
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        w.gradient.data[0] += (dout * x!).sum() * w.value.data[0]  // should be Σ dout·x
        return dout * w.value.data[0]
    }
}

final class TanhSlightlyOff: UnaryLayer {
    let kindName = "Broken.TanhSlightlyOff"
    private let tanh = Tanh()
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { try tanh.forward(x) }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { try tanh.backwardInput(dout) * (1 + 5e-6) }
}

final class HalfMSEFullGradient: LossLayer {
    let kindName = "Broken.MSEDoubleGradient"
    private let mse = MSE()
    func forward(_ y: Tensor, _ t: Tensor) throws(LayerError) -> Double { 0.5 * (try mse.forward(y, t)) }  // ½·mean
    func backward() throws(LayerError) -> Tensor { try mse.backward() }  // gradient of the full mean
}

final class SoftmaxWithLossDoubleMean: LossLayer {
    let kindName = "Broken.SoftmaxWithLossDoubleMean"
    private let inner = SoftmaxWithLoss()
    private var batch = 1.0
    func forward(_ x: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        batch = Double(x.shape.first ?? 1)
        return try inner.forward(x, t)
    }
    func backward() throws(LayerError) -> Tensor { try inner.backward() * (1 / batch) }  // (p − t)/N/N
}

final class AffineTransposedWeightGradient: UnaryLayer {
    let kindName = "Broken.AffineTransposedWeightGradient"
    private let affine: Affine
    private var x: Tensor?
    var parameters: [Parameter] { affine.parameters }
    init(features: Int, using rng: inout SeededGenerator) {
        affine = Affine(inFeatures: features, outFeatures: features, using: &rng)
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        self.x = x
        return try affine.forward(x)
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        affine.W.gradient += Tensor.matmul(x!, dout, transposeA: true).transposed()  // should not be transposed
        affine.b.gradient += dout.sum(axis: 0)
        return Tensor.matmul(dout, affine.W.value, transposeB: true)
    }
}

final class SigmoidIgnoresUpstream: UnaryLayer {
    let kindName = "Broken.IgnoresUpstream"
    private var y: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = x.map { 1 / (1 + exp(-$0)) }
        self.y = y
        return y
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { y!.map { $0 * (1 - $0) } }
}

final class TanhKeepsState: UnaryLayer {
    let kindName = "Broken.KeepsStateBetweenCalls"
    private var x: Tensor?
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        if self.x == nil { self.x = x }  // only the first call is remembered
        return x.map { Foundation.tanh($0) }
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        dout.zipMap(x!) { d, xi in
            let t = Foundation.tanh(xi); return d * (1 - t * t)
        }
    }
}

final class AffineNoParameterGradient: UnaryLayer {
    let kindName = "Affine"
    private let affine: Affine
    var parameters: [Parameter] { affine.parameters }
    init(inFeatures: Int, outFeatures: Int, using rng: inout SeededGenerator) {
        affine = Affine(inFeatures: inFeatures, outFeatures: outFeatures, using: &rng)
    }
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { try affine.forward(x) }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor {
        Tensor.matmul(dout, affine.W.value, transposeB: true)  // dW, db never accumulated
    }
}

final class HalfGradientMSE: LossLayer {
    let kindName = "MSE(½-gradient)"
    private let mse = MSE()
    func forward(_ y: Tensor, _ t: Tensor) throws(LayerError) -> Double { try mse.forward(y, t) }
    func backward() throws(LayerError) -> Tensor { try mse.backward() * 0.5 }  // gradient of ½·mean((y−t)²)
}

extension BrokenLayer {
    /// The zoo as checks: each deliberately broken, shown and run only with `--include-broken`.
    public static let registry: CheckRegistry = {
        let cases = allCases.map { broken in
            CheckCase(name: broken.rawValue, summary: broken.bug, isDeliberatelyBroken: true) { seed in
                broken.subject(seed: seed)
            }
        }
        // The zoo's names are distinct (the enum's raw values).
        return try! CheckRegistry(suite: "slope", cases: cases)
    }()
}
