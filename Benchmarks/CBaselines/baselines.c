// Baselines for `make bench`: the same algorithms as Slope, written as plain C loops.
#include "CBaselines.h"
#include <math.h>
#include <string.h>

#define HIDDEN 25
#define POINTS 200

double slope_baseline_sine(double *W0, double *W1, int epochs, double lr) {
    double x[POINTS], t[POINTS];
    for (int i = 0; i < POINTS; i++) {
        x[i] = (double)i / 100.0;
        t[i] = 20.0 * sin(2.0 * M_PI * x[i]);
    }
    double b0[HIDDEN] = {0}, b1 = 0;
    double h[90 * HIDDEN], y[90], dy[90];
    double dW0[HIDDEN], db0[HIDDEN], dW1[HIDDEN];
    double loss = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
        for (int start = 0; start < POINTS; start += 90) {
            int B = POINTS - start < 90 ? POINTS - start : 90;
            const double *xb = x + start, *tb = t + start;
            loss = 0;
            for (int n = 0; n < B; n++) {
                double out = b1;
                for (int j = 0; j < HIDDEN; j++) {
                    double s = 1.0 / (1.0 + exp(-(xb[n] * W0[j] + b0[j])));
                    h[n * HIDDEN + j] = s;
                    out += s * W1[j];
                }
                y[n] = out;
                double d = out - tb[n];
                loss += d * d;
                dy[n] = 2.0 * d / B;
            }
            loss /= B;
            memset(dW0, 0, sizeof dW0);
            memset(db0, 0, sizeof db0);
            memset(dW1, 0, sizeof dW1);
            double db1 = 0;
            for (int n = 0; n < B; n++) {
                db1 += dy[n];
                for (int j = 0; j < HIDDEN; j++) {
                    double s = h[n * HIDDEN + j];
                    dW1[j] += s * dy[n];
                    double dz = dy[n] * W1[j] * s * (1.0 - s);
                    dW0[j] += xb[n] * dz;
                    db0[j] += dz;
                }
            }
            for (int j = 0; j < HIDDEN; j++) {
                W0[j] -= lr * dW0[j];
                b0[j] -= lr * db0[j];
                W1[j] -= lr * dW1[j];
            }
            b1 -= lr * db1;
        }
    }
    return loss;
}

void slope_baseline_conv(
    const double *x, const double *W, const double *b, const double *dy,
    double *y, double *dx, double *dW, double *db,
    int N, int C, int H, int Wd, int O, int K) {
    int Ho = H - K + 1, Wo = Wd - K + 1;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int p = 0; p < Ho; p++)
                for (int q = 0; q < Wo; q++) {
                    double s = b[o];
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++)
                                s += W[((o * C + c) * K + i) * K + j] * x[((n * C + c) * H + p + i) * Wd + q + j];
                    y[((n * O + o) * Ho + p) * Wo + q] = s;
                }
    memset(dx, 0, sizeof(double) * N * C * H * Wd);
    memset(dW, 0, sizeof(double) * O * C * K * K);
    memset(db, 0, sizeof(double) * O);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int p = 0; p < Ho; p++)
                for (int q = 0; q < Wo; q++) {
                    double d = dy[((n * O + o) * Ho + p) * Wo + q];
                    db[o] += d;
                    for (int c = 0; c < C; c++)
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++) {
                                dW[((o * C + c) * K + i) * K + j] += d * x[((n * C + c) * H + p + i) * Wd + q + j];
                                dx[((n * C + c) * H + p + i) * Wd + q + j] += d * W[((o * C + c) * K + i) * K + j];
                            }
                }
}
