// Filled in when SlopeTrain and SlopePlot land.
enum SineBenchmark {
    static func rows(runs: Int, quick: Bool, report: (Row) -> Void) -> [Row] { [] }
}
enum ChartBenchmark {
    static func rows(runs: Int, outDirectory: String, report: (Row) -> Void) -> [Row] { [] }
}
