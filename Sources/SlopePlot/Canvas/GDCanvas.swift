import CGD
import CPNGWriter
import Foundation

/// A canvas backed by a libgd true-colour image: the only code in Slope that calls libgd.
///
/// - Lines 1–2 px wide are anti-aliased (libgd's `gdAntiAliased` pen; a 2-px line is two
///   adjacent anti-aliased strokes); wider lines are drawn solid with `gdImageSetThickness`.
/// - Discs are anti-aliased by computing each pixel's coverage here.
/// - Text uses DejaVu Sans through FreeType (`gdImageStringFT`). When no font file is found
///   (or FreeType fails), text falls back to libgd's built-in bitmap fonts and one line is
///   added to `warnings`; nothing is printed.
/// - Drawing is deterministic: the same calls give the same PNG bytes.
///
/// The image is owned by this object and destroyed in `deinit`. Not thread-safe: use one
/// canvas per thread (FreeType access is serialised internally).
public final class GDCanvas: Canvas {
    /// Which font text is drawn in.
    public enum Font: Sendable, Hashable {
        /// `$SLOPE_FONT` if set, then DejaVu Sans in the usual places, then `fc-match`;
        /// the built-in bitmap font (with a warning) if none is found.
        case automatic
        /// A TrueType/OpenType file; a missing file falls back to the bitmap font (with a warning).
        case file(String)
        /// libgd's built-in bitmap fonts (no warning).
        case builtIn
    }

    public let width: Int
    public let height: Int
    public private(set) var warnings: [String] = []

    private let image: gdImagePtr
    private var fontPath: String?

    /// Font metrics of DejaVu Sans as fractions of the em size.
    private static let ascent = 0.76, capMiddle = 0.36, descent = 0.24

    /// A canvas of `width` × `height` pixels filled with `background`.
    /// - Throws: `PlotError.invalidSize` outside `Chart.sizeLimit`.
    public init(width: Int, height: Int, background: RGB = .white, font: Font = .automatic) throws(PlotError) {
        guard Chart.sizeLimit.contains(width), Chart.sizeLimit.contains(height),
            let image = gdImageCreateTrueColor(Int32(width), Int32(height))
        else { throw PlotError.invalidSize(width: width, height: height) }
        self.width = width
        self.height = height
        self.image = image
        gdImageAlphaBlending(image, 1)
        gdImageSaveAlpha(image, 0)
        switch font {
        case .builtIn:
            fontPath = nil
        case .file(let path):
            if FileManager.default.isReadableFile(atPath: path) {
                fontPath = path
            } else {
                fontPath = nil
                warnings.append("font file \(path) not found or not readable; text drawn with libgd's built-in bitmap font")
            }
        case .automatic:
            fontPath = FontLocator.dejaVuSans
            if fontPath == nil {
                warnings.append(
                    "no TrueType font found (looked for DejaVu Sans; set SLOPE_FONT to a .ttf file); "
                        + "text drawn with libgd's built-in bitmap font")
            }
        }
        fillOpaque(0, 0, Int32(width - 1), Int32(height - 1), Self.gdColor(background))
    }

    /// A canvas holding a decoded PNG (for tests that read a picture another program drew,
    /// such as a browser's screenshot). Text drawn on it uses the built-in bitmap font.
    /// - Throws: `PlotError.invalidPNG` when libgd cannot decode `png`.
    public init(png: Data) throws(PlotError) {
        let decoded = png.withUnsafeBytes { bytes -> gdImagePtr? in
            guard let base = bytes.baseAddress, bytes.count <= Int(Int32.max) else { return nil }
            return gdImageCreateFromPngPtr(Int32(bytes.count), UnsafeMutableRawPointer(mutating: base))
        }
        guard let decoded else { throw PlotError.invalidPNG }
        if decoded.pointee.trueColor == 0 { gdImagePaletteToTrueColor(decoded) }
        image = decoded
        width = Int(decoded.pointee.sx)
        height = Int(decoded.pointee.sy)
        fontPath = nil
    }

    deinit {
        gdImageDestroy(image)
    }

    /// Whether text is drawn with a TrueType font (false: bitmap fallback).
    public var usesTrueTypeFont: Bool { fontPath != nil }

    /// The colour of the pixel at (`x`, `y`), or `nil` outside the image. For tests.
    public func pixel(x: Int, y: Int) -> RGB? {
        guard (0..<width).contains(x), (0..<height).contains(y) else { return nil }
        return Self.rgb(gdImageGetTrueColorPixel(image, Int32(x), Int32(y)))
    }

