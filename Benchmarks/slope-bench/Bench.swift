import CBLAS
import CBaselines
import Foundation
import SlopeCheck
import SlopeFiles
import SlopeLayers

/// `make bench`: every headline figure against its baseline, measured in the same run.
/// Usage: slope-bench [--out DIR] [--quick]
@main
enum Bench {
    @MainActor
    static func main() throws {

        var outDirectory = "output"
        var quick = false
        var only: Set<String> = []
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--out": outDirectory = arguments.next() ?? outDirectory
            case "--quick": quick = true
            case "--only": only.insert(arguments.next() ?? "")
            default:
                FileHandle.standardError.write(
                    Data(
                        "usage: slope-bench [--out DIR] [--quick] [--only sine|matmul|switch|conv|verify|compression|cost|chart ...]\n"
                            .utf8))
                exit(2)
            }
        }
        let runs = quick ? 3 : 5
        func wants(_ group: String) -> Bool { only.isEmpty || only.contains(group) }
        var rows: [Row] = []
        func report(_ row: Row) {
            rows.append(row)
            print(
                "\(row.group): \(row.subject.medianText) vs \(row.baselineName) \(row.baseline?.medianText ?? "skipped") → \(row.comparison)  \(row.note)"
            )
        }

        // MARK: matrix products
        for (m, k, n) in [(64, 784, 128), (512, 512, 512)] where wants("matmul") {
            var rng = SeededGenerator(seed: 1)
            let a = Tensor.uniform([m, k], using: &rng), b = Tensor.uniform([k, n], using: &rng)
            let flops = 2.0 * Double(m * n * k)
            let repeats = m == 512 ? 10 : 100
            let slope = measure("Tensor.matmul", runs: runs) {
                for _ in 0..<repeats { _ = Tensor.matmul(a, b) }
            }
            var c = [Double](repeating: 0, count: m * n)
            let direct = measure("cblas_dgemm", runs: runs) {
                for _ in 0..<repeats {
                    cblas_dgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.data, Int32(k), b.data,
                        Int32(n), 0, &c, Int32(n))
                }
            }
            let gflops = flops * Double(repeats) / slope.median / 1e9
            let directGflops = flops * Double(repeats) / direct.median / 1e9
            let share = gflops / directGflops
            report(
                Row(
                    group: "matmul \(m)×\(k)·\(k)×\(n) (×\(repeats))", subject: slope, baseline: direct,
                    baselineName: "direct cblas_dgemm",
                    note: String(format: "%.1f vs %.1f GFLOP/s (%.0f%% of dgemm)", gflops, directGflops, share * 100),
                    aim: m == 512 ? (share >= 0.9 ? "≥ 90% of dgemm: met" : "≥ 90% of dgemm: missed") : ""))
        }

        // MARK: where the loop/BLAS switch pays
        var switchLines = [
            "| product (m×k·k×n) | multiply-adds | plain loop | cblas_dgemm | faster | Slope uses |", "|---|---|---|---|---|---|",
        ]
        let shapes: [(String, Int, Int, Int)] =
            [2, 4, 6, 8, 12, 16, 24, 32, 48, 64].map { ("\($0)×\($0)·\($0)×\($0)", $0, $0, $0) } + [
                ("90×1·1×25 (sine forward)", 90, 1, 25), ("1×90·90×25 (sine dW₀)", 1, 90, 25),
                ("25×90·90×1 (sine dW₁)", 25, 90, 1), ("90×25·25×1 (sine output)", 90, 25, 1),
                ("32×16·16×32 (small MLP)", 32, 16, 32), ("8×128·128×8", 8, 128, 8), ("4×5·5×3 (verify Affine)", 4, 5, 3),
            ]
        for (label, m, k, n) in shapes where wants("switch") {
            var rng = SeededGenerator(seed: 2)
            let a = Tensor.uniform([m, k], using: &rng), b = Tensor.uniform([k, n], using: &rng)
            var c = [Double](repeating: 0, count: m * n)
            let repeats = max(20, 400_000 / (m * n * k))
            func time(_ blas: Bool) -> Measurement {
                measure(label, runs: runs) {
                    a.data.withUnsafeBufferPointer { pa in
                        b.data.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                for _ in 0..<repeats {
                                    Tensor.gemm(
                                        m: m, n: n, k: k, a: pa.baseAddress!, lda: k, transposeA: false, b: pb.baseAddress!,
                                        ldb: n,
                                        transposeB: false, c: pc.baseAddress!, accumulate: false, forceBLAS: blas)
                                }
                            }
                        }
                    }
                }
            }
            let loop = time(false), blas = time(true)
            let faster =
                loop.median < blas.median
                ? "loop (\(String(format: "%.1f", blas.median / loop.median))×)"
                : "BLAS (\(String(format: "%.1f", loop.median / blas.median))×)"
            switchLines.append(
                "| \(label) | \(m * n * k) | \(formatSeconds(loop.median / Double(repeats))) | \(formatSeconds(blas.median / Double(repeats))) | \(faster) | \(Tensor.usesBLAS(m: m, n: n, k: k) ? "BLAS" : "loop") |"
            )
        }
        print(switchLines.joined(separator: "\n"))

        // MARK: Conv2D forward + backward
        if wants("conv") {
            var rng = SeededGenerator(seed: 4)
            let conv = Conv2D(inChannels: 3, outChannels: 16, kernel: (3, 3), using: &rng)
            let x = Tensor.uniform([8, 3, 32, 32], using: &rng)
            let dy = Tensor.uniform([8, 16, 30, 30], using: &rng)
            let slope = try measure("Conv2D", runs: runs) {
                conv.zeroGradients()
                _ = try conv.forward(x)
                _ = try conv.backward(dy)
            }
            var y = [Double](repeating: 0, count: dy.count), dx = [Double](repeating: 0, count: x.count)
            var dW = [Double](repeating: 0, count: 16 * 27), db = [Double](repeating: 0, count: 16)
            let naive = measure("naive", runs: runs) {
                slope_baseline_conv(x.data, conv.W.value.data, conv.b.value.data, dy.data, &y, &dx, &dW, &db, 8, 3, 32, 32, 16, 3)
            }
            let ratio = naive.median / slope.median
            report(
                Row(
                    group: "Conv2D fwd+bwd 8×3×32×32, 16 3×3", subject: slope, baseline: naive,
                    baselineName: "naive C loops (-O3)",
                    note: "im2col + dgemm", aim: ratio >= 5 ? "≥ 5×: met" : "≥ 5×: missed"))
        }

        // MARK: verification
        if wants("verify") {
            let exhaustive = measure("verify", runs: runs) {
                _ = Verification.run(CheckRegistry.builtIn.cases, check: GradientCheck())
            }
            let serial = measure("verify serial", runs: runs) {
                for item in CheckRegistry.builtIn.cases { _ = item.check(with: GradientCheck()) }
            }
            let gate = "the default gate (\(CheckRegistry.builtIn.cases.count) checks)"
            report(
                Row(
                    group: "slope verify, \(gate), exhaustive", subject: exhaustive, baseline: serial,
                    baselineName: "same, one core",
                    note: "incl. invariants and identities", aim: exhaustive.median < 2 ? "< 2 s: met" : "< 2 s: missed"))
            // One larger layer, its elements split over worker copies.
            let conv: @Sendable () -> any Layer = {
                var rng = SeededGenerator(seed: 6)
                return Conv2D(inChannels: 3, outChannels: 8, kernel: (3, 3), padding: (1, 1), using: &rng)
            }
            var convInputs = SeededGenerator(seed: 7)
            let image = [Tensor.uniform([4, 3, 12, 12], using: &convInputs)]
            // Compression off: this row measures the workers on the one-at-a-time loop.
            var oneAtATime = GradientCheck(checkInvariants: false)
            oneAtATime.compression = .off
            let oneCore = measure("conv exhaustive, 1 worker", warmup: 0, runs: 3) {
                _ = oneAtATime.run(making: conv, inputs: image, workers: 1)
            }
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let allCores = measure("conv exhaustive, all workers", warmup: 0, runs: 3) {
                _ = oneAtATime.run(making: conv, inputs: image, workers: cores)
            }
            report(
                Row(
                    group: "exhaustive check, Conv2D x 4×3×12×12, 8 3×3 filters (1,952 elements)", subject: allCores,
                    baseline: oneCore, baselineName: "same, one worker",
                    note: "\(cores) workers, each with its own copy of the layer (compression off)",
                    aim: ""))
            // Isolation: the whole `slope verify` process, its checks in a worker process (the
            // default) against the same checks in its own process (--no-isolation).
            let slope = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("slope")
            if FileManager.default.isExecutableFile(atPath: slope.path) {
                func verify(_ extra: [String]) throws {
                    let process = Process()
                    process.executableURL = slope
                    process.arguments = ["verify"] + extra
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    try process.run()
                    process.waitUntilExit()
                }
                let isolated = try measure("slope verify (worker process)", runs: runs) { try verify([]) }
                let inProcess = try measure("slope verify --no-isolation", runs: runs) { try verify(["--no-isolation"]) }
                report(
                    Row(
                        group: "isolation: `slope verify`, whole process, \(gate)", subject: isolated, baseline: inProcess,
                        baselineName: "--no-isolation (checks in the gate's own process)",
                        note: "one worker process, one check at a time, each over all cores",
                        aim: isolated.median <= 1.5 * inProcess.median + 0.1 ? "≤ 1.5× + 0.1 s: met" : "≤ 1.5× + 0.1 s: missed"))
            } else {
                print("isolation: \(slope.path) not built (make bench builds it); row skipped")
            }
            let fast = measure("verify fast", runs: runs) {
                _ = Verification.run(CheckRegistry.builtIn.cases, check: GradientCheck(mode: .fast(directions: 2)))
            }
            report(
                Row(
                    group: "slope verify, \(gate), fast (2 directions)", subject: fast, baseline: exhaustive,
                    baselineName: "exhaustive",
                    note: "", aim: ""))

            // Fast mode against exhaustive on a large Affine: exhaustive is extrapolated from a
            // sample (it costs 2 forward passes per element, 150,656 elements here).
            var rng = SeededGenerator(seed: 5)
            let affine = Affine(inFeatures: 784, outFeatures: 128, using: &rng)
            let x = Tensor.uniform([64, 784], using: &rng)
            let elements = 64 * 784 + 784 * 128 + 128
            let perTensor = quick ? 50 : 200
            var sampledCheck = GradientCheck(mode: .sampled(perTensor: perTensor), checkInvariants: false)
            sampledCheck.orderTest = false
            let sampled = measure("sampled", warmup: 0, runs: 3) {
                _ = sampledCheck.run(affine, inputs: [x])
            }
            let perElement = sampled.median / Double(3 * perTensor)
            let estimated = Measurement(
                name: "exhaustive (extrapolated)", samples: sampled.samples.map { $0 / Double(3 * perTensor) * Double(elements) })
            let fastAffine = measure("fast", runs: runs) {
                _ = GradientCheck(mode: .fast(directions: 2), checkInvariants: false).run(affine, inputs: [x])
            }
            var bareFast = GradientCheck(mode: .fast(directions: 2), checkInvariants: false)
            bareFast.orderTest = false
            let fastOnly = measure("fast without the order test", runs: runs) { _ = bareFast.run(affine, inputs: [x]) }
            let forward = measure("forward", runs: runs) { _ = try? affine.forward(x) }
            let ratio = estimated.median / fastAffine.median
            report(
                Row(
                    group: "fast check, Affine x 64×784, W 784×128", subject: fastAffine, baseline: estimated,
                    baselineName: "exhaustive (extrapolated from \(3 * perTensor) elements)",
                    note: String(
                        format:
                            "exhaustive costs %.2f forward passes per element (ideal 2); fast = %@ with the Taylor test, %@ without",
                        perElement / forward.median, formatSeconds(fastAffine.median), formatSeconds(fastOnly.median)),
                    aim: ratio >= 100 ? "≥ 100× cheaper: met" : "≥ 100× cheaper: missed"))
        }

        // A python baseline (numpy, torch, matplotlib) is a long process that leaves this machine
        // slower for minutes: the groups whose Slope rows are measured against their own passes
        // hand their python runs (and their rows) to `later`, run once every group has measured;
        // the groups that time python themselves come after.
        var deferred: [() -> Void] = []
        func later(_ work: @escaping () -> Void) { deferred.append(work) }

        // MARK: exhaustive checks by compression (issue 15)
        if wants("compression") { CompressionBenchmark.rows(runs: runs, quick: quick, report: report, later: later) }

        // MARK: what a check costs, and the peer (issue 24)
        if wants("cost") { CheckCostBenchmark.rows(runs: runs, quick: quick, report: report, later: later) }

        for work in deferred { work() }

        // MARK: charts
        if wants("chart") { _ = ChartBenchmark.rows(runs: runs, outDirectory: outDirectory, report: report) }

        // MARK: sine fit (against numpy, in its own group's run)
        if wants("sine") { _ = SineBenchmark.rows(runs: runs, quick: quick, report: report) }  // rows are recorded by `report`

        let machine =
            "Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / (1 << 30)) GiB; \(Date())."
        let table =
            renderTable(rows, machine: machine) + "\nMatrix-product switch (per product):\n\n"
            + switchLines.joined(separator: "\n") + "\n"
        print("\n" + table)
        let url = URL(fileURLWithPath: outDirectory).appendingPathComponent("bench.md")
        do {
            try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(table, to: url)
            print("wrote \(url.path)")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }

    }
}
