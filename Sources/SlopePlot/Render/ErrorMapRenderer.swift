import Foundation

/// Lays an `ErrorMap` out: the frame (panel rectangles, pixel bins of each axis), then the
/// cells, marks, colour bars, ticks and legend.
struct ErrorMapRenderer {
    let map: ErrorMap

    static let ink = ChartRenderer.ink, spine = ChartRenderer.spine
    static let unchecked = RGB(hex: 0xBDBDBD)
    static let nonFinite = RGB(hex: 0x6A3D9A)
    static let kink = RGB.black
    static let inconclusive = RGB(hex: 0x009E73)
    static let barWidth = 12.0, barLabels = 64.0
    /// The widest a cell is drawn, and the least a strip is tall.
    static let largestCell = 32, leastExtent = 24

    /// Where everything goes.
    struct Frame {
        var width: Int, height: Int
        var mosaic: ErrorMapMosaic
        var rowAxis: ErrorMapAxis, columnAxis: ErrorMapAxis
        /// The analytic, numeric and difference images.
        var panels: [CanvasRect]
        /// The colour bar of the values (beside numeric) and of the difference.
        var bars: [CanvasRect]
        var lines: [(text: String, y: Double, size: Double)]
        var panelTitleY: Double
        var legendY: Double
    }

    var frame: Frame {
        let mosaic = ErrorMapMosaic(shape: map.shape)
        let budget = max(map.panelSide, 16)
        let rowFit = ErrorMapAxis.largestCell(tiles: mosaic.tileRows, length: mosaic.rows, budget: budget)
        let columnFit = ErrorMapAxis.largestCell(tiles: mosaic.tileColumns, length: mosaic.columns, budget: budget)
        let square = min(rowFit, columnFit, Self.largestCell)
        func axis(tiles: Int, length: Int, fit: Int) -> ErrorMapAxis {
            let cell = fit == 0 ? 0 : max(square, 1)
            var axis = ErrorMapAxis(tiles: tiles, length: length, cell: cell, budget: budget)
            let n = tiles * length
            if cell > 0 && axis.extent < Self.leastExtent {
                axis = axis.stretched(to: min(fit, (Self.leastExtent + n - 1) / n))
            }
            return axis
        }
        let rowAxis = axis(tiles: mosaic.tileRows, length: mosaic.rows, fit: rowFit)
        let columnAxis = axis(tiles: mosaic.tileColumns, length: mosaic.columns, fit: columnFit)
        let (w, h) = (Double(columnAxis.extent), Double(rowAxis.extent))
        let slotWidth = max(w, 170), slotHeight = max(h, 90)

        var lines: [(String, Double, Double)] = []
        var y = 10.0
        if let title = map.title, !title.isEmpty {
            lines.append((title, y, ChartRenderer.titleFont))
            y += 24
        }
        for line in layoutLines(mosaic, rowAxis, columnAxis) {
            lines.append((line, y, ChartRenderer.tickFont))
            y += 17
        }
        let panelTitleY = y + 4
        let top = y + 24
        let left = 74.0
        let analytic = CanvasRect(x: left, y: top, width: w, height: h)
        let numeric = CanvasRect(x: left + slotWidth + 24, y: top, width: w, height: h)
        let valueBar = CanvasRect(x: numeric.maxX + 10, y: top, width: Self.barWidth, height: slotHeight)
        let differenceX = max(valueBar.maxX + Self.barLabels + 24, numeric.minX + slotWidth + 24)
        let difference = CanvasRect(x: differenceX, y: top, width: w, height: h)
        let differenceBar = CanvasRect(x: difference.maxX + 10, y: top, width: Self.barWidth, height: slotHeight)
        // Wide enough for the text above the panels (estimated at 0.6 em a character).
        let text = lines.map { left - 60 + 0.6 * $0.2 * Double($0.0.count) }.max() ?? 0
        let right = max(differenceBar.maxX + Self.barLabels, difference.minX + slotWidth, text) + 10
        let legendY = top + slotHeight + 46
        return Frame(
            width: Int(right), height: Int(legendY + 22), mosaic: mosaic, rowAxis: rowAxis, columnAxis: columnAxis,
            panels: [analytic, numeric, difference], bars: [valueBar, differenceBar], lines: lines,
            panelTitleY: panelTitleY, legendY: legendY)
    }

