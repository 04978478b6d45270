import Foundation
import Testing

@testable import SlopePlot

/// Renders known charts through `GDCanvas` and checks the pixels.
@Suite struct ChartRenderingTests {
    let blue = Palette.categorical(0)
    let vermillion = Palette.categorical(1)

    func render(_ chart: Chart) throws -> (GDCanvas, ChartLayout) {
        let canvas = try GDCanvas(width: chart.width, height: chart.height)
        let layout = try chart.draw(on: canvas)
        return (canvas, layout)
    }

    @Test func pngHasTheChartSizeAndWhiteCorners() throws {
        var chart = Chart(width: 640, height: 360, title: "size")
        chart.addLine([1, 3, 2, 4])
        let png = try chart.pngData()
        #expect(pngSize(png)?.width == 640)
        #expect(pngSize(png)?.height == 360)

        let (canvas, _) = try render(chart)
        for (x, y) in [(0, 0), (639, 0), (0, 359), (639, 359)] {
            #expect(canvas.pixel(x: x, y: y) == .white)
        }
    }

    @Test func lineColourFollowsTheDataPath() throws {
        var chart = Chart(width: 400, height: 300)
        let y = (0...50).map { Double($0) * 0.1 }  // a straight rising line
        chart.addLine(y)
        let (canvas, layout) = try render(chart)
        for i in stride(from: 2, through: 48, by: 4) {
            let p = layout.point(x: Double(i), y: y[i])
            let x = Int(p.x.rounded()), row = Int(p.y.rounded())
            #expect(canvas.column(x, in: (row - 3)...(row + 3), contains: blue), "no line colour near point \(i)")
        }
        // Far from the line (the lower-right part of the plot) there is no line colour.
        let far = layout.point(x: 45, y: 0.5)
        #expect(!canvas.column(Int(far.x), in: Int(far.y - 5)...Int(far.y + 5), contains: blue))
    }

    @Test func nanLeavesAGapWithoutLineColour() throws {
        var y = (0..<100).map { 1 + 0.5 * sin(Double($0) / 5) }
        for i in 40..<60 { y[i] = .nan }
        y[70] = .infinity
        var chart = Chart(width: 500, height: 300)
        chart.addLine(y, label: "with gap")
        chart.showsLegend = false
        let (canvas, layout) = try render(chart)
        let plotRows = Int(layout.plotArea.minY + 2)...Int(layout.plotArea.maxY - 2)
        let gapStart = Int(layout.point(x: 39, y: 1).x) + 3, gapEnd = Int(layout.point(x: 60, y: 1).x) - 3
        for x in gapStart...gapEnd {
            #expect(!canvas.column(x, in: plotRows, contains: blue), "line colour in the gap at column \(x)")
        }
        // Either side of the gap the line is present.
        for i in [20, 35, 65, 80] {
            #expect(canvas.column(Int(layout.point(x: Double(i), y: 1).x.rounded()), in: plotRows, contains: blue))
        }
    }

    @Test func twoRendersAreByteIdentical() throws {
        var chart = Chart(title: "determinism", xLabel: "x", yLabel: "y")
        chart.addLine((0..<500).map { sin(Double($0) / 20) }, label: "sin", smoothing: 0.9)
        chart.addScatter(x: [10, 200, 400], y: [0.5, -0.5, 0], label: "points")
        chart.annotate("note")
        #expect(try chart.pngData() == chart.pngData())
    }

    @Test func legendIsDrawnWithItsLabels() throws {
        var chart = Chart(width: 600, height: 400)
        chart.addLine([1, 2, 3], label: "train")
        chart.addLine([3, 2, 1], label: "validation")
        let recording = RecordingCanvas(width: 600, height: 400)
        let layout = try chart.draw(on: recording)
        #expect(recording.texts.contains("train"))
        #expect(recording.texts.contains("validation"))
        let legend = try #require(layout.legendArea)

        // And in pixels: the legend box holds both line colours.
        let (canvas, pixelLayout) = try render(chart)
        let box = try #require(pixelLayout.legendArea)
        #expect(canvas.count(blue, in: box) > 10)
        #expect(canvas.count(vermillion, in: box) > 10)
        #expect(legend.width > 40)
    }

    @Test func unlabelledSeriesDrawNoLegend() throws {
        var chart = Chart()
        chart.addLine([1, 2, 3])
        #expect(try chart.draw(on: RecordingCanvas(width: 800, height: 500)).legendArea == nil)
    }

