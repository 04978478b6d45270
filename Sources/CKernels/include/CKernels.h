#ifndef SLOPE_CKERNELS_H
#define SLOPE_CKERNELS_H
#include <stddef.h>

/// The element-wise kernels' code paths: the scalar loop (the readable one, libm's exp and
/// tanh), and glibc's vector functions four lanes at a time (AVX2) or eight (AVX-512).
/// SLOPE_PATH_BEST is the widest this CPU (and C library) runs.
enum { SLOPE_PATH_BEST = 0, SLOPE_PATH_SCALAR = 1, SLOPE_PATH_AVX2 = 2, SLOPE_PATH_AVX512 = 4 };

/// The paths this CPU can run (SLOPE_PATH_* bits; the scalar one always).
int slope_vector_paths(void);

/// y[i] = 1 / (1 + exp(-x[i])) for i < n, on `path` (or the scalar loop when the CPU lacks
/// it); returns the path taken. x and y may be the same buffer. The tail after the last
/// whole vector is always scalar. Finite for every input: sigmoid(±1000) is 1 or 0, never NaN.
int slope_sigmoid_on(int path, const double *x, double *y, size_t n);

/// dx[i] = dout[i] · y[i] · (1 − y[i]) for i < n: the sigmoid's backward from its output y.
/// dx must not overlap dout or y.
void slope_sigmoid_backward(const double *dout, const double *y, double *dx, size_t n);

/// The paths `slope_tanh_on` can take here: the vector ones need glibc 2.35 or later.
int slope_tanh_paths(void);

/// y[i] = tanh(x[i]) for i < n, on `path` (or the scalar loop); returns the path taken.
int slope_tanh_on(int path, const double *x, double *y, size_t n);

/// Row-major C[m×n] = op(A)·op(B), plus the old C when `accumulate`; op transposes when
/// asked, lda/ldb are the stored row lengths. For small operands (no threads, no
/// packing); sums may be reordered, so results match a strict loop to rounding. Not for
/// transpose_a and transpose_b together (no layer needs Aᵀ·Bᵀ; `Tensor.gemm` sends it to OpenBLAS).
void slope_gemm_small(size_t m, size_t n, size_t k,
                      const double *a, size_t lda, int transpose_a,
                      const double *b, size_t ldb, int transpose_b,
                      double *c, int accumulate);

/// The dense layer's forward for small operands: y `[n, out]` = x `[n, in]` · w `[in, out]`
/// + b `[out]` (every row). Row-major; y must not overlap the inputs.
void slope_affine_forward(size_t n, size_t in, size_t out,
                          const double *x, const double *w, const double *b, double *y);

/// The dense layer's backward for small operands, one pass over the batch:
/// dw `[in, out]` += xᵀ·dout, db `[out]` += Σₙ doutₙ (both accumulate), and
/// dx `[n, in]` = dout·wᵀ (overwritten; not computed when dx is NULL). Row-major; no output
/// may overlap another buffer.
void slope_affine_backward(size_t n, size_t in, size_t out,
                           const double *x, const double *w, const double *dout,
                           double *dw, double *db, double *dx);

/// n standard normal values into `out`: Box–Muller over SplitMix64's outputs 1, 2, 3… from
/// `key` (pair j from outputs 2j + 1 and 2j + 2; an odd n keeps the first of the last pair),
/// with a logarithm, sine and cosine of its own. The same bits on every machine and path.
void slope_normal_fill(double *out, size_t n, unsigned long long key);

/// out[i] = x[i] + scale · d[i] for i < n (a product, then a sum: never fused). out must not
/// overlap x or d.
void slope_add_scaled(const double *x, const double *d, double scale, double *out, size_t n);

/// max|a[i]|, max|b[i]| and max|a[i] − b[i]| over i < n into size_a, size_b and gap (a NaN is
/// never kept: a comparison with it is false); returns 1 when some a[i] − b[i] is NaN or ±∞.
int slope_sizes_and_gap(const double *a, const double *b, size_t n, double *size_a, double *size_b, double *gap);

/// Σ a[i]·b[i] and Σ |a[i]·b[i]| over i < n, each in eight lanes (lane k sums elements k,
/// k + 8, … in turn; the lanes are added ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)), then the
/// tail in turn): the same bits on every path.
void slope_dot_and_magnitude(const double *a, const double *b, size_t n, double *dot, double *magnitude);

/// snprintf(out, size, format, value) for a format with one conversion of a double.
int slope_format_double(char *out, size_t size, const char *format, double value);

/// Keeps freed blocks of up to 32 MiB in glibc's heap (M_MMAP_THRESHOLD) and up to 256 MiB
/// of free memory at its top (M_TRIM_THRESHOLD), so that a tensor allocated pass after pass
/// reuses pages instead of being mapped fresh and zero-filled by the kernel each time. Returns
/// 1 when set, 0 where the C library is not glibc.
int slope_reuse_freed_memory(void);

/// The blocks glibc holds mapped outside its heap now (mallinfo2's hblks); -1 elsewhere.
long slope_heap_mapped_blocks(void);

#endif