    /// What the layout means, in words: which index runs where, and any downsampling.
    func layoutLines(_ mosaic: ErrorMapMosaic, _ rows: ErrorMapAxis, _ columns: ErrorMapAxis) -> [String] {
        let name = map.name, shape = map.shape
        let dims = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        var lines: [String]
        switch shape.count {
        case 0: lines = ["\(name): a scalar"]
        case 1: lines = ["\(name) \(dims): \(name)[i] left to right"]
        case 2: lines = ["\(name) \(dims): \(name)[i, j] at row i (down), column j (across)"]
        case 3:
            lines = [
                "\(name) \(dims): \(shape[0]) slices \(name)[k, ·, ·] of \(shape[1]) × \(shape[2]), \(mosaic.tileColumns) per row (k across, then down)"
            ]
        default:
            let folded = shape.count > 4 ? " (axes 0…\(shape.count - 4) folded into a)" : ""
            lines = [
                "\(name) \(dims): a \(mosaic.tileRows) × \(mosaic.tileColumns) grid of \(mosaic.rows) × \(mosaic.columns) tiles; tile (a, b) is \(name)[a, b, ·, ·]\(folded)"
            ]
        }
        let rowBlock = rows.tilesPerBin > 1 ? rows.tilesPerBin * rows.length : rows.block
        let columnBlock = columns.tilesPerBin > 1 ? columns.tilesPerBin * columns.length : columns.block
        if rowBlock > 1 || columnBlock > 1 {
            lines.append(
                "downsampled: each pixel is the element with the largest |analytic − numeric| of its \(rowBlock) × \(columnBlock) block"
            )
        }
        return lines
    }

    func validate() throws(PlotError) {
        let count = map.count
        guard count > 0 else {
            throw PlotError.invalidErrorMap(name: map.name, reason: "the shape \(map.shape) holds no elements")
        }
        guard map.analytic.count == count, map.numeric.count == count, map.allowance.map({ $0.count == count }) ?? true
        else {
            throw PlotError.invalidErrorMap(
                name: map.name,
                reason:
                    "shape \(map.shape) holds \(count) elements, but analytic has \(map.analytic.count), numeric \(map.numeric.count)"
                    + (map.allowance.map { ", allowance \($0.count)" } ?? ""))
        }
    }

    @discardableResult
    func draw(on canvas: some Canvas) throws(PlotError) -> ErrorMapLayout {
        try validate()
        let frame = frame
        canvas.fill(CanvasRect(x: 0, y: 0, width: Double(canvas.width), height: Double(canvas.height)), color: .white)
        for line in frame.lines {
            canvas.text(
                line.text, at: CanvasPoint(x: frame.panels[0].minX - 60, y: line.y), size: line.size, color: Self.ink,
                anchor: .topLeading, orientation: .horizontal)
        }
        let titles = ["analytic ∂L/∂\(map.name)", "numeric (finite differences)", "analytic − numeric"]
        for (panel, title) in zip(frame.panels, titles) {
            canvas.text(
                title, at: CanvasPoint(x: panel.minX, y: frame.panelTitleY), size: ChartRenderer.labelFont, color: Self.ink,
                anchor: .topLeading, orientation: .horizontal)
        }

        let cells = representatives(frame)
        let valueLimit = Self.limit(cells.flatMap { [$0.analytic, $0.numeric] })
        let differenceLimit = max(Self.limit(cells.map(\.difference)), cells.map(\.allowance).filter(\.isFinite).max() ?? 0)
        let scales = [valueLimit, valueLimit, differenceLimit > 0 ? differenceLimit : 1]
        for cell in cells {
            let values = [cell.analytic, cell.numeric, cell.difference]
            for (p, panel) in frame.panels.enumerated() {
                let rect = CanvasRect(
                    x: panel.minX + Double(cell.column.start), y: panel.minY + Double(cell.row.start),
                    width: Double(cell.column.length), height: Double(cell.row.length))
                let colour =
                    cell.unchecked
                    ? Self.unchecked
                    : values[p].isFinite ? Palette.diverging(values[p] / scales[p]) : Self.nonFinite
                canvas.fill(rect, color: colour)
            }
        }
        drawMarks(cells, on: frame.panels[2], canvas: canvas)
        if frame.rowAxis.block * frame.rowAxis.tilesPerBin > 1 || frame.columnAxis.block * frame.columnAxis.tilesPerBin > 1 {
            ringLargestErrors(cells, limit: scales[2], on: frame.panels[2], canvas: canvas)
        }
        for panel in frame.panels {
            canvas.stroke(
                CanvasRect(x: panel.minX - 1, y: panel.minY - 1, width: panel.width + 2, height: panel.height + 2),
                color: Self.spine)
        }
        drawBar(frame.bars[0], limit: valueLimit, on: canvas)
        drawBar(frame.bars[1], limit: scales[2], on: canvas)
        drawAxes(frame, on: canvas)
        drawLegend(frame, cells: cells, on: canvas)
        return ErrorMapLayout(
            width: frame.width, height: frame.height, panels: frame.panels, colourBars: frame.bars,
            valueLimit: valueLimit, differenceLimit: scales[2], mosaic: frame.mosaic, rowAxis: frame.rowAxis,
            columnAxis: frame.columnAxis)
    }