    @Test func tickLabelsForAKnownRange() throws {
        var chart = Chart(width: 800, height: 500)
        chart.xAxis.limits = 0...10
        chart.yAxis.limits = -0.3...0.7
        chart.addLine([0, 0.5], x: [0, 10])
        let canvas = RecordingCanvas(width: 800, height: 500)
        let layout = try chart.draw(on: canvas)
        #expect(layout.xTicks.map(\.label) == ["0", "2", "4", "6", "8", "10"])
        #expect(layout.yTicks.map(\.label) == ["-0.2", "0.0", "0.2", "0.4", "0.6"])
        for label in layout.xTicks.map(\.label) + layout.yTicks.map(\.label) {
            #expect(canvas.texts.contains(label))
        }
    }

    @Test func logAxisTicksAreDecades() throws {
        var chart = Chart()
        chart.xAxis.scale = .log
        chart.yAxis.scale = .log
        chart.addLine([1e-4, 1e-8, 1e-2], x: [1e-10, 1e-5, 1e-1])
        let canvas = RecordingCanvas(width: 800, height: 500)
        let layout = try chart.draw(on: canvas)
        #expect(layout.yTicks.map(\.label).contains("1e-06"))
        #expect(layout.xTicks.allSatisfy { $0.label.hasPrefix("1e") })
        #expect(layout.warnings.isEmpty)
    }

    @Test func nonPositiveValuesOnALogAxisAreDroppedWithAWarning() throws {
        var chart = Chart()
        chart.yAxis.scale = .log
        chart.addLine([1, 0, -2, 0.1, 0.01], label: "loss")
        let layout = try chart.draw(on: RecordingCanvas(width: 800, height: 500))
        #expect(layout.warnings == ["series \"loss\": 2 points with y ≤ 0 left out of the log-scale y axis"])
    }

    @Test func titleAndAxisLabelsAreDrawn() throws {
        let chart = Chart.lossCurve(steps: nil, series: [("train", [3, 2, 1])], title: "Loss")
        let canvas = RecordingCanvas(width: 800, height: 500)
        try chart.draw(on: canvas)
        #expect(canvas.texts.contains("Loss"))
        #expect(canvas.texts.contains("step"))
        #expect(canvas.texts.contains("loss"))
    }

    @Test func tickLabelsStayInsideTheCanvas() throws {
        var chart = Chart(width: 300, height: 200)
        chart.addLine([1e-3, 5, 123456], x: [0, 1, 123456.789])
        let canvas = RecordingCanvas(width: 300, height: 200)
        try chart.draw(on: canvas)
        for case .text(let text, let p, let size, _, let anchor, .horizontal) in canvas.commands {
            let w = canvas.textWidth(text, size: size)
            let left = p.x - w * anchor.horizontalFraction
            #expect(left >= 0 && left + w <= 300, "\(text) sticks out of the canvas")
        }
    }

    @Test func constantSeriesGetsARange() throws {
        var chart = Chart()
        chart.addLine([2, 2, 2, 2])
        let layout = try chart.draw(on: RecordingCanvas(width: 800, height: 500))
        #expect(layout.yLimits.lowerBound < 2 && layout.yLimits.upperBound > 2)
        #expect(layout.yTicks.count >= 3)
    }

    @Test func markerAndAnnotationAreDrawn() throws {
        let chart = Chart.errorVsStep(
            steps: [1e-8, 1e-6, 1e-4, 1e-2], errors: [1e-6, 1e-9, 1e-7, 1e-3],
            defaultStep: 1e-6, annotation: "fitted slope 2.00")
        let canvas = RecordingCanvas(width: 800, height: 500)
        let layout = try chart.draw(on: canvas)
        #expect(canvas.texts.contains("default step"))
        #expect(canvas.texts.contains("fitted slope 2.00"))
        // The dashed marker is a column of short grey segments at x = 1e-6.
        let x = layout.point(x: 1e-6, y: 1).x.rounded()
        let dashes = canvas.commands.filter {
            if case .line(let a, let b, RGB(hex: 0x555555), _) = $0 { a.x == x && b.x == x } else { false }
        }
        #expect(dashes.count > 10)
    }

    @Test func heatMapFillsThePlotAndHasAColourBar() throws {
        let grid: [[Double]] = [[0, 1], [1, 0]]
        let chart = Chart.heatMap(
            grid, x: 0...1, y: 0...1, classNames: ["a", "b"],
            points: [(0.25, 0.25, 0), (0.75, 0.25, 1)])
        let (canvas, layout) = try render(chart)
        let plot = layout.plotArea
        // Bottom-left cell is class 0, bottom-right class 1 (tinted).
        let bottomLeft = try #require(canvas.pixel(x: Int(plot.minX + 10), y: Int(plot.maxY - 10)))
        let bottomRight = try #require(canvas.pixel(x: Int(plot.maxX - 10), y: Int(plot.maxY - 10)))
        #expect(distance(bottomLeft, HeatMap.regionColor(forClass: 0)) <= 2)
        #expect(distance(bottomRight, HeatMap.regionColor(forClass: 1)) <= 2)
        // The point at (0.25, 0.25) is drawn in the full class colour.
        let p = layout.point(x: 0.25, y: 0.25)
        #expect(distance(canvas.pixel(x: Int(p.x.rounded()), y: Int(p.y.rounded()))!, Palette.categorical(0)) <= 10)
        // The colour bar right of the plot holds both region colours.
        let bar = CanvasRect(x: plot.maxX + 10, y: plot.minY, width: 30, height: plot.height)
        #expect(canvas.count(HeatMap.regionColor(forClass: 0), in: bar, tolerance: 2) > 100)
        #expect(canvas.count(HeatMap.regionColor(forClass: 1), in: bar, tolerance: 2) > 100)
    }

