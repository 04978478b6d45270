// One number formatted by the C library's snprintf, for Swift, which cannot call a variadic C
// function and would otherwise build a va_list on the heap for each number (withVaList).
#include "CKernels.h"
#include <stdio.h>

int slope_format_double(char *out, size_t size, const char *format, double value) {
    return snprintf(out, size, format, value);
}
