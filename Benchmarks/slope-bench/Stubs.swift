// Filled in when SlopeTrain and SlopePlot land.
enum SineBenchmark {
    static func rows(runs: Int, quick: Bool, report: (Row) -> Void) -> [Row] { [] }
}
typealias ChartBenchmark = ChartBenchmarkRows
