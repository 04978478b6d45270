import Foundation
import SlopeLayers

/// Compares Slope's forward output and analytic gradients with a fixture's reference.
///
/// The report reuses the check report's shape: "analytic" is Slope's value, "numeric"
/// the reference engine's, judged with the fixture's own tolerance.
package enum FixtureParity {
    package static func check(_ fixture: Fixture) -> CheckReport {
        let started = Date()
        var report = emptyReport(fixture)
        do {
            let built = try fixture.kind.build(fixture.config)
            for (parameterName, value) in fixture.parameters {
                guard let parameter = built.parameters.first(where: { $0.name == parameterName }) else {
                    report.problem = .reference(
                        message:
                            "\(fixture.file): params.\(parameterName) names a parameter the \(fixture.kind.name) built from config does not have (it has \(built.parameters.map(\.name)))"
                    )
                    return report
                }
                guard parameter.value.shape == value.shape else {
                    report.problem = .reference(
                        message:
                            "\(fixture.file): params.\(parameterName) has shape \(value.shape), the layer built from config expects \(parameter.value.shape)"
                    )
                    return report
                }
                parameter.value = value
            }
            var outputs: [(String, Tensor, Tensor)] = []
            switch built {
            case .layer(let layer):
                guard let upstream = fixture.upstream else { throw CheckProblem.reference(message: "no upstream") }
                let y = try layer.forward(fixture.inputs)
                let gradients = try layer.backward(upstream)
                guard gradients.count == fixture.expectedInputGradients.count else {
                    throw CheckProblem.gradientCount(returned: gradients.count, inputs: fixture.inputs.count)
                }
                outputs.append(("output", y, fixture.expectedOutput))
                for (i, (g, e)) in zip(gradients, fixture.expectedInputGradients).enumerated() {
                    outputs.append(("grad \(["x", "y"][min(i, 1)])", g, e))
                }
                for (parameterName, expected) in fixture.expectedParameterGradients {
                    guard let parameter = layer.parameters.first(where: { $0.name == parameterName }) else {
                        throw CheckProblem.reference(message: "the layer has no parameter \(parameterName)")
                    }
                    outputs.append(("grad \(parameterName)", parameter.gradient, expected))
                }
            case .multiOutput(let layer):
                let ys = try layer.forward(fixture.inputs)
                guard ys.count == fixture.expectedOutputs.count else {
                    throw CheckProblem.reference(
                        message: "the layer returned \(ys.count) outputs; the fixture holds \(fixture.expectedOutputs.count)")
                }
                let names = layer.outputNames(count: ys.count)
                for (k, (y, expected)) in zip(ys, fixture.expectedOutputs).enumerated() {
                    outputs.append(("output \(names[k])", y, expected))
                }
                let gradients = try layer.backward(fixture.upstreams)
                guard gradients.count == fixture.expectedInputGradients.count else {
                    throw CheckProblem.gradientCount(returned: gradients.count, inputs: fixture.inputs.count)
                }
                let inputNames =
                    layer.inputNames.count == gradients.count ? layer.inputNames : standardInputNames(count: gradients.count)
                for (i, (g, e)) in zip(gradients, fixture.expectedInputGradients).enumerated() {
                    outputs.append(("grad \(inputNames[i])", g, e))
                }
                for (parameterName, expected) in fixture.expectedParameterGradients {
                    guard let parameter = layer.parameters.first(where: { $0.name == parameterName }) else {
                        throw CheckProblem.reference(message: "the layer has no parameter \(parameterName)")
                    }
                    outputs.append(("grad \(parameterName)", parameter.gradient, expected))
                }
            case .loss(let loss):
                guard let targets = fixture.targets else { throw CheckProblem.reference(message: "no targets") }
                let value = try loss.forward(fixture.inputs[0], targets)
                outputs.append(("output", Tensor(scalar: value), fixture.expectedOutput.reshaped([])))
                outputs.append(("grad x", try loss.backward(), fixture.expectedInputGradients[0]))
            }
            for (label, ours, reference) in outputs {
                report.tensors.append(compare(label, ours: ours, reference: reference, tolerance: fixture.tolerance))
            }
        } catch {
            report.problem = .reference(message: "\(fixture.file): \(error)")
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// "Kind/case", the name a fixture's parity check reports under.
    package static func target(of fixture: Fixture) -> String { "\(fixture.kind.name)/\(fixture.caseName)" }

    /// The report of a parity check whose process died while it ran.
    package static func unfinished(_ fixture: Fixture, _ problem: UnfinishedCheck, seconds: Double) -> CheckReport {
        var report = emptyReport(fixture)
        report.problem = .unfinished(problem)
        report.seconds = seconds
        return report
    }

    private static func emptyReport(_ fixture: Fixture) -> CheckReport {
        CheckReport(
            target: target(of: fixture), method: .default, methodDescription: "parity with \(fixture.source)",
            tolerance: fixture.tolerance, mode: .exhaustive, seed: 0, inputShapes: fixture.inputs.map(\.shape),
            checkedValue: .nan, tensors: [], invariants: [], forwardPasses: 1, seconds: 0)
    }

    static func compare(_ label: String, ours: Tensor, reference: Tensor, tolerance: Tolerance) -> TensorReport {
        let id = ProbedTensorID(role: .value, name: label)
        guard Tensor.validCount(of: ours.shape) == ours.count,
            ours.shape == reference.shape || ours.count == reference.count && reference.count == 1
        else {
            let note = "shape \(ours.shape), reference \(reference.shape)"
            let element = ElementResult(
                index: [], direction: nil, analytic: .nan, numeric: .nan, absoluteError: .infinity, relativeError: .infinity,
                allowance: 0, backwardDifference: .nan, forwardDifference: .nan, verdict: .fail, isKink: false, note: note)
            return TensorReport(
                tensor: id, shape: reference.shape, checked: 0, elementCount: reference.count, failed: 1, kinks: 0,
                inconclusive: 0, maxAbsoluteError: .infinity, maxRelativeError: .infinity, worst: element,
                worstFailures: [element], signature: nil, verdict: .fail)
        }
        var results: [ElementResult] = []
        for i in 0..<reference.count {
            let (a, n) = (ours.data[i], reference.data[i])
            let allowance = tolerance.atol + tolerance.rtol * abs(n)
            let error = abs(a - n)
            results.append(
                ElementResult(
                    index: reference.index(ofFlat: i), direction: nil, analytic: a, numeric: n, absoluteError: error,
                    relativeError: relativeError(a, n), allowance: allowance, backwardDifference: .nan,
                    forwardDifference: .nan, verdict: error <= allowance && a.isFinite ? .pass : .fail, isKink: false,
                    note: nil))
        }
        let failures = results.filter { $0.verdict == .fail }.sorted { $0.absoluteError > $1.absoluteError }
        return TensorReport(
            tensor: id, shape: reference.shape, checked: results.count, elementCount: reference.count,
            failed: failures.count, kinks: 0, inconclusive: 0,
            maxAbsoluteError: results.map(\.absoluteError).max() ?? 0,
            maxRelativeError: results.map(\.relativeError).max() ?? 0,
            worst: failures.first ?? results.max { $0.absoluteError < $1.absoluteError },
            worstFailures: Array(failures.prefix(5)),
            signature: failures.isEmpty
                ? nil
                : BugSignature.read(
                    analytic: results.map(\.analytic), numeric: results.map(\.numeric), upstream: nil,
                    batch: reference.rank > 1 ? reference.shape[0] : nil),
            verdict: failures.isEmpty ? .pass : .fail)
    }
}
