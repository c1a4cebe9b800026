/* stats.h: order statistics of a sample. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stddef.h>

/* Sort x ascending in place (NaN-free input). */
void rs_sort_doubles(double *x, size_t n);
/* The p-quantile (0 <= p <= 1) of sorted x, n > 0: linear interpolation between order
 * statistics (numpy's default, R's type 7). rs_quantile(x, n, 0.5) is the median. */
double rs_quantile(const double *x, size_t n, double p);

#endif
