/* plot_curves.h: the curves, accuracy, metrics, alignment and success figures of a run folder
 * (plot.h): read and aggregated by plot_curves.c, drawn by plot_figs.c. */
#ifndef RS_PLOT_CURVES_H
#define RS_PLOT_CURVES_H

#include "plot.h"

typedef struct rs_curves rs_curves;

/* RUNDIR/curves.tsv, and the labels of RUNDIR/summary.tsv when there is one, checked and in
 * memory; NULL after printing one line, with *rc the exit code. */
rs_curves *rs_curves_load(const char *rundir, int *rc);
/* Write RUNDIR/curves_agg.tsv and draw the figures; returns an exit code. */
int rs_curves_draw(rs_curves *c, const rs_plot_env *e);
void rs_curves_free(rs_curves *c);

#endif
