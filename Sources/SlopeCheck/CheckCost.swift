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

    public init() {}

    /// Every forward pass of the check.
    public var forwardPasses: Int {
        [analytic, rounding, invariants, differences, taylor].reduce(0) { $0 + $1.forwardPasses }
    }
    /// Every backward pass of the check.
    public var backwardPasses: Int {
        [analytic, rounding, invariants, differences, taylor].reduce(0) { $0 + $1.backwardPasses }
    }
}

/// Seconds since `start`, for the phases of a check.
func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
