import Foundation
import Testing

@testable import SlopePlot

/// Error maps of planted bugs, made from numbers (SlopePlot knows no layers): each bug must
/// leave its own pattern in the pixels of the three panels.
@Suite struct ErrorMapTests {
    /// A smooth field of both signs: the "numeric" gradient of a matrix.
    static func field(_ rows: Int, _ columns: Int) -> [Double] {
        (0..<rows * columns).map { k in
            let (i, j) = k.quotientAndRemainder(dividingBy: columns)
            return sin(Double(i) * 0.9 + 0.3) * cos(Double(j) * 0.7 - 0.2) + 0.05
        }
    }

    /// The map drawn with libgd, then the colour at the centre of element `flat` in `panel`.
    struct Drawn {
        let canvas: GDCanvas
        let layout: ErrorMapLayout

        init(_ map: ErrorMap) throws {
            canvas = try GDCanvas(width: map.size.width, height: map.size.height, font: .builtIn)
            layout = try map.draw(on: canvas)
            if let directory = ProcessInfo.processInfo.environment["SLOPE_ERROR_MAP_DIR"] {
                try? map.pngData().write(
                    to: URL(fileURLWithPath: directory).appendingPathComponent("\(map.title ?? map.name).png"))
            }
        }

        func colour(_ flat: Int, panel: Int) -> RGB {
            let rect = layout.cell(ofElement: flat, panel: panel)!
            return canvas.pixel(x: Int(rect.minX + rect.width / 2), y: Int(rect.minY + rect.height / 2))!
        }

        /// Near the white centre of the diverging scale (a difference within a few % of the limit).
        func isPale(_ flat: Int, panel: Int = 2) -> Bool { distance(colour(flat, panel: panel), Palette.diverging(0)) < 24 }
        /// Reddish (positive) or bluish (negative), far from the centre.
        func sign(_ flat: Int, panel: Int = 2) -> Int {
            let c = colour(flat, panel: panel)
            if distance(c, Palette.diverging(0)) < 24 { return 0 }
            return Int(c.red) > Int(c.blue) ? 1 : -1
        }
    }

    static func matrixMap(_ title: String, rows: Int = 12, columns: Int = 12, analytic: ([Double]) -> [Double])
        throws -> (Drawn, numeric: [Double])
    {
        let numeric = field(rows, columns)
        let map = ErrorMap(
            name: "W", shape: [rows, columns], analytic: analytic(numeric), numeric: numeric,
            allowance: Array(repeating: 1e-9, count: numeric.count), title: title)
        return (try Drawn(map), numeric)
    }

    @Test func aCorrectGradientIsPaleEverywhereAndTheValuePanelsAgree() throws {
        let (drawn, numeric) = try Self.matrixMap("correct") { $0.map { $0 + 1e-12 } }
        for k in numeric.indices {
            #expect(drawn.isPale(k))
            #expect(drawn.colour(k, panel: 0) == drawn.colour(k, panel: 1))
        }
        #expect(drawn.layout.block == (1, 1))
    }

    @Test func aTransposedGradientIsAntisymmetricWithAPaleDiagonal() throws {
        let n = 12
        let (drawn, g) = try Self.matrixMap("transposed") { g in
            (0..<n * n).map { k in g[(k % n) * n + k / n] }
        }
        let d = { (i: Int, j: Int) in g[j * n + i] - g[i * n + j] }
        let largest = (0..<n * n).map { abs(d($0 / n, $0 % n)) }.max()!
        var mirrored = 0
        for i in 0..<n {
            #expect(drawn.isPale(i * n + i))
            for j in 0..<n where j != i && abs(d(i, j)) > 0.3 * largest {
                #expect(drawn.sign(i * n + j) == -drawn.sign(j * n + i))
                #expect(drawn.sign(i * n + j) == (d(i, j) > 0 ? 1 : -1))
                mirrored += 1
            }
        }
        #expect(mirrored > n)
    }

    @Test func aShiftByOneShowsTheNumericPatternOneColumnOver() throws {
        let (rows, columns) = (10, 14)
        let (drawn, _) = try Self.matrixMap("shifted", rows: rows, columns: columns) { g in
            (0..<rows * columns).map { k in k % columns == 0 ? 0 : g[k - 1] }
        }
        for i in 0..<rows {
            for j in 0..<columns - 1 {
                #expect(drawn.colour(i * columns + j + 1, panel: 0) == drawn.colour(i * columns + j, panel: 1))
            }
        }
        #expect((0..<rows * columns).filter { !drawn.isPale($0) }.count > rows * columns / 2)
    }

