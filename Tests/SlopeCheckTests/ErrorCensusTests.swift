import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// The census counts each relative error into the bin ⌊log₁₀⌋ gives it; it reads a table of
/// powers of ten instead of taking the logarithm, and must bin every value as the logarithm
/// does, next to the powers too.
@Suite struct ErrorCensusTests {
    @Test func theTableBinsEveryValueAsTheLogarithmDoes() {
        var values: [Double] = [0, -0.0, -1, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for exponent in -20...3 {
            let power = Double("1e\(exponent)")!
            var below = power, above = power
            values.append(power)
            for _ in 0..<64 {
                below = below.nextDown
                above = above.nextUp
                values += [below, above]
            }
            values += [power * (1 + 1e-12), power * (1 - 1e-12), power * 1.5, power * 9.999999]
        }
        // Every binary exponent's edges (the decimal exponent is read off the binary one).
        for b in -70...2 {
            let edge = Double(sign: .plus, exponent: b, significand: 1)
            values += [edge, edge.nextDown, edge.nextUp]
        }
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<100_000 { values.append(pow(10, Double.random(in: -20..<3, using: &generator))) }
        let mismatches = values.filter { ErrorCensus.bin(of: $0) != ErrorCensus.binByLogarithm($0) }
        #expect(
            mismatches.isEmpty,
            "\(mismatches.prefix(5).map { "\($0): \(ErrorCensus.bin(of: $0)) vs \(ErrorCensus.binByLogarithm($0))" })")
        // The bins themselves: below 1e-16, each decade, and 1 or more.
        #expect([1e-17, 1e-16, 3e-9, 0.5, 1, 7e4].map(ErrorCensus.bin(of:)) == [0, 1, 8, 16, 17, 17])
    }
}
