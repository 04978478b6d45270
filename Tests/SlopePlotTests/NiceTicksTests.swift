import Testing

@testable import SlopePlot

@Suite struct NiceTicksTests {
    @Test func tinyRangeUsesExponentLabels() {
        let ticks = NiceTicks.linear(from: 1e-9, to: 1e-8, maxCount: 6)
        #expect(ticks.map(\.label) == ["2e-09", "4e-09", "6e-09", "8e-09", "1e-08"])
        #expect(ticks.allSatisfy { $0.value >= 1e-9 && $0.value <= 1e-8 })
    }

    @Test func rangeAcrossZeroHasCleanDecimals() {
        let ticks = NiceTicks.linear(from: -0.3, to: 0.7, maxCount: 8)
        #expect(ticks.map(\.label) == ["-0.2", "0.0", "0.2", "0.4", "0.6"])
        #expect(!ticks.map(\.label).contains { $0.contains("0000") })
    }

    @Test func stepOfOneTenthPrintsOneDecimal() {
        let ticks = NiceTicks.linear(from: 0, to: 1, maxCount: 11)
        #expect(ticks.map(\.label) == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"])
        #expect(ticks[3].value == 0.3)
    }

    @Test func singleValueGetsARange() {
        let ticks = NiceTicks.linear(from: 5, to: 5, maxCount: 6)
        #expect(ticks.count >= 2)
        #expect(ticks.contains { $0.value == 5 })
        #expect(ticks.map(\.label) == ["4.6", "4.8", "5.0", "5.2", "5.4"])
        let zero = NiceTicks.linear(from: 0, to: 0, maxCount: 5)
        #expect(zero.map(\.label) == ["-1.0", "-0.5", "0.0", "0.5", "1.0"])
    }

    @Test func largeIntegersStayPlain() {
        let ticks = NiceTicks.linear(from: 0, to: 40000, maxCount: 6)
        #expect(ticks.map(\.label) == ["0", "10000", "20000", "30000", "40000"])
    }

    @Test func millionsUseExponents() {
        let ticks = NiceTicks.linear(from: 0, to: 3e7, maxCount: 4)
        #expect(ticks.map(\.label) == ["0", "1e+07", "2e+07", "3e+07"])
    }

    @Test func logDecades() {
        let ticks = NiceTicks.log(from: 1e-6, to: 1e2, maxCount: 10)
        #expect(ticks.major.map(\.label) == ["1e-06", "1e-05", "1e-04", "1e-03", "1e-02", "1e-01", "1e+00", "1e+01", "1e+02"])
        #expect(ticks.minor.contains(2e-6))
        #expect(ticks.minor.allSatisfy { $0 > 1e-6 && $0 < 1e2 })
    }

    @Test func logDecadesThinWhenCrowded() {
        let ticks = NiceTicks.log(from: 1e-12, to: 1e0, maxCount: 6)
        #expect(ticks.major.map(\.label) == ["1e-12", "1e-09", "1e-06", "1e-03", "1e+00"])
    }

    @Test func logNearOneIsPlain() {
        #expect(NiceTicks.log(from: 0.01, to: 100, maxCount: 8).major.map(\.label) == ["0.01", "0.1", "1", "10", "100"])
    }

    @Test func narrowLogRangeFallsBack() {
        #expect(NiceTicks.log(from: 0.15, to: 6, maxCount: 8).major.map(\.label) == ["0.2", "0.5", "1", "2", "5"])
        let linear = NiceTicks.log(from: 3, to: 7, maxCount: 6).major
        #expect(linear.map(\.label) == ["3", "4", "5", "6", "7"])
    }

    @Test func nonFiniteBoundsGiveNoTicks() {
        #expect(NiceTicks.linear(from: .nan, to: 1).isEmpty)
        #expect(NiceTicks.log(from: -1, to: 10).major.isEmpty)
    }

    @Test func hugeRangeDoesNotOverflow() {
        let ticks = NiceTicks.linear(from: -1e308, to: 1e308, maxCount: 5)
        #expect(ticks.count >= 2)
        #expect(ticks.allSatisfy { $0.value.isFinite })
    }
}

@Suite struct LogMantissaTickTests {
    @Test func fewDecadesLabelOneTwoFive() {
        let ticks = NiceTicks.log(from: 0.013, to: 2.5, maxCount: 8)
        #expect(ticks.major.map(\.label) == ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"])
        #expect(ticks.minor.contains(0.3))
    }
}