    @Test func smoothedLineKeepsTheRawLineFaint() throws {
        var chart = Chart()
        chart.addLine([0.5] + (1..<200).map { Double($0 % 2) }, label: "noisy", smoothing: 0.9)
        let canvas = RecordingCanvas(width: 800, height: 500)
        try chart.draw(on: canvas)
        let faint = blue.blended(with: .white, amount: ChartRenderer.rawFade)
        #expect(!canvas.polylines(color: faint).isEmpty)
        let smooth = canvas.polylines(color: blue).flatMap { $0 }
        let spread = (smooth.map(\.y).max() ?? 0) - (smooth.map(\.y).min() ?? 0)
        let raw = canvas.polylines(color: faint).flatMap { $0 }
        let rawSpread = (raw.map(\.y).max() ?? 0) - (raw.map(\.y).min() ?? 0)
        #expect(spread < rawSpread / 2)
    }

    @Test func exponentialMovingAverage() {
        let s = LineSeries.exponentialMovingAverage([1, .nan, 3, 3], alpha: 0.5)
        #expect(s[0] == 1)
        #expect(s[1].isNaN)
        #expect(s[2] == 2)
        #expect(s[3] == 2.5)
    }

    @Test func millionPointsAreThinnedAndKeepTheSpike() throws {
        let n = 1_000_000
        var y = (0..<n).map { sin(Double($0) / 10_000) }
        y[123_457] = 50
        var chart = Chart()
        chart.addLine(y)
        let canvas = RecordingCanvas(width: 800, height: 500)
        let start = Date()
        let layout = try chart.draw(on: canvas)
        let elapsed = Date().timeIntervalSince(start)
        let points = canvas.polylines(color: blue).reduce(0) { $0 + $1.count }
        #expect(points < 4 * 800)
        #expect(points > 700)
        // The spike's top is still drawn.
        let top = layout.point(x: 123_457, y: 50).y
        #expect(canvas.polylines(color: blue).joined().contains { abs($0.y - top) < 1 })
        #expect(elapsed < 5, "debug build; the release build is far faster")
    }

    @Test func builtInFontFallbackWarns() throws {
        let canvas = try GDCanvas(width: 200, height: 100, font: .file("/nonexistent/font.ttf"))
        #expect(!canvas.usesTrueTypeFont)
        #expect(canvas.warnings.count == 1)
        #expect(canvas.warnings[0].contains("/nonexistent/font.ttf"))
        canvas.text(
            "hello", at: CanvasPoint(x: 10, y: 10), size: 11, color: .black, anchor: .topLeading,
            orientation: .horizontal)
        #expect(canvas.count(.black, in: CanvasRect(x: 0, y: 0, width: 100, height: 40), tolerance: 60) > 10)

        var chart = Chart(width: 300, height: 200)
        chart.font = .file("/nonexistent/font.ttf")
        chart.addLine([1, 2])
        #expect(try chart.render().warnings.contains { $0.contains("bitmap font") })
    }

    @Test func trueTypeTextIsDrawnWhenDejaVuIsInstalled() throws {
        let canvas = try GDCanvas(width: 200, height: 60)
        try #require(canvas.usesTrueTypeFont, "DejaVu Sans is not installed here")
        #expect(canvas.warnings.isEmpty)
        let w = canvas.textWidth("1000", size: 11)
        #expect(w > 20 && w < 40)
        canvas.text(
            "1000", at: CanvasPoint(x: 100, y: 30), size: 11, color: .black, anchor: .center,
            orientation: .horizontal)
        // The text is centred: ink both sides of x = 100, none far away.
        #expect(canvas.count(.black, in: CanvasRect(x: 80, y: 20, width: 20, height: 20), tolerance: 120) > 3)
        #expect(canvas.count(.black, in: CanvasRect(x: 100, y: 20, width: 20, height: 20), tolerance: 120) > 3)
        #expect(canvas.count(.black, in: CanvasRect(x: 0, y: 0, width: 60, height: 60), tolerance: 120) == 0)
    }
}
