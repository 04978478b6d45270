import Foundation
import SlopeCheck
import SlopeLayers
import SlopeZoo

/// Issue 15: exhaustive checks by colouring against the one-at-a-time exhaustive check and a
/// naive numpy loop, in the same run. Neither baseline is run over every element (they take
/// minutes to hours): one at a time is its counted passes per element × the elements × a timed
/// forward pass; numpy is timed on a sample of elements and extrapolated. Each row says so.
enum CompressionBenchmark {
    struct Subject {
        var name: String
        /// The issue's target, in seconds.
        var target: Double
        var make: @Sendable () -> (any Layer, [Tensor])
        /// The numpy forward of the layer (`x` and the parameters by name), or nil for none.
        var numpy: String?
    }

    static func subjects(quick: Bool) -> [Subject] {
        [
            Subject(
                name: "Conv2D x 8×3×32×32, 16 3×3, stride 1, padding 1", target: 1,
                make: {
                    var rng = SeededGenerator(seed: 21)
                    let conv = Conv2D(inChannels: 3, outChannels: 16, kernel: (3, 3), padding: (1, 1), using: &rng)
                    return (conv, [Tensor.uniform([8, 3, 32, 32], in: -2..<2, using: &rng)])
                }, numpy: nil),
            Subject(
                name: "Affine x 64×784, W 784×128", target: 2,
                make: {
                    var rng = SeededGenerator(seed: 22)
                    return (
                        Affine(inFeatures: 784, outFeatures: 128, using: &rng),
                        [Tensor.uniform([64, 784], in: -2..<2, using: &rng)]
                    )
                }, numpy: "y = x @ W + b"),
            Subject(
                name: "LayerNorm-like [64, 256]", target: 0.5,
                make: {
                    var rng = SeededGenerator(seed: 23)
                    return (LayerNorm(features: 256, using: &rng), [Tensor.uniform([64, 256], in: -2..<2, using: &rng)])
                },
                numpy:
                    "m = x.mean(axis=1, keepdims=True); v = ((x - m) ** 2).mean(axis=1, keepdims=True); y = gamma * (x - m) / np.sqrt(v + 1e-5) + beta"
            ),
            Subject(
                name: "Tanh 256×256", target: 0.1,
                make: {
                    var rng = SeededGenerator(seed: 24)
                    return (Tanh(), [Tensor.uniform([256, 256], in: -2..<2, using: &rng)])
                }, numpy: "y = np.tanh(x)"),
            Subject(
                name: "Tanh 1000×1000 (10⁶ elements)", target: 0.5,
                make: {
                    var rng = SeededGenerator(seed: 25)
                    return (Tanh(), [Tensor.uniform([1000, 1000], in: -2..<2, using: &rng)])
                }, numpy: "y = np.tanh(x)"),
            Subject(
                name: "BatchNorm [64, 256] (coupled across the batch)", target: .infinity,
                make: {
                    var rng = SeededGenerator(seed: 26)
                    let norm = BatchNorm(features: 256)
                    norm.gamma.value = Tensor.uniform([256], in: 0.5..<1.5, using: &rng)
                    norm.beta.value = Tensor.uniform([256], in: -0.5..<0.5, using: &rng)
                    return (norm, [Tensor.uniform([64, 256], in: -2..<2, using: &rng)])
                },
                numpy:
                    "m = x.mean(axis=0); v = ((x - m) ** 2).mean(axis=0); y = gamma * (x - m) / np.sqrt(v + 1e-5) + beta"),
        ]
    }

