// A check's own passes over a tensor, in C so that they run eight or four lanes at a time
// (Swift code is compiled for the baseline x86-64, two lanes): a direction's step written
// into a tensor, the sizes and largest gap of two tensors, and a direction's derivative with
// its magnitude. Each gives the same bits on every path: maxima are exact, each sum keeps
// eight lanes in a fixed order, and nothing is contracted into a fused multiply-add.
// SlopeCheck keeps the plain Swift loops beside them, and tests hold the two to the same bits.
#include "CKernels.h"
#include "Clones.h"

SLOPE_CLONES
void slope_add_scaled(const double *restrict x, const double *restrict d, double scale, double *restrict out, size_t n) {
#ifdef __clang__
#pragma clang fp reassociate(off) contract(off)
#endif
    for (size_t i = 0; i < n; i++) {
        out[i] = x[i] + scale * d[i];
    }
}

SLOPE_CLONES
int slope_sizes_and_gap(const double *a, const double *b, size_t n, double *size_a, double *size_b, double *gap) {
#ifdef __clang__
#pragma clang fp reassociate(off) contract(off)
#endif
    // Eight lanes of running maxima: a comparison with a NaN is false, so a NaN never replaces
    // one (and maxima are exact, so the lanes give the plain loop's values); (aᵢ − bᵢ)·0 is NaN
    // exactly where aᵢ − bᵢ is NaN or ∞.
    double sa[8] = {0}, sb[8] = {0}, g[8] = {0};
    long unordered[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; k++) {
            double x = __builtin_fabs(a[i + k]), y = __builtin_fabs(b[i + k]), e = a[i + k] - b[i + k];
            double z = e * 0.0, f = __builtin_fabs(e);
            sa[k] = x > sa[k] ? x : sa[k];
            sb[k] = y > sb[k] ? y : sb[k];
            g[k] = f > g[k] ? f : g[k];
            unordered[k] |= z != z;
        }
    }
    for (int k = 1; k < 8; k++) {
        sa[0] = sa[k] > sa[0] ? sa[k] : sa[0];
        sb[0] = sb[k] > sb[0] ? sb[k] : sb[0];
        g[0] = g[k] > g[0] ? g[k] : g[0];
        unordered[0] |= unordered[k];
    }
    for (; i < n; i++) {
        double x = __builtin_fabs(a[i]), y = __builtin_fabs(b[i]), e = a[i] - b[i];
        double z = e * 0.0, f = __builtin_fabs(e);
        sa[0] = x > sa[0] ? x : sa[0];
        sb[0] = y > sb[0] ? y : sb[0];
        g[0] = f > g[0] ? f : g[0];
        unordered[0] |= z != z;
    }
    *size_a = sa[0];
    *size_b = sb[0];
    *gap = g[0];
    return unordered[0] != 0;
}

// Eight doubles as one value (clang's vector extension: one register of AVX-512, two of
// AVX2, four of SSE2), each lane computed apart from the others.
typedef double eight_doubles __attribute__((vector_size(64)));

SLOPE_CLONES
void slope_dot_and_magnitude(const double *a, const double *b, size_t n, double *dot, double *magnitude) {
#ifdef __clang__
#pragma clang fp reassociate(off) contract(off)
#endif
    // Lane k sums the products of elements k, k + 8, k + 16, … in turn; then the lanes in pairs.
    eight_doubles d = {0}, m = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        eight_doubles x, y;
        __builtin_memcpy(&x, a + i, sizeof x);
        __builtin_memcpy(&y, b + i, sizeof y);
        eight_doubles p = x * y;
        d += p;
        m += __builtin_elementwise_abs(p);
    }
    double sum = ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]));
    double size = ((m[0] + m[1]) + (m[2] + m[3])) + ((m[4] + m[5]) + (m[6] + m[7]));
    for (; i < n; i++) {
        double p = a[i] * b[i];
        sum += p;
        size += __builtin_fabs(p);
    }
    *dot = sum;
    *magnitude = size;
}
