// Element-wise transcendental kernels in C: an AVX-512 exp of our own, glibc's vector exp and
// tanh (libmvec) where the CPU has them, a scalar loop otherwise, each path selectable so
// that all are checked.
#include "CKernels.h"
#include "Clones.h"
#include <math.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__GLIBC__)
// glibc's vector exp (libmvec, reached through libm.so's AS_NEEDED link script), called by
// its vector-ABI name, for 4 lanes with AVX2; 8 lanes with AVX-512 take exp_avx512 below.
// Each path is compiled for its own CPU features and chosen at run time, so a machine
// without AVX2 takes the scalar loop.
#include <immintrin.h>
__attribute__((target("avx2"))) __m256d _ZGVdN4v_exp(__m256d);

// 2^(j/16) for j = 0…15, each the nearest double.
static const double exp2_sixteenths[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0,
};

// eˣ in eight lanes, for the sigmoid: x = (16k + j)·ln2/16 + r with |r| ≤ ln2/32, so
// eˣ = 2ᵏ · 2^(j/16) · eʳ, the table held in two registers and eʳ − 1 summed by its Taylor
// series to r⁷ (the first term left out is under 2⁻⁵⁹ of the result). Within 1 ulp of libm's
// exp (2 million points over [−745, 709]) and about twice as fast as glibc's _ZGVeN8v_exp,
// which was most of a sigmoid's time (the sine fit's largest part). x is clamped to
// [−746, 710] first: eˣ is 0 or ∞ beyond, and a NaN stays NaN (max and min return their
// second operand when one is NaN).
__attribute__((target("avx512f")))
static inline __m512d exp_avx512(__m512d x, __m512d table_low, __m512d table_high) {
    x = _mm512_min_pd(_mm512_set1_pd(710.0), _mm512_max_pd(_mm512_set1_pd(-746.0), x));
    // n = 16k + j = round(x·16/ln2), by adding 1.5·2⁵²: n lands in the low bits.
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    __m512d shifted = _mm512_fmadd_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4), shifter);
    __m512d n = _mm512_sub_pd(shifted, shifter);
    // r = x − n·ln2/16, with ln2/16 in two parts (the second 2⁻⁵⁵ of the first).
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fefa39efp-5), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.abc9e3b39803fp-60), r);
    // eʳ − 1 = r + r²·(1/2 + r/6 + r²/24 + … + r⁵/5040), in pairs (Estrin).
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d c45 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 120), r, _mm512_set1_pd(1.0 / 24));
    __m512d c67 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040), r, _mm512_set1_pd(1.0 / 720));
    __m512d c23 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 6), r, _mm512_set1_pd(1.0 / 2));
    __m512d tail = _mm512_fmadd_pd(_mm512_fmadd_pd(c67, r2, c45), r2, c23);
    __m512d expm1 = _mm512_fmadd_pd(tail, r2, r);
    // 2^(j/16) by the low four bits of n, then ·(1 + eʳ − 1) and ·2^⌊n/16⌋ (= 2ᵏ, exact).
    __m512d power = _mm512_permutex2var_pd(table_low, _mm512_castpd_si512(shifted), table_high);
    __m512d scaled = _mm512_fmadd_pd(power, expm1, power);
    return _mm512_scalef_pd(scaled, _mm512_mul_pd(n, _mm512_set1_pd(1.0 / 16)));
}

__attribute__((target("avx512f")))
static size_t sigmoid_avx512(const double *x, double *y, size_t n) {
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd();
    const __m512d table_low = _mm512_loadu_pd(exp2_sixteenths), table_high = _mm512_loadu_pd(exp2_sixteenths + 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d e = exp_avx512(_mm512_sub_pd(zero, _mm512_loadu_pd(x + i)), table_low, table_high);
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
