#ifndef SLOPE_CPNGWRITER_H
#define SLOPE_CPNGWRITER_H
#include <stddef.h>

/// A libgd true-colour image (`gdImage.tpixels`: `height` rows of `width` pixels packed as
/// 0xAARRGGBB with libgd's 7-bit alpha, 0 opaque; read, never written) encoded as PNG exactly as libgd's
/// `gdImagePngPtrEx` encodes it (the same libpng calls, so the same bytes), but one row at a
/// time through a single row buffer: `gdImagePngPtrEx` first copies the whole image into PNG
/// rows (1.2 MB for an 800×500 chart).
///
/// `save_alpha` writes RGBA (libgd's `saveAlphaFlag`); otherwise RGB, with a tRNS chunk for
/// `transparent` when it is not negative. `interlace` writes Adam7. `resolution_x`/`_y` are in
/// dots per inch (libgd's `res_x`/`res_y`), written as a pHYs chunk; `level` is the zlib level
/// (-1 for zlib's default).
///
/// Returns the PNG file in a buffer from malloc (the caller frees it) and its length in `size`,
/// or NULL when libpng fails (out of memory, an invalid size). Never prints: libpng's warnings
/// are dropped.
unsigned char *slope_png_encode_truecolor(int *const *rows, int width, int height, int save_alpha,
                                          int transparent, int interlace, unsigned resolution_x,
                                          unsigned resolution_y, int level, size_t *size);

#endif
