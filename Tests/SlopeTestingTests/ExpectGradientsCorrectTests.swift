import Foundation
import SlopeCheck
import SlopeGate
import SlopeLayers
import SlopePlot
import Testing

@testable import SlopeTesting

/// `expectGradientsCorrect` records nothing for a correct layer, and for a wrong one an issue
/// at the caller's line whose comment holds the whole diagnosis.
struct ExpectGradientsCorrectTests {
    static let shapes: [[Int]] = [[1, 1], [2, 3], [4, 5], [3, 2, 4]]

    static func input(_ shape: [Int], seed: UInt64 = 7) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .uniform(shape, in: -2..<2, using: &rng)
    }

    @Test(arguments: shapes)
    func correctActivationRecordsNoIssue(shape: [Int]) {
        let report = expectGradientsCorrect(Tanh(), inputs: [Self.input(shape)])
        #expect(report.verdict == .pass)
        #expect(report.elementsChecked == Tensor.count(of: shape))
    }

    @Test(arguments: [(1, 1), (3, 2), (5, 4)])
    func correctAffineRecordsNoIssue(inFeatures: Int, outFeatures: Int) {
        var rng = SeededGenerator(seed: 3)
        let affine = Affine(inFeatures: inFeatures, outFeatures: outFeatures, using: &rng)
        expectGradientsCorrect(affine, inputs: [Self.input([4, inFeatures])])
    }

    @Test func brokenLayerRecordsItsDiagnosisAtTheCallersLine() {
        let x = Self.input([3, 4])
        let expected = GradientCheck().run(SigmoidReturnsUpstream(), inputs: [x])
        #expect(expected.verdict == .fail)
        #expect(!expected.diagnosis.isEmpty)

        let callLine = #line + 2
        withKnownIssue {
            expectGradientsCorrect(SigmoidReturnsUpstream(), inputs: [x])
        } matching: { issue in
            issue.sourceLocation?.line == callLine
                && issue.comments.contains { $0.rawValue.contains(expected.diagnosis) }
                && issue.comments.contains { $0.rawValue.hasPrefix("SigmoidReturnsUpstream: gradient check fail") }
        }
    }

    @Test func returnedReportIsTheCheck() {
        let x = Self.input([3, 4])
        withKnownIssue {
            let report = expectGradientsCorrect(SigmoidReturnsUpstream(), inputs: [x])
            #expect(report.verdict == .fail)
            #expect(report.tensors.first?.failed == 12)
        }
    }

    @Test func brokenLossRecordsAnIssue() {
        let prediction = Self.input([4, 3], seed: 1), target = Self.input([4, 3], seed: 2)
        withKnownIssue {
            expectGradientsCorrect(loss: MSEDoubleGradient(), prediction: prediction, target: target)
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("MSEDoubleGradient input x:") }
        }
    }

    @Test func correctLossRecordsNoIssue() {
        expectGradientsCorrect(loss: MSE(), prediction: Self.input([4, 3], seed: 1), target: Self.input([4, 3], seed: 2))
    }

    @Test func correctNetworkRecordsNoIssue() {
        var rng = SeededGenerator(seed: 5)
        let network = Sequential(
            [Affine(inFeatures: 3, outFeatures: 4, using: &rng), Tanh(), Affine(inFeatures: 4, outFeatures: 2, using: &rng)],
            loss: MSE())
        let report = expectGradientsCorrect(
            network: network, input: Self.input([5, 3]), target: Self.input([5, 2], seed: 9))
        #expect(report.tensors.count == 5)  // the input, then W and b of each Affine
    }

    @Test func networkWithABrokenLayerNamesIt() {
        var rng = SeededGenerator(seed: 5)
        let network = Sequential(
            [Affine(inFeatures: 3, outFeatures: 4, using: &rng), SigmoidReturnsUpstream()], loss: MSE())
        withKnownIssue {
            expectGradientsCorrect(network: network, input: Self.input([5, 3]), target: Self.input([5, 4], seed: 9))
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("network param 0.Affine.W: ") }
        }
    }

    @Test func layerBuiltByAClosureIsCheckedOnEveryWorker() {
        let x = Self.input([2, 3])
        expectGradientsCorrect(inputs: [x], workers: 2) {
            var rng = SeededGenerator(seed: 11)
            return Affine(inFeatures: 3, outFeatures: 2, using: &rng)
        }
        withKnownIssue {
            expectGradientsCorrect(inputs: [x], workers: 2) { SigmoidReturnsUpstream() }
        }
    }

    @Test func contractBreachIsAnIssueNotACrash() {
        withKnownIssue {
            expectGradientsCorrect(TwoGradients(), inputs: [Self.input([2, 2])])
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("breaks the contract of Layer") }
        }
    }

    /// An inconclusive check is an issue too, and its text says why.
    @Test func inconclusiveCheckStatesItsReason() throws {
        // A softmax row saturated by logits 60 apart: derivatives near e⁻⁶⁰, below what
        // double precision resolves (see PropertyTests.correctLayersNeverFail).
        let x = Tensor(rows: [[0, 60, -60], [60, 0, 120]])
        try #require(GradientCheck().run(Softmax(), inputs: [x]).verdict == .inconclusive)
        withKnownIssue {
            expectGradientsCorrect(Softmax(), inputs: [x])
        } matching: { issue in
            issue.comments.contains {
                $0.rawValue.contains("Softmax: gradient check inconclusive") && $0.rawValue.contains("inconclusive — ")
            }
        }
    }

    /// When the diagnosis has nothing to say (an invariant that could not decide is not in
    /// it), the issue text still names what is not a pass.
    @Test func issueTextIsNeverEmptyOfReasons() throws {
        var report = GradientCheck().run(Tanh(), inputs: [Self.input([2, 2])])
        try #require(!report.invariants.isEmpty)
        report.invariants[0].verdict = .inconclusive
        #expect(report.verdict == .inconclusive)
        #expect(report.diagnosis.isEmpty)
        let lines = report.issueDescription.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains("invariant \"\(report.invariants[0].name)\": inconclusive") == true)
    }

    @Test func reportIsAttachedAsJSONThatDecodes() throws {
        let report = GradientCheck().run(SigmoidReturnsUpstream(), inputs: [Self.input([2, 2])])
        let decoded = try JSONDecoder().decode(CheckReport.self, from: try report.json())
        #expect(decoded.target == report.target)
        #expect(decoded.verdict == .fail)
        #expect(report.attachmentName == "SigmoidReturnsUpstream.gradient-check.json")
    }

    /// Next to the JSON, the failing tensor's error map: a PNG whose difference panel shows
    /// the bug (analytic − numeric = upstream·(1 − σ′) has both signs: red and blue cells).
    @Test func aFailingTensorsErrorMapIsAttachedAsAPNG() throws {
        let report = GradientCheck().run(SigmoidReturnsUpstream(), inputs: [Self.input([3, 4])])
        let maps = report.errorMapAttachments
        #expect(maps.map(\.name) == ["SigmoidReturnsUpstream.input_x.errors.png"])
        let png = try #require(maps.first).png
        let canvas = try GDCanvas(png: png)
        // Where the difference panel is: the same map laid out on a recording canvas.
        let x = try #require(report.tensors.first)
        let map = try #require(ErrorMap(x, in: report))
        let difference = try map.draw(on: RecordingCanvas(width: canvas.width, height: canvas.height)).panels[2]
        var (red, blue) = (0, 0)
        for y in Int(difference.minY)..<Int(difference.maxY) {
            for x in Int(difference.minX)..<Int(difference.maxX) {
                guard let c = canvas.pixel(x: x, y: y) else { continue }
                if Int(c.red) > Int(c.blue) + 60 { red += 1 }
                if Int(c.blue) > Int(c.red) + 60 { blue += 1 }
            }
        }
        #expect(red > 50 && blue > 50, "difference panel: \(red) red and \(blue) blue pixels")
        let passing = GradientCheck().run(Tanh(), inputs: [Self.input([2, 2])])
        #expect(passing.errorMapAttachments.isEmpty)
    }
}

