/// Why a chart could not be drawn or written. The description says what was wrong, where,
/// and what to do instead; it is one line, ready for `error: …` on a terminal.
public enum PlotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Width or height outside `Chart.sizeLimit`.
    case invalidSize(width: Int, height: Int)
    /// The chart has no series.
    case nothingToPlot
    /// A series with no points at all.
    case emptySeries(name: String)
    /// A series whose every point has a NaN or infinite coordinate.
    case noFiniteValues(name: String)
    /// x and y of a series have different lengths.
    case lengthMismatch(name: String, xCount: Int, yCount: Int)
    /// Every finite value of a series is ≤ 0 on a log axis.
    case nothingPositiveOnLogAxis(name: String, axis: String)
    /// Axis limits that are not finite and increasing (and positive on a log axis).
    case invalidLimits(axis: String, lower: Double, upper: Double)
    /// A smoothing factor outside 0..<1.
    case invalidSmoothing(name: String, alpha: Double)
    /// A heat map with no cells, rows of different lengths, or an empty x/y extent.
    case invalidHeatMap(name: String, reason: String)
    /// A heat map on a log axis (not supported).
    case heatMapOnLogAxis(name: String)
    /// The directory that should hold the PNG does not exist.
    case missingDirectory(path: String)
    /// The PNG could not be written (permissions, full disk…).
    case cannotWrite(path: String, reason: String)
    /// libgd failed to encode the image.
    case encodingFailed
    /// Bytes that libgd cannot decode as a PNG.
    case invalidPNG
    /// An error map whose columns do not fit its shape.
    case invalidErrorMap(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSize(let w, let h):
            return "chart size \(w)×\(h) is not allowed: width and height must each be "
                + "\(Chart.sizeLimit.lowerBound)…\(Chart.sizeLimit.upperBound) pixels"
        case .nothingToPlot:
            return "the chart has no series to plot: add a line, scatter or heat map first"
        case .emptySeries(let name):
            return "series \"\(name)\" is empty: it needs at least one point"
        case .noFiniteValues(let name):
            return "series \"\(name)\" has no finite values (every point is NaN or infinite)"
        case .lengthMismatch(let name, let x, let y):
            return "series \"\(name)\" has \(x) x values but \(y) y values: they must match"
        case .nothingPositiveOnLogAxis(let name, let axis):
            return "series \"\(name)\" has no positive \(axis) values, so nothing is left to draw "
                + "on the log-scale \(axis) axis: use a linear axis"
        case .invalidLimits(let axis, let lo, let hi):
            return "\(axis) axis limits \(lo)…\(hi) are not usable: they must be finite, increasing, "
                + "and positive on a log axis"
        case .invalidSmoothing(let name, let alpha):
            return "series \"\(name)\": smoothing factor \(alpha) must be at least 0 and below 1 (e.g. 0.9)"
        case .invalidHeatMap(let name, let reason):
            return "heat map \"\(name)\": \(reason)"
        case .heatMapOnLogAxis(let name):
            return "heat map \"\(name)\" cannot be drawn on a log-scale axis: use linear axes"
        case .missingDirectory(let path):
            return "cannot write \(path): the directory does not exist (create it first)"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .encodingFailed:
            return "libgd could not encode the chart as PNG"
        case .invalidPNG:
            return "the data is not a PNG that libgd can decode"
        case .invalidErrorMap(let name, let reason):
            return "the error map of \(name) cannot be drawn: \(reason)"
        }
    }
}
