import Foundation
import SlopeFiles

/// A chart drawn with libgd: the PNG bytes, the layout, and any warnings.
public struct RenderedChart: Sendable, Hashable {
    /// The encoded PNG file.
    public var png: Data
    public var layout: ChartLayout
    /// Problems that did not stop the drawing (points left out of a log axis, missing font).
    public var warnings: [String] { layout.warnings }
}

extension Chart {
    /// Draws the chart on a `GDCanvas` of `width` × `height` and encodes it as PNG.
    /// The same chart always gives the same bytes.
    /// - Throws: `PlotError` (size outside `sizeLimit`, unusable series, encoding failure).
    public func render() throws(PlotError) -> RenderedChart {
        let canvas = try GDCanvas(width: width, height: height, font: font)
        let layout = try draw(on: canvas)
        return RenderedChart(png: try canvas.pngData(), layout: layout)
    }

    /// The chart as PNG bytes (`render().png`).
    public func pngData() throws(PlotError) -> Data {
        try render().png
    }

    /// Renders the chart and writes it to `url` atomically (a temporary file in the same
    /// directory, then a rename), so a failure never leaves half a file.
    /// - Throws: `PlotError.missingDirectory` when the directory does not exist,
    ///   `PlotError.cannotWrite` when it cannot be written (both name the path), or any
    ///   rendering error.
    @discardableResult
    public func writePNG(to url: URL) throws(PlotError) -> RenderedChart {
        let rendered = try render()
        do { try AtomicFile.write(rendered.png, to: url) } catch {
            if case .missingDirectory = error.reason { throw PlotError.missingDirectory(path: url.path) }
            throw PlotError.cannotWrite(path: url.path, reason: error.reason.description)
        }
        return rendered
    }

    /// `writePNG(to:)` for a file-system path.
    @discardableResult
    public func writePNG(toPath path: String) throws(PlotError) -> RenderedChart {
        try writePNG(to: URL(fileURLWithPath: path))
    }
}
