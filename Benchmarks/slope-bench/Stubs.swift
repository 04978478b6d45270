// The chart rows live in ChartBenchmark.swift; this name is what Bench.swift calls.
typealias ChartBenchmark = ChartBenchmarkRows
