import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// A report says where a check's time went (issue 24): each phase with its seconds and the
/// layer passes it made, and each invariant's own seconds; reports written before say nothing
/// and still decode.
@Suite struct CheckCostTests {
    @Test func everyPhaseIsTimedAndItsPassesCounted() throws {
        var rng = SeededGenerator(seed: 1)
        let affine = Affine(inFeatures: 5, outFeatures: 3, using: &rng)
        let report = GradientCheck(mode: .fast(directions: 2)).run(affine, inputs: [.uniform([4, 5], using: &rng)])
        let cost = try #require(report.cost)
        #expect(cost.analytic.forwardPasses == 3 && cost.analytic.backwardPasses == 1)
        // Two scaled upstreams, a forward and a backward each (L's own rounding is read off the
        // step choice's points).
        #expect(cost.rounding.forwardPasses == 2 && cost.rounding.backwardPasses == 2)
        #expect(cost.invariants.forwardPasses > 0 && cost.invariants.backwardPasses > 0)
        // The finite differences and the Taylor test together are the passes the report counts.
        #expect(cost.differences.forwardPasses + cost.taylor.forwardPasses == report.forwardPasses)
        #expect(cost.taylor.forwardPasses > 0)
        let phases = [cost.analytic, cost.rounding, cost.invariants, cost.differences, cost.taylor]
        #expect(phases.allSatisfy { $0.seconds >= 0 })
        #expect(phases.reduce(0) { $0 + $1.seconds } <= report.seconds)
        #expect(cost.elementResults + cost.report <= cost.differences.seconds)
        #expect(report.invariants.allSatisfy { $0.seconds != nil }, "every invariant says what it cost")
        // The fast-path comparison's passes, apart: the readable reference and each of the two
        // paths forced, a forward and a backward each, timed within the invariants' seconds.
        #expect(cost.otherPaths.forwardPasses == 3 && cost.otherPaths.backwardPasses == 3)
        #expect(cost.otherPaths.seconds > 0 && cost.otherPaths.seconds <= cost.invariants.seconds)
    }

    /// A report written before other paths were counted apart (no `otherPaths`) decodes with none.
    @Test func aCostWithoutOtherPathsStillDecodes() throws {
        var rng = SeededGenerator(seed: 3)
        let affine = Affine(inFeatures: 4, outFeatures: 2, using: &rng)
        let report = GradientCheck(mode: .fast(directions: 1)).run(affine, inputs: [.uniform([3, 4], using: &rng)])
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        var cost = try #require(object["cost"] as? [String: Any])
        #expect(cost["otherPaths"] != nil)
        cost["otherPaths"] = nil
        object["cost"] = cost
        let decoded = try JSONDecoder().decode(CheckReport.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.cost?.otherPaths == CheckCost.Phase())
        #expect(decoded.cost?.invariants == report.cost?.invariants)
    }

    @Test func aReportWrittenBeforeCostsWereMeasuredStillDecodes() throws {
        var rng = SeededGenerator(seed: 2)
        let report = GradientCheck().run(Tanh(), inputs: [.uniform([3, 4], using: &rng)])
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        object["cost"] = nil
        object["invariants"] = (object["invariants"] as? [[String: Any]])?.map { invariant in
            var old = invariant
            old["seconds"] = nil
            return old
        }
        let decoded = try JSONDecoder().decode(CheckReport.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.cost == nil)
        #expect(decoded.invariants.allSatisfy { $0.seconds == nil })
        #expect(decoded.verdict == report.verdict)
    }
}
