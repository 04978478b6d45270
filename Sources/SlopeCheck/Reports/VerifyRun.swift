import Foundation
import SlopeLayers

/// The reports of one `slope verify` run and the policy that turns them into an exit status.
public struct VerifyRun: Sendable, Codable {
    public var format = "slope-verify/1"
    public var method: String
    public var tolerance: Tolerance
    public var mode: CheckMode
    public var seed: UInt64
    /// The largest fraction of inconclusive elements accepted before the run is inconclusive.
    public var maxInconclusive: Double
    public var reports: [CheckReport]
    public var seconds: Double

    public init(
        method: String, tolerance: Tolerance, mode: CheckMode, seed: UInt64, maxInconclusive: Double,
        reports: [CheckReport], seconds: Double
    ) {
        self.method = method
        self.tolerance = tolerance
        self.mode = mode
        self.seed = seed
        self.maxInconclusive = maxInconclusive
        self.reports = reports
        self.seconds = seconds
    }

    public var elementsChecked: Int { reports.reduce(0) { $0 + $1.elementsChecked } }
    public var inconclusiveElements: Int { reports.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.inconclusive } } }

    /// Fail if anything failed; inconclusive if the inconclusive share exceeds the policy.
    public var verdict: Verdict {
        if reports.contains(where: { $0.verdict == .fail }) { return .fail }
        let share = elementsChecked == 0 ? 0 : Double(inconclusiveElements) / Double(elementsChecked)
        return share > maxInconclusive ? .inconclusive : .pass
    }

    /// 0 all passed, 1 a check failed, 3 inconclusive beyond the policy (2 is bad input, raised before a run).
    public var exitStatus: Int32 {
        switch verdict {
        case .pass: 0
        case .fail: 1
        case .inconclusive: 3
        }
    }
}
