/// How an axis maps data values to positions.
public enum AxisScale: Sendable, Hashable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios (base 10). Values ≤ 0, which have no place on such
    /// an axis, are left out of the chart and counted in the render warnings.
    case log
}
