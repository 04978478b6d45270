int slope_baseline_placeholder(void) { return 0; }
