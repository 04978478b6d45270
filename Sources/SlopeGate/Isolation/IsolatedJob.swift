import Foundation
import SlopeCheck
import SlopeLayers

/// One piece of work that runs a user's code, which a gate hands to a worker process.
///
/// Parent and worker build the same list of jobs from the same command line (the worker is
/// the same executable, launched again with the same arguments), so a job travels as its
/// index and only its result crosses the pipe.
struct IsolatedJob<Result: Codable & Sendable>: Sendable {
    /// The check's name, for the report and the progress line.
    var name: String
    /// Seconds the job should take, measured in the worker before it starts (nil: unknown).
    /// The time limit follows from it.
    var estimate: @Sendable () -> Double?
    /// The work; `progress` (when given) receives element counts for the progress line.
    var run: @Sendable (_ progress: (@Sendable (CheckProgress) -> Void)?) -> Result
    /// The result of the job when its worker died or was killed after `seconds` of it: the
    /// report a check of these settings would have made, with the `.unfinished` problem.
    var unfinished: @Sendable (UnfinishedCheck, _ seconds: Double) -> Result
}

/// A line the worker writes to the parent (JSON, one per line, on its own pipe: the user's code
/// may print to standard output or error, which the parent passes through).
enum WorkerMessage<Result: Codable & Sendable>: Codable, Sendable {
    case started(job: Int)
    case estimate(job: Int, seconds: Double)
    case progress(CheckProgress)
    case finished(job: Int, result: Result)
}

extension IsolatedJob where Result == CheckReport {
    /// A registered case checked with `check`, its elements spread over `workers` threads.
    static func checking(_ item: CheckCase, with check: GradientCheck, workers: Int) -> IsolatedJob {
        IsolatedJob(
            name: item.name,
            estimate: { item.estimatedSeconds(with: check) },
            run: { progress in
                var check = check
                check.progress = progress
                return item.check(with: check, workers: workers)
            },
            unfinished: { problem, seconds in
                var report = item.settings(check).emptyReport(
                    target: item.name, inputShapes: [], problem: .unfinished(problem))
                report.seconds = seconds
                return report
            })
    }
}

extension CheckCase {
    /// An upper bound of the seconds a check of this case takes: one timed forward pass times
    /// the passes of checking every element one at a time (compression, when it applies, makes
    /// far fewer), plus 40 per tensor for the step choice and the Taylor test. Nil when the case
    /// cannot be built or run once. It costs one forward pass, so that a gate of many small
    /// checks pays almost nothing for its time limits.
    func estimatedSeconds(with check: GradientCheck) -> Double? {
        guard let subject = try? self.subject(seed: check.seed), let (layer, inputs) = subject.layerAndInputs else {
            return nil
        }
        let started = Date()
        guard (try? layer.forward(inputs)) != nil else { return nil }
        let perPass = Date().timeIntervalSince(started)
        let elements = inputs.reduce(0) { $0 + $1.count } + layer.parameters.reduce(0) { $0 + $1.value.count }
        let tensors = inputs.count + layer.parameters.count
        return perPass * Double(check.method.points.count * elements + 40 * tensors)
    }
}
