import Foundation
import Testing

@testable import SlopeLayers

/// `Tensor.normal` draws from the generator's stream through four registers: the numbers and
/// the generator's state afterwards are those of the plain polar method over `nextUnit()`.
@Suite struct RandomStreamTests {
    @Test func theRegisterStreamIsTheGeneratorsStream() {
        var fast = SeededGenerator(seed: 7)
        var plain = fast
        let drawn = fast.withStream { stream in (0..<1_000).map { _ in stream.next() } }
        let reference = (0..<1_000).map { _ in plain.next() }
        #expect(drawn == reference)
        #expect(fast == plain)
    }

    @Test(arguments: [1, 2, 1_001])
    func normalDrawsThePolarMethodsNumbers(count: Int) {
        var fast = SeededGenerator(seed: 11)
        var plain = fast
        let drawn = Tensor.normal([count], using: &fast)
        var reference = [Double]()
        while reference.count < count {
            let (u, v) = (2 * plain.nextUnit() - 1, 2 * plain.nextUnit() - 1)
            let s = u * u + v * v
            guard s > 0, s < 1 else { continue }
            let factor = (-2 * log(s) / s).squareRoot()
            reference.append(u * factor)
            if reference.count < count { reference.append(v * factor) }
        }
        #expect(drawn.data.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(fast == plain)
    }
}
