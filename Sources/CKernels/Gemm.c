// Small matrix products, C = op(A)·op(B) (+ C), for operands too small for OpenBLAS.
//
// The pragma below lets the compiler reorder the sums of a dot product and vectorise
// them, and fuse multiply-adds; the results then differ from a strict left-to-right sum
// by rounding only. It is in the source, not a compiler flag, because SwiftPM refuses a
// versioned dependency whose targets carry unsafe flags. One loop order per case keeps
// the innermost loop contiguous. SLOPE_CLONES (Clones.h) compiles it once per CPU level.
#include "CKernels.h"
#include "Clones.h"

#ifdef __clang__
#pragma clang fp reassociate(on) contract(fast)
#endif

SLOPE_CLONES
void slope_gemm_small(size_t m, size_t n, size_t k,
                      const double *restrict a, size_t lda, int transpose_a,
                      const double *restrict b, size_t ldb, int transpose_b,
                      double *restrict c, int accumulate) {
    if (!accumulate) {
        for (size_t i = 0; i < m * n; i++) c[i] = 0;
    }
    if (!transpose_a && !transpose_b) {
        if (n == 1) {  // matrix·vector: one dot product per row, contiguous in A
            for (size_t i = 0; i < m; i++) {
                double sum = 0;
                for (size_t p = 0; p < k; p++) sum += a[i * lda + p] * b[p * ldb];
                c[i] += sum;
            }
            return;
        }
        for (size_t i = 0; i < m; i++)
            for (size_t p = 0; p < k; p++) {
                const double aip = a[i * lda + p];
                for (size_t j = 0; j < n; j++) c[i * n + j] += aip * b[p * ldb + j];
            }
    } else if (transpose_a && !transpose_b) {  // Aᵀ·B: rank-1 updates, row p of A and of B
        for (size_t p = 0; p < k; p++) {
            if (n == 1) {
                const double bp = b[p * ldb];
                for (size_t i = 0; i < m; i++) c[i] += a[p * lda + i] * bp;
            } else {
                for (size_t i = 0; i < m; i++) {
                    const double api = a[p * lda + i];
                    for (size_t j = 0; j < n; j++) c[i * n + j] += api * b[p * ldb + j];
                }
            }
        }
    } else {  // A·Bᵀ (Aᵀ·Bᵀ, which no layer needs, goes to OpenBLAS): dot products of rows, unless k is tiny
        if (k < 4) {
            for (size_t i = 0; i < m; i++)
                for (size_t p = 0; p < k; p++) {
                    const double aip = a[i * lda + p];
                    for (size_t j = 0; j < n; j++) c[i * n + j] += aip * b[j * ldb + p];
                }
            return;
        }
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double sum = 0;
                for (size_t p = 0; p < k; p++) sum += a[i * lda + p] * b[j * ldb + p];
                c[i * n + j] += sum;
            }
    }
}
