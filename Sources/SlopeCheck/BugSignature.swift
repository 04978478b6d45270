import SlopeLayers

/// Reads the likely bug from the pattern of analytic against numeric values.
///
/// A wrong backward is rarely random: a lost ½ makes analytic twice numeric, a missing
/// 1/N makes it N times, a forgotten activation derivative makes it equal the upstream.
/// The signature is a hint printed under a failure, not a verdict.
public enum BugSignature {
    /// The signature of a failing tensor, or nil when no simple pattern fits.
    /// - Parameters:
    ///   - upstream: the upstream values at the same elements, when the tensor has the output's shape.
    ///   - batch: the batch size (first axis), to recognise 1/N and N factors.
    ///   - matrixShape: the tensor's shape when every element was checked in order (to
    ///     recognise a transposed gradient of a square matrix).
    public static func read(
        analytic a: [Double], numeric n: [Double], upstream: [Double]?, batch: Int?, matrixShape: [Int]? = nil
    ) -> String? {
        guard !a.isEmpty, a.count == n.count else { return nil }
        let numericSize = n.reduce(0) { max($0, abs($1)) }
        let analyticSize = a.reduce(0) { max($0, abs($1)) }
        if analyticSize == 0 && numericSize > 0 {
            return "the analytic gradient is all zero (backward not wired, or its result dropped?)"
        }
        if numericSize == 0 && analyticSize > 0 {
            return "the numeric gradient is zero: this tensor does not affect the output, but backward says it does"
        }
        if let upstream, fits(a, upstream, ratio: 1) {
            return "analytic equals the upstream gradient (the local derivative is missing: backward returns upstream unchanged?)"
        }
        if let shape = matrixShape, shape.count == 2, shape[0] == shape[1], shape[0] > 1 {
            let k = shape[0]
            let transposed = (0..<(k * k)).map { n[($0 % k) * k + $0 / k] }
            if fits(a, transposed, ratio: 1) && !fits(a, n, ratio: 1) {
                return "analytic matches the transpose of numeric (a product taken in the wrong order, or a missing/extra ᵀ?)"
            }
        }
        // Least-squares ratio r with a ≈ r·n, accepted when the fit is tight.
        var an = 0.0, nn = 0.0
        for i in a.indices { an += a[i] * n[i]; nn += n[i] * n[i] }
        guard nn > 0 else { return nil }
        let r = an / nn
        guard fits(a, n, ratio: r) else {
            return "no simple factor: the error varies element by element (a wrong formula or wrong indices?)"
        }
        func near(_ x: Double) -> Bool { abs(r - x) <= 1e-3 * abs(x) }
        if near(2) { return "analytic is 2× numeric (a ½ lost? e.g. the gradient of Σ(y−t)² for a loss of ½Σ(y−t)²)" }
        if near(0.5) { return "analytic is ½ of numeric (the gradient of half the loss? a factor 2 lost)" }
        if near(-1) { return "sign flipped (analytic is −1× numeric)" }
        if let batch, batch > 1 {
            let size = Double(batch)
            if near(1 / size) { return "analytic is 1/\(batch) of numeric (divided by the batch size twice, or mean vs sum?)" }
            if near(size) { return "analytic is \(batch)× numeric (a 1/N missing: sum instead of mean over the batch?)" }
        }
        if near(0) { return "analytic is near zero where numeric is not" }
        return "analytic is \(formatNumber(r, significantDigits: 4))× numeric"
    }

    /// True when a ≈ r·b for every element, within 1e-3 of the sizes involved.
    static func fits(_ a: [Double], _ b: [Double], ratio r: Double) -> Bool {
        guard a.count == b.count else { return false }
        let size = max(a.reduce(0) { max($0, abs($1)) }, 1e-300)
        for i in a.indices where abs(a[i] - r * b[i]) > 1e-3 * size { return false }
        return true
    }
}
