/* fuzz_curves.c: a run's curves.tsv through `ruleset plot`'s reader (curves_read, with the
 * header and cell checks) and, when it reads, the aggregation into curves_agg.tsv. The
 * reader is static in the plot command, so its source is compiled in here. */
#include "cmd_plot.c"

#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("curves.tsv", data, size, path, sizeof path);
    curves c;
    memset(&c, 0, sizeof c);
    if (curves_read(&c, path, fuzz_dir()) == RS_EXIT_OK) {
        char *agg = join_path(fuzz_dir(), "curves_agg.tsv");
        size_t pr = c.panels.n * c.rules.n; /* sized as rs_cmd_plot sizes them */
        unsigned char *has = calloc(pr * c.nm + 1, 1);
        long *lo = calloc(pr + 1, sizeof *lo), *hi = calloc(pr + 1, sizeof *hi);
        if (agg && has && lo && hi)
            write_agg(&c, agg, has, lo, hi);
        free(agg);
        free(has);
        free(lo);
        free(hi);
    }
    curves_free(&c);
    return 0;
}
