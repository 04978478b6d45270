// The floor for chart speed: libgd called directly from C, drawing the same kind of
// picture Slope draws (white background, axes, a log-y polyline of every point,
// anti-aliased), encoded to PNG in memory and written to a file.
#include "CBaselines.h"
#include <gd.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

int slope_baseline_chart(const double *y, size_t n, const char *path) {
    const int width = 800, height = 500, left = 70, right = 20, top = 40, bottom = 50;
    gdImagePtr image = gdImageCreateTrueColor(width, height);
    if (!image) return -1;
    int white = gdTrueColorAlpha(255, 255, 255, 0);
    int black = gdTrueColorAlpha(40, 40, 40, 0);
    int blue = gdTrueColorAlpha(0, 114, 178, 0);
    gdImageFilledRectangle(image, 0, 0, width - 1, height - 1, white);
    gdImageRectangle(image, left, top, width - right, height - bottom, black);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (y[i] > 0 && isfinite(y[i])) {
            double l = log10(y[i]);
            if (l < lo) lo = l;
            if (l > hi) hi = l;
        }
    }
    if (!(hi > lo)) { hi = lo + 1; }
    double sx = (double)(width - left - right) / (double)(n > 1 ? n - 1 : 1);
    double sy = (double)(height - top - bottom) / (hi - lo);
    gdImageSetAntiAliased(image, blue);
    int px = -1, py = -1;
    for (size_t i = 0; i < n; i++) {
        if (!(y[i] > 0) || !isfinite(y[i])) { px = -1; continue; }
        int x = left + (int)(sx * (double)i);
        int yy = height - bottom - (int)(sy * (log10(y[i]) - lo));
        if (px >= 0) gdImageLine(image, px, py, x, yy, gdAntiAliased);
        px = x;
        py = yy;
    }
    int size = 0;
    void *png = gdImagePngPtr(image, &size);
    gdImageDestroy(image);
    if (!png) return -1;
    FILE *file = fopen(path, "wb");
    if (!file) { gdFree(png); return -1; }
    fwrite(png, 1, (size_t)size, file);
    fflush(file);
    fsync(fileno(file));  // Slope's writer syncs before its rename; do the same work here
    fclose(file);
    gdFree(png);
    return size;
}
