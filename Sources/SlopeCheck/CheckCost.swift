import Foundation

/// Where a check's time went, phase by phase, with the layer passes each phase made: the
/// wall time of a check set against the time of the passes it counts shows what the checker
/// itself costs (issue 24). Nil in reports written before it was measured.
public struct CheckCost: Sendable, Codable, Equatable {
    /// One phase: its seconds and the forward and backward passes of the layer it made.
    public struct Phase: Sendable, Codable, Equatable {
        public var seconds = 0.0
        public var forwardPasses = 0
        public var backwardPasses = 0

        public init(seconds: Double = 0, forwardPasses: Int = 0, backwardPasses: Int = 0) {
            self.seconds = seconds
            self.forwardPasses = forwardPasses
            self.backwardPasses = backwardPasses
        }
    }

    /// The first forward pass and the analytic gradients.
    public var analytic = Phase()
    /// Measuring how the checked code rounds (``RoundingLevel``).
    public var rounding = Phase()
    /// The invariants and identities (each one's own seconds are in ``InvariantResult/seconds``).
    public var invariants = Phase()
    /// The finite differences of every tensor: step choice, passes, judging.
    public var differences = Phase()
    /// Of ``differences``: the seconds spent outside the layer's passes — building and judging
    /// element results, footprints, sums.
    public var elementResults = 0.0
    /// The convergence-order (Taylor) tests.
    public var taylor = Phase()
    /// Of ``differences``: summarising each tensor's results into its report.
    public var report = 0.0
    /// Passes down other code than the path the layer takes by itself: a fast-path layer's
    /// readable reference and each of its paths forced in turn (the invariant "every fast path
    /// matches its readable reference"). They run at their own speeds — plain loops beside
    /// OpenBLAS — so they are kept apart from the layer's own passes: their seconds are those
    /// of the passes alone (part of ``invariants``' seconds), and they are not in
    /// ``forwardPasses`` or ``backwardPasses``.
    public var otherPaths = Phase()

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        analytic = try container.decode(Phase.self, forKey: .analytic)
        rounding = try container.decode(Phase.self, forKey: .rounding)
        invariants = try container.decode(Phase.self, forKey: .invariants)
        differences = try container.decode(Phase.self, forKey: .differences)
        elementResults = try container.decode(Double.self, forKey: .elementResults)
        taylor = try container.decode(Phase.self, forKey: .taylor)
        report = try container.decode(Double.self, forKey: .report)
        // (Reports written before other paths were kept apart counted them in `invariants`.)
        otherPaths = try container.decodeIfPresent(Phase.self, forKey: .otherPaths) ?? Phase()
    }

    /// Every forward pass of the layer down its own path.
    public var forwardPasses: Int {
        [analytic, rounding, invariants, differences, taylor].reduce(0) { $0 + $1.forwardPasses }
    }
    /// Every backward pass of the layer down its own path.
    public var backwardPasses: Int {
        [analytic, rounding, invariants, differences, taylor].reduce(0) { $0 + $1.backwardPasses }
    }
}

/// Seconds since `start`, for the phases of a check.
func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// Times a check's phases into a ``CheckCost``, with the passes the probe counted in each.
struct PhaseClock {
    var cost = CheckCost()
    private let started = DispatchTime.now()

    /// Seconds since the check started.
    var elapsed: Double { seconds(since: started) }

    /// The check's first forward pass, made before the probe exists.
    mutating func firstForwardPass<T>(_ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now()
        defer {
            cost.analytic.seconds += seconds(since: start)
            cost.analytic.forwardPasses += 1
        }
        return try body()
    }

    /// `body` as part of `phase`, leaving `breadcrumb` for a worker's crash report. Of the
    /// differences, the seconds outside the layer's passes are the checker's own (`elementResults`).
    mutating func measure<T>(
        _ phase: WritableKeyPath<CheckCost, CheckCost.Phase>, _ probe: Probe, _ breadcrumb: String? = nil,
        _ body: () throws -> T
    ) rethrows -> T {
        if let breadcrumb { Breadcrumbs.phase(breadcrumb) }
        let (start, before) = (DispatchTime.now(), probe.passes)
        defer {
            let spent = seconds(since: start)
            cost[keyPath: phase].seconds += spent
            cost[keyPath: phase].forwardPasses += probe.passes.forwardPasses - before.forwardPasses
            cost[keyPath: phase].backwardPasses += probe.passes.backwardPasses - before.backwardPasses
            if phase == \.differences { cost.elementResults += max(spent - (probe.passes.seconds - before.seconds), 0) }
        }
        return try body()
    }

    /// Summarising a tensor's differences into its report (part of the differences).
    mutating func summarizing<T>(_ body: () -> T) -> T {
        let start = DispatchTime.now()
        defer {
            let spent = seconds(since: start)
            cost.report += spent
            cost.differences.seconds += spent
        }
        return body()
    }

    /// Invariants, with the passes their own counter saw; a result that did not time itself
    /// gets its share of the seconds.
    mutating func measureInvariants(
        counting passes: PassCounter? = nil, _ body: () -> [InvariantResult]
    ) -> [InvariantResult] {
        let start = DispatchTime.now()
        var results = body()
        let spent = seconds(since: start)
        for i in results.indices where results[i].seconds == nil { results[i].seconds = spent / Double(results.count) }
        cost.invariants.seconds += spent
        cost.invariants.forwardPasses += passes?.forward ?? 0
        cost.invariants.backwardPasses += passes?.backward ?? 0
        if let other = passes?.otherPaths {
            cost.otherPaths.seconds += other.seconds
            cost.otherPaths.forwardPasses += other.forwardPasses
            cost.otherPaths.backwardPasses += other.backwardPasses
        }
        return results
    }
}
