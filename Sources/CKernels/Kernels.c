// Element-wise transcendental kernels, kept in C so the compiler can vectorise exp.
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

static size_t sigmoid_vector(const double *x, double *y, size_t n) {
    if (__builtin_cpu_supports("avx512f")) return sigmoid_avx512(x, y, n);
    if (__builtin_cpu_supports("avx2")) return sigmoid_avx2(x, y, n);
    return 0;
}
#else
static size_t sigmoid_vector(const double *x, double *y, size_t n) { return 0; }
#endif

void slope_sigmoid(const double *x, double *y, size_t n) {
    for (size_t i = sigmoid_vector(x, y, n); i < n; i++) {
        y[i] = 1.0 / (1.0 + exp(-x[i]));
    }
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

void slope_tanh(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = tanh(x[i]);
    }
}
