import Foundation
import SlopeCheck
import SlopePlot

/// The relative-error census of a verify run as a histogram: elements per decade of
/// relative error, drawn as a step outline on a log count axis.
public enum CensusChart {
    public static func make(_ run: VerifyRun, title: String = "Relative error of every checked element") -> Chart {
        let census = run.census
        // Bin i covers decades [e, e+1) with e = i − 17 (bin 0 is "below 1e-16", the last "≥ 1").
        var x: [Double] = [], y: [Double] = []
        for (i, count) in census.counts.enumerated() {
            let low = Double(i + ErrorCensus.lowestExponent - 1)
            x += [low, low, low + 1, low + 1]
            y += [0.5, max(Double(count), 0.5), max(Double(count), 0.5), 0.5]
        }
        var chart = Chart(
            width: 800, height: 450, title: title, xLabel: "log₁₀ relative error |a − n| / max(|a|, |n|)",
            yLabel: "elements (log scale)")
        chart.yAxis.scale = .log
        chart.addLine(y, x: x, label: "\(census.total) elements", lineWidth: 2)
        chart.addMarker(atX: log10(run.tolerance.rtol), label: "rtol")
        return chart
    }
}
