// target_clones picks AVX-512 or AVX2+FMA code at load time and keeps a generic version
// for machines without them.
//
// Not under ThreadSanitizer: the clones' ifunc resolver runs while the dynamic loader
// relocates, before the TSan runtime is set up, and its instrumented entry crashes every
// program at load (found by `make sanitize`).
#ifndef SLOPE_CKERNELS_CLONES_H
#define SLOPE_CKERNELS_CLONES_H
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLOPE_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && defined(__clang__) && !defined(SLOPE_NO_CLONES)
#define SLOPE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SLOPE_CLONES
#endif
#endif
