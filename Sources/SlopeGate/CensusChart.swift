import Foundation
import SlopeCheck
import SlopePlot

/// The relative-error census of a verify run as a histogram: elements per decade of
/// relative error, each non-empty decade drawn as an open bar (two sides and a top) on a log
/// count axis. An empty decade is drawn as nothing: 0 has no place on a log axis, and a line
/// at some stand-in height would read as elements.
public enum CensusChart {
    /// Where a bar's sides end below the smallest count (1) on the log axis.
    static let floor = 0.5

    public static func make(_ run: VerifyRun, title: String = "Relative error of every checked element") -> Chart {
        let census = run.census
        // Bin i covers decades [e, e+1) with e = i − 17 (bin 0 is "below 1e-16", the last "≥ 1").
        var x: [Double] = [], y: [Double] = []
        for (i, count) in census.counts.enumerated() where count > 0 {
            let low = Double(i + ErrorCensus.lowestExponent - 1)
            // NaN ends the line: no bottom edge, nothing across the empty decades in between.
            x += [low, low, low + 1, low + 1, .nan]
            y += [floor, Double(count), Double(count), floor, .nan]
        }
        var chart = Chart(
            width: 800, height: 450, title: title, xLabel: "log₁₀ relative error |a − n| / max(|a|, |n|)",
            yLabel: "elements (log scale)")
        chart.yAxis.scale = .log
        chart.addLine(y, x: x, label: "\(census.total) elements", lineWidth: 2)
        chart.addMarker(atX: log10(run.tolerance.rtol), label: "rtol")
        // The rtol marker stands at the right, where the worst elements are: the legend goes left.
        chart.legendCorner = .topLeft
        return chart
    }
}
