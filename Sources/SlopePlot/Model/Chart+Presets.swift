/// Ready-made charts for the `slope` commands. Each returns a plain `Chart` that can be
/// adjusted further before `writePNG(to:)`; nothing is validated until it is drawn.
extension Chart {
    /// Loss against step: one line per `series` entry (in palette order), against `steps`
    /// or the row number when `steps` is `nil`.
    /// - Parameters:
    ///   - logY: a log-scale loss axis (points ≤ 0 are left out with a warning).
    ///   - smooth: an EMA factor (e.g. 0.9) to smooth every line, the raw line kept faint.
    public static func lossCurve(
        steps: [Double]?, series: [(name: String, values: [Double])], logY: Bool = false, smooth: Double? = nil,
        title: String? = "Loss", xLabel: String = "step", yLabel: String = "loss",
        width: Int = 800, height: Int = 500
    ) -> Chart {
        var chart = Chart(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        chart.yAxis.scale = logY ? .log : .linear
        for (name, values) in series {
            chart.addLine(values, x: steps, label: name, smoothing: smooth)
        }
        return chart
    }

    /// Loss against step from a sparse log (a CSV where each metric fills only the rows it was
    /// logged in): a `nil` cell, in a series or in `steps`, is a row where that series was
    /// not logged, and each line joins its own logged points across it (see
    /// `LineSeries(logged:x:)`). A logged NaN or ±∞ is still a gap.
    public static func lossCurve(
        steps: [Double?]?, logged series: [(name: String, values: [Double?])], logY: Bool = false,
        smooth: Double? = nil, title: String? = "Loss", xLabel: String = "step", yLabel: String = "loss",
        width: Int = 800, height: Int = 500
    ) -> Chart {
        var chart = Chart(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        chart.yAxis.scale = logY ? .log : .linear
        for (name, values) in series {
            chart.series.append(.line(LineSeries(logged: values, x: steps, label: name, smoothing: smooth)))
        }
        return chart
    }

    /// Data points with a fitted curve drawn over them (e.g. a network's prediction of a sine).
    public static func fit(
        x: [Double], y: [Double], fitX: [Double], fitY: [Double],
        dataLabel: String = "data", fitLabel: String = "fit",
        title: String? = nil, xLabel: String = "x", yLabel: String = "y", width: Int = 800, height: Int = 500
    ) -> Chart {
        var chart = Chart(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        chart.addScatter(x: x, y: y, label: dataLabel, color: Palette.categorical(0), radius: 3)
        chart.addLine(fitY, x: fitX, label: fitLabel, color: Palette.categorical(1), lineWidth: 2)
        return chart
    }

    /// A heat map (`values[row][column]`, row 0 at the bottom) covering `x` × `y`, with
    /// optional labelled points on top.
    /// - Parameters:
    ///   - classNames: `nil` for a sequential (viridis) map of values; otherwise the values
    ///     are class indices and the regions are tinted with each class's colour.
    ///   - points: points drawn over the map, coloured by their class index `label`
    ///     (in the full class colour, with a dark outline).
    public static func heatMap(
        _ values: [[Double]], x: ClosedRange<Double>, y: ClosedRange<Double>, classNames: [String]? = nil,
        points: [(x: Double, y: Double, label: Int)] = [], title: String? = nil,
        xLabel: String = "x₁", yLabel: String = "x₂", width: Int = 700, height: Int = 600
    ) -> Chart {
        var chart = Chart(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel)
        chart.addHeatMap(
            HeatMap(
                values: values, x: x, y: y,
                colorMap: classNames.map { .categorical(classNames: $0) } ?? .sequential))
        let classes = Set(points.map(\.label)).sorted()
        for c in classes {
            let members = points.filter { $0.label == c }
            let name = classNames.flatMap { c >= 0 && c < $0.count ? $0[c] : nil } ?? "class \(c)"
            chart.addScatter(
                x: members.map(\.x), y: members.map(\.y), label: name, color: Palette.categorical(c),
                radius: 3.5, edgeColor: RGB(hex: 0x222222))
        }
        return chart
    }

    /// Gradient-check error against finite-difference step on log–log axes (the "V" of
    /// truncation error on the right and rounding error on the left), with a dashed marker
    /// at `defaultStep` and an optional `annotation` (e.g. "best h 1e-05").
    /// Errors of exactly 0 cannot be shown on a log axis and are reported as warnings.
    public static func errorVsStep(
        steps: [Double], errors: [Double], defaultStep: Double? = nil, annotation: String? = nil,
        title: String? = "Finite-difference error against step", width: Int = 800, height: Int = 500
    ) -> Chart {
        var chart = Chart(
            width: width, height: height, title: title, xLabel: "step h",
            yLabel: "relative error")
        chart.xAxis.scale = .log
        chart.yAxis.scale = .log
        let colour = Palette.categorical(0)
        chart.addLine(errors, x: steps, label: "max relative error", color: colour, lineWidth: 2)
        chart.addScatter(x: steps, y: errors, color: colour, radius: 3)
        if let defaultStep { chart.addMarker(atX: defaultStep, label: "default step") }
        if let annotation { chart.annotate(annotation) }
        return chart
    }
}
