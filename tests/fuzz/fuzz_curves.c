/* fuzz_curves.c: a run's curves.tsv through `ruleset plot`'s reader (curves_read, with the
 * header and cell checks) and, when it reads, the aggregation into curves_agg.tsv. The
 * reader is static in core/cli/plot_curves.c, so its source is compiled in here. */
#include "plot_curves.c"

#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("curves.tsv", data, size, path, sizeof path);
    curves *c = calloc(1, sizeof *c); /* rs_curves_free frees the struct itself */
    if (c && curves_read(c, path, fuzz_dir()) == RS_EXIT_OK) {
        char *agg = rs_join_path(fuzz_dir(), "curves_agg.tsv");
        size_t pr = c->panels.n * c->rules.n; /* sized as rs_cmd_plot sizes them */
        unsigned char *has = calloc(pr * c->nm + 1, 1);
        long *lo = calloc(pr + 1, sizeof *lo), *hi = calloc(pr + 1, sizeof *hi);
        if (agg && has && lo && hi)
            write_agg(c, agg, has, lo, hi);
        free(agg);
        free(has);
        free(lo);
        free(hi);
    }
    rs_curves_free(c);
    return 0;
}
