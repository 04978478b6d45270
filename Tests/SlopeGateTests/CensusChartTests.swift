import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot
import Testing

@testable import SlopeGate

/// The histogram of `verify --histogram`: empty decades are drawn as nothing.
@Suite struct CensusChartTests {
    static func run(counts: [Int: Int]) -> VerifyRun {
        var report = GradientCheck().run(Tanh(), inputs: [Tensor.zeros([1, 1])])
        report.tensors[0].census = ErrorCensus()
        for (bin, count) in counts { report.tensors[0].census.counts[bin] = count }
        return VerifyRun(
            method: "m", tolerance: .default, mode: .exhaustive, seed: 0, maxInconclusive: 0.05, reports: [report], seconds: 0)
    }

    @Test func emptyDecadesDrawNoLineAndFullOnesAnOpenBar() throws {
        // Decades 1e-12 and 1e-9 hold elements; the two between are empty.
        let chart = CensusChart.make(Self.run(counts: [5: 40, 8: 3]))
        let canvas = RecordingCanvas(width: chart.width, height: chart.height)
        let layout = try chart.draw(on: canvas)
        let floorY = layout.point(x: -12, y: CensusChart.floor).y
        let lines = canvas.commands.compactMap { command -> [CanvasPoint]? in
            if case .polyline(let points, _, let width) = command, width == 2 { points } else { nil }
        }
        #expect(lines.count == 2, "one open bar per non-empty decade, got \(lines.count) lines")
        for points in lines {
            for (a, b) in zip(points, points.dropFirst()) where abs(a.y - b.y) < 0.5 {
                #expect(abs(a.y - floorY) > 1, "a horizontal line at the floor from x \(a.x) to \(b.x)")
            }
        }
        // The tops are at the counts.
        let tops = lines.map { $0.map(\.y).min()! }.sorted()
        #expect(abs(tops[0] - layout.point(x: -12, y: 40).y) < 1 && abs(tops[1] - layout.point(x: -9, y: 3).y) < 1)
    }
}