    /// The symmetric limit of a colour scale: the largest finite magnitude (1 when there is none).
    static func limit(_ values: [Double]) -> Double {
        let largest = values.lazy.filter(\.isFinite).map(abs).max() ?? 0
        return largest > 0 ? largest : 1
    }

    /// One drawn cell: its bins and the values of the element it shows.
    struct Cell {
        var row: ErrorMapAxis.Bin, column: ErrorMapAxis.Bin
        var analytic: Double, numeric: Double, difference: Double, allowance: Double
        var unchecked: Bool
        var kink: Bool, inconclusive: Bool
    }

    /// Each cell's element: the one of its block with the largest |analytic − numeric|
    /// (non-finite counts as largest; unchecked elements only when nothing else is there).
    func representatives(_ frame: Frame) -> [Cell] {
        var marks = [UInt8](repeating: 0, count: map.count)
        for k in map.kinks where marks.indices.contains(k) { marks[k] |= 1 }
        for k in map.inconclusive where marks.indices.contains(k) { marks[k] |= 2 }
        var cells: [Cell] = []
        cells.reserveCapacity(frame.rowAxis.bins.count * frame.columnAxis.bins.count)
        for row in frame.rowAxis.bins {
            for column in frame.columnAxis.bins {
                var best = -1, bestError = -1.0, mark: UInt8 = 0, any = false
                for r in row.coordinates {
                    for c in column.coordinates {
                        guard let flat = frame.mosaic.flat(row: r, column: c) else { continue }
                        any = true
                        mark |= marks[flat]
                        let a = map.analytic[flat], n = map.numeric[flat]
                        if a.isNaN && n.isNaN { continue }
                        let d = a - n
                        let error = d.isFinite ? abs(d) : .infinity
                        if error > bestError { (best, bestError) = (flat, error) }
                    }
                }
                guard any else { continue }
                guard best >= 0 else {
                    cells.append(
                        Cell(
                            row: row, column: column, analytic: .nan, numeric: .nan, difference: .nan, allowance: .nan,
                            unchecked: true, kink: mark & 1 != 0, inconclusive: mark & 2 != 0))
                    continue
                }
                let a = map.analytic[best], n = map.numeric[best]
                cells.append(
                    Cell(
                        row: row, column: column, analytic: a, numeric: n, difference: a - n,
                        allowance: map.allowance?[best] ?? .nan, unchecked: false, kink: mark & 1 != 0,
                        inconclusive: mark & 2 != 0))
            }
        }
        return cells
    }

    /// Kinks (black) and inconclusive elements (green): a dot in a cell of 4 pixels or more;
    /// a smaller cell is filled, unless its element is outside its allowance (the error stays visible).
    func drawMarks(_ cells: [Cell], on panel: CanvasRect, canvas: some Canvas) {
        for cell in cells where cell.kink || cell.inconclusive {
            let colour = cell.inconclusive ? Self.inconclusive : Self.kink
            let (w, h) = (Double(cell.column.length), Double(cell.row.length))
            let x = panel.minX + Double(cell.column.start), y = panel.minY + Double(cell.row.start)
            if min(w, h) >= 4 {
                canvas.circle(
                    center: CanvasPoint(x: x + w / 2, y: y + h / 2), radius: max(1.5, min(w, h) * 0.2), fill: colour, edge: nil)
            } else if !(abs(cell.difference) > cell.allowance) {
                canvas.fill(CanvasRect(x: x, y: y, width: w, height: h), color: colour)
            }
        }
    }

