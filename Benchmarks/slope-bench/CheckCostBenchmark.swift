import Foundation
import SlopeCheck
import SlopeLayers

/// Issue 24: what a check costs against the passes it counts, and against PyTorch's gradcheck
/// on the same layers and sizes (when torch is importable; the rows say "not installed" when not).
///
/// A check's passes are timed here, not assumed: the median of timed forward passes and of timed
/// forward + backward pairs of the same layer at the same inputs, times the passes the report
/// counts (``CheckCost``). Wall time over that is the check's overhead ratio (aim ≤ 1.5).
/// `SLOPE_BENCH_SUBJECT=Conv2D` runs only the subjects whose name contains it (for profiling).
enum CheckCostBenchmark {
    struct Subject {
        var name: String
        /// The same layer in PyTorch (`x` and the parameters by name), or nil for none.
        var torch: String?
        var make: @Sendable () -> (any Layer, [Tensor])
        /// Fast-mode aim in seconds (issue 24), or nil.
        var fastTarget: Double?
        var exhaustive = true
        /// Whether gradcheck can build this layer's full Jacobian (the large ones need > 24 GiB).
        var peerExhaustive = true
    }

    static func subjects() -> [Subject] {
        func conv(_ n: Int, _ size: Int, _ filters: Int, seed: UInt64) -> @Sendable () -> (any Layer, [Tensor]) {
            {
                var rng = SeededGenerator(seed: seed)
                let conv = Conv2D(inChannels: 3, outChannels: filters, kernel: (3, 3), padding: (1, 1), using: &rng)
                return (conv, [Tensor.uniform([n, 3, size, size], in: -2..<2, using: &rng)])
            }
        }
        func affine(_ n: Int, _ k: Int, _ m: Int, seed: UInt64) -> @Sendable () -> (any Layer, [Tensor]) {
            {
                var rng = SeededGenerator(seed: seed)
                return (Affine(inFeatures: k, outFeatures: m, using: &rng), [Tensor.uniform([n, k], in: -2..<2, using: &rng)])
            }
        }
        func tanh(_ n: Int, seed: UInt64) -> @Sendable () -> (any Layer, [Tensor]) {
            {
                var rng = SeededGenerator(seed: seed)
                return (Tanh(), [Tensor.uniform([n, n], in: -2..<2, using: &rng)])
            }
        }
        let convTorch = "torch.nn.functional.conv2d(x, W, b, padding=1)"
        return [
            Subject(name: "Conv2D 2×3×16×16, 8 3×3, pad 1", torch: convTorch, make: conv(2, 16, 8, seed: 31)),
            Subject(name: "Affine 16×64 → 32", torch: "x @ W + b", make: affine(16, 64, 32, seed: 32)),
            Subject(name: "Tanh 64×64", torch: "torch.tanh(x)", make: tanh(64, seed: 33)),
            Subject(
                name: "Conv2D 8×3×32×32, 16 3×3, pad 1", torch: convTorch, make: conv(8, 32, 16, seed: 21), fastTarget: 0.1,
                peerExhaustive: false),
            Subject(
                name: "Affine 64×784 → 128", torch: "x @ W + b", make: affine(64, 784, 128, seed: 22), fastTarget: 0.03,
                peerExhaustive: false),
            Subject(name: "Tanh 256×256", torch: "torch.tanh(x)", make: tanh(256, seed: 24), peerExhaustive: false),
        ]
    }

