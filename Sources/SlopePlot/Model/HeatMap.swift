/// A grid of values filling a rectangle of the plot, with a colour bar beside the plot.
///
/// `values[row][column]`: row 0 is the bottom (smallest y), column 0 the left (smallest x);
/// each cell covers an equal share of `x` × `y`. Non-finite cells are left blank.
/// Used for decision regions (class indices with `.categorical`) and for any scalar field
/// (`.sequential`).
public struct HeatMap: Sendable, Hashable {
    public var values: [[Double]]
    public var x: ClosedRange<Double>
    public var y: ClosedRange<Double>
    public var colorMap: ColorMap
    /// Title of the colour bar; `nil` draws none.
    public var label: String?

    /// How cell values become colours.
    public enum ColorMap: Sendable, Hashable {
        /// A value is rounded to a class index `i` and drawn in a light tint of
        /// `Palette.categorical(i)` (so points drawn in the full colour stand out).
        /// `classNames[i]` labels the colour bar; missing names read `class i`.
        case categorical(classNames: [String])
        /// Viridis from the smallest to the largest finite value.
        case sequential
    }

    public init(
        values: [[Double]], x: ClosedRange<Double>, y: ClosedRange<Double>,
        colorMap: ColorMap, label: String? = nil
    ) {
        self.values = values
        self.x = x
        self.y = y
        self.colorMap = colorMap
        self.label = label
    }

    /// How far class colours are moved towards white for the cells.
    static let regionTint = 0.6

    /// The cell colour for a class index (categorical maps).
    public static func regionColor(forClass index: Int) -> RGB {
        Palette.categorical(index).blended(with: .white, amount: regionTint)
    }
}
