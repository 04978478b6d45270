#include "CKernels.h"
#include <stdlib.h>  // (defines __GLIBC__ where it is glibc)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int slope_reuse_freed_memory(void) {
#if defined(__GLIBC__)
    int mapped = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    int trimmed = mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    return mapped && trimmed;
#else
    return 0;
#endif
}

long slope_heap_mapped_blocks(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return (long)mallinfo2().hblks;
#else
    return -1;
#endif
}
