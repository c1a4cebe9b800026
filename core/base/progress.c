/* progress.c: see progress.h. */
#include "progress.h"

#include <stdio.h>

void rs_progress_draw(long done, long total, long start, double elapsed, const char *unit,
                      const char *extra)
{
    enum { width = 30 };
    int fill = total > 0 ? (int)(width * done / total) : width;
    char bar[width + 1];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    double eta = done > start ? elapsed / (double)(done - start) * (double)(total - done) : 0;
    fprintf(stderr, "\r[%s] %ld/%ld %s%s  %.1fs  ETA %.1fs ", bar, done, total, unit,
            extra ? extra : "", elapsed, eta);
    fflush(stderr);
}