    @Test func aBorderBugLeavesTheInteriorPale() throws {
        let n = 12
        let border = { (k: Int) in k / n == 0 || k / n == n - 1 || k % n == 0 || k % n == n - 1 }
        let (drawn, _) = try Self.matrixMap("border") { g in g.indices.map { border($0) ? g[$0] + 0.5 : g[$0] } }
        for k in 0..<n * n { #expect(drawn.isPale(k) == !border(k)) }
    }

    @Test func aOneRowBugColoursExactlyThatRow() throws {
        let n = 12
        let (drawn, _) = try Self.matrixMap("one row") { g in g.indices.map { $0 / n == 3 ? -g[$0] : g[$0] } }
        for k in 0..<n * n where k / n != 3 { #expect(drawn.isPale(k)) }
        #expect((0..<n).filter { !drawn.isPale(3 * n + $0) }.count >= n - 1)
    }

    @Test func aFactorTwoShowsTheNumericPatternInTheDifference() throws {
        let (drawn, numeric) = try Self.matrixMap("factor 2") { $0.map { 2 * $0 } }
        for k in numeric.indices where abs(numeric[k]) > 0.5 {
            #expect(drawn.sign(k) == (numeric[k] > 0 ? 1 : -1))
            #expect(drawn.sign(k, panel: 1) == drawn.sign(k))
        }
    }

    @Test func oneImageOfABatchIsOneRowOfTiles() throws {
        let shape = [4, 3, 6, 6]
        let count = shape.reduce(1, *)
        let numeric = (0..<count).map { sin(Double($0) * 0.37) }
        let image = 3 * 36
        let map = ErrorMap(
            name: "x", shape: shape, analytic: numeric.indices.map { $0 / image == 2 ? 0 : numeric[$0] }, numeric: numeric,
            title: "one image of the batch")
        let drawn = try Drawn(map)
        for k in 0..<count where k / image != 2 { #expect(drawn.isPale(k)) }
        #expect((0..<image).filter { !drawn.isPale(2 * image + $0) }.count > image / 2)
        // Tiles are laid out as N rows × C columns: image 2's tiles share one band of rows.
        let top = drawn.layout.cell(ofElement: 2 * image, panel: 2)!.minY
        let lastChannel = drawn.layout.cell(ofElement: 2 * image + 2 * 36, panel: 2)!
        #expect(lastChannel.minY == top)
        #expect(lastChannel.minX > drawn.layout.cell(ofElement: 2 * image, panel: 2)!.maxX)
    }

    @Test func kinksInconclusiveAndUncheckedElementsAreMarked() throws {
        let numeric = Self.field(6, 6)
        var analytic = numeric
        analytic[35] = .nan
        var unchecked = numeric
        unchecked[35] = .nan
        let map = ErrorMap(
            name: "W", shape: [6, 6], analytic: analytic, numeric: unchecked, kinks: [7], inconclusive: [20], title: "marks")
        let recording = RecordingCanvas(width: map.size.width, height: map.size.height)
        let layout = try map.draw(on: recording)
        let difference = layout.panels[2]
        let dots = recording.commands.compactMap { command -> (CanvasPoint, RGB)? in
            if case .circle(let centre, _, let fill, _) = command, difference.contains(centre) { (centre, fill) } else { nil }
        }
        #expect(dots.count == 2)
        #expect(dots.contains { layout.cell(ofElement: 7, panel: 2)!.contains($0.0) && $0.1 == .black })
        #expect(dots.contains { layout.cell(ofElement: 20, panel: 2)!.contains($0.0) && $0.1 != .black })
        let grey = recording.commands.contains {
            if case .fill(let rect, let colour) = $0 {
                rect == layout.cell(ofElement: 35, panel: 2) && colour == RGB(hex: 0xBDBDBD)
            } else {
                false
            }
        }
        #expect(grey)
        #expect(recording.texts.contains("kink (1)") && recording.texts.contains("not checked (1)"))
    }

    @Test func theAxesNameTheTensorAndItsIndices() throws {
        let map = ErrorMap(name: "W", shape: [5, 7], analytic: Self.field(5, 7), numeric: Self.field(5, 7))
        let recording = RecordingCanvas(width: map.size.width, height: map.size.height)
        try map.draw(on: recording)
        #expect(recording.texts.contains { $0.contains("W[i, j]") })
        #expect(recording.texts.contains("row i of W[i, j]") && recording.texts.contains("column j of W[i, j]"))
        #expect(recording.texts.contains("analytic ∂L/∂W"))
    }

    @Test func aMillionElementsStayReadableAndOneBadElementStaysVisible() throws {
        let (rows, columns) = (1000, 1000)
        var numeric = [Double](repeating: 0, count: rows * columns)
        for k in numeric.indices { numeric[k] = sin(Double(k % columns) * 0.01) * cos(Double(k / columns) * 0.013) }
        var analytic = numeric
        let bad = 537 * columns + 291
        analytic[bad] += 1
        let map = ErrorMap(name: "W", shape: [rows, columns], analytic: analytic, numeric: numeric, title: "10^6 elements")
        let started = Date()
        let png = try map.pngData()
        let seconds = Date().timeIntervalSince(started)
        if ProcessInfo.processInfo.environment["SLOPE_ERROR_MAP_DIR"] != nil {
            FileHandle.standardError.write(Data("10^6-element error map: \(seconds) s, \(png.count) bytes\n".utf8))
        }
        #expect(pngSize(png).map { $0.width <= 1280 } == true)
        #expect(seconds < 20)
        let drawn = try Drawn(map)
        #expect(drawn.layout.block.rows > 1 && drawn.layout.block.columns > 1)
        #expect(drawn.sign(bad) == 1)
        #expect(drawn.isPale(0) && drawn.isPale(rows * columns - 1))
        #expect(drawn.colour(bad, panel: 0) == Palette.diverging(analytic[bad] / drawn.layout.valueLimit))
    }

    @Test func columnsThatDoNotFitTheShapeAreATypedError() {
        let map = ErrorMap(name: "W", shape: [3, 3], analytic: [1, 2], numeric: [1, 2])
        #expect(throws: PlotError.self) { try map.pngData() }
    }
}