    /// The zlib level of `pngData()`. Levels 1–3 use zlib's fast matcher: on an 800×500
    /// chart, level 3 encodes in about 6 ms against 7.5–9 ms for the default (6), for files
    /// 13–50 % larger (a 10⁶-point loss chart: 15.5 KB instead of 10.2 KB; a 200-point
    /// scatter: 42 KB instead of 37 KB). Most of the remaining time is libpng's row filtering,
    /// which no level changes. A fixed level keeps the bytes deterministic.
    static let pngCompressionLevel: Int32 = 3

    /// The image encoded as PNG (zlib level `pngCompressionLevel`).
    ///
    /// Encoded a row at a time (`slope_png_encode_truecolor`): the bytes are those of libgd's
    /// own encoder (`libgdPNGData()`, the reference the tests compare with), without the copy of
    /// the whole image that it makes first (1.2 MB for an 800×500 chart).
    /// - Throws: `PlotError.encodingFailed` when libpng fails.
    public func pngData() throws(PlotError) -> Data {
        let im = image.pointee
        var size = 0
        guard
            let bytes = slope_png_encode_truecolor(
                im.tpixels, Int32(width), Int32(height), im.saveAlphaFlag, im.transparent, im.interlace, im.res_x,
                im.res_y, Self.pngCompressionLevel, &size)
        else { throw PlotError.encodingFailed }
        return Data(bytesNoCopy: bytes, count: size, deallocator: .free)
    }

    /// The image encoded by libgd's `gdImagePngPtrEx`: the reference for `pngData()`.
    func libgdPNGData() throws(PlotError) -> Data {
        var size: Int32 = 0
        guard let bytes = gdImagePngPtrEx(image, &size, Self.pngCompressionLevel), size > 0 else {
            throw PlotError.encodingFailed
        }
        defer { gdFree(bytes) }
        return Data(bytes: bytes, count: Int(size))
    }

    // MARK: - Canvas

    public func fill(_ rect: CanvasRect, color: RGB) {
        guard let (x0, y0, x1, y1) = pixelBounds(rect) else { return }
        fillOpaque(x0, y0, x1, y1, Self.gdColor(color))
    }

    /// What `gdImageFilledRectangle` does with an opaque colour, a row at a time: libgd sets
    /// the pixels one call each, column by column (400,000 calls for an 800×500 background).
    /// Alpha blending leaves an opaque colour as it is, so writing it is the same; the clip
    /// rectangle is honoured as `gdImageSetPixel` does.
    private func fillOpaque(_ x0: Int32, _ y0: Int32, _ x1: Int32, _ y1: Int32, _ colour: Int32) {
        let clip = image.pointee
        let left = max(x0, clip.cx1), right = min(x1, clip.cx2)
        let top = max(y0, clip.cy1), bottom = min(y1, clip.cy2)
        guard left <= right, top <= bottom, let rows = image.pointee.tpixels else { return }
        for y in Int(top)...Int(bottom) {
            guard let row = rows[y] else { continue }
            (row + Int(left)).update(repeating: colour, count: Int(right - left) + 1)
        }
    }

    public func stroke(_ rect: CanvasRect, color: RGB) {
        guard rect.minX.isFinite, rect.maxX.isFinite, rect.minY.isFinite, rect.maxY.isFinite else { return }
        gdImageRectangle(
            image, coordinate(rect.minX), coordinate(rect.minY),
            coordinate(rect.maxX), coordinate(rect.maxY), Self.gdColor(color))
    }

    public func line(from start: CanvasPoint, to end: CanvasPoint, color: RGB, lineWidth: Double, antialiased: Bool) {
        let bounds = CanvasRect(x: -4, y: -4, width: Double(width + 8), height: Double(height + 8))
        guard let (a, b) = SegmentClipper.clip(start, end, to: bounds) else { return }
        let x0 = coordinate(a.x), y0 = coordinate(a.y), x1 = coordinate(b.x), y1 = coordinate(b.y)
        let c = Self.gdColor(color)
        if antialiased && lineWidth < 2.5 {
            gdImageSetAntiAliased(image, c)
            gdImageLine(image, x0, y0, x1, y1, gdAntiAliased)
            if lineWidth >= 1.5 {
                // A second stroke one pixel across the line's direction makes it 2 px wide.
                if abs(x1 - x0) >= abs(y1 - y0) {
                    gdImageLine(image, x0, y0 + 1, x1, y1 + 1, gdAntiAliased)
                } else {
                    gdImageLine(image, x0 + 1, y0, x1 + 1, y1, gdAntiAliased)
                }
            }
        } else {
            gdImageSetThickness(image, Int32(max(1, lineWidth.rounded())))
            gdImageLine(image, x0, y0, x1, y1, c)
            gdImageSetThickness(image, 1)
        }
    }

