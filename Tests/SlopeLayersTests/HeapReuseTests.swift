import Foundation
import SlopeLayers
import Testing

/// `HeapReuse` (issue 24): once enabled, a tensor of a few MiB comes from the heap instead of
/// fresh pages; `SLOPE_MALLOC=system` leaves the allocator alone, and there the same tensor is
/// mapped. Each case runs in a process of its own (the thresholds are the process's).
@Suite struct HeapReuseTests {
    @Test func aLargeTensorComesFromTheHeapOnceEnabled() async {
        await #expect(processExitsWith: .success) {
            guard HeapReuse.enable(), let before = HeapReuse.mappedBlocks else { exit(3) }
            let tensor = Tensor.zeros([1 << 20])  // 8 MiB
            let after = HeapReuse.mappedBlocks ?? -1
            exit(tensor.count == 1 << 20 && after == before ? 0 : 1)
        }
    }

    @Test func systemLeavesTheAllocatorAsItWas() async {
        await #expect(processExitsWith: .success) {
            setenv("SLOPE_MALLOC", "system", 1)
            guard !HeapReuse.enable(), let before = HeapReuse.mappedBlocks else { exit(3) }
            let tensor = Tensor.zeros([1 << 20])
            let after = HeapReuse.mappedBlocks ?? -1
            exit(tensor.count == 1 << 20 && after == before + 1 ? 0 : 1)
        }
    }

    /// A value that is no setting (a typo of "system") is named on standard error, and the
    /// default kept: nothing a user's environment holds ends their run.
    @Test func aValueThatIsNoSettingIsNamed() async throws {
        let result = try await #require(processExitsWith: .success, observing: [\.standardErrorContent]) {
            setenv("SLOPE_MALLOC", "sytem", 1)
            exit(HeapReuse.enable() ? 0 : 1)
        }
        let stderr = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(stderr.contains("SLOPE_MALLOC=sytem is not a setting"), "\(stderr)")
        #expect(stderr.contains("\"system\" leaves the allocator alone"), "\(stderr)")
    }
}
