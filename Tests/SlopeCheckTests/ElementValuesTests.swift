import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck
@testable import SlopeZoo

/// Every element's analytic and numeric value, kept as columns for the tensors that fail
/// (or all, by option): what error maps are drawn from, in the report and its JSON.
@Suite struct ElementValuesTests {
    func report(_ broken: BrokenLayer, _ configure: (inout GradientCheck) -> Void = { _ in }) -> CheckReport {
        var check = GradientCheck()
        configure(&check)
        return broken.subject().check(with: check, name: broken.rawValue)
    }

    @Test func aFailingTensorKeepsEveryElementAndAPassingOneNone() throws {
        let r = report(.affineTransposedWeightGradient)
        let weight = try #require(r.tensors.first { $0.tensor.description == "param W" })
        #expect(weight.verdict == .fail)
        let values = try #require(weight.elements)
        #expect(values.indices == nil)
        #expect(values.analytic.count == weight.elementCount && values.numeric.count == weight.elementCount)
        #expect(values.failed.count == weight.failed)
        // The columns are the check's own numbers: the worst element is among them.
        let worst = try #require(weight.worst)
        let flat = Tensor.flatIndex(worst.index, in: weight.shape)
        #expect(values.analytic[flat] == worst.analytic && values.numeric[flat] == worst.numeric)
        for t in r.tensors where t.verdict == .pass { #expect(t.elements == nil, "\(t.tensor) passed but kept its elements") }
    }

    @Test func retentionAllKeepsPassingTensorsAndNoneKeepsNothing() {
        let all = report(.affineTransposedWeightGradient) { $0.keptElements = .all }
        #expect(all.tensors.allSatisfy { $0.elements != nil })
        let none = report(.affineTransposedWeightGradient) { $0.keptElements = .none }
        #expect(none.tensors.allSatisfy { $0.elements == nil })
    }

    @Test func sampledElementsCarryTheirIndicesAndSpreadOverTheTensor() throws {
        let r = report(.tanhSignFlipped) { $0.mode = .sampled(perTensor: 5) }
        let x = try #require(r.tensors.first)
        let values = try #require(x.elements)
        let indices = try #require(values.indices)
        #expect(indices.count == 5 && indices == indices.sorted())
        let dense = values.dense(values.analytic, count: x.elementCount)
        #expect(dense.count == x.elementCount)
        #expect(dense.filter { !$0.isNaN }.count == 5)
        for (i, flat) in indices.enumerated() { #expect(dense[flat] == values.analytic[i]) }
    }

    @Test func fastModeDirectionsAreNotElements() {
        let r = report(.tanhSignFlipped) { $0.mode = .fast(directions: 2) }
        #expect(r.verdict == .fail)
        #expect(r.tensors.allSatisfy { $0.elements == nil })
    }

    @Test func theColumnsSurviveJSONAndOldReportsWithoutThemStillDecode() throws {
        let r = report(.affineTransposedWeightGradient)
        let run = VerifyRun(
            method: "m", tolerance: .default, mode: .exhaustive, seed: 0, maxInconclusive: 0.05, reports: [r], seconds: 1)
        let decoded = try JSONReport.read(try JSONReport.render(run))
        let weight = decoded.reports[0].tensors.first { $0.tensor.description == "param W" }
        #expect(weight?.elements == r.tensors.first { $0.tensor.description == "param W" }?.elements)
        // A report written before the columns existed: the same JSON without them.
        var object = try #require(try JSONSerialization.jsonObject(with: try JSONReport.render(run)) as? [String: Any])
        var reports = try #require(object["reports"] as? [[String: Any]])
        var tensors = try #require(reports[0]["tensors"] as? [[String: Any]])
        for i in tensors.indices { tensors[i]["elements"] = nil }
        reports[0]["tensors"] = tensors
        object["reports"] = reports
        let old = try JSONReport.read(try JSONSerialization.data(withJSONObject: object))
        #expect(old.reports[0].tensors.allSatisfy { $0.elements == nil })
        #expect(old.reports[0].tensors.count == r.tensors.count)
    }

    @Test func tensorsOverTheLimitNeverKeepTheirValues() {
        #expect(ElementRetention.all.keeps(.pass, elementCount: ElementRetention.elementLimit))
        #expect(!ElementRetention.all.keeps(.fail, elementCount: ElementRetention.elementLimit + 1))
        #expect(!ElementRetention.failing.keeps(.pass, elementCount: 10))
        #expect(ElementRetention.failing.keeps(.fail, elementCount: 10))
        #expect(ElementRetention.failing.keeps(.inconclusive, elementCount: 10))
        #expect(!ElementRetention.none.keeps(.fail, elementCount: 10))
    }
}
