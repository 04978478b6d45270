import Foundation
import SlopeLayers
import Testing

@testable import SlopeCheck

/// A report's time is the check's (the table's TIME column, JUnit's time=): it was once set
/// in a `defer` after the returned copy was made, and every report said 0 ms.
@Suite struct ReportTimingTests {
    @Test func aReportTakesAtLeastItsForwardPasses() {
        let report = GradientCheck(checkInvariants: false).run(SlowScale(), inputs: [Tensor(rows: [[1, 2, 3]])])
        #expect(report.verdict == .pass, "\(report.diagnosis)")
        // Each forward pass sleeps 1 ms.
        #expect(report.seconds >= 0.9e-3 * Double(report.forwardPasses), "\(report.seconds) s for \(report.forwardPasses) passes")
    }
}

/// y = 2x, taking a millisecond per forward pass.
private final class SlowScale: UnaryLayer {
    let kindName = "SlowScale"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor {
        usleep(1_000)
        return x * 2
    }
    func backwardInput(_ dout: Tensor) throws(LayerError) -> Tensor { dout * 2 }
}
