/// Colours used by charts: a colour-blind-safe categorical palette and a sequential map.
public enum Palette {
    /// The Okabe–Ito palette (Okabe & Ito, 2008), ordered so that the first colours are
    /// the most distinct on white: blue, vermillion, bluish green, orange, reddish purple,
    /// sky blue, yellow, black. Safe for the common forms of colour blindness.
    public static let okabeIto: [RGB] = [
        RGB(hex: 0x0072B2), RGB(hex: 0xD55E00), RGB(hex: 0x009E73), RGB(hex: 0xE69F00),
        RGB(hex: 0xCC79A7), RGB(hex: 0x56B4E9), RGB(hex: 0xF0E442), RGB(hex: 0x000000),
    ]

    /// The `index`-th categorical colour; indices past the end wrap around, negative
    /// indices count from the end.
    public static func categorical(_ index: Int) -> RGB {
        let n = okabeIto.count
        return okabeIto[((index % n) + n) % n]
    }

    /// Samples of matplotlib's *viridis* map (perceptually uniform, colour-blind safe),
    /// from dark purple (0) to yellow (1).
    static let viridisStops: [RGB] = [
        RGB(hex: 0x440154), RGB(hex: 0x482878), RGB(hex: 0x3E4989), RGB(hex: 0x31688E),
        RGB(hex: 0x26828E), RGB(hex: 0x1F9E89), RGB(hex: 0x35B779), RGB(hex: 0x6ECE58),
        RGB(hex: 0xB5DE2B), RGB(hex: 0xFDE725),
    ]

    /// The viridis colour at `t` in 0…1 (clamped; NaN gives the lowest colour), linearly
    /// interpolated between ten stops.
    public static func viridis(_ t: Double) -> RGB {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = clamped * Double(viridisStops.count - 1)
        let lower = min(Int(position), viridisStops.count - 2)
        return viridisStops[lower].blended(
            with: viridisStops[lower + 1], amount: position - Double(lower))
    }

    /// ColorBrewer's *RdBu* map reversed (colour-blind safe): blue for −1, near-white for 0,
    /// red for +1.
    static let divergingStops: [RGB] = [
        RGB(hex: 0x2166AC), RGB(hex: 0x67A9CF), RGB(hex: 0xD1E5F0), RGB(hex: 0xF7F7F7),
        RGB(hex: 0xFDDBC7), RGB(hex: 0xEF8A62), RGB(hex: 0xB2182B),
    ]

    /// The diverging colour at `t` in −1…1 (clamped; NaN gives the centre), linearly
    /// interpolated between seven stops.
    public static func diverging(_ t: Double) -> RGB {
        let clamped = t.isNaN ? 0 : min(max(t, -1), 1)
        let position = (clamped + 1) / 2 * Double(divergingStops.count - 1)
        let lower = min(Int(position), divergingStops.count - 2)
        return divergingStops[lower].blended(with: divergingStops[lower + 1], amount: position - Double(lower))
    }
}
