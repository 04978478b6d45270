// The dense layer's small cases: y = x·W + b, and dW += xᵀ·dout, db += Σₙ doutₙ,
// dx = dout·Wᵀ. Sums over the batch or over W's rows keep their order and run in
// registers, eight columns at a time (one AVX-512 vector), so no partial sum goes
// through memory between terms; -ffast-math fuses multiply-adds as Gemm.c does and may
// reorder the dot products of `dx` and of a one-column `y`, as Gemm.c does.
#include "CKernels.h"
#include "Clones.h"

#define BLOCK 8

// result[j] = init[j] + Σᵢ u[i·us] · v[i·vs + j] for j < width, the terms added in order
// of i. init and result may be the same buffer. u with stride 0 pointing at 1.0 adds the
// rows of v unweighted (1·v is exact, so the sums are those of plain additions).
__attribute__((always_inline)) static inline void add_weighted_rows(size_t n, size_t width, const double *restrict u, size_t us,
                                     const double *restrict v, size_t vs, const double *init, double *result) {
#ifdef __clang__
#pragma clang fp reassociate(off)  // keep each column's sum in order of i
#endif
    size_t j = 0;
    for (; j + BLOCK <= width; j += BLOCK) {
        double a[BLOCK];
        for (size_t q = 0; q < BLOCK; q++) a[q] = init[j + q];
        for (size_t i = 0; i < n; i++) {
            const double ui = u[i * us];
            for (size_t q = 0; q < BLOCK; q++) a[q] += ui * v[i * vs + j + q];
        }
        for (size_t q = 0; q < BLOCK; q++) result[j + q] = a[q];
    }
    for (; j < width; j++) {
        double a = init[j];
        for (size_t i = 0; i < n; i++) a += u[i * us] * v[i * vs + j];
        result[j] = a;
    }
}

static const double one = 1.0;

SLOPE_CLONES
void slope_affine_forward(size_t n, size_t in, size_t out,
                          const double *restrict x, const double *restrict w, const double *restrict b,
                          double *restrict y) {
    if (out == 1) {  // one dot product per row, contiguous in x
        for (size_t i = 0; i < n; i++) {
            double sum = 0;
            for (size_t p = 0; p < in; p++) sum += x[i * in + p] * w[p];
            y[i] = b[0] + sum;
        }
        return;
    }
    // y[i, j] = b[j], then + x[i, p]·W[p, j] for p in order; eight columns at a time
    // in registers, every row through them before the next eight.
    size_t j = 0;
    for (; j + BLOCK <= out; j += BLOCK) {
        if (in == 1) {  // one input feature: y = b + x·w, no inner loop
            for (size_t i = 0; i < n; i++)
                for (size_t q = 0; q < BLOCK; q++) y[i * out + j + q] = b[j + q] + x[i] * w[j + q];
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            double a[BLOCK];
            for (size_t q = 0; q < BLOCK; q++) a[q] = b[j + q];
            for (size_t p = 0; p < in; p++) {
                const double xip = x[i * in + p];
                for (size_t q = 0; q < BLOCK; q++) a[q] += xip * w[p * out + j + q];
            }
            for (size_t q = 0; q < BLOCK; q++) y[i * out + j + q] = a[q];
        }
    }
    for (; j < out; j++)
        for (size_t i = 0; i < n; i++) {
            double a = b[j];
            for (size_t p = 0; p < in; p++) a += x[i * in + p] * w[p * out + j];
            y[i * out + j] = a;
        }
}

SLOPE_CLONES
void slope_affine_backward(size_t n, size_t in, size_t out,
                           const double *restrict x, const double *restrict w, const double *restrict dout,
                           double *restrict dw, double *restrict db, double *restrict dx) {
    add_weighted_rows(n, out, &one, 0, dout, out, db, db);  // db += Σₙ doutₙ
    if (out == 1) {
        add_weighted_rows(n, in, dout, 1, x, in, dw, dw);  // dW[p] += Σₙ doutₙ·xₙₚ
        size_t p = 0;  // dx[i, p] = doutᵢ·W[p], eight inputs at a time over every row
        for (; p + BLOCK <= in; p += BLOCK)
            for (size_t i = 0; i < n; i++)
                for (size_t q = 0; q < BLOCK; q++) dx[i * in + p + q] = dout[i] * w[p + q];
        for (; p < in; p++)
            for (size_t i = 0; i < n; i++) dx[i * in + p] = dout[i] * w[p];
        return;
    }
    for (size_t p = 0; p < in; p++)  // dW[p, :] += Σₙ xₙₚ·doutₙ
        add_weighted_rows(n, out, x + p, in, dout, out, dw + p * out, dw + p * out);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < in; p++) {
            double sum = 0;
            for (size_t j = 0; j < out; j++) sum += dout[i * out + j] * w[p * out + j];
            dx[i * in + p] = sum;
        }
}
