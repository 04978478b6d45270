import Foundation
import Testing

@testable import SlopePlot

/// A fresh directory under the system temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("SlopePlotTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Width and height from a PNG's IHDR chunk, or `nil` when `data` is not a PNG.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data)
    guard bytes.count > 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        bytes[12...15] == [0x49, 0x48, 0x44, 0x52]
    else { return nil }
    func be32(_ i: Int) -> Int { bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20))
}

/// Largest per-channel difference between two colours.
func distance(_ a: RGB, _ b: RGB) -> Int {
    max(abs(Int(a.red) - Int(b.red)), abs(Int(a.green) - Int(b.green)), abs(Int(a.blue) - Int(b.blue)))
}

extension GDCanvas {
    /// Whether column `x` has a pixel within `tolerance` of `color` between rows `ys`.
    func column(_ x: Int, in ys: ClosedRange<Int>, contains color: RGB, tolerance: Int = 40) -> Bool {
        ys.contains { y in pixel(x: x, y: y).map { distance($0, color) <= tolerance } ?? false }
    }

    /// Number of pixels within `tolerance` of `color` inside `rect`.
    func count(_ color: RGB, in rect: CanvasRect, tolerance: Int = 30) -> Int {
        var n = 0
        for y in Int(rect.minY)..<Int(rect.maxY) {
            for x in Int(rect.minX)..<Int(rect.maxX) where distance(pixel(x: x, y: y) ?? .white, color) <= tolerance {
                n += 1
            }
        }
        return n
    }
}
