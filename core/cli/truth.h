/* truth.h: truth tables over replicates, as `ruleset inspect --truth` prints them and
 * `ruleset compare` prints them for a spec with "truth_table". */
#ifndef RS_TRUTH_H
#define RS_TRUTH_H

#include <stdio.h>

#include "runview.h"

/* "x0,x1,...": n values x[i * stride]. */
void rs_vec_text(const rs_real *x, size_t stride, uint32_t n, char *buf, size_t size);
/* The truth tables of groups[0..ng) of v: replicate `replicate` only, or every one (-1);
 * networks read from the run folder, or trained now when `train`; one tidy table with `tsv`.
 * Returns an exit code (cmds.h). */
int rs_truth_run(rs_runview *v, const size_t *groups, size_t ng, long replicate, int tsv,
                 int train, FILE *out);
/* `inspect RUNDIR --truth` with a registry already made (compare's "truth_table"). */
int rs_inspect_truth(const rs_registry *reg, const char *rundir, FILE *out);

#endif
