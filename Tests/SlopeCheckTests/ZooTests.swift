import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

/// Each broken layer must be caught — by the check its entry names — with a message a
/// user can act on; each on several seeds.
@Suite struct ZooTests {
    @Test(arguments: BrokenLayer.allCases, [0, 1, 7] as [UInt64])
    func everyBrokenLayerIsCaught(broken: BrokenLayer, seed: UInt64) {
        let report = broken.subject(seed: seed).check(with: GradientCheck(seed: seed), name: broken.rawValue)
        #expect(report.verdict == .fail, "\(broken.rawValue) passed: \(broken.bug)")
        // Failing is not enough (a check that crashed also fails): it must fail for its reason.
        for evidence in broken.caughtBy {
            #expect(evidence.isShown(by: report), "\(broken.rawValue) failed, but not by \(evidence): \(report.diagnosis)")
        }
        if !broken.caughtBy.contains(.contract) { #expect(report.problem == nil, "\(report.diagnosis)") }
        #expect(!report.diagnosis.isEmpty)
    }

    @Test(arguments: BrokenLayer.allCases)
    func brokenLayersAreCaughtInFastModeToo(broken: BrokenLayer) {
        let check = GradientCheck(mode: .fast(directions: 2), seed: 3)
        let report = broken.subject(seed: 3).check(with: check, name: broken.rawValue)
        #expect(report.verdict == .fail, "\(broken.rawValue) passed in fast mode")
    }

    func report(_ broken: BrokenLayer, _ check: GradientCheck = GradientCheck()) -> CheckReport {
        broken.subject().check(with: check, name: broken.rawValue)
    }

    func signature(_ report: CheckReport, _ tensor: String) -> BugSignature? {
        report.tensors.first { $0.tensor.description == tensor }?.signature
    }

    @Test func sigmoidReturningUpstreamIsNamed() {
        let r = report(.sigmoidReturnsUpstream)
        #expect(signature(r, "input x") == .equalsUpstream)
        #expect(r.diagnosis.contains("input x"))
    }

    @Test func signFlipIsNamed() {
        #expect(signature(report(.tanhSignFlipped), "input x") == .signFlipped)
    }

    @Test func missingBatchMeanIsNamed() {
        #expect(signature(report(.softmaxWithLossNoMean), "input x") == .batchMultiple(4))
    }

    @Test func sigmoidDerivativeFromInputFailsWithoutSimpleFactor() {
        let r = report(.sigmoidDerivativeFromInput)
        #expect(r.tensors[0].failed > 0)
        #expect(signature(r, "input x") == .noSimpleFactor)
    }

    @Test func affineBugsAreLocalisedToTheirTensor() {
        let noTranspose = report(.affineNoTranspose)
        #expect(noTranspose.tensors.map { "\($0.tensor): \($0.verdict)" } == ["input x: pass", "param W: fail", "param b: pass"])
        let bias = report(.affineBiasNotSummed)
        #expect(bias.tensors.map { "\($0.tensor): \($0.verdict)" } == ["input x: pass", "param W: pass", "param b: fail"])
    }

    @Test func chainWeightBugShowsAFactorOfW() {
        let r = report(.chainWeightTimesW)
        let w = r.tensors.first { $0.tensor.name == "w" }!
        #expect(w.verdict == .fail)
        guard case .factor(let factor) = w.signature else {
            Issue.record("expected a factor, got \(String(describing: w.signature))")
            return
        }
        #expect(factor != 1, "a factor of w (\(factor)), not 1")
    }

    @Test func inPlaceUpstreamWriteIsCaughtByTheInvariant() {
        let r = report(.reluWritesUpstream)
        let failed = r.failedInvariants.map(\.name)
        #expect(failed.contains(.argumentsUntouched))
        #expect(r.diagnosis.contains("modified its upstream argument in place"))
    }

    @Test func stateBetweenCallsIsCaughtByTheInvariant() {
        let r = report(.keepsStateBetweenCalls)
        #expect(r.failedInvariants.map(\.name).contains(.noStateBetweenCalls))
    }

    @Test func ignoringUpstreamPassesWithOnesButNotWithRandomUpstream() {
        var ones = GradientCheck(checkInvariants: false)
        ones.onesUpstream = true
        #expect(report(.ignoresUpstream, ones).verdict == .pass, "with an all-ones upstream the bug hides")
        let random = report(.ignoresUpstream, GradientCheck(checkInvariants: false))
        #expect(random.verdict == .fail, "a random upstream exposes it")
    }

    @Test func firstLayerCutOffIsNamed() {
        let r = report(.firstLayerCutOff)
        let invariant = r.failedInvariants.first { $0.name == .everyParameterReceivesGradient }
        #expect(invariant?.detail == "no gradient reaches 0.Affine.W, 0.Affine.b")
        #expect(signature(r, "param 0.Affine.W") == .analyticAllZero)
    }

    @Test func halfGradientLossIsCaughtWithItsRatio() {
        let r = report(.lossHalfGradient)
        let invariant = r.failedInvariants.first { $0.name == .lossMatchesGradient }
        #expect(invariant?.detail.contains("gradient of half the loss") == true)
        #expect(signature(r, "param 2.Affine.W") == .half)
    }
}

@Suite struct ConvergenceOrderTests {
    @Test func smoothLayersConvergeAtSecondOrderAndLinearOnesAreExact() {
        let tanh = LayerExample.make(.tanh, seed: 4)
        let report = GradientCheck().run(tanh.layer, inputs: tanh.inputs)
        let order = report.tensors[0].order!
        #expect(abs(order.fitted! - 2) < 0.2, "order \(order.fitted!)")
        let affine = LayerExample.make(.affine, seed: 4)
        let linear = GradientCheck().run(affine.layer, inputs: affine.inputs)
        #expect(linear.tensors.allSatisfy { $0.order?.fitted == nil && $0.order?.verdict == .pass })
    }