    /// Downsampled, one wrong element is one pixel: a ring around each of the few cells whose
    /// difference is over half the scale makes it findable (not drawn when there are many:
    /// then the pattern itself is visible).
    func ringLargestErrors(_ cells: [Cell], limit: Double, on panel: CanvasRect, canvas: some Canvas) {
        let large = cells.filter { !$0.unchecked && !(abs($0.difference) <= 0.5 * limit) }
        guard large.count <= Self.ringedCells else { return }
        for cell in large {
            let x = panel.minX + Double(cell.column.start), y = panel.minY + Double(cell.row.start)
            let ring = CanvasRect(
                x: x - 4, y: y - 4, width: Double(cell.column.length) + 8, height: Double(cell.row.length) + 8)
            canvas.clip(to: panel)
            canvas.stroke(ring, color: Self.ink)
            canvas.clip(to: nil)
        }
    }

    /// The most cells ringed on a downsampled map.
    static let ringedCells = 64

    func drawBar(_ bar: CanvasRect, limit: Double, on canvas: some Canvas) {
        let rows = Int(bar.height)
        for r in 0..<rows {
            let t = 1 - 2 * (Double(r) + 0.5) / Double(rows)
            canvas.fill(
                CanvasRect(x: bar.minX, y: bar.minY + Double(r), width: bar.width, height: 1), color: Palette.diverging(t))
        }
        canvas.stroke(bar, color: Self.spine)
        for tick in NiceTicks.linear(from: -limit, to: limit, maxCount: 5) where abs(tick.value) <= limit * (1 + 1e-9) {
            let y = (bar.minY + bar.height * (1 - (tick.value + limit) / (2 * limit))).rounded()
            canvas.line(
                from: CanvasPoint(x: bar.maxX, y: y), to: CanvasPoint(x: bar.maxX + 3, y: y), color: Self.spine, lineWidth: 1,
                antialiased: false)
            canvas.text(
                tick.label, at: CanvasPoint(x: bar.maxX + 6, y: y), size: ChartRenderer.tickFont, color: Self.ink,
                anchor: .middleLeading, orientation: .horizontal)
        }
    }

