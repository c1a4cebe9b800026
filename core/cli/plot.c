/* plot.c: see plot.h. The run folder is checked and its curves read before gnuplot is looked
 * for, so a damaged run is reported as such on a machine without gnuplot too. */
#include "plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h" /* RS_EXIT_* */
#include "gnuplot.h"
#include "plot_curves.h"
#include "plot_nets.h"

/* png -> pngcairo, .png; svg; pdf -> pdfcairo; dumb (text on stdout, .txt). 0, or 2 after
 * one line. */
static int resolve_term(const char *term, rs_plot_env *e)
{
    if (strcmp(term, "png") == 0)
        e->gpterm = "pngcairo", e->ext = "png";
    else if (strcmp(term, "svg") == 0)
        e->gpterm = "svg", e->ext = "svg";
    else if (strcmp(term, "pdf") == 0)
        e->gpterm = "pdfcairo", e->ext = "pdf";
    else if (strcmp(term, "dumb") == 0)
        e->gpterm = "dumb", e->ext = "txt";
    else {
        fprintf(stderr, "ruleset: plot: --term '%s' is not one of png, svg, pdf, dumb\n", term);
        return RS_EXIT_INPUT;
    }
    e->dumb = strcmp(term, "dumb") == 0;
    return 0;
}

static int check_rundir(const char *rundir)
{
    struct stat st;
    if (stat(rundir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    const char *why = stat(rundir, &st) != 0 ? (errno == ENOENT ? "no such folder"
                                                                : strerror(errno))
                                             : "not a folder";
    fprintf(stderr, "ruleset: %s: %s; give the run folder made by 'ruleset compare'\n", rundir,
            why);
    return RS_EXIT_INPUT;
}

/* Found gnuplot and the scripts: draw the curves figures, then the networks' (not as text). */
static int draw(rs_curves *c, rs_plot_env *e)
{
    int rc = RS_EXIT_INTERNAL;
    char *gnuplot = rs_gp_find();
    if (!gnuplot) {
        fprintf(stderr, "ruleset: gnuplot not found on PATH; install it (Debian: apt-get install "
                "gnuplot-nox) and run 'ruleset plot %s' again\n", e->rundir);
        return rc;
    }
    e->gnuplot = gnuplot;
    if ((e->scripts = rs_gp_scripts(&rc)) && !(rc = rs_curves_draw(c, e)) && !e->dumb)
        rc = rs_plot_nets(e);
    free(gnuplot);
    return rc;
}

int rs_plot_run(const rs_plot_opts *o)
{
    rs_plot_env e = { .oflag = o->oflag, .quiet = o->quiet, .replicate = o->replicate,
                      .input_row = o->input_row, .reg = o->reg };
    int rc = resolve_term(o->term ? o->term : "png", &e);
    if (rc)
        return rc;
    e.loss_scale = o->loss_scale ? o->loss_scale : "auto";
    if (strcmp(e.loss_scale, "auto") && strcmp(e.loss_scale, "log")
        && strcmp(e.loss_scale, "linear")) {
        fprintf(stderr, "ruleset: plot: --loss-scale '%s' is not one of auto, log, linear\n",
                e.loss_scale);
        return RS_EXIT_INPUT;
    }
    /* "runs/x/" -> "runs/x", so messages and paths read cleanly */
    char *rundir = strdup(o->rundir);
    if (!rundir) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    for (size_t n = strlen(rundir); n > 1 && rundir[n - 1] == '/';)
        rundir[--n] = '\0';
    e.rundir = rundir;
    rs_curves *c = NULL;
    if (!(rc = check_rundir(rundir)) && (c = rs_curves_load(rundir, &rc)))
        rc = draw(c, &e);
    rs_curves_free(c);
    free(rundir);
    return rc;
}
