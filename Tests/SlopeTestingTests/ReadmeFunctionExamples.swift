import Foundation
import SlopeCheck
import SlopeLayers
import SlopeTesting
import Testing

// The README's "Check a function, a Swift autodiff derivative, or Float code" examples,
// verbatim (ReadmeTests finds each snippet here).

@Test func sinOfThreeX() {
    let x = Tensor(rows: [[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    expectGradientsCorrect(
        function: { x in x[0].map { sin(3 * $0) } },
        vjp: { x, u in [x[0].zipMap(u) { 3 * cos(3 * $0) * $1 }] },
        at: [x], name: "sin(3x)")
}

@Test func tanhInFloat() {
    let x = Tensor(rows: [[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    expectGradientsCorrect(
        float: { x in x[0].map { tanh($0) } },
        vjp: { x, u in [zip(x[0], u).map { (1 - tanh($0) * tanh($0)) * $1 }] },
        at: [x], name: "tanh in Float")
}

@Test func tanhInFloatAgainstItsDoubleTwin() {
    let x = Tensor(rows: [[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]])
    let report = expectGradientsCorrect(
        float: { x in x[0].map { tanh($0) } },
        vjp: { x, u in [zip(x[0], u).map { (1 - tanh($0) * tanh($0)) * $1 }] },
        twin: { x in x[0].map { tanh($0) } },
        twinVJP: { x, u in [x[0].zipMap(u) { (1 - tanh($0) * tanh($0)) * $1 }] },
        at: [x], name: "tanh in Float")
    #expect(report.floatTwin!.gradientDifferences[0] < 4)  // ε_Float
}
