import Foundation
import Testing

@testable import SlopePlot

/// A PyTorch Lightning CSVLogger file: train and validation losses logged on different
/// rows, the other cell left empty; a literal nan in each series.
let lightningMetrics = """
    "epoch","step","train_loss","val_loss"
    0,0,2.0,
    0,1,1.8,
    0,2,,1.9
    1,3,1.6,
    1,4,1.5,
    1,5,,1.4
    2,6,nan,
    2,7,1.2,
    2,8,,1.1
    3,9,1.0,
    3,10,0.9,
    3,11,,nan
    4,12,0.8,
    4,13,0.7,
    4,14,,0.75
    5,15,0.65,
    5,16,0.6,
    5,17,,nan

    """

@Suite struct SparseLogRenderingTests {
    func draw() throws -> (RecordingCanvas, ChartLayout) {
        let table = try CSVTable(parsing: lightningMetrics, source: "metrics.csv")
        let chart = Chart.lossCurve(
            steps: try table.column("step"),
            logged: [("train_loss", try table.column("train_loss")), ("val_loss", try table.column("val_loss"))])
        let canvas = RecordingCanvas(width: 800, height: 500)
        let layout = try chart.draw(on: canvas)
        return (canvas, layout)
    }

    func close(_ a: CanvasPoint, _ b: CanvasPoint) -> Bool { abs(a.x - b.x) < 1e-9 && abs(a.y - b.y) < 1e-9 }

    @Test func eachSeriesJoinsItsLoggedPointsAcrossEmptyCells() throws {
        let (canvas, layout) = try draw()
        let val = canvas.polylines(color: Palette.categorical(1))
        // 1.9, 1.4, 1.1 are three rows apart each: one polyline through all three.
        #expect(val.count == 1)
        let expected = [(2.0, 1.9), (5.0, 1.4), (8.0, 1.1)].map { layout.point(x: $0.0, y: $0.1) }
        #expect(val.first?.count == 3)
        if let line = val.first, line.count == 3 {
            #expect(zip(line, expected).allSatisfy(close))
        }
    }

    @Test func aLoggedNaNStaysAGap() throws {
        let (canvas, layout) = try draw()
        let train = canvas.polylines(color: Palette.categorical(0))
        #expect(train.count == 2)
        guard train.count == 2, let end = train[0].last, let start = train[1].first else { return }
        // The first run ends at step 4 and the second starts at step 7: nothing spans the nan at step 6.
        #expect(close(end, layout.point(x: 4, y: 1.5)))
        #expect(close(start, layout.point(x: 7, y: 1.2)))
        #expect(train[0].count == 4 && train[1].count == 7)
    }

    @Test func aPointWithNoDrawableNeighbourIsAMarker() throws {
        let (canvas, layout) = try draw()
        let markers = canvas.commands.compactMap { command -> CanvasPoint? in
            if case .circle(let centre, _, Palette.categorical(1), _) = command { centre } else { nil }
        }
        // 0.75 at step 14 sits between two nans of the validation series.
        #expect(markers.count == 1)
        if let marker = markers.first { #expect(close(marker, layout.point(x: 14, y: 0.75))) }
        // And no line of the validation colour is a zero-length dot.
        #expect(canvas.polylines(color: Palette.categorical(1)).allSatisfy { Set($0).count > 1 })
    }

    @Test func theLonePointShowsInThePNG() throws {
        let table = try CSVTable(parsing: lightningMetrics, source: "metrics.csv")
        let chart = Chart.lossCurve(
            steps: try table.column("step"),
            logged: [("train_loss", try table.column("train_loss")), ("val_loss", try table.column("val_loss"))])
        let canvas = try GDCanvas(width: 800, height: 500)
        let layout = try chart.draw(on: canvas)
        let p = layout.point(x: 14, y: 0.75)
        let around = CanvasRect(x: p.x - 4, y: p.y - 4, width: 8, height: 8)
        #expect(canvas.count(Palette.categorical(1), in: around) >= 12)  // a disc, not one pixel
    }

    @Test func aFullyLoggedSeriesIsUnchanged() {
        let dense = LineSeries(logged: [3, 2, .nan, 1])
        #expect(dense.x == [0, 1, 2, 3] && dense.y.count == 4 && dense.y[2].isNaN)
        let sparse = LineSeries(logged: [3, nil, 1], x: [10, 20, nil])
        #expect(sparse.x == [10] && sparse.y == [3])
    }
}
