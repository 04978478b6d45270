/// Where a tensor's elements sit on an error-map panel: a grid of tiles, each tile a
/// `rows` × `columns` image. Mosaic coordinates count element rows (columns) from the top
/// (left) across all tiles.
struct ErrorMapMosaic: Sendable, Hashable {
    var tileRows: Int, tileColumns: Int
    var rows: Int, columns: Int
    /// Tiles that hold a slice (a 3-D tensor's last grid row may be short).
    var tiles: Int
    /// The names of the indices, in the shape's order (`i`, `j`; `k`, `i`, `j`; `a`, `b`, `i`, `j`).
    var indexNames: [String]

    /// A vector is a strip, a matrix one tile, `[k, i, j]` a near-square grid of its k
    /// slices, `[a, b, i, j]` an a × b grid; leading axes beyond four are folded into `a`.
    init(shape: [Int]) {
        switch shape.count {
        case 0:
            (tileRows, tileColumns, rows, columns, tiles) = (1, 1, 1, 1, 1)
            indexNames = []
        case 1:
            (tileRows, tileColumns, rows, columns, tiles) = (1, 1, 1, shape[0], 1)
            indexNames = ["i"]
        case 2:
            (tileRows, tileColumns, rows, columns, tiles) = (1, 1, shape[0], shape[1], 1)
            indexNames = ["i", "j"]
        case 3:
            let k = shape[0]
            let across = min(max(Int((Double(k * shape[1]) / Double(max(shape[2], 1))).squareRoot().rounded()), 1), max(k, 1))
            (tileRows, tileColumns, rows, columns, tiles) = ((k + across - 1) / across, across, shape[1], shape[2], k)
            indexNames = ["k", "i", "j"]
        default:
            let a = shape.dropLast(3).reduce(1, *)
            let n = shape.count
            (tileRows, tileColumns, rows, columns) = (a, shape[n - 3], shape[n - 2], shape[n - 1])
            tiles = a * shape[n - 3]
            indexNames = ["a", "b", "i", "j"]
        }
    }

    var height: Int { tileRows * rows }
    var width: Int { tileColumns * columns }

    /// The row-major flat index at mosaic (`row`, `column`); nil in an empty tile.
    func flat(row: Int, column: Int) -> Int? {
        let (tr, r) = row.quotientAndRemainder(dividingBy: rows)
        let (tc, c) = column.quotientAndRemainder(dividingBy: columns)
        let tile = tr * tileColumns + tc
        guard tile < tiles else { return nil }
        return (tile * rows + r) * columns + c
    }

    /// The mosaic position of a row-major flat index.
    func position(ofFlat flat: Int) -> (row: Int, column: Int) {
        let (rest, c) = flat.quotientAndRemainder(dividingBy: columns)
        let (tile, r) = rest.quotientAndRemainder(dividingBy: rows)
        let (tr, tc) = tile.quotientAndRemainder(dividingBy: tileColumns)
        return (tr * rows + r, tc * columns + c)
    }
}

/// One axis of a panel cut into pixel bins: each bin is drawn `length` pixels long from
/// `start` and shows the mosaic coordinates `coordinates` (several when downsampled).
struct ErrorMapAxis: Sendable, Hashable {
    struct Bin: Sendable, Hashable {
        var start: Int
        var length: Int
        var coordinates: Range<Int>
    }

    var bins: [Bin]
    /// Pixels from the first bin's start to the last bin's end.
    var extent: Int
    /// Elements of a tile per bin (1 unless downsampled inside tiles).
    var block: Int
    /// Whole tiles per bin (1 unless even one pixel per element row of a tile is too many).
    var tilesPerBin: Int
    var tiles: Int, length: Int

    /// The largest cell size (pixels per element) with which `tiles` tiles of `length`
    /// elements, one pixel apart, fit in `budget` pixels; 0 when even one pixel is too many.
    static func largestCell(tiles: Int, length: Int, budget: Int) -> Int {
        let gaps = gap(tiles: tiles, length: length) * (tiles - 1)
        return max(0, (budget - gaps) / max(tiles * length, 1))
    }

    static func gap(tiles: Int, length: Int) -> Int { tiles > 1 && length > 1 ? 1 : 0 }

    /// The axis at `cell` pixels per element, or downsampled to fit `budget` when `cell` is 0.
    init(tiles: Int, length: Int, cell: Int, budget: Int) {
        self.tiles = tiles
        self.length = length
        let gap = Self.gap(tiles: tiles, length: length)
        var bins: [Bin] = []
        var pixel = 0
        if cell > 0 {
            (block, tilesPerBin) = (1, 1)
            for t in 0..<tiles {
                for e in 0..<length {
                    bins.append(Bin(start: pixel, length: cell, coordinates: (t * length + e)..<(t * length + e + 1)))
                    pixel += cell
                }
                pixel += gap
            }
        } else if let f = (2...max(length, 2)).first(where: { tiles * ((length + $0 - 1) / $0) + gap * (tiles - 1) <= budget }),
            f <= length
        {
            (block, tilesPerBin) = (f, 1)
            for t in 0..<tiles {
                for e in stride(from: 0, to: length, by: f) {
                    bins.append(Bin(start: pixel, length: 1, coordinates: (t * length + e)..<(t * length + min(e + f, length))))
                    pixel += 1
                }
                pixel += gap
            }
        } else {
            let perBin = (tiles + budget - 1) / max(budget, 1)
            (block, tilesPerBin) = (length, perBin)
            for t in stride(from: 0, to: tiles, by: perBin) {
                bins.append(Bin(start: pixel, length: 1, coordinates: (t * length)..<(min(t + perBin, tiles) * length)))
                pixel += 1
            }
        }
        self.bins = bins
        extent = (bins.last.map { $0.start + $0.length } ?? 0)
    }

    /// Stretches every bin to `cell` pixels (a strip's single row made tall enough to see).
    func stretched(to cell: Int) -> ErrorMapAxis {
        var copy = self
        var pixel = 0
        for i in copy.bins.indices {
            if i > 0 && copy.bins[i].coordinates.lowerBound % length == 0 { pixel += Self.gap(tiles: tiles, length: length) }
            copy.bins[i].start = pixel
            copy.bins[i].length = cell
            pixel += cell
        }
        copy.extent = pixel
        return copy
    }

    /// The bin that shows mosaic coordinate `coordinate`.
    func bin(of coordinate: Int) -> Bin? {
        var (lo, hi) = (0, bins.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if bins[mid].coordinates.upperBound <= coordinate { lo = mid + 1 } else { hi = mid }
        }
        return lo < bins.count && bins[lo].coordinates.contains(coordinate) ? bins[lo] : nil
    }

    /// The pixel centre of tile `t` along the axis.
    func centre(ofTile t: Int) -> Double? {
        guard let first = bin(of: t * length), let last = bin(of: t * length + length - 1) else { return nil }
        return Double(first.start + last.start + last.length) / 2
    }
}
