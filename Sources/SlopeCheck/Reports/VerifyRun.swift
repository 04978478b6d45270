import Foundation
import SlopeLayers

/// The reports of one `slope verify` run and the policy that turns them into an exit status.
public struct VerifyRun: Sendable, Codable {
    public var format = "slope-verify/1"
    /// The registry's suite name (`slope` for the built-in kinds; a user's gate names its own).
    public var suite: String
    public var method: String
    public var tolerance: Tolerance
    public var mode: CheckMode
    public var seed: UInt64
    /// The largest fraction of inconclusive elements accepted before the run is inconclusive.
    public var maxInconclusive: Double
    public var reports: [CheckReport]
    public var seconds: Double

    public init(
        suite: String = "slope", method: String, tolerance: Tolerance, mode: CheckMode, seed: UInt64,
        maxInconclusive: Double, reports: [CheckReport], seconds: Double
    ) {
        self.suite = suite
        self.method = method
        self.tolerance = tolerance
        self.mode = mode
        self.seed = seed
        self.maxInconclusive = maxInconclusive
        self.reports = reports
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case format, suite, method, tolerance, mode, seed, maxInconclusive, reports, seconds
    }

    /// The relative-error census of every checked element of the run (the table's census
    /// line and the histogram both draw this).
    public var census: ErrorCensus {
        var census = ErrorCensus()
        for report in reports { for tensor in report.tensors { census.merge(tensor.census) } }
        return census
    }

    /// Reports written before suites existed come from `slope`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        suite = try c.decodeIfPresent(String.self, forKey: .suite) ?? "slope"
        method = try c.decode(String.self, forKey: .method)
        tolerance = try c.decode(Tolerance.self, forKey: .tolerance)
        mode = try c.decode(CheckMode.self, forKey: .mode)
        seed = try c.decode(UInt64.self, forKey: .seed)
        maxInconclusive = try c.decode(Double.self, forKey: .maxInconclusive)
        reports = try c.decode([CheckReport].self, forKey: .reports)
        seconds = try c.decode(Double.self, forKey: .seconds)
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
