import Foundation
import SlopeCheck
import SlopeLayers
import SlopeTesting
import Testing

/// The README's pattern for a layer that may trap: the check runs in an exit test's child
/// process, so a trap fails that one test and the rest of the run goes on; inside the child,
/// `expectGradientsCorrect` says how and where the check ended before the child goes.
///
/// The children below are expected to fail; what they print on standard error (their issues
/// included) is what a user's failing test would show, and these tests read it.
@Suite("exit tests")
struct ExitTestTests {
    // Each child below is meant to fail, and records an issue about its own check at its line,
    // as a user's failing test would show it; here that issue is known (`withKnownIssue`), and
    // the test reads what the child printed.

    @Test("a trap in backward ends only the child, which says where the check was and what the runtime said")
    func trappingLayerEndsOnlyTheChild() async throws {
        let child = Child()
        await withKnownIssue("the child reports its own check") {
            child.result = try await #require(processExitsWith: .signal(SIGILL), observing: [\.standardErrorContent]) {
                var rng = SeededGenerator(seed: 1)
                expectGradientsCorrect(OffByOne(), inputs: [.uniform([2, 3], in: -1..<1, using: &rng)])
            }
        }
        let stderr = try child.standardError()
        for words in ["OffByOne: the check crashed (SIGILL", "backward pass", "Index out of range"] {
            #expect(stderr.contains(words), "«\(words)» missing from: \(stderr)")
        }
    }

    @Test("exit(0) in backward is not a pass: the child records it and exits 70")
    func exitInBackwardFails() async throws {
        let child = Child()
        await withKnownIssue("the child reports its own check") {
            child.result = try await #require(processExitsWith: .exitCode(70), observing: [\.standardErrorContent]) {
                var rng = SeededGenerator(seed: 1)
                expectGradientsCorrect(ExitsInBackward(), inputs: [.uniform([2, 3], in: -1..<1, using: &rng)])
            }
        }
        let stderr = try child.standardError()
        #expect(stderr.contains("ExitsInBackward: the check ended its process with exit"), "\(stderr)")
    }

    // Exit status 124 is the child's own watchdog: the child ended itself, leaving no process.
    @Test("a hang meets its time limit in the child: it says where, exits 124, and leaves no process")
    func hangEndsTheChild() async throws {
        let child = Child()
        await withKnownIssue("the child reports its own check") {
            child.result = try await #require(processExitsWith: .exitCode(124), observing: [\.standardErrorContent]) {
                var rng = SeededGenerator(seed: 1)
                var check = GradientCheck()
                check.timeLimit = 2
                expectGradientsCorrect(Spins(), inputs: [.uniform([2, 3], in: -1..<1, using: &rng)], check: check)
            }
        }
        let stderr = try child.standardError()
        #expect(stderr.contains("Spins: the check did not finish in 2 s; it was in the backward pass"), "\(stderr)")
    }

    /// The result of an exit test run inside `withKnownIssue`.
    final class Child: @unchecked Sendable {
        var result: ExitTest.Result?
        func standardError() throws -> String {
            String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        }
    }

    // The README's snippet, verbatim: a correct layer passes inside an exit test.
    @Test func tanhBackwardInAChildProcess() async {
        await #expect(processExitsWith: .success) {
            var rng = SeededGenerator(seed: 3)
            expectGradientsCorrect(Tanh(), inputs: [.uniform([4, 5], in: -2..<2, using: &rng)])
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

/// y = x, whose backward calls exit(0).
final class ExitsInBackward: UnaryLayer {
    let kindName = "ExitsInBackward"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor { exit(0) }
}

/// y = x, whose backward never returns.
final class Spins: UnaryLayer {
    let kindName = "Spins"
    func forward(_ x: Tensor) throws(LayerError) -> Tensor { x }
    func backwardInput(_ upstream: Tensor) throws(LayerError) -> Tensor {
        var i = 0
        while i >= 0 { i = (i &+ 1) % 7 }
        return upstream
    }
}