    /// Timed forward passes (with L) and forward + backward pairs of the layer.
    static func passSamples(_ layer: any Layer, _ inputs: [Tensor], runs: Int) -> (
        forward: Measurement, forwardAlone: Measurement, pair: Measurement
    ) {
        guard let y = try? layer.forward(inputs) else {
            let none = Measurement(name: "", samples: [0])
            return (none, none, none)
        }
        var rng = SeededGenerator(seed: 9)
        let u = Tensor.uniform(y.shape, in: -1..<1, using: &rng)
        // A counted forward pass computes L (the check's evaluations); the forward of a counted
        // backward pass does not, so a backward is the pair less a forward without L (with L
        // subtracted, Tanh's backward came out as 0).
        let forward = measure("forward", warmup: 2, runs: runs) { _ = (try? layer.forward(inputs))?.dot(u) }
        let forwardAlone = measure("forward alone", warmup: 2, runs: runs) { _ = try? layer.forward(inputs) }
        let pair = measure("forward+backward", warmup: 2, runs: runs) {
            layer.zeroGradients()
            _ = try? layer.forward(inputs)
            _ = try? layer.backward(u)
        }
        layer.zeroGradients()
        return (forward, forwardAlone, pair)
    }

    /// A check's wall time and the pass times it is compared with, interleaved: each round runs
    /// the check twice and times the second (both sides warm: the first pays for the caches the
    /// pass timing took, 10 % of Tanh 256²'s check), then times a few forward passes and
    /// forward + backward pairs; each side is the median over every round, and so are the
    /// seconds of the passes down other paths that each timed check measured. This machine's
    /// speed drifts over seconds (the same forward pass measured 2.8 and 3.4 ms a minute apart),
    /// and a ratio whose two sides were timed apart drifts with it. A cheap check gets more
    /// rounds (up to 41, about a quarter of a second of checks): five medians of a check of
    /// 0.4 ms were at the mercy of one slow moment.
    static func interleaved(
        _ name: String, _ layer: any Layer, _ inputs: [Tensor], warmup: Int, runs: Int, _ body: () -> CheckReport?
    ) -> (timed: Measurement, forward: Double, backward: Double, otherPaths: Double, last: CheckReport?) {
        var last: CheckReport?
        for _ in 0..<warmup { last = body() }
        var rounds = runs
        if runs > 1 {
            let once = measure(name, warmup: 0, runs: 1) { last = body() }.median
            rounds = max(runs, min(41, Int(0.25 / max(2 * once, 1e-9))) | 1)
        }
        var (wall, forward, forwardAlone, pair, otherPaths) = ([Double](), [Double](), [Double](), [Double](), [Double]())
        for _ in 0..<rounds {
            wall += measure(name, warmup: 1, runs: 1) { last = body() }.samples
            otherPaths.append(last?.cost?.otherPaths.seconds ?? 0)
            let samples = passSamples(layer, inputs, runs: 5)
            forward += samples.forward.samples
            forwardAlone += samples.forwardAlone.samples
            pair += samples.pair.samples
        }
        func median(_ samples: [Double]) -> Double { Measurement(name: "", samples: samples).median }
        return (
            Measurement(name: name, samples: wall), median(forward), max(median(pair) - median(forwardAlone), 0),
            median(otherPaths), last
        )
    }

    /// The seconds of the passes a report counts: the layer's own, timed alone here × their
    /// counts, and those down other paths (a fast path's readable reference, each path forced),
    /// which run at their own speeds, with the seconds the checks measured around each one
    /// (`otherPaths`, their median over the timed checks).
    static func countedSeconds(_ report: CheckReport, forward: Double, backward: Double, otherPaths: Double) -> Double? {
        guard let cost = report.cost else { return nil }
        return Double(cost.forwardPasses) * forward + Double(cost.backwardPasses) * backward + otherPaths
    }

    static func breakdown(_ report: CheckReport, forward: Double, backward: Double) -> String {
        guard let cost = report.cost else { return "" }
        func share(_ phase: CheckCost.Phase) -> String {
            let passes = Double(phase.forwardPasses) * forward + Double(phase.backwardPasses) * backward
            return "\(formatSeconds(phase.seconds)) (passes \(formatSeconds(passes)))"
        }
        let slowest = report.invariants.filter { $0.seconds != nil }.max { $0.seconds! < $1.seconds! }
        return
            "analytic \(share(cost.analytic)), rounding \(share(cost.rounding)), invariants \(share(cost.invariants))"
            + (cost.otherPaths.forwardPasses > 0
                ? " and \(cost.otherPaths.forwardPasses) down other paths \(formatSeconds(cost.otherPaths.seconds))" : "")
            + (slowest.map { " [slowest: \($0.name) \(formatSeconds($0.seconds ?? 0))]" } ?? "")
            + ", differences \(share(cost.differences)) of which element results \(formatSeconds(cost.elementResults)), Taylor \(share(cost.taylor)), report \(formatSeconds(cost.report))"
    }

