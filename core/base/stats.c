/* stats.c: see stats.h. */
#include "stats.h"

#include <stdlib.h>

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

void rs_sort_doubles(double *x, size_t n)
{
    if (n > 1) /* qsort(NULL, 0) is undefined */
        qsort(x, n, sizeof *x, cmp_double);
}

double rs_quantile(const double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    return lo + 1 < n ? x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}
