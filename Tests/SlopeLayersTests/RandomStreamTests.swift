import Foundation
import Testing

@testable import SlopeLayers

/// The generator's stream is xoshiro256**'s, and the tensors drawn from it are the plain
/// loops' numbers: uniform ones the standard library's, normal ones their readable reference's.
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

    // Around the vector lanes the C loop fills, odd counts included.
    @Test(arguments: [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 255, 1_001, 4_097])
    func normalIsItsReadableReferenceBitForBit(count: Int) {
        var fast = SeededGenerator(seed: 11)
        var plain = fast
        let drawn = Tensor.normal([count], using: &fast)
        let reference = Tensor.normalReference(count, key: plain.next())
        #expect(drawn.data.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(fast == plain, "one draw of the generator, whatever the count")
    }

    /// The values are Box–Muller's, √(−2 log u)·(cos 2πw, sin 2πw) with the C library's
    /// functions, to a few ulps: over a million random words, at both ends of u (2⁻⁵², the
    /// largest radius, 8.49; and 1, radius 0) and at each quadrant's edges of the angle. And a
    /// million values have a standard normal's moments.
    @Test func normalValuesAreBoxMullersAndStandardNormal() {
        func boxMuller(_ a: UInt64, _ b: UInt64) -> (Double, Double) {
            let u = 1 - Double(a >> 12) * 0x1p-52, w = Double(b >> 12) * 0x1p-52
            let radius = (-2 * log(u)).squareRoot()
            return (radius * cos(2 * .pi * w), radius * sin(2 * .pi * w))
        }
        var words = (0..<1_000_000).map { Tensor.splitMix(42, output: UInt64($0)) }
        let top = UInt64.max, quarter: UInt64 = 1 << 62, eighth: UInt64 = 1 << 61
        let edges: [UInt64] = [
            0, 1 << 12, eighth - (1 << 12), eighth, eighth + (1 << 12), quarter, 3 * eighth, 5 * eighth, 7 * eighth, top,
        ]
        for a in [0, 1 << 12, top >> 1, top] { for b in edges { words += [a, b] } }
        var largestGap = 0.0
        for k in stride(from: 0, to: words.count, by: 2) {
            let (ours, libm) = (Tensor.normalPair(words[k], words[k + 1]), boxMuller(words[k], words[k + 1]))
            largestGap = max(largestGap, abs(ours.0 - libm.0), abs(ours.1 - libm.1))
        }
        #expect(largestGap < 1e-14, "largest difference from libm's Box–Muller \(largestGap)")
        #expect(Tensor.normalPair(top, 0).0 > 8.49 && Tensor.normalPair(0, 12345) == (0, 0))

        let n = 1_000_000
        let values = Tensor.normalReference(n, key: 0x1234_5678_9ABC_DEF0)
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        let kurtosis = values.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n) / (variance * variance)
        let beyondTwo = Double(values.filter { abs($0) > 2 }.count) / Double(n)
        // Standard errors at a million: 0.001 (mean), 0.0014 (variance), 0.005 (kurtosis), 0.0002 (tail).
        #expect(abs(mean) < 0.005 && abs(variance - 1) < 0.007 && abs(kurtosis - 3) < 0.03, "\(mean) \(variance) \(kurtosis)")
        #expect(abs(beyondTwo - 0.0455) < 0.001, "P(|z| > 2) = \(beyondTwo)")
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

@Suite struct NumberFormatTests {
    /// Numbers are formatted through the C library as Foundation formats them: the same text
    /// for every format Slope uses, over magnitudes from 1e-300 to 1e300, signs, NaN and ±∞.
    @Test func cFormatIsFoundationsFormat() {
        var rng = SeededGenerator(seed: 5)
        var values: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 1, 0.005, 0.01, 0.995, 1e-5, 9.9999995e-5, 999_999.5]
        for _ in 0..<2_000 {
            values.append(
                Double(
                    sign: rng.nextUnit() < 0.5 ? .minus : .plus, exponent: Int(rng.nextUnit() * 2000) - 1000,
                    significand: 1 + rng.nextUnit()))
        }
        for format in ["%.6g", "%.2g", "%.17g", "%.5e", "%.0e", "%.2f", "%.3g", "%.3f"] {
            for x in values {
                #expect(cFormat(format, x) == String(format: format, x), "\(format) of \(x)")
            }
        }
    }
}
