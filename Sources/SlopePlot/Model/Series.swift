/// Anything a chart can plot inside its axes.
public enum Series: Sendable, Hashable {
    case line(LineSeries)
    case scatter(ScatterSeries)
    case heatMap(HeatMap)

    /// The legend label, if any.
    public var label: String? {
        switch self {
        case .line(let s): s.label
        case .scatter(let s): s.label
        case .heatMap(let s): s.label
        }
    }
}
