/* cmd_plot.c: `ruleset plot RUNDIR [--term png|svg|pdf|dumb] [-o OUTFILE] [--quiet]
 * [--loss-scale auto|log|linear] [--replicate K] [--input ROW] [--plugin FILE]
 * [--plugin-dir DIR]`: the figures of plot.h.
 * The plugins are needed for the network figures, which rebuild each task's evaluation set;
 * --quiet drops the "wrote FILE" lines; errors print.
 *
 * Exit codes: 0 done, 2 bad input (arguments, run folder, damaged TSV, plugin), 3 gnuplot
 * missing or failing, or the scripts not found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "plot.h"

#define PLOT_USAGE "usage: ruleset plot RUNDIR [--term png|svg|pdf|dumb] [-o OUTFILE] [--quiet] " \
                   "[--loss-scale auto|log|linear] [--replicate K] [--input ROW] " \
                   "[--plugin FILE] [--plugin-dir DIR]"

static int print_help(void)
{
    printf("%s\n"
           "  Aggregates RUNDIR/curves.tsv into RUNDIR/curves_agg.tsv and draws, with gnuplot:\n"
           "  curves (loss; training loss beside it when the rules report one), accuracy,\n"
           "  alignment (with --alignment runs), metrics, success rates and network figures.\n"
           "  Runs by epochs are drawn against epochs. Each rule keeps one style everywhere.\n"
           "      --term T             png (default), svg, pdf, or dumb (print in the terminal)\n"
           "      -o OUTFILE           the curves figure's file (default RUNDIR/curves.png)\n"
           "      --loss-scale S       auto (default: log when every loss is positive and they\n"
           "                           span a decade), log or linear\n"
           "      --replicate K        the replicate the network figures show (default 0)\n"
           "      --input ROW          the evaluation input the network figures show (default: the\n"
           "                           last)\n"
           "      --quiet, -q          no messages\n"
           "      --plugin FILE.so, --plugin-dir DIR   more plugins (every command takes them)\n",
           PLOT_USAGE);
    return -1;
}

/* --replicate K / --input ROW at argv[i]: 0 ok, else 2 after one line. */
static int parse_index(char **argv, int argc, int i, long *out)
{
    char *end = NULL;
    long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
    if (v < 0 || !end || *end) {
        fprintf(stderr, "ruleset: plot: %s takes a whole number >= 0; %s\n", argv[i], PLOT_USAGE);
        return RS_EXIT_INPUT;
    }
    *out = v;
    return 0;
}

/* One flag or the run folder at argv[*i]; 0 ok, -1 after --help, else the exit code. */
static int parse_one(int argc, char **argv, int *i, rs_plot_opts *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
        return print_help();
    if (strcmp(a, "--term") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--loss-scale") == 0) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "ruleset: plot: %s needs a value; %s\n", a, PLOT_USAGE);
            return RS_EXIT_INPUT;
        }
        *(a[1] == 'o' ? &o->oflag : a[2] == 't' ? &o->term : &o->loss_scale) = argv[++*i];
    } else if (strncmp(a, "--term=", 7) == 0)
        o->term = a + 7;
    else if (strncmp(a, "--loss-scale=", 13) == 0)
        o->loss_scale = a + 13;
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
        o->quiet = 1;
    else if (strcmp(a, "--replicate") == 0 || strcmp(a, "--input") == 0) {
        if (parse_index(argv, argc, *i, a[2] == 'r' ? &o->replicate : &o->input_row))
            return RS_EXIT_INPUT;
        ++*i;
    } else if (a[0] == '-' && a[1]) {
        fprintf(stderr, "ruleset: plot: unknown option '%s'; %s\n", a, PLOT_USAGE);
        return RS_EXIT_INPUT;
    } else if (o->rundir) {
        fprintf(stderr, "ruleset: plot: one run folder only, got '%s' and '%s'; %s\n",
                o->rundir, a, PLOT_USAGE);
        return RS_EXIT_INPUT;
    } else
        o->rundir = a;
    return 0;
}

static int parse_args(int argc, char **argv, rs_plot_opts *o)
{
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(argc, argv, &i, o);
        if (rc)
            return rc;
    }
    if (!o->rundir) {
        fprintf(stderr, "ruleset: plot: no run folder given; %s\n", PLOT_USAGE);
        return RS_EXIT_INPUT;
    }
    if (o->oflag && !*o->oflag) {
        fprintf(stderr, "ruleset: plot: -o needs a file name; %s\n", PLOT_USAGE);
        return RS_EXIT_INPUT;
    }
    return 0;
}

int rs_cmd_plot(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv); /* takes --plugin and --plugin-dir */
    if (!reg)
        return RS_EXIT_INTERNAL;
    rs_plot_opts o = { .term = "png", .replicate = -1, .input_row = -1, .reg = reg };
    int rc = parse_args(argc, argv, &o);
    if (rc == 0)
        rc = rs_plot_run(&o);
    rs_registry_destroy(reg);
    return rc < 0 ? RS_EXIT_OK : rc;
}
