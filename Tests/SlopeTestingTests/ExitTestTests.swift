import Foundation
import SlopeCheck
import SlopeLayers
import SlopeTesting
import Testing

/// The README's pattern for a layer that may trap: the check runs in an exit test's child
/// process, so a trap fails that one test (at the `#expect(processExitsWith:)` line) and the
/// rest of the run goes on.
@Suite("exit tests")
struct ExitTestTests {
    @Test("a layer that traps in backward ends only the child: the expectation sees the signal and the runtime's message")
    func trappingLayerEndsOnlyTheChild() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            expectGradientsCorrect(OffByOne(), inputs: [Tensor.uniform([2, 3], seed: 1)])
        }
        #expect(result.exitStatus == .signal(SIGILL) || result.exitStatus == .signal(SIGTRAP))
        #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("Index out of range"))
    }

    @Test("a correct layer passes inside an exit test")
    func correctLayerPassesInTheChild() async {
        await #expect(processExitsWith: .success) {
            expectGradientsCorrect(Tanh(), inputs: [Tensor.uniform([2, 3], seed: 2)])
        }
    }
}

/// y = 2x, whose backward reads one element past the upstream.
final class OffByOne: UnaryLayer {
    let kindName = "OffByOne"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x * 2 }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        var dx = upstream
        for i in 0..<dx.count { dx.data[i] = 2 * upstream.data[i + 1] }
        return dx
    }
}

extension Tensor {
    fileprivate static func uniform(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .uniform(shape, in: -1..<1, using: &rng)
    }
}