    @Test func aBugBelowTheToleranceIsCaughtOnlyByTheOrder() {
        let subject = BrokenLayer.tanhSlightlyOff.subject()
        var withoutOrder = GradientCheck()
        withoutOrder.orderTest = false
        #expect(subject.check(with: withoutOrder, name: "x").verdict == .pass, "every element is within rtol")
        let report = subject.check(with: GradientCheck(), name: "x")
        #expect(report.verdict == .fail)
        #expect(report.tensors[0].failed == 0)
        #expect(report.diagnosis.contains("the gradient is wrong, whatever the tolerance"))
    }
}

/// Each bug signature, proven on the zoo layer that has that bug, and its text, which users read.
@Suite struct SignatureTests {
    func signature(_ broken: BrokenLayer, _ tensor: String) -> BugSignature? {
        let report = broken.subject().check(with: GradientCheck(), name: broken.rawValue)
        return report.tensors.first { $0.tensor.description == tensor }?.signature
    }

    @Test func twiceNumericMeansAHalfLost() {
        #expect(signature(.mseDoubleGradient, "input x") == .twice)
    }

    @Test func halfNumericMeansTheGradientOfHalfTheLoss() {
        #expect(signature(.lossHalfGradient, "param 0.Affine.W") == .half)
    }

    @Test func oneOverNMeansTheMeanTakenTwice() {
        #expect(signature(.softmaxWithLossDoubleMean, "input x") == .batchFraction(4))
    }

    @Test func nTimesMeansAMissingMean() {
        #expect(signature(.softmaxWithLossNoMean, "input x") == .batchMultiple(4))
    }

    @Test func signFlipped() {
        #expect(signature(.tanhSignFlipped, "input x") == .signFlipped)
    }

    @Test func allZeroMeansNotWired() {
        #expect(signature(.firstLayerCutOff, "param 0.Affine.W") == .analyticAllZero)
    }

    @Test func equalsUpstreamMeansTheLocalDerivativeIsMissing() {
        #expect(signature(.sigmoidReturnsUpstream, "input x") == .equalsUpstream)
    }

    @Test func transposeIsRecognised() {
        #expect(signature(.affineTransposedWeightGradient, "param W") == .transposed)
    }

    @Test func eachSignatureSaysWhatToLookFor() {
        #expect(BugSignature.twice.description.hasPrefix("analytic is 2× numeric (a ½ lost?"))
        #expect(BugSignature.batchFraction(4).description.hasPrefix("analytic is 1/4 of numeric"))
        #expect(BugSignature.batchMultiple(4).description.hasPrefix("analytic is 4× numeric"))
        #expect(BugSignature.factor(1 / 3).description == "analytic is 0.3333× numeric")
    }

    @Test func signaturesRoundTripThroughJSONAndOldReportsStillRead() throws {
        let all: [BugSignature] = [.twice, .batchFraction(4), .factor(0.25), .transposed, .legacy("old text")]
        let data = try JSONEncoder().encode(all)
        #expect(try JSONDecoder().decode([BugSignature].self, from: data) == all)
        #expect(String(decoding: data, as: UTF8.self).contains(#""text":"analytic is 2× numeric"#), "tools read the text")
        let old = try JSONDecoder().decode([BugSignature].self, from: Data(#"["sign flipped (analytic is −1× numeric)"]"#.utf8))
        #expect(old == [.legacy("sign flipped (analytic is −1× numeric)")])
    }
}
