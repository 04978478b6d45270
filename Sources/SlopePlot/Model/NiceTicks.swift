import Foundation

/// "Nice" tick positions and their labels.
///
/// Linear axes step by 1, 2 or 5 times a power of ten, and every label uses the decimals
/// of the step (so 0.1 + 0.2 prints as `0.3`, never `0.30000000000000004`). Very large or
/// very small magnitudes (≥ 10⁷ or < 10⁻³) are written in exponent form (`2e-09`).
/// Log axes tick at decades (`1e-06`, or `0.01`…`10000` when every decade is in that range),
/// thinned to every 2nd, 3rd… decade when there are too many; a log range narrower than two
/// decades falls back to 1-2-5 mantissas and then to linear steps.
public enum NiceTicks {
    /// Ticks inside `lower…upper` (either order), at most `maxCount` of them (at least 2
    /// unless the range is degenerate). A degenerate range (equal bounds, or narrower than
    /// 10⁻¹² of the magnitude) is widened as `constantRange` does. Non-finite bounds give `[]`.
    public static func linear(from lower: Double, to upper: Double, maxCount: Int = 8) -> [Tick] {
        let (values, step) = linearValues(from: lower, to: upper, maxCount: maxCount)
        return zip(values, labels(for: values, step: step)).map { Tick(value: $0, label: $1) }
    }

    /// Major ticks (with labels) and unlabelled minor positions for a log axis over
    /// `lower…upper`. Both bounds must be positive and finite; otherwise the result is empty.
    public static func log(from lower: Double, to upper: Double, maxCount: Int = 8)
        -> (major: [Tick], minor: [Double])
    {
        var lo = min(lower, upper), hi = max(lower, upper)
        guard lo > 0, hi.isFinite else { return ([], []) }
        if hi <= lo * (1 + 1e-12) { (lo, hi) = (lo / 10, lo * 10) }
        let maxCount = max(maxCount, 2)
        let dLo = log10(lo), dHi = log10(hi)
        let kLo = Int(ceil(dLo - 1e-9)), kHi = Int(floor(dHi + 1e-9))
        let decades = kHi - kLo + 1

        // Up to about three decades: label 1, 2 and 5 of each decade when they fit.
        if dHi - dLo <= 3.5, let ticks = mantissaTicks(lo, hi, dLo, dHi, maxCount: maxCount) {
            return ticks
        }
        if decades >= 2 {
            let stride = (decades + maxCount - 1) / maxCount
            let majorExponents = (kLo...kHi).filter { $0 % stride == 0 }
            let plain = majorExponents.allSatisfy { (-3...4).contains($0) }
            let major = majorExponents.map { k in
                Tick(value: decade(k), label: plain ? fixed(decade(k), decimals: max(0, -k)) : sci(k))
            }
            var minor: [Double] = []
            if stride == 1 {
                for k in (kLo - 1)...kHi {
                    for m in 2...9 {
                        let v = multiple(m, k)
                        if v >= lo, v <= hi { minor.append(v) }
                    }
                }
            } else {
                minor = (kLo...kHi).filter { $0 % stride != 0 }.map(decade)
            }
            return (major, minor)
        }

        // Less than two decades and too few 1-2-5 ticks: linear steps.
        let major = linear(from: lo, to: hi, maxCount: maxCount).filter { $0.value > 0 }
        return (major, [])
    }

    /// Ticks at 1, 2 and 5 × 10^k inside `lo…hi` with the other multiples as minor ticks,
    /// or `nil` when that gives fewer than 3 or more than `maxCount` ticks.
    private static func mantissaTicks(_ lo: Double, _ hi: Double, _ dLo: Double, _ dHi: Double, maxCount: Int)
        -> (major: [Tick], minor: [Double])?
    {
        var major: [Double] = [], minor: [Double] = []
        for k in Int(floor(dLo)) - 1...Int(ceil(dHi)) {
            for m in 1...9 {
                let v = multiple(m, k)
                guard v >= lo * (1 - 1e-12), v <= hi * (1 + 1e-12) else { continue }
                if m == 1 || m == 2 || m == 5 { major.append(v) } else { minor.append(v) }
            }
        }
        guard major.count >= 3, major.count <= maxCount else { return nil }
        let plain = major.allSatisfy { $0 >= 1e-3 && $0 < 1e5 }
        let ticks = major.map { v in
            let k = Int(floor(log10(v) + 1e-9))
            return Tick(value: v, label: plain ? fixed(v, decimals: max(0, -k)) : String(format: "%.0e", v))
        }
        return (ticks, minor)
    }

