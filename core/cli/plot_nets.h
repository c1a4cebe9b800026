/* plot_nets.h: the network figures of a run folder (plot.h; plot_nets.c): the learned
 * adjacency of recurrent networks as heatmaps and directed graphs, layered networks as graphs
 * coloured by activation, from the trained networks in RUNDIR/nets.jsonl. */
#ifndef RS_PLOT_NETS_H
#define RS_PLOT_NETS_H

#include "plot.h"

/* Return codes besides 0 and gnuplot's own (cmds.h exit codes). */
enum { RS_PLOT_NETS_INPUT = 2, RS_PLOT_NETS_IO = 3, RS_PLOT_NETS_NOMEM = 3 };

/* Draws every figure; 0 (also when the run kept no networks), or an exit code. */
int rs_plot_nets(const rs_plot_env *e);

#endif
