import SlopeLayers

/// Every checked element of one tensor as columns: what an error map is drawn from, kept in
/// a report (and its JSON) for the tensors ``ElementRetention`` names.
///
/// Columns, not a struct per element: a 10⁶-element tensor is three arrays of Double and a
/// few index lists. Directions of fast mode are not elements and are never kept.
public struct ElementValues: Sendable, Codable, Equatable {
    /// Row-major flat indices of the checked elements, in column order; nil when every
    /// element of the tensor was checked, in order (exhaustive mode).
    public var indices: [Int]?
    /// ∂L/∂x from the backward pass, per checked element.
    public var analytic: [Double]
    /// ∂L/∂x from finite differences, per checked element.
    public var numeric: [Double]
    /// The allowance each element was judged against (atol + rounding + rtol·|n|).
    public var allowance: [Double]
    /// Flat indices of the elements that failed, were found at kinks, or stayed inconclusive.
    public var failed: [Int]
    public var kinks: [Int]
    public var inconclusive: [Int]

    /// A column spread over the whole tensor of `count` elements: unchecked elements are NaN.
    public func dense(_ column: [Double], count: Int) -> [Double] {
        guard let indices else { return column }
        var out = [Double](repeating: .nan, count: count)
        for (i, flat) in indices.enumerated() where flat < count { out[flat] = column[i] }
        return out
    }
}

/// Which tensors of a check keep their ``ElementValues`` in the report.
public enum ElementRetention: String, Sendable, Codable, CaseIterable {
    /// None: the report holds the worst elements only.
    case none
    /// Tensors that did not pass (the default): those that fail, and those left inconclusive
    /// (whose maps show which elements could not be judged).
    case failing
    /// Every tensor: a report that maps a passing run too (larger JSON).
    case all

    /// Tensors with more elements than this never keep their values (about 24 MB of
    /// columns, 60 MB of JSON): the worst elements still say where the largest errors are.
    public static let elementLimit = 1 << 20

    func keeps(_ verdict: Verdict, elementCount: Int) -> Bool {
        guard elementCount <= Self.elementLimit else { return false }
        switch self {
        case .none: return false
        case .failing: return verdict != .pass
        case .all: return true
        }
    }
}
