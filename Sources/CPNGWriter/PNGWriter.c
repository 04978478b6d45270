// libgd's true-colour PNG encoding (gd_png.c, gdImagePngCtxEx) with one row buffer instead of
// a copy of the whole image. The libpng calls and their order are libgd's, so the bytes are
// the same; GDCanvas's tests compare the two encoders on every kind of chart. libpng reports
// errors by longjmp, which Swift cannot catch: that is why this is C.
#include "CPNGWriter.h"
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/// The PNG file as it grows (libgd's dynamic output context does the same).
typedef struct {
    unsigned char *bytes;
    size_t count, capacity;
} output;

static void append(png_structp png, png_bytep data, size_t length) {
    output *out = png_get_io_ptr(png);
    if (length > out->capacity - out->count) {
        size_t capacity = out->capacity ? out->capacity : 4096;
        while (capacity - out->count < length) capacity *= 2;
        unsigned char *grown = realloc(out->bytes, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        out->bytes = grown;
        out->capacity = capacity;
    }
    memcpy(out->bytes + out->count, data, length);
    out->count += length;
}

static void flush(png_structp png) { (void)png; }

static void fail(png_structp png, png_const_charp message) {
    (void)message;
    png_longjmp(png, 1);
}

static void ignore(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/// libgd's DPI2DPM: dots per inch to dots per metre, rounded.
static png_uint_32 dots_per_metre(unsigned dpi) { return (png_uint_32)(dpi / 0.0254 + 0.5); }

unsigned char *slope_png_encode_truecolor(int *const *rows, int width, int height, int save_alpha,
                                          int transparent, int interlace, unsigned resolution_x,
                                          unsigned resolution_y, int level, size_t *size) {
    if (rows == NULL || width <= 0 || height <= 0) return NULL;
    const int channels = save_alpha ? 4 : 3;
    // Allocated before setjmp and not reassigned after it, so they are valid after a longjmp.
    output *out = calloc(1, sizeof(output));
    unsigned char *row = malloc((size_t)width * channels);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, fail, ignore);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (out == NULL || row == NULL || info == NULL || setjmp(png_jmpbuf(png))) {
        if (png) png_destroy_write_struct(&png, info ? &info : NULL);
        if (out) free(out->bytes);
        free(out);
        free(row);
        return NULL;
    }
    png_set_write_fn(png, out, append, flush);
    png_set_compression_level(png, level);
    png_set_pHYs(png, info, dots_per_metre(resolution_x), dots_per_metre(resolution_y), PNG_RESOLUTION_METER);
    png_set_IHDR(png, info, width, height, 8, save_alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (!save_alpha && transparent >= 0) {
        png_color_16 colour = {0};
        colour.red = (transparent >> 16) & 0xff;
        colour.green = (transparent >> 8) & 0xff;
        colour.blue = transparent & 0xff;
        png_set_tRNS(png, info, NULL, 0, &colour);
    }
    png_write_info(png, info);
    png_set_packing(png);
    // png_write_image's loop, each row converted as it is written (Adam7 visits rows once per pass).
    const int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (int y = 0; y < height; y++) {
            const int *pixel = rows[y];
            unsigned char *o = row;
            for (int x = 0; x < width; x++) {
                const int c = pixel[x];
                *o++ = (c >> 16) & 0xff;
                *o++ = (c >> 8) & 0xff;
                *o++ = c & 0xff;
                if (save_alpha) {  // libgd's 7-bit alpha (0 opaque) to PNG's 8-bit (255 opaque)
                    const int a = (c >> 24) & 0x7f;
                    *o++ = (unsigned char)(255 - ((a << 1) + (a >> 6)));
                }
            }
            png_write_row(png, row);
        }
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    unsigned char *bytes = out->bytes;
    *size = out->count;
    free(out);
    return bytes;
}
