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
        coverage cv = { 0 }; /* sized by rs_curves_aggregate, as for the figures */
        if (agg)
            rs_curves_aggregate(c, agg, &cv);
        rs_coverage_free(&cv);
        free(agg);
    }
    rs_curves_free(c);
    return 0;
}
