// target_clones picks AVX-512 or AVX2+FMA code at load time and keeps a generic version
// for machines without them.
#ifndef SLOPE_CKERNELS_CLONES_H
#define SLOPE_CKERNELS_CLONES_H
#if defined(__x86_64__) && defined(__clang__)
#define SLOPE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SLOPE_CLONES
#endif
#endif
