/// A line through points in order. Non-finite values (NaN, ±∞) in either coordinate are
/// gaps: the line stops before them and starts again after them.
public struct LineSeries: Sendable, Hashable {
    /// x coordinates; `nil` means 0, 1, 2, … (the row number).
    public var x: [Double]?
    public var y: [Double]
    /// Legend text; `nil` leaves the line out of the legend.
    public var label: String?
    /// `nil` takes the next colour of `Palette.okabeIto`.
    public var color: RGB?
    /// Stroke width in pixels (1 or 2 draw anti-aliased; wider lines are drawn solid).
    public var lineWidth: Double
    /// Exponential-moving-average factor α in 0..<1. When set, the line drawn is
    /// `s₀ = y₀, sᵢ = α·sᵢ₋₁ + (1−α)·yᵢ` (gaps are skipped and stay gaps), and the raw
    /// series is kept faint behind it.
    public var smoothing: Double?

    public init(
        x: [Double]? = nil, y: [Double], label: String? = nil, color: RGB? = nil,
        lineWidth: Double = 2, smoothing: Double? = nil
    ) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
        self.lineWidth = lineWidth
        self.smoothing = smoothing
    }

    /// The exponential moving average of `values` with factor `alpha` (see `smoothing`).
    /// Non-finite inputs give NaN at their position and do not disturb the average.
    public static func exponentialMovingAverage(_ values: [Double], alpha: Double) -> [Double] {
        var result = [Double](repeating: .nan, count: values.count)
        var state: Double? = nil
        for (i, v) in values.enumerated() where v.isFinite {
            let next = state.map { alpha * $0 + (1 - alpha) * v } ?? v
            state = next
            result[i] = next
        }
        return result
    }
}
