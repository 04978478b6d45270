import SlopeLayers

/// Reads the likely bug from the pattern of analytic against numeric values.
///
/// A wrong backward is rarely random: a lost ½ makes analytic twice numeric, a missing
/// 1/N makes it N times, a forgotten activation derivative makes it equal the upstream.
/// The signature is a hint printed under a failure, not a verdict.
public enum BugSignature: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The analytic gradient is all zero where the numeric one is not.
    case analyticAllZero
    /// The tensor does not move the output, but backward gives it a gradient.
    case numericZero
    /// Analytic equals the upstream: the local derivative is missing.
    case equalsUpstream
    /// Analytic matches the transpose of numeric (a square matrix).
    case transposed
    /// No single factor relates analytic to numeric.
    case noSimpleFactor
    /// Analytic is 2× numeric.
    case twice
    /// Analytic is ½ of numeric.
    case half
    /// Analytic is −1× numeric.
    case signFlipped
    /// Analytic is 1/N of numeric, N the batch size.
    case batchFraction(Int)
    /// Analytic is N× numeric, N the batch size.
    case batchMultiple(Int)
    /// Analytic is near zero where numeric is not.
    case nearZero
    /// Analytic is this factor times numeric.
    case factor(Double)
    /// The text of a signature in a report written before signatures had kinds.
    case legacy(String)

    public var description: String {
        switch self {
        case .analyticAllZero: "the analytic gradient is all zero (backward not wired, or its result dropped?)"
        case .numericZero: "the numeric gradient is zero: this tensor does not affect the output, but backward says it does"
        case .equalsUpstream:
            "analytic equals the upstream gradient (the local derivative is missing: backward returns upstream unchanged?)"
        case .transposed: "analytic matches the transpose of numeric (a product taken in the wrong order, or a missing/extra ᵀ?)"
        case .noSimpleFactor: "no simple factor: the error varies element by element (a wrong formula or wrong indices?)"
        case .twice: "analytic is 2× numeric (a ½ lost? e.g. the gradient of Σ(y−t)² for a loss of ½Σ(y−t)²)"
        case .half: "analytic is ½ of numeric (the gradient of half the loss? a factor 2 lost)"
        case .signFlipped: "sign flipped (analytic is −1× numeric)"
        case .batchFraction(let n): "analytic is 1/\(n) of numeric (divided by the batch size twice, or mean vs sum?)"
        case .batchMultiple(let n): "analytic is \(n)× numeric (a 1/N missing: sum instead of mean over the batch?)"
        case .nearZero: "analytic is near zero where numeric is not"
        case .factor(let r): "analytic is \(formatNumber(r, significantDigits: 4))× numeric"
        case .legacy(let text): text
        }
    }

    /// The signature of a failing tensor, or nil when no simple pattern fits.
    /// - Parameters:
    ///   - a: the analytic derivatives of the checked elements.
    ///   - n: their numeric derivatives, in the same order.
    ///   - upstream: the upstream values at the same elements, when the tensor has the output's shape.
    ///   - batch: the batch size (first axis), to recognise 1/N and N factors.
    ///   - matrixShape: the tensor's shape when every element was checked in order (to
    ///     recognise a transposed gradient of a square matrix).
    public static func read(
        analytic a: [Double], numeric n: [Double], upstream: [Double]?, batch: Int?, matrixShape: [Int]? = nil
    ) -> BugSignature? {
        guard !a.isEmpty, a.count == n.count else { return nil }
        let numericSize = n.reduce(0) { max($0, abs($1)) }
        let analyticSize = a.reduce(0) { max($0, abs($1)) }
        if analyticSize == 0 && numericSize > 0 { return .analyticAllZero }
        if numericSize == 0 && analyticSize > 0 { return .numericZero }
        if let upstream, fits(a, upstream, ratio: 1) { return .equalsUpstream }
        if let shape = matrixShape, shape.count == 2, shape[0] == shape[1], shape[0] > 1 {
            let k = shape[0]
            let transposed = (0..<(k * k)).map { n[($0 % k) * k + $0 / k] }
            if fits(a, transposed, ratio: 1) && !fits(a, n, ratio: 1) { return .transposed }
        }
        // Least-squares ratio r with a ≈ r·n, accepted when the fit is tight.
        var an = 0.0, nn = 0.0
        for i in a.indices { an += a[i] * n[i]; nn += n[i] * n[i] }
        guard nn > 0 else { return nil }
        let r = an / nn
        guard fits(a, n, ratio: r) else { return .noSimpleFactor }
        func near(_ x: Double) -> Bool { abs(r - x) <= 1e-3 * abs(x) }
        if near(2) { return .twice }
        if near(0.5) { return .half }
        if near(-1) { return .signFlipped }
        if let batch, batch > 1 {
            if near(1 / Double(batch)) { return .batchFraction(batch) }
            if near(Double(batch)) { return .batchMultiple(batch) }
        }
        if near(0) { return .nearZero }
        return .factor(r)
    }

    /// True when a ≈ r·b for every element, within 1e-3 of the sizes involved.
    static func fits(_ a: [Double], _ b: [Double], ratio r: Double) -> Bool {
        guard a.count == b.count else { return false }
        let size = max(a.reduce(0) { max($0, abs($1)) }, 1e-300)
        for i in a.indices where abs(a[i] - r * b[i]) > 1e-3 * size { return false }
        return true
    }
}

/// In reports a signature is its kind, its number if it has one, and its text (for tools that
/// only print it); a report from before kinds (the text alone) decodes as `.legacy`.
extension BugSignature: Codable {
    private enum CodingKeys: String, CodingKey { case kind, batch, factor, text }
    private var kind: String {
        switch self {
        case .analyticAllZero: "analyticAllZero"
        case .numericZero: "numericZero"
        case .equalsUpstream: "equalsUpstream"
        case .transposed: "transposed"
        case .noSimpleFactor: "noSimpleFactor"
        case .twice: "twice"
        case .half: "half"
        case .signFlipped: "signFlipped"
        case .batchFraction: "batchFraction"
        case .batchMultiple: "batchMultiple"
        case .nearZero: "nearZero"
        case .factor: "factor"
        case .legacy: "legacy"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .batchFraction(let n), .batchMultiple(let n): try container.encode(n, forKey: .batch)
        case .factor(let r): try container.encode(r, forKey: .factor)
        default: break
        }
        try container.encode(description, forKey: .text)
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .legacy(text)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let simple: [BugSignature] = [
            .analyticAllZero, .numericZero, .equalsUpstream, .transposed, .noSimpleFactor, .twice, .half, .signFlipped,
            .nearZero,
        ]
        if let found = simple.first(where: { $0.kind == kind }) {
            self = found
            return
        }
        switch kind {
        case "batchFraction": self = .batchFraction(try container.decode(Int.self, forKey: .batch))
        case "batchMultiple": self = .batchMultiple(try container.decode(Int.self, forKey: .batch))
        case "factor": self = .factor(try container.decode(Double.self, forKey: .factor))
        default: self = .legacy(try container.decodeIfPresent(String.self, forKey: .text) ?? kind)
        }
    }
}