    /// A row of a check's wall time against the time of the passes it counts (forward and
    /// backward timed alone × the counts in its report), with the breakdown by phase.
    static func passesRow(
        group: String, timed: Measurement, result: CheckReport, counted: Double, forward: Double, backward: Double,
        notePrefix: String = "", extraAim: String? = nil
    ) -> Row {
        let ratio = timed.median / counted
        let cost = result.cost!
        let aims = [ratio <= 1.5 ? "≤ 1.5× its passes: met" : "≤ 1.5× its passes: missed"] + (extraAim.map { [$0] } ?? [])
        return Row(
            group: group, subject: timed, baseline: Measurement(name: "passes", samples: [counted]),
            baselineName:
                "its counted passes (\(cost.forwardPasses) forward × \(formatSeconds(forward)) + \(cost.backwardPasses) backward × \(formatSeconds(backward))"
                + (cost.otherPaths.forwardPasses > 0
                    ? " + \(cost.otherPaths.forwardPasses) down other paths, \(formatSeconds(cost.otherPaths.seconds))" : "")
                + ")",
            note: String(format: "wall / passes = %.2f; ", ratio) + notePrefix
                + breakdown(result, forward: forward, backward: backward),
            aim: aims.joined(separator: "; "))
    }

    /// The group's rows; the peer's runs, and with them every row of the group, are handed to
    /// `later`, which the bench runs after every group's own measurements.
    static func rows(runs: Int, quick: Bool, report: @escaping (Row) -> Void, later: (@escaping () -> Void) -> Void) {
        // The peer runs after every Slope row of the bench: a torch process leaves this machine
        // slower for a while (Conv2D's forward pass measured 1.2 ms after it, 0.6 ms before),
        // and the Slope rows would pay for it. Rows are reported in their usual order.
        var rows: [Row?] = []
        var peers: [(slot: Int, run: (_ torchAvailable: Bool) -> Row)] = []
        let filter = ProcessInfo.processInfo.environment["SLOPE_BENCH_SUBJECT"]
        // `SLOPE_BENCH_PROFILE=exhaustive` profiles exhaustive mode instead of fast mode.
        let profile = ProcessInfo.processInfo.environment["SLOPE_BENCH_PROFILE"]
        let profiling = profile != nil
        for subject in subjects() where filter.map({ subject.name.contains($0) }) ?? true {
            let (layer, inputs) = subject.make()
            var modes: [(String, GradientCheck)] = []
            if profile != "exhaustive" { modes.append(("fast", GradientCheck(mode: .fast(directions: 2)))) }
            if subject.exhaustive && (!profiling || profile == "exhaustive") { modes.append(("exhaustive", GradientCheck())) }
            for (label, check) in modes {
                let (timed, forward, backward, otherPaths, last) = interleaved(
                    label, layer, inputs, warmup: 1, runs: quick ? 1 : runs
                ) { check.run(layer, inputs: inputs) }
                guard let result = last,
                    let counted = countedSeconds(result, forward: forward, backward: backward, otherPaths: otherPaths)
                else { continue }
                // `SLOPE_BENCH_PROFILE=1`: fast mode only (or exhaustive only), 30 more checks for
                // `perf record` (`SLOPE_BENCH_REPEAT=N`: N more), and each invariant's own seconds.
                if profiling {
                    let repeats = Int(ProcessInfo.processInfo.environment["SLOPE_BENCH_REPEAT"] ?? "") ?? 30
                    for _ in 0..<repeats { _ = check.run(layer, inputs: inputs) }
                    for invariant in result.invariants.sorted(by: { ($0.seconds ?? 0) > ($1.seconds ?? 0) }) {
                        print(
                            "  \(label) \(subject.name): \(formatSeconds(invariant.seconds ?? 0)) \(invariant.name): \(invariant.detail)"
                        )
                    }
                }
                var extraAim: String?
                if label == "fast", let target = subject.fastTarget {
                    extraAim = timed.median <= target ? "≤ \(formatSeconds(target)): met" : "≤ \(formatSeconds(target)): missed"
                }
                rows.append(
                    passesRow(
                        group: "\(label) check, \(subject.name) (\(result.elementsChecked) elements)", timed: timed,
                        result: result, counted: counted, forward: forward, backward: backward,
                        notePrefix: "verdict \(result.verdict.rawValue); ", extraAim: extraAim))
                if subject.torch != nil {
                    rows.append(nil)
                    peers.append(
                        (
                            rows.count - 1,
                            { torchAvailable in
                                peerRow(
                                    subject: subject, label: label, timed: timed, layer: layer, inputs: inputs,
                                    runs: torchAvailable && (label == "fast" || subject.peerExhaustive),
                                    torchAvailable: torchAvailable)
                            }
                        ))
                }
            }
        }
        later {
            let torchAvailable = !peers.isEmpty && runCommand("python3", ["-c", "import torch"]) != nil
            for (slot, run) in peers { rows[slot] = run(torchAvailable) }
            for row in rows { if let row { report(row) } }
        }
    }

