import Foundation
import Testing

/// The bound on a child's wait is what keeps a hung `slope` from hanging the test run.
@Suite struct ChildProcessTests {
    @Test func aChildPastItsBoundIsKilledAndNamed() throws {
        let started = Date()
        let error = #expect(throws: ChildTimeout.self) {
            _ = try ChildProcess.run(URL(fileURLWithPath: "/bin/sleep"), ["30"], timeout: 1)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 1 && elapsed < 10, "waited \(elapsed) s for a 1 s bound")
        #expect(error?.description.contains("/bin/sleep 30") == true, "\(String(describing: error))")
    }

    @Test func aChildWithinItsBoundGivesItsStatusAndOutput() throws {
        let result = try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo out; echo err >&2; exit 3"], timeout: 10)
        #expect(result.status == 3)
        #expect(result.stdout == "out\n" && result.stderr == "err\n")
    }
}
