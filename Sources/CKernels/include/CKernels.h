#ifndef SLOPE_CKERNELS_H
#define SLOPE_CKERNELS_H
#include <stddef.h>

/// y[i] = 1 / (1 + exp(-x[i])) for i < n. x and y may be the same buffer.
/// Finite for every finite or infinite input: sigmoid(±1000) is 1 or 0, never NaN.
void slope_sigmoid(const double *x, double *y, size_t n);

/// y[i] = tanh(x[i]) for i < n.
void slope_tanh(const double *x, double *y, size_t n);

/// y[i] = exp(x[i]) for i < n.
void slope_exp(const double *x, double *y, size_t n);

/// Row-major C[m×n] = op(A)·op(B), plus the old C when `accumulate`; op transposes when
/// asked, lda/ldb are the stored row lengths. For small operands (no threads, no
/// packing); sums may be reordered, so results match a strict loop to rounding.
void slope_gemm_small(size_t m, size_t n, size_t k,
                      const double *a, size_t lda, int transpose_a,
                      const double *b, size_t ldb, int transpose_b,
                      double *c, int accumulate);

#endif
