#ifndef SLOPE_CBLAS_SHIM_H
#define SLOPE_CBLAS_SHIM_H
#include <cblas.h>
#endif
