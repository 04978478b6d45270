// The dense layer's small cases: y = x·W + b, and dW += xᵀ·dout, db += Σₙ doutₙ,
// dx = dout·Wᵀ. Sums over the batch or over W's rows keep their order and run in
// registers, eight columns at a time (one AVX-512 vector), so no partial sum goes
// through memory between terms; the pragma below fuses multiply-adds and may reorder the
// dot products of `dx` and of a one-column `y`, as Gemm.c does (in the source, not a
// compiler flag: see Gemm.c).
#include "CKernels.h"
#include "Clones.h"

#ifdef __clang__
#pragma clang fp reassociate(on) contract(fast)
#endif

#define BLOCK 8

// Sums over the batch are chains of dependent additions (each waits for the last), so
// one column at a time would leave the multiply-add units idle: up to GROUP blocks of
// columns, and up to two weight vectors, are summed side by side in one pass over i,
// each column still adding its terms in order of i.
#define GROUP 4

// The sums live in registers only when the loops over blocks and columns are unrolled
// completely (then a0 and a1 are 64 scalars, not arrays in memory). SwiftPM compiles C
// with -O2 in release, whose unrolling stops short of that: the pragma asks for it.
#ifdef __clang__
#define SLOPE_UNROLL _Pragma("clang loop unroll(full)")
#else
#define SLOPE_UNROLL
#endif

// For r in {0, 1} (r1 only when `two`): r_r[start[b] + q] += Σᵢ u_r[i·us_r] · v[i·vs + start[b] + q]
// for b < nb, q < BLOCK, terms in order of i; *u0_total (if not NULL) += Σᵢ u0[i·us0].
// Every sum is read before any is written, so blocks may overlap (the overlapping
// columns get the same sum twice). nb and two are constants after inlining.
__attribute__((always_inline)) static inline void add_weighted_rows_group(
    size_t n, const int nb, const int two, const size_t *start, const double *restrict u0, size_t us0,
    const double *restrict u1, size_t us1, const double *restrict v, size_t vs, double *r0, double *r1,
    double *u0_total) {
#ifdef __clang__
#pragma clang fp reassociate(off)  // keep each column's sum in order of i
#endif
    double a0[GROUP][BLOCK], a1[GROUP][BLOCK];
    double total = u0_total ? *u0_total : 0;
    SLOPE_UNROLL
    for (int b = 0; b < nb; b++)
        SLOPE_UNROLL
        for (size_t q = 0; q < BLOCK; q++) {
            a0[b][q] = r0[start[b] + q];
            if (two) a1[b][q] = r1[start[b] + q];
        }
    for (size_t i = 0; i < n; i++) {
        const double w0 = u0[i * us0], w1 = two ? u1[i * us1] : 0;
        const double *vi = v + i * vs;
        total += w0;
        SLOPE_UNROLL
        for (int b = 0; b < nb; b++)
            SLOPE_UNROLL
            for (size_t q = 0; q < BLOCK; q++) {
                a0[b][q] += w0 * vi[start[b] + q];
                if (two) a1[b][q] += w1 * vi[start[b] + q];
            }
    }
    SLOPE_UNROLL
    for (int b = 0; b < nb; b++)
        SLOPE_UNROLL
        for (size_t q = 0; q < BLOCK; q++) {
            r0[start[b] + q] = a0[b][q];
            if (two) r1[start[b] + q] = a1[b][q];
        }
    if (u0_total) *u0_total = total;
}

