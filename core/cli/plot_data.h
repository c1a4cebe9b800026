/* plot_data.h: the curves of a run folder in memory and aggregated (plot_curves.c), as the
 * figures (plot_figs.c) read them. Internal to the plot command. */
#ifndef RS_PLOT_DATA_H
#define RS_PLOT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "plot_curves.h"

/* labels: first-appearance order; a one-entry cache makes the usual sorted input O(1) */
typedef struct labels {
    char **s;
    size_t n, cap, last;
} labels;

typedef struct row {
    uint32_t panel, rule; /* label indices */
    size_t idx;           /* row in vals */
    double step;
} row;

typedef struct rs_curves {
    char **names; /* header */
    size_t ncol;
    size_t nm;    /* metric columns: every column but rule, task, net, rep, step */
    long *mcol;   /* (nm) column of each metric */
    labels rules, panels;
    row *rows;
    size_t nrows, cap;
    double *vals; /* (nrows, nm) */
    long m_epoch; /* the metric index of 'epoch', -1 when the run has no such column */
    int have_summary;
} curves;

/* The data range of each (panel, metric), over every rule's mean and band, and of each panel's
 * x axis (steps; epochs when the run is by epochs): what the scripts need to keep a constant
 * line off the frame and choose a log scale. */
typedef struct ranges {
    double *ylo, *yhi;      /* (npanels, nm) finite min / max; NAN when none */
    unsigned char *nonpos;  /* (npanels, nm) some value <= 0: no log scale */
    double *slo, *shi;      /* (npanels) steps */
    double *elo, *ehi;      /* (npanels) epochs; NAN when none */
} ranges;

/* Which curves have data: has[(panel * nrules + rule) * nm + m], lo/hi per curve, and the
 * ranges (write_agg). */
typedef struct coverage {
    unsigned char *has;
    long *lo, *hi;
    ranges rg;
} coverage;

/* The name of metric m (a curves.tsv column). */
const char *rs_curves_metric(const curves *c, size_t m);
/* Write PATH (curves_agg.tsv) and fill cv (allocated here; rs_coverage_free after, also on
 * failure); 0, or an exit code after one line. */
int rs_curves_aggregate(curves *c, const char *path, coverage *cv);
void rs_coverage_free(coverage *cv);

#endif