// MARK: - Broken on purpose

/// Sigmoid whose backward returns the upstream unchanged (forgets to multiply by y(1 − y)).
final class SigmoidReturnsUpstream: UnaryLayer {
    let kindName = "SigmoidReturnsUpstream"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x.map { 1 / (1 + exp(-$0)) } }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout }
}

/// ½·mean((y − t)²) reported, the gradient of the full mean (2(y − t)/M) returned: twice too big.
final class MSEDoubleGradient: LossLayer {
    let kindName = "MSEDoubleGradient"
    private var difference: Tensor?
    func forward(_ y: Tensor, _ t: Tensor) throws(LayerError) -> Double {
        let d = y.zipMap(t) { $0 - $1 }
        difference = d
        return 0.5 * d.data.reduce(0) { $0 + $1 * $1 } / Double(d.count)
    }
    func backward() throws(LayerError) -> Tensor {
        guard let d = difference else { throw .backwardBeforeForward(layer: kindName) }
        return d.map { 2 * $0 / Double(d.count) }
    }
}

/// y = x, but backward returns two gradients for its one input.
final class TwoGradients: Layer {
    let kindName = "TwoGradients"
    func forward(_ inputs: [Tensor]) throws(LayerError) -> Tensor { inputs[0] }
    func backward(_ dout: Tensor) throws(LayerError) -> [Tensor] { [dout, dout] }
}