// r0[j] += Σᵢ u0[i·us0] · v[i·vs + j] for j < width (and the same for u1 into r1 when u1 is
// not NULL), the terms added in order of i; *u0_total (if not NULL) += Σᵢ u0[i·us0].
// u with stride 0 pointing at 1.0 adds the rows of v unweighted (1·v is exact, so the
// sums are those of plain additions). Results accumulate in place; r0 and r1 must not
// overlap each other or the inputs.
__attribute__((always_inline)) static inline void add_weighted_rows(
    size_t n, size_t width, const double *restrict u0, size_t us0, const double *restrict u1, size_t us1,
    const double *restrict v, size_t vs, double *r0, double *r1, double *u0_total) {
    const int two = u1 != NULL;
    if (width < BLOCK) {  // narrow: one column at a time
#ifdef __clang__
#pragma clang fp reassociate(off)
#endif
        double total = u0_total ? *u0_total : 0;
        for (size_t i = 0; i < n; i++) total += u0[i * us0];
        if (u0_total) *u0_total = total;
        for (size_t j = 0; j < width; j++) {
            double a = r0[j], c = two ? r1[j] : 0;
            for (size_t i = 0; i < n; i++) {
                a += u0[i * us0] * v[i * vs + j];
                if (two) c += u1[i * us1] * v[i * vs + j];
            }
            r0[j] = a;
            if (two) r1[j] = c;
        }
        return;
    }
    // Groups of GROUP·BLOCK columns; the last group ends exactly at width, its last block
    // overlapping the one before when width is not a multiple of BLOCK. A group never
    // overlaps an earlier group (whose sums are already stored).
    for (size_t j = 0; j < width;) {
        const size_t rest = width - j;
        size_t start[GROUP];
        int nb;
        if (rest <= GROUP * BLOCK) {
            nb = (int)((rest + BLOCK - 1) / BLOCK);
            for (int b = 0; b < nb; b++) start[b] = j + (size_t)b * BLOCK;
            start[nb - 1] = width - BLOCK;
        } else {
            nb = rest < (GROUP + 1) * BLOCK ? GROUP - 1 : GROUP;  // leave at least one whole block
            for (int b = 0; b < nb; b++) start[b] = j + (size_t)b * BLOCK;
        }
        double *total = j == 0 ? u0_total : NULL;
#define SLOPE_GROUP(NB)                                                                                   \
    case NB:                                                                                              \
        if (two) add_weighted_rows_group(n, NB, 1, start, u0, us0, u1, us1, v, vs, r0, r1, total);        \
        else add_weighted_rows_group(n, NB, 0, start, u0, us0, u0, us0, v, vs, r0, r0, total);            \
        break;
        switch (nb) {
            SLOPE_GROUP(1)
            SLOPE_GROUP(2)
            SLOPE_GROUP(3)
            SLOPE_GROUP(4)
        }
#undef SLOPE_GROUP
        j = start[nb - 1] + BLOCK;
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
    if (in == 1) {  // one input feature: y = b + x·w, row by row (each row's stores contiguous)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < out; j++) y[i * out + j] = b[j] + x[i] * w[j];
        return;
    }
    // y[i, j] = b[j], then + x[i, p]·W[p, j] for p in order; eight columns at a time
    // in registers, every row through them before the next eight.
    size_t j = 0;
    for (; j + BLOCK <= out; j += BLOCK) {
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
    if (out == 1) {
        // dW[p] += Σₙ doutₙ·xₙₚ and db += Σₙ doutₙ, in one pass
        add_weighted_rows(n, in, dout, 1, NULL, 0, x, in, dw, NULL, db);
        if (dx == NULL) return;
        size_t p = 0;  // dx[i, p] = doutᵢ·W[p], eight inputs at a time over every row
        for (; p + BLOCK <= in; p += BLOCK)
            for (size_t i = 0; i < n; i++)
                for (size_t q = 0; q < BLOCK; q++) dx[i * in + p + q] = dout[i] * w[p + q];
        for (; p < in; p++)
            for (size_t i = 0; i < n; i++) dx[i * in + p] = dout[i] * w[p];
        return;
    }
    if (in == 1) {
        // db += Σₙ doutₙ and dW[0, :] += Σₙ xₙ·doutₙ, in one pass
        add_weighted_rows(n, out, &one, 0, x, 1, dout, out, db, dw, NULL);
    } else {
        add_weighted_rows(n, out, &one, 0, NULL, 0, dout, out, db, NULL, NULL);  // db += Σₙ doutₙ
        size_t p = 0;  // dW[p, :] += Σₙ xₙₚ·doutₙ, two rows of dW per pass
        for (; p + 2 <= in; p += 2)
            add_weighted_rows(n, out, x + p, in, x + p + 1, in, dout, out, dw + p * out, dw + (p + 1) * out, NULL);
        if (p < in) add_weighted_rows(n, out, x + p, in, NULL, 0, dout, out, dw + p * out, NULL, NULL);
    }
    if (dx == NULL) return;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < in; p++) {
            double sum = 0;
            for (size_t j = 0; j < out; j++) sum += dout[i * out + j] * w[p * out + j];
            dx[i * in + p] = sum;
        }
}
