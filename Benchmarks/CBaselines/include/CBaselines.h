#ifndef SLOPE_CBASELINES_H
#define SLOPE_CBASELINES_H
#include <stddef.h>

/// The seed's sine fit in plain C (-O3): x = i/100 for i < 200, y = 20 sin(2πx),
/// network [1, 25, 1] with a sigmoid hidden layer, batches 90, 90, 20 in order, SGD with
/// `lr` on the gradient of mean((y−t)²). W0 is [1,25] and W1 [25,1] (updated in place),
/// biases start at zero. Returns the last batch's MSE of the last epoch (before its update).
double slope_baseline_sine(double *W0, double *W1, int epochs, double lr);

/// Naive Conv2D forward and backward (NCHW, stride 1, no padding), the loops written out.
/// y [N,O,Ho,Wo] = W ⋆ x + b; then dx, dW, db from dy.
void slope_baseline_conv(
    const double *x, const double *W, const double *b, const double *dy,
    double *y, double *dx, double *dW, double *db,
    int N, int C, int H, int Wd, int O, int K);

#endif

#ifndef SLOPE_CBASELINES_CHART
#define SLOPE_CBASELINES_CHART
/// Draws a log-y line chart of `y` (800×500) with libgd straight from C and writes the PNG
/// to `path`; returns the PNG's size in bytes, or −1. The floor for Slope's chart speed.
int slope_baseline_chart(const double *y, size_t n, const char *path);
#endif