    /// The peer's row beside a Slope row: gradcheck timed when it `runs`, or why not.
    static func peerRow(
        subject: Subject, label: String, timed: Measurement, layer: any Layer, inputs: [Tensor], runs: Bool,
        torchAvailable: Bool
    ) -> Row {
        let peer = runs ? runTorch(subject: subject, layer: layer, inputs: inputs, fast: label == "fast") : nil
        let name =
            !torchAvailable
            ? "torch.autograd.gradcheck (not installed)"
            : !runs
                ? "torch.autograd.gradcheck, every element (not run: its Jacobian needs > 24 GiB)"
                : peer == nil
                    ? "torch.autograd.gradcheck (did not finish)"
                    : "torch.autograd.gradcheck\(label == "fast" ? " fast_mode" : ", every element")"
        return Row(
            group: "\(label) check, \(subject.name), the peer", subject: timed, baseline: peer, baselineName: name,
            note: "float64, same sizes; " + (subject.torch ?? ""), aim: "")
    }

    /// gradcheck on the same layer and sizes (random values of the same shapes) after a warm-up:
    /// median of 3 in fast mode, one run of every element (seconds); nil when it fails or takes
    /// over two minutes.
    static func runTorch(subject: Subject, layer: any Layer, inputs: [Tensor], fast: Bool) -> Measurement? {
        func tensor(_ t: Tensor) -> String {
            "torch.rand(\(t.shape.map(String.init).joined(separator: ", ")), dtype=torch.float64, requires_grad=True)"
        }
        let names = ["x"] + layer.parameters.map(\.name)
        let values = [inputs[0]] + layer.parameters.map(\.value)
        let script = """
            import time, torch
            torch.manual_seed(0)
            \(zip(names, values).map { "\($0) = \(tensor($1))" }.joined(separator: "\n"))
            def f(\(names.joined(separator: ", "))):
                return \(subject.torch!)
            args = (\(names.joined(separator: ", ")),)
            torch.autograd.gradcheck(f, args, fast_mode=True)  # warm-up
            times = []
            for _ in range(\(fast ? 3 : 1)):
                start = time.perf_counter()
                assert torch.autograd.gradcheck(f, args, fast_mode=\(fast ? "True" : "False"))
                times.append(time.perf_counter() - start)
            print(" ".join(str(t) for t in times))
            """
        guard let output = runCommand("timeout", ["120", "python3", "-c", script]) else { return nil }
        let samples = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return samples.isEmpty ? nil : Measurement(name: "gradcheck", samples: samples)
    }
}