    /// The group's rows; numpy's runs, and with them every row of the group, are handed to
    /// `later`, which the bench runs after every group's own measurements.
    static func rows(runs: Int, quick: Bool, report: @escaping (Row) -> Void, later: (@escaping () -> Void) -> Void) {
        // `SLOPE_BENCH_SUBJECT=Tanh` runs only the subjects whose name contains it (for profiling).
        let filter = ProcessInfo.processInfo.environment["SLOPE_BENCH_SUBJECT"]
        // numpy runs after every Slope row of the bench, as the cost group's peer does: a python
        // process leaves this machine slower for minutes, and later rows would pay for it. Rows
        // are reported in their usual order.
        var rows: [Row?] = []
        var numpyRuns: [(slot: Int, run: () -> Row)] = []
        defer {
            later {
                for (slot, run) in numpyRuns { rows[slot] = run() }
                for row in rows { if let row { report(row) } }
            }
        }
        for subject in subjects(quick: quick) where filter.map({ subject.name.contains($0) }) ?? true {
            let (layer, inputs) = subject.make()
            let elements = inputs.reduce(0) { $0 + $1.count } + layer.parameters.reduce(0) { $0 + $1.value.count }
            let check = GradientCheck(checkInvariants: false)
            let (compressed, forward, backward, otherPaths, last) = CheckCostBenchmark.interleaved(
                "compressed", layer, inputs, warmup: 0, runs: quick ? 1 : runs
            ) { check.run(layer, inputs: inputs) }
            guard let result = last else { continue }
            // `SLOPE_BENCH_PROFILE=1`: the check alone, five more times, and nothing else (for `perf record`).
            if ProcessInfo.processInfo.environment["SLOPE_BENCH_PROFILE"] != nil {
                for report in [result] + (0..<5).map({ _ in check.run(layer, inputs: inputs) }) {
                    let cost = report.cost ?? CheckCost()
                    print(
                        "\(formatSeconds(report.seconds)): analytic \(formatSeconds(cost.analytic.seconds)), rounding \(formatSeconds(cost.rounding.seconds)), differences \(formatSeconds(cost.differences.seconds)) (element results \(formatSeconds(cost.elementResults)), report \(formatSeconds(cost.report))), Taylor \(formatSeconds(cost.taylor.seconds))"
                    )
                }
                continue
            }
            let passes = Double(result.forwardPasses) / Double(elements)
            let used = result.tensors.filter { $0.compression?.isUsed == true }.map(\.tensor.name)
            // One at a time: its passes per element, counted from a sampled check at k and 2k
            // elements per tensor (the difference is free of the per-tensor setup), times every
            // element, times the median of 10 timed forward passes (a timed sample of the whole
            // check is at the mercy of a shared machine; a pass count is not).
            let perTensor = quick ? 15 : 40
            func sampled(_ k: Int) -> (elements: Int, passes: Int) {
                var check = GradientCheck(mode: .sampled(perTensor: k), checkInvariants: false)
                check.orderTest = false
                let report = check.run(layer, inputs: inputs)
                return (report.elementsChecked, report.forwardPasses)
            }
            let (small, large) = (sampled(perTensor), sampled(2 * perTensor))
            let onePasses = Double(large.passes - small.passes) / Double(max(large.elements - small.elements, 1))
            var rng = SeededGenerator(seed: 27)
            let upstream = (try? layer.forward(inputs)).map { Tensor.uniform($0.shape, in: -1..<1, using: &rng) }
            let pass = measure("forward pass", warmup: 1, runs: 10) {
                _ = (try? layer.forward(inputs))?.dot(upstream ?? Tensor(scalar: 0))
            }
            let oneAtATime = Measurement(
                name: "one at a time", samples: pass.samples.map { $0 * onePasses * Double(elements) })
            let met =
                subject.target.isFinite
                ? (compressed.median <= subject.target
                    ? "≤ \(formatSeconds(subject.target)): met"
                    : "≤ \(formatSeconds(subject.target)): missed by \(String(format: "%.1f", compressed.median / subject.target))×")
                : (compressed.median <= oneAtATime.median ? "no slower than one at a time: met" : "no slower: missed")
            // Issue 24: the check's wall time over the passes it counts, and where the rest went.
            if let counted = CheckCostBenchmark.countedSeconds(
                result, forward: forward, backward: backward, otherPaths: otherPaths)
            {
                rows.append(
                    CheckCostBenchmark.passesRow(
                        group: "exhaustive, \(subject.name): wall / passes", timed: compressed, result: result,
                        counted: counted, forward: forward, backward: backward))
            }
            rows.append(
                Row(
                    group: "exhaustive, \(subject.name): \(elements) elements", subject: compressed, baseline: oneAtATime,
                    baselineName:
                        "one at a time (\(String(format: "%.2f", onePasses)) passes/element × forward pass \(formatSeconds(pass.median)))",
                    note: String(
                        format: "%d passes = %.4f per element (%@ compressed; verdict %@) vs %.2f per element one at a time",
                        result.forwardPasses, passes, used.isEmpty ? "no tensor" : used.joined(separator: ", "),
                        result.verdict.rawValue, onePasses),
                    aim: met))
            if subject.name.hasPrefix("Affine") || subject.name.hasPrefix("Conv2D") {
                // The colours split over worker copies (what `slope verify` does for one case).
                let cores = ProcessInfo.processInfo.activeProcessorCount
                let make = subject.make
                let workers = measure("compressed, workers", warmup: 0, runs: quick ? 1 : min(runs, 3)) {
                    _ = check.run(making: { make().0 }, inputs: inputs, workers: cores)
                }
                rows.append(
                    Row(
                        group: "exhaustive, \(subject.name), \(cores) workers", subject: workers, baseline: compressed,
                        baselineName: "compressed, one worker",
                        note: "each worker with its own copy of the layer; OpenBLAS already threads these forward passes", aim: ""
                    ))
            }
            if let forward = subject.numpy {
                rows.append(nil)
                numpyRuns.append(
                    (
                        rows.count - 1,
                        {
                            let numpy = runNumpy(
                                layer: layer, inputs: inputs, forward: forward, elements: elements, sample: 2 * perTensor)
                            return Row(
                                group: "exhaustive, \(subject.name)", subject: compressed, baseline: numpy,
                                baselineName: numpy == nil
                                    ? "numpy (not installed)" : "naive numpy, central differences (extrapolated)",
                                note: "numpy: two forward passes per element, no judging", aim: "")
                        }
                    ))
            }
        }
    }

