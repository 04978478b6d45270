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

    /// A line through the logged rows of a sparse log. Row `i` is a point when `y[i]` — and
    /// `x[i]`, when `x` is given — is not `nil`; a row where either is `nil` was not logged
    /// for this series and is skipped, so the line joins the logged points on either side
    /// of it. A logged NaN or ±∞ stays a gap. Without `x`, a point's x is its row number.
    public init(
        logged y: [Double?], x: [Double?]? = nil, label: String? = nil, color: RGB? = nil,
        lineWidth: Double = 2, smoothing: Double? = nil
    ) {
        if let x, x.count != y.count {
            // Left uncompacted so drawing reports the mismatch (`PlotError.lengthMismatch`).
            self.init(
                x: x.map { $0 ?? .nan }, y: y.map { $0 ?? .nan }, label: label, color: color,
                lineWidth: lineWidth, smoothing: smoothing)
            return
        }
        var keptX: [Double] = [], keptY: [Double] = []
        keptX.reserveCapacity(y.count)
        keptY.reserveCapacity(y.count)
        for i in y.indices {
            guard let vy = y[i], let vx = x == nil ? Double(i) : x?[i] else { continue }
            keptX.append(vx)
            keptY.append(vy)
        }
        self.init(x: keptX, y: keptY, label: label, color: color, lineWidth: lineWidth, smoothing: smoothing)
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
