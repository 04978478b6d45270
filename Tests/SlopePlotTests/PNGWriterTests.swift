import CGD
import CPNGWriter
import Foundation
import Testing

@testable import SlopePlot

/// `slope_png_encode_truecolor` writes a chart a row at a time; libgd's `gdImagePngPtrEx`
/// (which copies the whole image first) is its reference: the bytes must be the same.
@Suite struct PNGWriterTests {
    /// libgd's encoding of `image`.
    private func libgdPNG(_ image: gdImagePtr, level: Int32) -> [UInt8]? {
        var size: Int32 = 0
        guard let bytes = gdImagePngPtrEx(image, &size, level) else { return nil }
        defer { gdFree(bytes) }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(size)))
    }

    /// The row-at-a-time encoding of `image`.
    private func streamedPNG(_ image: gdImagePtr, level: Int32) -> [UInt8]? {
        let im = image.pointee
        var size = 0
        guard
            let bytes = slope_png_encode_truecolor(
                im.tpixels, im.sx, im.sy, im.saveAlphaFlag, im.transparent, im.interlace, im.res_x, im.res_y, level, &size)
        else { return nil }
        defer { free(bytes) }
        return Array(UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// Every option libgd's true-colour writer has — alpha saved or not, a transparent colour,
    /// Adam7 interlacing, another resolution — and four zlib levels, on noisy pixels with alpha.
    @Test(arguments: [
        (false, false, false), (true, false, false), (false, true, false), (false, false, true), (true, true, true),
    ])
    func everyOptionGivesLibgdsBytes(saveAlpha: Bool, transparent: Bool, interlace: Bool) throws {
        let (width, height): (Int32, Int32) = (97, 61)
        let image = try #require(gdImageCreateTrueColor(width, height))
        defer { gdImageDestroy(image) }
        var state: UInt64 = 12345
        for y in 0..<Int(height) {
            for x in 0..<Int(width) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let alpha = Int32(state >> 33) % 128, rgb = Int32((state >> 8) & 0xFFFFFF)
                // Smooth areas as well as noise, so that every PNG row filter gets chosen somewhere.
                image.pointee.tpixels[y]![x] = (alpha << 24) | (x < 40 ? Int32(x * 0x010203) & 0xFFFFFF : rgb)
            }
        }
        gdImageSaveAlpha(image, saveAlpha ? 1 : 0)
        if transparent { gdImageColorTransparent(image, image.pointee.tpixels[3]![5] & 0xFFFFFF) }
        gdImageInterlace(image, interlace ? 1 : 0)
        gdImageSetResolution(image, 150, 72)
        for level: Int32 in [-1, 0, 3, 9] {
            let reference = try #require(libgdPNG(image, level: level))
            #expect(streamedPNG(image, level: level) == reference, "level \(level)")
        }
    }

    /// The charts Slope draws: `GDCanvas.pngData()` against `libgdPNGData()` on the same canvas.
    @Test func chartsGiveLibgdsBytes() throws {
        var loss = Chart.lossCurve(
            steps: nil, series: [("loss", (1...40_000).map { 300 / Double($0) + 0.01 * sin(Double($0)) })], logY: true)
        loss.addLine((1...40_000).map { 200 / Double($0) }, label: "other")
        let fit = Chart.fit(
            x: (0..<200).map { Double($0) / 100 }, y: (0..<200).map { 20 * sin(2 * .pi * Double($0) / 100) },
            fitX: [0, 1, 2], fitY: [0, -1, 0.5], title: "Fit")
        let regions = Chart.heatMap(
            (0..<30).map { r in (0..<40).map { c in Double((r / 10 + c / 14) % 3) } }, x: -1...1, y: -1...1,
            classNames: ["a", "b", "c"], points: [(0.1, 0.2, 1)], title: "Regions")
        for chart in [loss, fit, regions] {
            let canvas = try GDCanvas(width: chart.width, height: chart.height, font: chart.font)
            _ = try chart.draw(on: canvas)
            #expect(try canvas.pngData() == canvas.libgdPNGData())
        }
    }

    /// A canvas decoded from a PNG (with alpha) is encoded as libgd would encode it too.
    @Test func aDecodedCanvasGivesLibgdsBytes() throws {
        let canvas = try GDCanvas(png: try Chart.lossCurve(steps: nil, series: [("a", [3, 2, 1])]).pngData())
        #expect(try canvas.pngData() == canvas.libgdPNGData())
    }

    @Test func anEmptyImageIsRefused() {
        var size = 0
        #expect(slope_png_encode_truecolor(nil, 0, 0, 0, -1, 0, 96, 96, 3, &size) == nil)
    }
}
