import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// Float code, checked three ways over the cases of `FloatCase.all` and six seeds each:
/// the Float-aware rule (no twin), the twin rule (a Double twin), and a fixed-tolerance
/// rule (h = 1e-3·max(1, |x|), rtol 1e-2, atol 1e-5: PyTorch's and ChainRulesTestUtils'
/// usual Float settings) and Double's own settings, for the record.
@Suite struct FloatCheckTests {
    static let seeds: [UInt64] = [0, 1, 2, 3, 4, 5]

    struct Tally: CustomStringConvertible {
        var correct = 0, falseAlarms = 0, correctInconclusive = 0
        var bugs = 0, missed = 0, bugsInconclusive = 0
        var inconclusiveCases: Set<String> = []
        var description: String {
            "correct: \(falseAlarms) false alarms, \(correctInconclusive) inconclusive of \(correct) · "
                + "1% bugs: \(missed) passed, \(bugsInconclusive) inconclusive of \(bugs)"
                + (inconclusiveCases.isEmpty ? "" : " (inconclusive: \(inconclusiveCases.sorted().joined(separator: ", ")))")
        }
        mutating func add(correct: Verdict, bug: Verdict) {
            self.correct += 1
            bugs += 1
            if correct == .fail { falseAlarms += 1 }
            if correct == .inconclusive { correctInconclusive += 1 }
            if bug == .pass { missed += 1 }
            if bug == .inconclusive { bugsInconclusive += 1 }
        }
    }

    /// Runs `check` on the correct Float code and on its 1% bug, for every case and seed.
    static func tally(
        _ failures: inout [String], _ run: (FloatCase, UInt64, Float) -> CheckReport
    ) -> Tally {
        var tally = Tally()
        for item in FloatCase.all {
            for seed in seeds {
                let correct = run(item, seed, 1)
                let bug = run(item, seed, 1.01)
                tally.add(correct: correct.verdict, bug: bug.verdict)
                if correct.verdict == .fail { failures.append("false alarm: \(item) seed \(seed): \(correct.diagnosis)") }
                if bug.verdict == .pass { failures.append("1% bug passed: \(item) seed \(seed)") }
                if correct.verdict == .inconclusive { tally.inconclusiveCases.insert(item.name) }
                if bug.verdict == .inconclusive { tally.inconclusiveCases.insert(item.name) }
            }
        }
        return tally
    }

    @Test func floatAwareRuleHasNoFalseAlarms() {
        var failures: [String] = []
        let tally = Self.tally(&failures) { item, seed, factor in
            let (f, vjp) = item.float(factor: factor)
            var check = GradientCheck()
            check.seed = seed
            return check.run(float: f, vjp: vjp, at: item.inputs(seed: seed), name: item.name)
        }
        print("Float, Float-aware rule: \(tally)")
        #expect(tally.falseAlarms == 0, "\(failures.joined(separator: "\n"))")
        #expect(tally.missed == 0, "\(failures.joined(separator: "\n"))")
    }

    @Test func twinRuleHasNoFalseAlarms() {
        var failures: [String] = []
        let tally = Self.tally(&failures) { item, seed, factor in
            let (f, vjp) = item.float(factor: factor)
            let (twin, twinVJP) = item.twin()
            var check = GradientCheck()
            check.seed = seed
            return check.run(
                float: f, vjp: vjp, twin: twin, twinVJP: twinVJP, at: item.inputs(seed: seed), name: item.name)
        }
        print("Float, twin rule: \(tally)")
        #expect(tally.falseAlarms == 0, "\(failures.joined(separator: "\n"))")
        #expect(tally.missed == 0, "\(failures.joined(separator: "\n"))")
    }

    /// The twin rule's two findings, each named: a wrong formula (in both versions) fails the
    /// Double check; a Float port that differs from its twin fails the comparison.
    @Test func twinRuleNamesWhatIsWrong() throws {
        let item = FloatCase.activation("gelu")
        let x = item.inputs(seed: 9)
        let (f, vjp) = item.float(factor: 1.01)
        let (twin, twinVJP) = item.twin(factor: 1.01)
        let formula = GradientCheck().run(float: f, vjp: vjp, twin: twin, twinVJP: twinVJP, at: x, name: "gelu")
        #expect(formula.verdict == .fail)
        #expect(formula.diagnosis.hasPrefix("gelu input x: 12 of 12 checked elements wrong"), "\(formula.diagnosis)")
        let (correctTwin, correctTwinVJP) = item.twin()
        let port = GradientCheck().run(
            float: f, vjp: vjp, twin: correctTwin, twinVJP: correctTwinVJP, at: x, name: "gelu")
        #expect(port.verdict == .fail)
        #expect(port.tensors.allSatisfy { $0.verdict == .pass })
        #expect(port.diagnosis.contains("invariant \"Float vjp matches its Double twin\" broken"), "\(port.diagnosis)")
        let comparison = try #require(port.floatTwin)
        #expect(comparison.gradientDifferences[0] > 50_000)
        let (right, rightVJP) = item.float()
        let passing = GradientCheck().run(
            float: right, vjp: rightVJP, twin: correctTwin, twinVJP: correctTwinVJP, at: x, name: "gelu")
        #expect(passing.verdict == .pass, "\(passing.diagnosis)")
        #expect(passing.precision == nil)  // the finite differences judged the Double twin
        #expect((passing.floatTwin?.gradientDifferences[0] ?? .infinity) < 8)
    }

    /// The Float path meets broken closures as the Double one does.
    @Test func misbehavingFloatClosuresAreProblems() {
        let x = FloatCase.activation("tanh").inputs(seed: 1)
        let count = GradientCheck().run(float: { $0[0] }, vjp: { _, u in [u, u] }, at: [x[0]])
        #expect(count.problem == .gradientCount(returned: 2, inputs: 1))
        let shape = GradientCheck().run(float: { $0[0] }, vjp: { _, u in [Array(u.dropLast())] }, at: [x[0]])
        #expect(shape.problem == .gradientShape(input: "x", shape: [11], expected: [3, 4]))
        let (twin, twinVJP) = FloatCase.activation("tanh").twin()
        let twinCount = GradientCheck().run(
            float: { $0[0] }, vjp: { _, u in [u, u] }, twin: twin, twinVJP: twinVJP, at: [x[0]])
        #expect(twinCount.problem == .gradientCount(returned: 2, inputs: 1))
    }
}
