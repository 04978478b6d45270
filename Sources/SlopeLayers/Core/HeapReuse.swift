import CKernels
import Foundation

/// Asks the C library's allocator to keep freed tensors' memory for the next ones.
///
/// A gradient check runs the same layer hundreds of times, and every pass allocates outputs
/// and caches of the sizes the last one freed. glibc hands out a block above its mmap
/// threshold (128 KiB, raised only by the blocks freed so far) as fresh pages from the kernel,
/// zero-filled on first touch, and returns it when freed; free memory at the top of its heap
/// beyond the trim threshold goes back too. So a pass of Conv2D on 8×3×32×32 (1 MiB outputs)
/// or of Tanh on 10⁶ elements (8 MiB) paid page faults and zeroing on most of its arrays.
/// With blocks up to 32 MiB kept in the heap, and up to 256 MiB of free memory kept at its
/// top, measured on the compression bench (2 cores): the exhaustive Conv2D 8×3×32×32 check
/// went from 225–235 ms to 158–182 ms, Tanh 10⁶ from 343–347 ms to 298–323 ms. The cost is
/// memory a process keeps after a large check (at most 256 MiB of free heap).
///
/// ``GradientCheck`` calls ``enable()`` before its first check. `SLOPE_MALLOC=system` in the
/// environment leaves the allocator as the process set it (`reuse`, or unset, is the default;
/// any other value is named on standard error once, and the default kept).
public enum HeapReuse {
    /// Sets the thresholds once per process (later calls do nothing); whether they were set.
    @discardableResult
    public static func enable() -> Bool { enabled }

    /// The blocks the allocator holds mapped outside its heap now (glibc's `mallinfo2().hblks`),
    /// or nil where that is not known: a tensor of a few MiB adds one when it is mapped fresh.
    public static var mappedBlocks: Int? {
        let blocks = slope_heap_mapped_blocks()
        return blocks < 0 ? nil : blocks
    }

    private static let enabled: Bool = {
        switch ProcessInfo.processInfo.environment["SLOPE_MALLOC"] {
        case "system": return false
        case nil, "", "reuse": break
        case let other?:
            // Not an error that may end a user's run: said once, and the default kept.
            FileHandle.standardError.write(
                Data(
                    "slope: SLOPE_MALLOC=\(other) is not a setting (\"system\" leaves the allocator alone, \"reuse\" is the default); freed memory is kept\n"
                        .utf8))
        }
        return slope_reuse_freed_memory() == 1
    }()
}
