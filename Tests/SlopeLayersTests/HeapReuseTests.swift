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
}