    public func polyline(_ points: [CanvasPoint], color: RGB, lineWidth: Double) {
        guard points.count >= 2 else { return }
        for i in 1..<points.count {
            line(from: points[i - 1], to: points[i], color: color, lineWidth: lineWidth, antialiased: true)
        }
    }

    public func circle(center: CanvasPoint, radius: Double, fill: RGB, edge: RGB?) {
        guard center.x.isFinite, center.y.isFinite, radius > 0, radius.isFinite,
            center.x > -radius - 2, center.y > -radius - 2,
            center.x < Double(width) + radius + 2, center.y < Double(height) + radius + 2
        else { return }
        let reach = radius + 1
        let xs = max(0, Int((center.x - reach).rounded(.down)))...min(width - 1, Int((center.x + reach).rounded(.up)))
        let ys = max(0, Int((center.y - reach).rounded(.down)))...min(height - 1, Int((center.y + reach).rounded(.up)))
        guard !xs.isEmpty, !ys.isEmpty else { return }
        for py in ys {
            for px in xs {
                let d =
                    ((Double(px) - center.x) * (Double(px) - center.x)
                    + (Double(py) - center.y) * (Double(py) - center.y)).squareRoot()
                let outer = min(max(radius + 0.5 - d, 0), 1)
                guard outer > 0 else { continue }
                var colour = Self.rgb(gdImageGetTrueColorPixel(image, Int32(px), Int32(py)))
                if let edge {
                    colour = colour.blended(with: edge, amount: outer)
                    colour = colour.blended(with: fill, amount: min(max(radius - 0.5 - d, 0), 1))
                } else {
                    colour = colour.blended(with: fill, amount: outer)
                }
                gdImageSetPixel(image, Int32(px), Int32(py), Self.gdColor(colour))
            }
        }
    }

    public func text(
        _ text: String, at position: CanvasPoint, size: Double, color: RGB,
        anchor: TextAnchor, orientation: TextOrientation
    ) {
        guard !text.isEmpty, position.x.isFinite, position.y.isFinite, size > 0 else { return }
        if let fontPath,
            drawTrueType(
                text, at: position, size: size, color: color, anchor: anchor,
                orientation: orientation, fontPath: fontPath)
        {
            return
        }
        drawBitmap(text, at: position, size: size, color: color, anchor: anchor, orientation: orientation)
    }

    public func textWidth(_ text: String, size: Double) -> Double {
        if let fontPath, let width = Self.measure(text, size: size, fontPath: fontPath) {
            return Double(width)
        }
        let font = Self.bitmapFont(size: size)
        return Double(Int(font.pointee.w) * Self.asciiBytes(text).count)
    }

    public func clip(to rect: CanvasRect?) {
        if let rect, let (x0, y0, x1, y1) = pixelBounds(rect) {
            gdImageSetClip(image, x0, y0, x1, y1)
        } else {
            gdImageSetClip(image, 0, 0, Int32(width - 1), Int32(height - 1))
        }
    }

    // MARK: - Text

    /// Serialises FreeType use: libgd's font cache is shared by all images. Also holds the
    /// widths already measured: measuring runs the font's hinting for every glyph, and a
    /// chart measures each tick label two or three times (layout, then drawing).
    /// A pthread mutex (NSLock) rather than Synchronization.Mutex: ThreadSanitizer sees the
    /// happens-before of pthread locks, not of Mutex's raw futex calls (`make sanitize`
    /// reported this cache as a race under Mutex).
    private static let freeTypeLock = NSLock()
    nonisolated(unsafe) private static var freeTypeState = FreeTypeState()

    private struct FreeTypeState {
        var ready = false
        var widths: [WidthKey: Int32] = [:]
    }

    private struct WidthKey: Hashable {
        var text: String, size: Double, fontPath: String
    }

    /// Widths remembered at most; the table is emptied when full.
    private static let widthCacheLimit = 4096

    private static func withFreeType<R>(_ body: (inout FreeTypeState) -> R) -> R {
        freeTypeLock.lock()
        defer { freeTypeLock.unlock() }
        if !freeTypeState.ready {
            _ = gdFontCacheSetup()
            freeTypeState.ready = true
        }
        return body(&freeTypeState)
    }

    private static func points(forPixels size: Double) -> Double { size * 72 / 96 }  // libgd renders at 96 dpi

