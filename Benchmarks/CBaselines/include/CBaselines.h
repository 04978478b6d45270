#ifndef SLOPE_CBASELINES_H
#define SLOPE_CBASELINES_H
int slope_baseline_placeholder(void);
#endif