    /// Central differences one element at a time in numpy over `sample` elements of each
    /// tensor, extrapolated to `elements`; nil without numpy.
    static func runNumpy(layer: any Layer, inputs: [Tensor], forward: String, elements: Int, sample: Int) -> Measurement? {
        // Random values of the same shapes (the timing does not depend on them).
        func array(_ t: Tensor) -> String {
            "rng.uniform(-1, 1, (\(t.shape.map(String.init).joined(separator: ", ")),))"
        }
        let parameters = layer.parameters.map { "\($0.name) = \(array($0.value))" }.joined(separator: "\n")
        let names = ["x"] + layer.parameters.map(\.name)
        let script = """
            import time
            import numpy as np
            rng = np.random.default_rng(0)
            x = \(array(inputs[0]))
            \(parameters)
            def f(\(names.joined(separator: ", "))):
                \(forward)
                return y
            args = [\(names.joined(separator: ", "))]
            u = rng.uniform(-1, 1, f(*args).shape)
            start = time.perf_counter()
            visited = 0
            for k in range(len(args)):
                t = args[k]
                for i in rng.choice(t.size, min(\(sample), t.size), replace=False):
                    flat = t.reshape(-1)
                    x0 = flat[i]; h = 1e-5
                    flat[i] = x0 + h; up = float(np.sum(u * f(*args)))
                    flat[i] = x0 - h; down = float(np.sum(u * f(*args)))
                    flat[i] = x0
                    visited += 1
            print((time.perf_counter() - start) / visited)
            """
        guard let output = runCommand("python3", ["-c", script]),
            let perElement = Double(output.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return Measurement(name: "numpy", samples: [perElement * Double(elements)])
    }
}
