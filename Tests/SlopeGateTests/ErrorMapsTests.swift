import Foundation
import SlopeCheck
import SlopeLayers
import SlopePlot
import SlopeZoo
import Testing

@testable import SlopeGate

/// tanh with a planted backward bug on the elements `wrong` selects (by multi-index).
final class PlantedTanh: UnaryLayer {
    let kindName = "PlantedTanh"
    let wrong: ([Int], [Int]) -> Bool
    let bug: (Double) -> Double
    private var y: Tensor?

    init(wrong: @escaping ([Int], [Int]) -> Bool, bug: @escaping (Double) -> Double = { 2 * $0 }) {
        self.wrong = wrong
        self.bug = bug
    }

    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        let y = x.map { Foundation.tanh($0) }
        self.y = y
        return y
    }

    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        guard let y else { throw .backwardBeforeForward(layer: kindName) }
        var dx = Tensor.zeros(y.shape)
        for i in 0..<y.count {
            let g = upstream.data[i] * (1 - y.data[i] * y.data[i])
            dx.data[i] = wrong(Tensor.index(ofFlat: i, in: y.shape), y.shape) ? bug(g) : g
        }
        return dx
    }
}

/// Error maps drawn from real checks: the planted bug's elements, and only they, stand out
/// in the difference panel.
@Suite struct ErrorMapsTests {
    /// Each element's colour in the difference panel as a sign: 0 near the white centre of
    /// the scale, +1 reddish (analytic above numeric), −1 bluish.
    static func signs(_ tensor: TensorReport, in report: CheckReport) throws -> [Int] {
        let map = try #require(ErrorMap(tensor, in: report))
        let canvas = try GDCanvas(width: map.size.width, height: map.size.height, font: .builtIn)
        let layout = try map.draw(on: canvas)
        let centre = Palette.diverging(0)
        return (0..<tensor.elementCount).map { flat in
            let rect = layout.cell(ofElement: flat, panel: 2)!
            let c = canvas.pixel(x: Int(rect.minX + rect.width / 2), y: Int(rect.minY + rect.height / 2))!
            let distance = [(c.red, centre.red), (c.green, centre.green), (c.blue, centre.blue)]
                .map { abs(Int($0) - Int($1)) }.max()!
            return distance < 24 ? 0 : c.red > c.blue ? 1 : -1
        }
    }

    /// analytic − numeric of every element, from the report's own columns.
    static func differences(_ tensor: TensorReport) throws -> [Double] {
        let values = try #require(tensor.elements)
        return zip(values.analytic, values.numeric).map { $0 - $1 }
    }

    static let bugs: [(name: String, shape: [Int], wrong: @Sendable ([Int], [Int]) -> Bool)] = [
        ("factor 2", [6, 7], { _, _ in true }),
        ("one row", [6, 7], { i, _ in i[0] == 2 }),
        ("border only", [8, 8], { i, s in i[0] == 0 || i[1] == 0 || i[0] == s[0] - 1 || i[1] == s[1] - 1 }),
        ("one image of the batch", [3, 2, 5, 5], { i, _ in i[0] == 1 }),
    ]

    /// Every large difference stands out with its sign, at its element's place; every element
    /// outside the bug stays pale.
    @Test(arguments: 0..<bugs.count)
    func thePlantedBugsElementsAndOnlyTheyStandOut(bug: Int) throws {
        let (name, shape, wrong) = Self.bugs[bug]
        var rng = SeededGenerator(seed: 4)
        let x = Tensor.uniform(shape, in: -1.5..<1.5, using: &rng)
        let report = GradientCheck().run(PlantedTanh(wrong: wrong), inputs: [x], name: name)
        let tensor = try #require(report.tensors.first)
        #expect(tensor.verdict == .fail)
        let signs = try Self.signs(tensor, in: report)
        let d = try Self.differences(tensor)
        let largest = d.map(abs).max()!
        var large = 0
        for k in signs.indices {
            if !wrong(Tensor.index(ofFlat: k, in: shape), shape) {
                #expect(signs[k] == 0, "\(name): element \(k) is right but stands out")
            } else if abs(d[k]) > 0.3 * largest {
                #expect(signs[k] == (d[k] > 0 ? 1 : -1), "\(name): element \(k) is wrong by \(d[k])")
                large += 1
            }
        }
        #expect(large > 0)
    }

    @Test func aTransposedWeightGradientIsAntisymmetric() throws {
        let broken = BrokenLayer.affineTransposedWeightGradient
        let report = broken.subject().check(with: GradientCheck(), name: broken.rawValue)
        let weight = try #require(report.tensors.first { $0.tensor.description == "param W" })
        let signs = try Self.signs(weight, in: report)
        let d = try Self.differences(weight)
        let largest = d.map(abs).max()!
        let n = weight.shape[0]
        var pairs = 0
        for i in 0..<n {
            #expect(signs[i * n + i] == 0, "the diagonal of Gᵀ − G is 0")
            for j in 0..<n where abs(d[i * n + j]) > 0.3 * largest {
                #expect(signs[i * n + j] == -signs[j * n + i])
                pairs += 1
            }
        }
        #expect(pairs >= 2)
    }

    @Test func aPassingTensorKeepsNoValuesByDefaultSoDrawsNoMap() throws {
        var rng = SeededGenerator(seed: 1)
        let report = GradientCheck().run(Tanh(), inputs: [.uniform([3, 3], in: -1..<1, using: &rng)])
        #expect(report.tensors.allSatisfy { ErrorMap($0, in: report) == nil })
        let run = VerifyRun(
            method: "m", tolerance: .default, mode: .exhaustive, seed: 0, maxInconclusive: 0.05, reports: [report], seconds: 0)
        #expect(ErrorMaps.entries(of: run).isEmpty)
    }
}
