#ifndef SLOPE_CALLOCATION_COUNTER_H
#define SLOPE_CALLOCATION_COUNTER_H
#include <stddef.h>

/// Heap allocations made by this process so far: every call to malloc, calloc, realloc,
/// aligned_alloc, memalign, posix_memalign, valloc or pvalloc, from any thread (frees are
/// not counted). Linking this target replaces those functions in the whole process with
/// counting wrappers around glibc's own allocator (glibc supports replacing malloc this
/// way; see "Replacing malloc" in its manual). Only `slope-bench` links it.
size_t slope_allocation_count(void);

/// 1 where the counting wrappers are compiled in (Linux with glibc), else 0.
int slope_allocation_counting_available(void);

#endif
