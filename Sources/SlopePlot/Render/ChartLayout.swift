import Foundation

/// Where a drawn chart put things, returned by `Chart.draw(on:)`.
public struct ChartLayout: Sendable, Hashable {
    /// The rectangle inside the axes, in canvas pixels.
    public var plotArea: CanvasRect
    /// Data limits shown on each axis (data units, not log-transformed).
    public var xLimits: ClosedRange<Double>
    public var yLimits: ClosedRange<Double>
    public var xScale: AxisScale
    public var yScale: AxisScale
    public var xTicks: [Tick]
    public var yTicks: [Tick]
    /// The legend box, if one was drawn.
    public var legendArea: CanvasRect?
    /// One line per problem that did not stop the drawing.
    public var warnings: [String]

    /// The canvas position of the data point (`x`, `y`); non-finite when the point has no
    /// place on the axes (e.g. ≤ 0 on a log axis).
    public func point(x: Double, y: Double) -> CanvasPoint {
        CanvasPoint(
            x: plotArea.minX + plotArea.width * Self.fraction(x, xLimits, xScale),
            y: plotArea.maxY - plotArea.height * Self.fraction(y, yLimits, yScale))
    }

    static func fraction(_ v: Double, _ limits: ClosedRange<Double>, _ scale: AxisScale) -> Double {
        switch scale {
        case .linear:
            return (v - limits.lowerBound) / (limits.upperBound - limits.lowerBound)
        case .log:
            guard v > 0 else { return .nan }
            let lo = log10(limits.lowerBound), hi = log10(limits.upperBound)
            return (log10(v) - lo) / (hi - lo)
        }
    }
}
