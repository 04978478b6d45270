import Foundation
import Testing

@testable import SlopeLayers

/// `Tensor.normal` draws from the generator's stream through four registers: the numbers and
/// the generator's state afterwards are those of the plain polar method over `nextUnit()`.
@Suite struct RandomStreamTests {
    /// xoshiro256**'s published outputs from the state {1, 2, 3, 4}: the generator is the
    /// algorithm, not only consistent with itself.
    @Test func theGeneratorIsXoshiro256StarStar() throws {
        var generator = try #require(SeededGenerator(state: [1, 2, 3, 4]))
        let expected: [UInt64] = [
            11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360, 607_988_272_756_665_600,
        ]
        #expect((0..<6).map { _ in generator.next() } == expected)
    }

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

/// `maxMagnitude` keeps four running maxima: the same value as the plain reduction, NaN and
/// signed zeros included, at every length around the lanes.
@Suite struct MaxMagnitudeTests {
    @Test func fourLanesGiveThePlainReductionsValue() {
        var generator = SeededGenerator(seed: 21)
        for count in [0, 1, 2, 3, 4, 5, 7, 8, 9, 1_001] {
            var values = Tensor.normal([count], using: &generator).data
            if count > 2 { (values[1], values[count - 1]) = (.nan, -0.0) }
            if count > 5 { values[5] = -.infinity }
            let plain = values.reduce(0) { Swift.max($0, abs($1)) }
            let lanes = Tensor(shape: [count], data: values).maxMagnitude
            #expect(lanes.bitPattern == plain.bitPattern, "\(count): \(lanes) vs \(plain)")
        }
    }
}
