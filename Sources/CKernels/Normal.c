// Standard normal values for a check's random directions: Box–Muller over a counter-based
// SplitMix64 stream, with a logarithm, sine and cosine of our own, so that every element is
// computed apart from the others and the loop runs eight or four lanes at a time.
//
// The same numbers on every machine: only integer operations, IEEE additions, products,
// quotients, square roots and explicit fused multiply-adds (contraction and reassociation
// off), each exactly rounded wherever it runs (the generic clone calls the C library's fma,
// which is exact too). `Tensor.normalReference` in SlopeLayers is the same formula written
// out in Swift, one pair at a time; a test holds the two to the same bits.
#include "CKernels.h"
#include "Clones.h"
#include <stdint.h>
#include <string.h>

static inline uint64_t splitmix64_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline double from_bits(uint64_t bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline uint64_t to_bits(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

// c[0]·xⁿ⁻¹ + c[1]·xⁿ⁻² + … + c[n − 1] by Horner's rule, each step one fused multiply-add.
__attribute__((always_inline)) static inline double horner(double x, const double *c, int n) {
    double p = c[0];
    for (int k = 1; k < n; k++) p = __builtin_fma(p, x, c[k]);
    return p;
}

// The series' coefficients, highest power first: 1/21, 1/19, …, 1/3 (atanh's odd powers after
// the first); sin's (−1)ᵏ/(2k + 1)! from x¹⁴ down to x⁰ after the first; cos's (−1)ᵏ/(2k + 2)!
// from x¹⁴ down to x⁰, after its first term.
static const double atanh_series[10] = {
    1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3,
};
static const double sine_series[7] = {
    -1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0,
};
static const double cosine_series[8] = {
    -1.0 / 20922789888000.0, 1.0 / 87178291200.0, -1.0 / 479001600.0, 1.0 / 3628800.0, -1.0 / 40320.0, 1.0 / 720.0,
    -1.0 / 24.0, 0.5,
};

// Pair j of the stream keyed by `key`: the SplitMix64 outputs number 2j + 1 and 2j + 2.
__attribute__((always_inline)) static inline void normal_pair(uint64_t key, uint64_t j, double *first, double *second) {
#ifdef __clang__
#pragma clang fp reassociate(off) contract(off)
#endif
    const uint64_t gamma = 0x9E3779B97F4A7C15ull;
    uint64_t a = splitmix64_mix(key + (2 * j + 1) * gamma), b = splitmix64_mix(key + (2 * j + 2) * gamma);
    // Two uniforms of 52 random bits each, exactly: u in (0, 1] and w in [0, 1).
    double u = 2.0 - from_bits(0x3FF0000000000000ull | (a >> 12));
    double w = from_bits(0x3FF0000000000000ull | (b >> 12)) - 1.0;

    // log u = e·ln 2 + log m with m = u / 2ᵉ in [√½, √2), and log m = 2·atanh f,
    // f = (m − 1)/(m + 1), |f| ≤ 0.172: f + f³/3 + … + f²¹/21 (the first term left out is
    // under 2⁻⁶⁰ of the sum). Adding bits(1) − bits(√½) carries u's exponent field up by one
    // exactly where m reaches √2.
    uint64_t bits = to_bits(u);
    int64_t e = (int64_t)((bits + (0x3FF0000000000000ull - 0x3FE6A09E667F3BCDull)) >> 52) - 1023;
    double m = from_bits(bits - ((uint64_t)e << 52));
    double f = (m - 1.0) / (m + 1.0);
    double f2 = f * f;
    double p = horner(f2, atanh_series, 10);
    double ef = (double)e;
    // ln 2 in two parts (the second 2⁻⁵⁵ of the first), the small terms first.
    double log_u = __builtin_fma(ef, 0x1.62e42fefa39efp-1, __builtin_fma(ef, 0x1.abc9e3b39803fp-56, 2.0 * (f * f2 * p)) + 2.0 * f);
    double radius = __builtin_elementwise_sqrt(-2.0 * log_u);

    // The angle 2πw = q·π/2 + x: q = round(4w), x = 2π(w − q/4) in [−π/4, π/4] (w − q/4 is exact).
    double q = __builtin_floor(4.0 * w + 0.5);
    double x = 6.283185307179586 * __builtin_fma(q, -0.25, w), x2 = x * x;
    // sin x = x − x³/3! + … − x¹⁵/15!, cos x = 1 − x²/2! + … + x¹⁶/16! (the first terms left
    // out are under 2⁻⁵⁴ of the value at π/4).
    double sine = __builtin_fma(x * x2, horner(x2, sine_series, 7), x);
    double cosine = __builtin_fma(-x2, horner(x2, cosine_series, 8), 1.0);
    // cos(qπ/2 + x) and sin(qπ/2 + x) by the quadrant q mod 4.
    uint64_t quadrant = (uint64_t)(int64_t)q & 3;
    double along = (quadrant & 1) ? sine : cosine, across = (quadrant & 1) ? cosine : sine;
    along = ((quadrant + 1) & 2) ? -along : along;
    across = (quadrant & 2) ? -across : across;
    *first = radius * along;
    *second = radius * across;
}

SLOPE_CLONES
void slope_normal_fill(double *restrict out, size_t n, unsigned long long key) {
    size_t pairs = n / 2;
    for (size_t j = 0; j < pairs; j++) {
        normal_pair(key, j, &out[2 * j], &out[2 * j + 1]);
    }
    if (n % 2 == 1) {
        double unused;
        normal_pair(key, pairs, &out[n - 1], &unused);
    }
}