    /// The width of `text` in pixels, or `nil` when FreeType fails.
    private static func measure(_ text: String, size: Double, fontPath: String) -> Int32? {
        let key = WidthKey(text: text, size: size, fontPath: fontPath)
        return withFreeType { state in
            if let width = state.widths[key] { return width }
            var box = [Int32](repeating: 0, count: 8)
            let error = box.withUnsafeMutableBufferPointer { b in
                gdImageStringFT(nil, b.baseAddress, 0, fontPath, points(forPixels: size), 0, 0, 0, text)
            }
            guard error == nil else { return nil }
            if state.widths.count >= widthCacheLimit { state.widths.removeAll(keepingCapacity: true) }
            state.widths[key] = box[2] - box[0]
            return box[2] - box[0]
        }
    }

    /// Draws with FreeType; false when FreeType failed (the caller falls back).
    private func drawTrueType(
        _ text: String, at p: CanvasPoint, size: Double, color: RGB, anchor: TextAnchor,
        orientation: TextOrientation, fontPath: String
    ) -> Bool {
        guard let textWidth = Self.measure(text, size: size, fontPath: fontPath) else {
            warnings.append("FreeType could not draw with \(fontPath); text drawn with libgd's built-in bitmap font")
            self.fontPath = nil
            return false
        }
        let along = Double(textWidth) * anchor.horizontalFraction
        let across: Double
        switch anchor.vertical {
        case .top: across = Self.ascent * size
        case .middle: across = Self.capMiddle * size
        case .baseline: across = 0
        case .bottom: across = -Self.descent * size
        }
        let x: Double, y: Double, angle: Double
        switch orientation {
        case .horizontal: (x, y, angle) = (p.x - along, p.y + across, 0)
        case .vertical: (x, y, angle) = (p.x + across, p.y + along, Double.pi / 2)
        }
        let error = Self.withFreeType { _ in
            gdImageStringFT(
                image, nil, Self.gdColor(color), fontPath, Self.points(forPixels: size), angle,
                coordinate(x), coordinate(y), text)
        }
        return error == nil
    }

    private static func bitmapFont(size: Double) -> gdFontPtr {
        size >= 13 ? gdFontGetLarge() : gdFontGetSmall()
    }

    /// Bitmap fonts hold ASCII only: other characters become `?`.
    private static func asciiBytes(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? UInt8($0.value) : UInt8(ascii: "?") }
    }

    private func drawBitmap(
        _ text: String, at p: CanvasPoint, size: Double, color: RGB, anchor: TextAnchor,
        orientation: TextOrientation
    ) {
        let font = Self.bitmapFont(size: size)
        let w = Double(font.pointee.w), h = Double(font.pointee.h)
        var bytes = Self.asciiBytes(text) + [0]
        let along = w * Double(bytes.count - 1) * anchor.horizontalFraction
        let fromTop: Double
        switch anchor.vertical {
        case .top: fromTop = 0
        case .middle: fromTop = h / 2
        case .baseline: fromTop = h * 0.77
        case .bottom: fromTop = h
        }
        bytes.withUnsafeMutableBufferPointer { b in
            switch orientation {
            case .horizontal:
                gdImageString(
                    image, font, coordinate(p.x - along), coordinate(p.y - fromTop), b.baseAddress,
                    Self.gdColor(color))
            case .vertical:
                gdImageStringUp(
                    image, font, coordinate(p.x - fromTop), coordinate(p.y + along), b.baseAddress,
                    Self.gdColor(color))
            }
        }
    }

    // MARK: - Helpers

    private static func gdColor(_ c: RGB) -> Int32 {
        (Int32(c.red) << 16) | (Int32(c.green) << 8) | Int32(c.blue)
    }

    private static func rgb(_ c: Int32) -> RGB {
        RGB(red: UInt8((c >> 16) & 0xFF), green: UInt8((c >> 8) & 0xFF), blue: UInt8(c & 0xFF))
    }

    /// A pixel coordinate, clamped far enough outside the image to be harmless in Int32.
    private func coordinate(_ v: Double) -> Int32 {
        guard v.isFinite else { return -100_000 }
        return Int32(min(max(v.rounded(), -100_000), 100_000))
    }

    /// Inclusive pixel bounds of `rect` clipped to the image, or `nil` when empty.
    private func pixelBounds(_ rect: CanvasRect) -> (Int32, Int32, Int32, Int32)? {
        guard rect.minX.isFinite, rect.maxX.isFinite, rect.minY.isFinite, rect.maxY.isFinite else { return nil }
        let x0 = max(coordinate(rect.minX), 0), x1 = min(coordinate(rect.maxX) - 1, Int32(width - 1))
        let y0 = max(coordinate(rect.minY), 0), y1 = min(coordinate(rect.maxY) - 1, Int32(height - 1))
        guard x0 <= x1, y0 <= y1 else { return nil }
        return (x0, y0, x1, y1)
    }
}