    /// Ticks at element indices (one tile) or tile indices (a grid), and the axis titles.
    func ticks(_ axis: ErrorMapAxis) -> [(position: Double, label: String)] {
        if axis.tiles == 1 {
            guard axis.length > 1 else { return [] }
            let values = NiceTicks.linear(from: 0, to: Double(axis.length - 1), maxCount: max(2, axis.extent / 45))
            return values.compactMap { tick in
                guard tick.value >= 0, tick.value == tick.value.rounded(), let bin = axis.bin(of: Int(tick.value)) else {
                    return nil
                }
                return (Double(bin.start) + Double(bin.length) / 2, tick.label)
            }
        }
        let room = max(1, axis.extent / 26)
        let step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].first { (axis.tiles + $0 - 1) / $0 <= room } ?? 10_000
        return stride(from: 0, to: axis.tiles, by: step).compactMap { t in axis.centre(ofTile: t).map { ($0, "\(t)") } }
    }

    /// The axis titles: the tensor's name and the index that runs along each axis.
    func axisTitles(_ mosaic: ErrorMapMosaic) -> (x: String, y: String?) {
        let name = map.name
        switch map.shape.count {
        case 0: return ("", nil)
        case 1: return ("i of \(name)[i]", nil)
        case 2: return ("column j of \(name)[i, j]", "row i of \(name)[i, j]")
        case 3: return ("k of \(name)[k, i, j] (across, then down); j within", "i within a slice")
        default: return ("tile column b of \(name)[a, b, i, j]; j within", "tile row a; i within")
        }
    }

    func drawAxes(_ frame: Frame, on canvas: some Canvas) {
        let (xTitle, yTitle) = axisTitles(frame.mosaic)
        let font = ChartRenderer.tickFont
        for panel in frame.panels {
            for tick in ticks(frame.columnAxis) {
                let x = panel.minX + tick.position
                canvas.line(
                    from: CanvasPoint(x: x, y: panel.maxY + 1), to: CanvasPoint(x: x, y: panel.maxY + 4), color: Self.spine,
                    lineWidth: 1, antialiased: false)
                canvas.text(
                    tick.label, at: CanvasPoint(x: x, y: panel.maxY + 6), size: font, color: Self.ink, anchor: .topCenter,
                    orientation: .horizontal)
            }
            canvas.text(
                xTitle, at: CanvasPoint(x: panel.minX + panel.width / 2, y: panel.maxY + 24), size: font, color: Self.ink,
                anchor: .topCenter, orientation: .horizontal)
        }
        let first = frame.panels[0]
        for tick in ticks(frame.rowAxis) {
            let y = first.minY + tick.position
            canvas.line(
                from: CanvasPoint(x: first.minX - 5, y: y), to: CanvasPoint(x: first.minX - 2, y: y), color: Self.spine,
                lineWidth: 1, antialiased: false)
            canvas.text(
                tick.label, at: CanvasPoint(x: first.minX - 7, y: y), size: font, color: Self.ink, anchor: .middleTrailing,
                orientation: .horizontal)
        }
        if let yTitle {
            canvas.text(
                yTitle, at: CanvasPoint(x: first.minX - 62, y: first.minY + first.height / 2), size: font, color: Self.ink,
                anchor: TextAnchor(.center, .top), orientation: .vertical)
        }
    }

    func drawLegend(_ frame: Frame, cells: [Cell], on canvas: some Canvas) {
        let checked = map.analytic.indices.filter { !(map.analytic[$0].isNaN && map.numeric[$0].isNaN) }.count
        var entries: [(RGB, Bool, String)] = [
            (Self.kink, true, "kink (\(Set(map.kinks).count))"),
            (Self.inconclusive, true, "inconclusive (\(Set(map.inconclusive).count))"),
            (Self.unchecked, false, "not checked (\(map.count - checked))"),
        ]
        if cells.contains(where: { !$0.unchecked && !($0.analytic.isFinite && $0.numeric.isFinite) }) {
            entries.append((Self.nonFinite, false, "NaN or ∞"))
        }
        var x = frame.panels[0].minX
        let y = frame.legendY
        for (colour, round, label) in entries {
            if round {
                canvas.circle(center: CanvasPoint(x: x + 5, y: y + 6), radius: 4, fill: colour, edge: nil)
            } else {
                canvas.fill(CanvasRect(x: x, y: y + 1, width: 10, height: 10), color: colour)
            }
            canvas.text(
                label, at: CanvasPoint(x: x + 14, y: y + 6), size: ChartRenderer.tickFont, color: Self.ink,
                anchor: .middleLeading, orientation: .horizontal)
            x += 14 + canvas.textWidth(label, size: ChartRenderer.tickFont) + 18
        }
    }
}

/// Where an error map put things, returned by `ErrorMap.draw(on:)`.
public struct ErrorMapLayout: Sendable, Hashable {
    public var width: Int, height: Int
    /// The analytic, numeric and difference images, in canvas pixels.
    public var panels: [CanvasRect]
    /// The colour bars of the values and of the difference.
    public var colourBars: [CanvasRect]
    /// The magnitudes drawn in the strongest colours: ±valueLimit (analytic and numeric),
    /// ±differenceLimit (the difference).
    public var valueLimit: Double
    public var differenceLimit: Double
    var mosaic: ErrorMapMosaic
    var rowAxis: ErrorMapAxis, columnAxis: ErrorMapAxis

    /// Elements per pixel along the rows and the columns (1 when nothing is downsampled).
    public var block: (rows: Int, columns: Int) {
        (
            rowAxis.tilesPerBin > 1 ? rowAxis.tilesPerBin * rowAxis.length : rowAxis.block,
            columnAxis.tilesPerBin > 1 ? columnAxis.tilesPerBin * columnAxis.length : columnAxis.block
        )
    }

    /// The rectangle that shows the element at row-major `flat` index in `panel` (0 analytic,
    /// 1 numeric, 2 difference); when downsampled, the rectangle of its block.
    public func cell(ofElement flat: Int, panel: Int) -> CanvasRect? {
        guard panels.indices.contains(panel) else { return nil }
        let (r, c) = mosaic.position(ofFlat: flat)
        guard let row = rowAxis.bin(of: r), let column = columnAxis.bin(of: c) else { return nil }
        return CanvasRect(
            x: panels[panel].minX + Double(column.start), y: panels[panel].minY + Double(row.start),
            width: Double(column.length), height: Double(row.length))
    }
}