    /// A range around a single value `v`: `v ± 10 %`, or `-1…1` when `v` is 0.
    public static func constantRange(_ v: Double) -> (Double, Double) {
        v == 0 ? (-1, 1) : (v - 0.1 * abs(v), v + 0.1 * abs(v))
    }

    // MARK: - Linear internals

    static func linearValues(from lower: Double, to upper: Double, maxCount: Int) -> ([Double], Double) {
        guard lower.isFinite, upper.isFinite else { return ([], 1) }
        var lo = min(lower, upper), hi = max(lower, upper)
        if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) { (lo, hi) = constantRange((lo + hi) / 2) }
        let maxCount = max(maxCount, 2)
        // hi/n - lo/n rather than (hi - lo)/n so ±1e308 does not overflow.
        let n = Double(maxCount - 1)
        let rawStep = hi / n - lo / n
        var exponent = Int(floor(log10(rawStep)))
        var multiplier = 1.0
        search: while true {
            for m in [1.0, 2.0, 5.0] {
                let step = m * decade(exponent)
                let count = floor(hi / step + 1e-9) - ceil(lo / step - 1e-9) + 1
                if count <= Double(maxCount) {
                    multiplier = m
                    break search
                }
            }
            exponent += 1
        }
        let step = multiplier * decade(exponent)
        let kLo = ceil(lo / step - 1e-9), kHi = floor(hi / step + 1e-9)
        guard kHi >= kLo, abs(kLo) < 1e15, abs(kHi) < 1e15 else { return ([], step) }
        let values = (Int(kLo)...Int(kHi)).map { k -> Double in
            // k·m / 10^-e is correctly rounded where k·m·10^e is not (3 × 0.1).
            let v =
                exponent < 0
                ? Double(k) * multiplier / decade(-exponent)
                : Double(k) * multiplier * decade(exponent)
            return v + 0.0  // no negative zero
        }
        return (values, step)
    }

    /// Labels for evenly spaced `values` `step` apart: fixed decimals taken from the step,
    /// or exponent form for magnitudes ≥ 10⁷ or < 10⁻³; exactly 0 is always `0`.
    static func labels(for values: [Double], step: Double) -> [String] {
        let largest = values.map { abs($0) }.max() ?? 0
        if largest >= 1e7 || (largest > 0 && largest < 1e-3) {
            // The fewest mantissa digits that still tell every tick apart exactly.
            for digits in 0...15 {
                let labels = values.map { $0 == 0 ? "0" : String(format: "%.\(digits)e", $0) }
                let exact = zip(labels, values).allSatisfy { label, v in
                    abs((Double(label) ?? .nan) - v) <= abs(step) * 1e-6
                }
                if exact { return labels }
            }
            return values.map { String(format: "%.15e", $0) }
        }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return values.map { fixed($0, decimals: decimals) }
    }

    static func fixed(_ v: Double, decimals: Int) -> String {
        String(format: "%.\(decimals)f", v + 0.0)
    }

    static func sci(_ exponent: Int) -> String {
        String(format: "%.0e", decade(exponent))
    }

    /// m × 10^k, correctly rounded (0.3, not 0.30000000000000004).
    static func multiple(_ m: Int, _ k: Int) -> Double {
        k >= 0 ? Double(m) * pow(10, Double(k)) : Double(m) / pow(10, Double(-k))
    }

    /// 10^k, exact for every k a Double can hold.
    static func decade(_ k: Int) -> Double {
        k >= 0 ? pow(10, Double(k)) : 1 / pow(10, Double(-k))
    }
}
