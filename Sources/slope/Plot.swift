import ArgumentParser
import Foundation
import SlopePlot

extension Slope {
    /// `slope plot loss|xy`: charts from CSV files.
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a PNG chart from a CSV file, or error maps from a verify report.",
            subcommands: [Loss.self, XY.self, Errors.self])
    }
}

extension Slope.Plot {
    /// `WIDTHxHEIGHT`, e.g. `800x500`.
    struct FigureSize: ExpressibleByArgument, CustomStringConvertible {
        var width: Int
        var height: Int

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }

        init?(argument: String) {
            let parts = argument.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" })
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else { return nil }
            self.init(width: w, height: h)
        }

        var description: String { "\(width)x\(height)" }
    }

    /// Options every chart takes.
    struct ChartOptions: ParsableArguments {
        @Option(
            parsing: .unconditional, help: ArgumentHelp("Image size in pixels, each side 16…8192.", valueName: "WIDTHxHEIGHT"))
        var size = FigureSize(width: 800, height: 500)

        @Option(help: "Chart title.")
        var title: String?

        func validate() throws {
            guard Chart.sizeLimit.contains(size.width), Chart.sizeLimit.contains(size.height) else {
                throw ValidationError(
                    "--size \(size) is out of range: width and height must each be "
                        + "\(Chart.sizeLimit.lowerBound)…\(Chart.sizeLimit.upperBound), e.g. --size 800x500")
            }
        }
    }

    /// `slope plot loss HISTORY.csv`: loss curves against step.
    struct Loss: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot loss curves from a training history CSV.",
            discussion: "Example: slope plot loss history.csv --y train --y val --log-y --smooth 0.9")

        @Argument(help: "CSV file with a header row, e.g. step,loss.")
        var history: String

        @Option(name: .customLong("y"), help: "Column to draw as a line (repeat for several lines).")
        var columns: [String] = ["loss"]

        @Option(name: .customLong("x"), help: "Column for the x axis (default: step if present, else the row number).")
        var xColumn: String?

        @Flag(name: .customLong("log-y"), help: "Log-scale loss axis (values ≤ 0 are left out with a warning).")
        var logY = false

        @Option(help: "Smooth every line with an exponential moving average, factor in [0, 1), e.g. 0.9.")
        var smooth: Double?

        @Option(name: [.short, .customLong("output")], help: "PNG file to write (its directory must exist).")
        var output = "output/loss.png"

        @OptionGroup var chart: ChartOptions

        func validate() throws {
            if let smooth, !(smooth >= 0 && smooth < 1) {
                throw ValidationError("--smooth \(smooth) must be at least 0 and below 1, e.g. --smooth 0.9")
            }
            if let duplicate = columns.first(where: { name in columns.filter { $0 == name }.count > 1 }) {
                throw ValidationError("--y \(duplicate) is given twice; name each column once")
            }
        }

        func run() throws {
            let table = try CSVTable(contentsOfFile: history)
            let steps: [Double?]?
            if let xColumn {
                steps = try table.column(xColumn)
            } else {
                steps = table.hasColumn("step") ? try table.column("step") : nil
            }
            var series: [(name: String, values: [Double?])] = []
            for name in columns { series.append((name, try table.column(name))) }
            let chart = Chart.lossCurve(
                steps: steps, logged: series, logY: logY, smooth: smooth,
                title: chart.title ?? "Loss", xLabel: steps == nil ? "row" : (xColumn ?? "step"),
                yLabel: columns.count == 1 ? columns[0] : "loss",
                width: chart.size.width, height: chart.size.height)
            try write(chart, to: output)
        }
    }

    /// `slope plot xy DATA.csv`: a scatter of two columns, optionally with a fitted line.
    struct XY: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot one CSV column against another, optionally with a fitted curve.",
            discussion: "Example: slope plot xy sine.csv --x x --y y --fit prediction -o output/fit.png")

        @Argument(help: "CSV file with a header row.")
        var data: String

        @Option(name: .customLong("x"), help: "Column for the x axis.")
        var xColumn = "x"

        @Option(name: .customLong("y"), help: "Column drawn as points.")
        var yColumn = "y"

        @Option(help: "Column drawn as a line over the points (sorted by x).")
        var fit: String?

        @Flag(name: .customLong("log-y"), help: "Log-scale y axis.")
        var logY = false

        @Option(name: [.short, .customLong("output")], help: "PNG file to write (its directory must exist).")
        var output = "output/xy.png"

        @OptionGroup var chart: ChartOptions

        func validate() throws {
            if xColumn == yColumn {
                throw ValidationError("--x and --y both name \"\(xColumn)\"; choose two different columns")
            }
        }

        func run() throws {
            let table = try CSVTable(contentsOfFile: data)
            let xCells = try table.column(xColumn), yCells = try table.column(yColumn)
            // Rows where both cells were logged (an empty cell is "not logged in this row").
            let logged = xCells.indices.compactMap { i in xCells[i].flatMap { x in yCells[i].map { (x, $0) } } }
            let x = logged.map(\.0), y = logged.map(\.1)
            var plot: Chart
            if let fit {
                let fitCells = try table.column(fit)
                let curve = xCells.indices.compactMap { i in xCells[i].flatMap { x in fitCells[i].map { (x, $0) } } }
                    .sorted { $0.0 < $1.0 }
                plot = Chart.fit(
                    x: x, y: y, fitX: curve.map(\.0), fitY: curve.map(\.1),
                    dataLabel: yColumn, fitLabel: fit, title: chart.title, xLabel: xColumn,
                    yLabel: yColumn, width: chart.size.width, height: chart.size.height)
            } else {
                plot = Chart(
                    width: chart.size.width, height: chart.size.height, title: chart.title,
                    xLabel: xColumn, yLabel: yColumn)
                plot.addScatter(x: x, y: y)
            }
            plot.yAxis.scale = logY ? .log : .linear
            try write(plot, to: output)
        }
    }
}

/// Writes `chart` to `path`, reporting warnings on standard error and the path on standard output.
private func write(_ chart: Chart, to path: String) throws {
    let rendered = try chart.writePNG(toPath: path)
    for warning in rendered.warnings { printError("warning: \(warning)") }
    print("wrote \(path)")
}
