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

    /// `Tensor.uniform` and Dropout's mask draw through the stream: the numbers of the standard
    /// library's `Double.random(in:using:)` on the generator, ranges whose rounding can land on
    /// the excluded bound included (it draws again there).
    @Test(arguments: [-1.0..<1.0, 0.0..<1.0, -0.37..<2.5, 1e300..<1.0000000000000002e300])
    func uniformDrawsTheStandardLibrarysNumbers(range: Range<Double>) {
        var fast = SeededGenerator(seed: 13)
        var plain = fast
        let drawn = Tensor.uniform([10_007], in: range, using: &fast)
        let reference = (0..<10_007).map { _ in Double.random(in: range, using: &plain) }
        #expect(drawn.data.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(fast == plain)
    }

    @Test func dropoutsMaskIsTheStreamsUnitDraws() throws {
        let dropout = Dropout(rate: 0.3, seed: 5)
        let y = try dropout.forward(Tensor(shape: [1_000], repeating: 1))
        var plain = SeededGenerator(seed: 5)
        let kept = (0..<1_000).map { _ in plain.nextUnit() >= 0.3 }
        #expect(y.data.map { $0 != 0 } == kept)
    }

    // Around the chunks of 128 pairs the draws are made in, odd counts included.
    @Test(arguments: [0, 1, 2, 255, 256, 257, 1_001, 4_097])
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
