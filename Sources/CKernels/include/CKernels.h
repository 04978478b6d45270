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

#endif
