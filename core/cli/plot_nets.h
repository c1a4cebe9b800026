/* plot_nets.h: the network figures of `ruleset plot RUNDIR` (plot_nets.c): the learned
 * adjacency of recurrent networks as heatmaps and directed graphs, layered networks as graphs
 * coloured by activation, from the trained networks in RUNDIR/nets.jsonl. */
#ifndef RS_PLOT_NETS_H
#define RS_PLOT_NETS_H

/* Return codes besides 0 and gnuplot's own (cmds.h exit codes). */
enum { RS_PLOT_NETS_INPUT = 2, RS_PLOT_NETS_IO = 3, RS_PLOT_NETS_NOMEM = 3 };

typedef struct rs_plot_nets_opts {
    const char *rundir, *gnuplot, *scripts;
    const char *gpterm, *ext;  /* 'pngcairo' or 'svg', and the figure's file extension */
    long replicate;            /* -1: replicate 0 */
    long input_row;            /* layered graphs: the evaluation row shown; -1: the last */
    int quiet;
    /* cmd_plot.c's runner: gnuplot with the -e assignments `vars` on scripts/name; 0 ok */
    int (*run)(const char *gnuplot, char *vars, const char *scripts, const char *name);
} rs_plot_nets_opts;

/* Draws every figure; 0 (also when the run kept no networks), or an exit code. */
int rs_plot_nets(const rs_plot_nets_opts *o);

#endif
