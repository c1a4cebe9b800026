/* report.h: from job results to the run folder's tables (curves.tsv, summary.tsv,
 * summary.json) and the terminal table. */
#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stdio.h>

#include "runner.h"

typedef struct rs_summary {
    char rule[256], task[256], net[128];
    size_t replicates, solved, diverged, failed;
    size_t crashed, timed_out;  /* isolated jobs whose worker died or ran past --job-timeout */
    double success_rate, ci_low, ci_high;
    double median_steps;  /* NaN when nothing solved */
    double loss_mean, loss_sd, acc_mean, us_per_step;
    double acc_sd;          /* of the final (test) accuracy over the replicates */
    double best_acc_mean;   /* mean over replicates of each one's best evaluation accuracy */
    double best_acc_epoch;  /* median over replicates of the epoch of that best (its first
                             * evaluation); NaN when the run is not by epochs */
    int classes;            /* the task is scored by softmax cross-entropy (classes, as the
                             * data sets): the terminal table shows the accuracy */
} rs_summary;

/* Wilson score interval for k successes in n trials at 95%. */
void rs_wilson(size_t k, size_t n, double *lo, double *hi);
/* One summary per (rule, task, net), in spec order; returns how many (caller frees *out). */
size_t rs_summarise(const rs_run *run, rs_summary **out);
/* Write curves.tsv, summary.tsv, summary.json into run->dir. 0 ok, else message in err. */
int rs_report_write(const rs_run *run, const rs_summary *sums, size_t n, char *err,
                    size_t err_size);
void rs_report_table(FILE *out, const rs_summary *sums, size_t n);

#endif
