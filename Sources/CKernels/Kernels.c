// Element-wise transcendental kernels in C: glibc's vector exp and tanh (libmvec) where the
// CPU has them, a scalar loop otherwise, each path selectable so that all are checked.
#include "CKernels.h"
#include "Clones.h"
#include <math.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__GLIBC__)
// glibc's vector exp (libmvec, reached through libm.so's AS_NEEDED link script),
// called by its vector-ABI names: 8 lanes with AVX-512, 4 with AVX2. Each path is
// compiled for its own CPU features and chosen at run time, so a machine without
// AVX2 takes the scalar loop.
#include <immintrin.h>
__attribute__((target("avx512f"))) __m512d _ZGVeN8v_exp(__m512d);
__attribute__((target("avx2"))) __m256d _ZGVdN4v_exp(__m256d);

__attribute__((target("avx512f")))
static size_t sigmoid_avx512(const double *x, double *y, size_t n) {
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d e = _ZGVeN8v_exp(_mm512_sub_pd(zero, _mm512_loadu_pd(x + i)));
        _mm512_storeu_pd(y + i, _mm512_div_pd(one, _mm512_add_pd(one, e)));
    }
    return i;
}

__attribute__((target("avx2")))
static size_t sigmoid_avx2(const double *x, double *y, size_t n) {
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d e = _ZGVdN4v_exp(_mm256_sub_pd(zero, _mm256_loadu_pd(x + i)));
        _mm256_storeu_pd(y + i, _mm256_div_pd(one, _mm256_add_pd(one, e)));
    }
    return i;
}

// glibc's vector tanh arrived in 2.35; older C libraries take the scalar loop.
#if defined(__GLIBC_PREREQ) && __GLIBC_PREREQ(2, 35)
#define SLOPE_VECTOR_TANH 1
__attribute__((target("avx512f"))) __m512d _ZGVeN8v_tanh(__m512d);
__attribute__((target("avx2"))) __m256d _ZGVdN4v_tanh(__m256d);

__attribute__((target("avx512f")))
static size_t tanh_avx512(const double *x, double *y, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _ZGVeN8v_tanh(_mm512_loadu_pd(x + i)));
    return i;
}

__attribute__((target("avx2")))
static size_t tanh_avx2(const double *x, double *y, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + i)));
    return i;
}
#endif
#endif

int slope_vector_paths(void) {
    int paths = SLOPE_PATH_SCALAR;
#if defined(__x86_64__) && defined(__clang__) && defined(__GLIBC__)
    if (__builtin_cpu_supports("avx2")) paths |= SLOPE_PATH_AVX2;
    if (__builtin_cpu_supports("avx512f")) paths |= SLOPE_PATH_AVX512;
#endif
    return paths;
}

// A vector kernel: does elements [0, returned) of y = f(x), whole vectors only.
typedef size_t (*vector_kernel)(const double *x, double *y, size_t n);

// Runs the widest of the two vector kernels that `usable` (SLOPE_PATH_* bits) allows, or none;
// sets *taken to the path and returns how many elements it did (the caller does the tail).
static size_t run_widest(int usable, vector_kernel avx512, vector_kernel avx2, const double *x, double *y, size_t n,
                         int *taken) {
    *taken = SLOPE_PATH_SCALAR;
    if (avx512 && (usable & SLOPE_PATH_AVX512)) {
        *taken = SLOPE_PATH_AVX512;
        return avx512(x, y, n);
    }
    if (avx2 && (usable & SLOPE_PATH_AVX2)) {
        *taken = SLOPE_PATH_AVX2;
        return avx2(x, y, n);
    }
    return 0;
}

// The bits of `path` (SLOPE_PATH_BEST: all) that `available` has.
static int usable_paths(int path, int available) { return available & (path == SLOPE_PATH_BEST ? ~0 : path); }

int slope_sigmoid_on(int path, const double *x, double *y, size_t n) {
    int taken;
#if defined(__x86_64__) && defined(__clang__) && defined(__GLIBC__)
    size_t i = run_widest(usable_paths(path, slope_vector_paths()), sigmoid_avx512, sigmoid_avx2, x, y, n, &taken);
#else
    size_t i = run_widest(SLOPE_PATH_SCALAR, NULL, NULL, x, y, n, &taken);
#endif
    for (; i < n; i++) {
        y[i] = 1.0 / (1.0 + exp(-x[i]));
    }
    return taken;
}

SLOPE_CLONES
void slope_sigmoid_backward(const double *restrict dout, const double *restrict y, double *restrict dx, size_t n) {
#ifdef __clang__
#pragma clang fp reassociate(off) contract(off)  // the formula as written, like the Swift it replaced
#endif
    for (size_t i = 0; i < n; i++) {
        dx[i] = dout[i] * y[i] * (1.0 - y[i]);
    }
}

int slope_tanh_paths(void) {
#ifdef SLOPE_VECTOR_TANH
    return slope_vector_paths();
#else
    return SLOPE_PATH_SCALAR;
#endif
}

int slope_tanh_on(int path, const double *x, double *y, size_t n) {
    int taken;
#ifdef SLOPE_VECTOR_TANH
    size_t i = run_widest(usable_paths(path, slope_tanh_paths()), tanh_avx512, tanh_avx2, x, y, n, &taken);
#else
    size_t i = run_widest(SLOPE_PATH_SCALAR, NULL, NULL, x, y, n, &taken);
#endif
    for (; i < n; i++) {
        y[i] = tanh(x[i]);
    }
    return taken;
}
