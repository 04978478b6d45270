import Foundation
import SlopeFiles

/// Where a gradient is wrong: three panels side by side, the analytic gradient, the numeric
/// one and their difference, laid out by the tensor's axes.
///
/// A vector is a strip, a matrix an image (row i down, column j across), a 3-D tensor
/// `[k, i, j]` a grid of its `k` slices, a 4-D one `[a, b, i, j]` an `a` × `b` grid of
/// `i` × `j` tiles (a convolution weight as its kernels, a batch of activations as N × C
/// images); more axes are folded into the first. Analytic and numeric share one diverging
/// colour scale centred on 0; the difference has its own, symmetric about 0 and at least as
/// wide as the largest allowance (so rounding noise in a correct tensor stays pale).
///
/// Marks, on the difference panel: a black dot for an element at a kink, a green dot for one
/// left inconclusive, grey for an element not checked (NaN in `analytic`).
///
/// A tensor larger than a panel is downsampled by whole blocks: each pixel shows the
/// element of its block with the largest |analytic − numeric| (non-finite counts as
/// largest), in all three panels, and a block is marked when any of its elements is.
///
/// The map knows nothing of layers: it draws numbers it is given.
public struct ErrorMap: Sendable, Hashable {
    /// The tensor's name, used in the axis titles (`W[i, j]`).
    public var name: String
    public var shape: [Int]
    /// One value per element, row-major; NaN where the element was not checked.
    public var analytic: [Double]
    public var numeric: [Double]
    /// Each element's allowance (NaN or absent: unknown): widens the difference scale.
    public var allowance: [Double]?
    /// Flat indices of elements found at kinks and of elements left inconclusive.
    public var kinks: [Int]
    public var inconclusive: [Int]
    /// A line above the panels (e.g. the check and its verdict).
    public var title: String?
    /// The largest side of one panel's image, in pixels.
    public var panelSide = 300
    public var font: GDCanvas.Font = .automatic

    public init(
        name: String, shape: [Int], analytic: [Double], numeric: [Double], allowance: [Double]? = nil,
        kinks: [Int] = [], inconclusive: [Int] = [], title: String? = nil
    ) {
        self.name = name
        self.shape = shape
        self.analytic = analytic
        self.numeric = numeric
        self.allowance = allowance
        self.kinks = kinks
        self.inconclusive = inconclusive
        self.title = title
    }

    /// The number of elements the shape holds.
    var count: Int { shape.reduce(1, *) }

    /// Lays the map out onto `canvas`, which should be at least `size` large.
    /// - Throws: `PlotError.invalidErrorMap` when the columns do not match the shape.
    @discardableResult
    public func draw(on canvas: some Canvas) throws(PlotError) -> ErrorMapLayout {
        try ErrorMapRenderer(map: self).draw(on: canvas)
    }

    /// The canvas size the map needs (it follows the tensor's shape and `panelSide`).
    public var size: (width: Int, height: Int) {
        let frame = ErrorMapRenderer(map: self).frame
        return (frame.width, frame.height)
    }

    /// Draws the map with libgd and encodes it as PNG. The same map always gives the same bytes.
    /// - Throws: `PlotError.invalidErrorMap` for columns that do not match the shape.
    public func pngData() throws(PlotError) -> Data {
        let renderer = ErrorMapRenderer(map: self)
        try renderer.validate()
        let frame = renderer.frame
        let canvas = try GDCanvas(width: frame.width, height: frame.height, font: font)
        try renderer.draw(on: canvas)
        return try canvas.pngData()
    }

    /// Draws the map and writes the PNG to `url` atomically (a temporary file, then a rename).
    /// - Throws: `PlotError.missingDirectory`, `PlotError.cannotWrite` (both name the path), or
    ///   any drawing error.
    public func writePNG(to url: URL) throws(PlotError) {
        let png = try pngData()
        do { try AtomicFile.write(png, to: url) } catch {
            if case .missingDirectory = error.reason { throw PlotError.missingDirectory(path: url.path) }
            throw PlotError.cannotWrite(path: url.path, reason: error.reason.description)
        }
    }
}
