import Foundation
import Testing

@testable import SlopePlot

@Suite struct ChartErrorTests {
    func drawing(_ chart: Chart) -> PlotError? {
        do {
            try chart.draw(on: RecordingCanvas(width: chart.width, height: chart.height))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [(15, 100), (100, 15), (8193, 100), (100, 8193), (0, 0), (-5, 100)])
    func sizeOutsideTheLimitIsRefused(width: Int, height: Int) throws {
        var chart = Chart(width: width, height: height)
        chart.addLine([1, 2])
        #expect(throws: PlotError.invalidSize(width: width, height: height)) { try chart.pngData() }
        #expect(PlotError.invalidSize(width: width, height: height).description.contains("16…8192"))
    }

    @Test(arguments: [(16, 16), (8192, 16)])
    func sizeAtTheLimitIsAccepted(width: Int, height: Int) throws {
        var chart = Chart(width: width, height: height)
        chart.addLine([1, 2])
        #expect(pngSize(try chart.pngData())?.width == width)
    }

    @Test func emptySeriesNamesTheSeries() {
        var chart = Chart()
        chart.addLine([], label: "val")
        #expect(drawing(chart) == .emptySeries(name: "val"))
        #expect(PlotError.emptySeries(name: "val").description.contains("\"val\""))
    }

    @Test func allNaNSeriesNamesTheSeries() {
        var chart = Chart()
        chart.addLine([1, 2])
        chart.addLine([.nan, .infinity, -.infinity], label: "broken")
        #expect(drawing(chart) == .noFiniteValues(name: "broken"))
    }

    @Test func unlabelledSeriesIsNamedByPosition() {
        var chart = Chart()
        chart.addLine([1, 2])
        chart.addScatter(x: [1], y: [.nan])
        #expect(drawing(chart) == .noFiniteValues(name: "scatter 2"))
    }

    @Test func mismatchedLengths() {
        var chart = Chart()
        chart.addLine([1, 2, 3], x: [1, 2], label: "loss")
        #expect(drawing(chart) == .lengthMismatch(name: "loss", xCount: 2, yCount: 3))
    }

    @Test func nothingPositiveOnALogAxis() {
        var chart = Chart()
        chart.yAxis.scale = .log
        chart.addLine([0, -1, .nan], label: "loss")
        #expect(drawing(chart) == .nothingPositiveOnLogAxis(name: "loss", axis: "y"))
    }

    @Test func noSeries() {
        #expect(drawing(Chart()) == .nothingToPlot)
    }

    @Test func badSmoothing() {
        var chart = Chart()
        chart.addLine([1, 2], label: "loss", smoothing: 1.5)
        #expect(drawing(chart) == .invalidSmoothing(name: "loss", alpha: 1.5))
    }

    @Test func raggedHeatMap() {
        var chart = Chart()
        chart.addHeatMap(HeatMap(values: [[1, 2], [3]], x: 0...1, y: 0...1, colorMap: .sequential, label: "p"))
        #expect(drawing(chart) == .invalidHeatMap(name: "p", reason: "row 1 has 1 cells but row 0 has 2"))
    }

    @Test func badLimits() {
        var chart = Chart()
        chart.yAxis.scale = .log
        chart.yAxis.limits = -1...10
        chart.addLine([1, 2])
        #expect(drawing(chart) == .invalidLimits(axis: "y", lower: -1, upper: 10))
    }

    @Test func extremeValuesDoNotCrash() throws {
        var chart = Chart()
        chart.addLine([-1e308, 1e308, 0, .nan, 5])
        chart.addScatter(x: [0, 1e300], y: [1, -1e300])
        #expect(drawing(chart) == nil)
        chart.xAxis.limits = 0...1  // points far outside the limits are clipped
        #expect(drawing(chart) == nil)
        _ = try chart.pngData()
    }
}
