import Foundation

/// A line's or scatter's points in *axis space* (data values, or their log10 on a log axis),
/// worked out point by point from the data, so that a 10⁶-point series is never copied
/// into new arrays (no row-number array, no array of logarithms).
///
/// Point `i` is a gap, both coordinates NaN, when either value is not finite or is ≤ 0 on
/// a log axis; otherwise it is `(axis(x[i]), axis(y[i]))`, with `x[i] = i` when there is
/// no x.
struct AxisSeries {
    /// x values; `nil` means 0, 1, 2, … (the row number).
    let x: [Double]?
    let y: [Double]
    let xLog: Bool
    let yLog: Bool

    var count: Int { y.count }

    /// Point `i` in axis space, or (NaN, NaN) for a gap.
    @inline(__always)
    subscript(i: Int) -> (x: Double, y: Double) {
        let vx = x?[i] ?? Double(i), vy = y[i]
        guard Self.isKept(vx, log: xLog), Self.isKept(vy, log: yLog) else { return (.nan, .nan) }
        return (xLog ? log10(vx) : vx, yLog ? log10(vy) : vy)
    }

    /// Whether point `i` is drawn (not a gap).
    @inline(__always)
    func isKept(_ i: Int) -> Bool {
        Self.isKept(x?[i] ?? Double(i), log: xLog) && Self.isKept(y[i], log: yLog)
    }

    @inline(__always)
    private static func isKept(_ v: Double, log: Bool) -> Bool {
        v.isFinite && (!log || v > 0)
    }

    /// What one pass over the data finds: the counts the warnings and errors need, and the
    /// axis-space extent of the points that are kept.
    struct Summary {
        /// Points whose x and y are both finite.
        var finite = 0
        /// Finite points left out because x (then y) is ≤ 0 on a log axis.
        var droppedX = 0, droppedY = 0
        /// Smallest and largest axis-space coordinates of the kept points (±∞ when none).
        var x = (lo: Double.infinity, hi: -Double.infinity)
        var y = (lo: Double.infinity, hi: -Double.infinity)
    }

    /// Counts and extents in one pass, with no logarithm per point: the extremes are found
    /// among the data values and only they are mapped to axis space (log10 is increasing).
    func summary() -> Summary {
        var s = Summary()
        var xLo = Double.infinity, xHi = -Double.infinity, yLo = Double.infinity, yHi = -Double.infinity
        for i in 0..<count {
            let vx = x?[i] ?? Double(i), vy = y[i]
            guard vx.isFinite, vy.isFinite else { continue }
            s.finite += 1
            if xLog && vx <= 0 { s.droppedX += 1; continue }
            if yLog && vy <= 0 { s.droppedY += 1; continue }
            xLo = min(xLo, vx)
            xHi = max(xHi, vx)
            yLo = min(yLo, vy)
            yHi = max(yHi, vy)
        }
        if xLo <= xHi { s.x = (axis(xLo, log: xLog), axis(xHi, log: xLog)) }
        if yLo <= yHi { s.y = (axis(yLo, log: yLog), axis(yHi, log: yLog)) }
        return s
    }

    private func axis(_ v: Double, log: Bool) -> Double { log ? log10(v) : v }
}
