// Element-wise transcendental kernels, kept in C so the compiler can vectorise exp.
#include "CKernels.h"
#include <math.h>

void slope_sigmoid(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = 1.0 / (1.0 + exp(-x[i]));
    }
}

void slope_tanh(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = tanh(x[i]);
    }
}

void slope_exp(const double *x, double *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        y[i] = exp(x[i]);
    }
}
