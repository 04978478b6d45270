#ifndef SLOPE_CPNG_SHIM_H
#define SLOPE_CPNG_SHIM_H
#include <png.h>
#endif
