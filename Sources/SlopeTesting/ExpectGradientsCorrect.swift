import SlopeCheck
import SlopeLayers
import Testing

// The one-line test: a gradient check that records a Swift Testing issue when it does not pass.
//
// ```swift
// @Test func layerNormBackward() {
//     expectGradientsCorrect(LayerNorm(features: 4), inputs: [x])
// }
// ```
//
// Each function runs one `GradientCheck` and, when the verdict is not `.pass`, records an
// issue at the caller's line whose comment is the report's diagnosis (what failed, where, by
// how much, the likely bug), and attaches the whole report as JSON (`swift test
// --attachments-path DIR` writes it out). The report is returned for further expectations.

/// Checks `layer`'s backward pass at `inputs`; records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    _ layer: any Layer, inputs: [Tensor], constantInputs: Set<Int> = [], check: GradientCheck = GradientCheck(),
    name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name ?? layer.kindName, limit: check.timeLimit, at: sourceLocation) {
        check.run(layer, inputs: inputs, constantInputs: constantInputs, name: name)
    }
}

/// Checks a layer of several outputs (L = Σₖ ⟨uₖ, yₖ⟩); records an issue unless the check
/// passes, naming the outputs the wrong gradient flows through.
@discardableResult
public func expectGradientsCorrect(
    _ layer: any MultiOutputLayer, inputs: [Tensor], constantInputs: Set<Int> = [],
    check: GradientCheck = GradientCheck(), name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name ?? layer.kindName, limit: check.timeLimit, at: sourceLocation) {
        check.run(layer, inputs: inputs, constantInputs: constantInputs, name: name)
    }
}

/// Checks a loss's gradient with respect to `prediction`; records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    loss: any LossLayer, prediction: Tensor, target: Tensor, check: GradientCheck = GradientCheck(),
    name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name ?? loss.kindName, limit: check.timeLimit, at: sourceLocation) {
        check.run(loss: loss, prediction: prediction, target: target, name: name)
    }
}

/// Checks a whole network (its loss at `input`, `target`) against every parameter and the
/// input; records an issue unless the check passes. A network without a loss fails the check.
@discardableResult
public func expectGradientsCorrect(
    network: Sequential, input: Tensor, target: Tensor, check: GradientCheck = GradientCheck(),
    name: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name ?? "network", limit: check.timeLimit, at: sourceLocation) {
        check.run(network: network, input: input, target: target, name: name)
    }
}

/// Checks the layer that `makeLayer` builds, spreading the element-by-element differences
/// over `workers` copies (see `GradientCheck.run(making:inputs:name:workers:)`: `makeLayer`
/// must build the same layer every time); records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    inputs: [Tensor], check: GradientCheck = GradientCheck(), name: String? = nil, workers: Int = 1,
    sourceLocation: SourceLocation = #_sourceLocation, making makeLayer: @escaping @Sendable () -> any Layer
) -> CheckReport {
    guarded(name ?? "layer", limit: check.timeLimit, at: sourceLocation) {
        check.run(making: makeLayer, inputs: inputs, name: name, workers: workers)
    }
}

/// Checks a function and its vector–Jacobian product at `inputs` (see
/// `GradientCheck.run(function:vjp:at:name:)`); records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    function: @escaping ([Tensor]) throws -> Tensor, vjp: @escaping ([Tensor], Tensor) throws -> [Tensor],
    at inputs: [Tensor], inputNames: [String] = [], check: GradientCheck = GradientCheck(), name: String = "function",
    sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name, limit: check.timeLimit, at: sourceLocation) {
        check.run(function: function, vjp: vjp, at: inputs, inputNames: inputNames, name: name)
    }
}

/// Checks a function computed in Float, with the Float-aware step and tolerance (see
/// `GradientCheck.run(float:vjp:at:name:)`); records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    float forward: @escaping ([[Float]]) throws -> [Float], vjp: @escaping ([[Float]], [Float]) throws -> [[Float]],
    at inputs: [Tensor], inputNames: [String] = [], check: GradientCheck = GradientCheck(), name: String = "function",
    sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name, limit: check.timeLimit, at: sourceLocation) {
        check.run(float: forward, vjp: vjp, at: inputs, inputNames: inputNames, name: name)
    }
}

/// Checks a function computed in Float against its Double twin (see
/// `GradientCheck.run(float:vjp:twin:twinVJP:at:limit:name:)`); records an issue unless the check passes.
@discardableResult
public func expectGradientsCorrect(
    float forward: @escaping ([[Float]]) throws -> [Float], vjp: @escaping ([[Float]], [Float]) throws -> [[Float]],
    twin: @escaping ([Tensor]) throws -> Tensor, twinVJP: @escaping ([Tensor], Tensor) throws -> [Tensor],
    at inputs: [Tensor], inputNames: [String] = [], check: GradientCheck = GradientCheck(), name: String = "function",
    sourceLocation: SourceLocation = #_sourceLocation
) -> CheckReport {
    guarded(name, limit: check.timeLimit, at: sourceLocation) {
        check.run(float: forward, vjp: vjp, twin: twin, twinVJP: twinVJP, at: inputs, inputNames: inputNames, name: name)
    }
}

/// Records an issue unless `report` (a check already run, e.g. SlopeAutodiff's
/// `GradientCheck().run(differentiable:at:)`) passes.
@discardableResult
public func expectGradientsCorrect(_ report: CheckReport, sourceLocation: SourceLocation = #_sourceLocation)
    -> CheckReport
{
    record(report, at: sourceLocation)
}

/// Runs a check (guarded inside an exit test: see ``ExitTestGuard``) and records its report.
private func guarded(
    _ target: String, limit: Double? = nil, at sourceLocation: SourceLocation, _ run: () -> CheckReport
) -> CheckReport {
    record(ExitTestGuard.watching(target, limit: limit, at: sourceLocation, run), at: sourceLocation)
}

/// Records `report` as an issue unless its verdict is `.pass`, with its JSON attached and,
/// next to it, the error map (PNG) of each tensor that kept its element values.
private func record(_ report: CheckReport, at sourceLocation: SourceLocation) -> CheckReport {
    guard report.verdict != .pass else { return report }
    Issue.record(Comment(rawValue: report.issueDescription), sourceLocation: sourceLocation)
    do {
        Attachment.record([UInt8](try report.json()), named: report.attachmentName, sourceLocation: sourceLocation)
    } catch {
        Issue.record(error, "the report of \(report.target) could not be encoded as JSON", sourceLocation: sourceLocation)
    }
    for map in report.errorMapAttachments {
        Attachment.record([UInt8](map.png), named: map.name, sourceLocation: sourceLocation)
    }
    return report
}
