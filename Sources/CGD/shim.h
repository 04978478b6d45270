#ifndef SLOPE_CGD_SHIM_H
#define SLOPE_CGD_SHIM_H
#include <gd.h>
#include <gdfontl.h>
#include <gdfonts.h>
#include <gdfontmb.h>
#endif
