/* plot.h: the figures of a run folder, as `ruleset plot RUNDIR` draws them and `compare` and
 * `merge` draw them after a run:
 *
 *   curves.png (.svg, .pdf)  loss per panel (task, net), and the training loss beside it when
 *                         the run reports one: mean and 10th-90th percentile band over the
 *                         replicates, against epochs when the run is by epochs (plot_curves.c,
 *                         scripts/curves.gp)
 *   accuracy.png          evaluation accuracy, the same way
 *   metrics.png           the extra metrics rules report, when any
 *   alignment.png         the per-layer alignment of the weight change with -gradient
 *                         (align_1 .. align_L), when the run measured it
 *   success.png           success rates with their intervals, from summary.tsv
 *   adjacency-RULE-...png, the trained networks of RUNDIR/nets.jsonl (plot_nets.c), named
 *   netgraph-RULE-...png  after the rule, task (or network) and replicate shown
 *
 * Rule i (in the order of summary.tsv, the spec's) has style i, colour and dash, in every
 * figure (scripts/common.gp); every key sits in a panel of its own, beside the plots.
 *
 * RUNDIR/curves_agg.tsv keeps the aggregated numbers. --term dumb prints the curves figures as
 * text. Nothing is written when gnuplot or the scripts cannot be found. */
#ifndef RS_PLOT_H
#define RS_PLOT_H

#include "registry.h"

typedef struct rs_plot_opts {
    const char *rundir;
    const char *term;            /* "png", "svg", "pdf" or "dumb" */
    const char *loss_scale;      /* loss axes: "auto" (log when every value is > 0), "log",
                                    "linear"; NULL: auto */
    const char *oflag;           /* -o: the curves figure's file, or NULL */
    long replicate;              /* network figures: the replicate shown; -1: replicate 0 */
    long input_row;              /* layered graphs: the evaluation row shown; -1: the last */
    int quiet;                   /* no "wrote FILE" lines; errors still print */
    const rs_registry *reg;      /* to rebuild the run's tasks (network figures) */
} rs_plot_opts;

/* What every figure writer is given, once the run folder, gnuplot and the scripts are found. */
typedef struct rs_plot_env {
    const char *rundir, *gnuplot, *scripts;
    const char *gpterm, *ext;    /* gnuplot's terminal ('pngcairo', 'svg', 'pdfcairo',
                                    'dumb'), extension */
    const char *loss_scale;
    const char *oflag;
    int dumb, quiet;
    long replicate, input_row;
    const rs_registry *reg;
} rs_plot_env;

/* Every figure; returns an exit code (cmds.h): 0, 2 bad input (run folder, damaged TSV, bad
 * term), 3 gnuplot missing or failing, or the scripts not found. */
int rs_plot_run(const rs_plot_opts *o);

#endif
