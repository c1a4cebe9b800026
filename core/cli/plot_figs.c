/* plot_figs.c: the curves, accuracy, metrics, alignment and success figures of a run folder
 * (plot.h), from the aggregated curves (plot_data.h): which subplots each figure has, and the
 * variables scripts/curves.gp and success.gp receive (their headers list them). */
#include "plot_curves.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h" /* RS_EXIT_* */
#include "gnuplot.h"
#include "plot_data.h"
#include "plot_label.h"

/* ---------------------------------------------------------------------------------------- */
/* the variables each script receives                                                       */

/* Panel titles and axis tics show task labels shortened to this many characters
 * (plot_label.h); the keys show every rule's full label. */
enum { TASK_SHORT = 40 };

static void gp_num(rs_gpvars *b, const char *name, double x)
{
    if (isfinite(x))
        rs_sb_printf(&b->b, "%s=%.10g; ", name, x);
    else
        rs_sb_printf(&b->b, "%s=NaN; ", name);
    rs_gp_next(b);
}

/* infile, outfile, term, nrules + rule<i>, npanels + task<p> + net<p> + ts<p> (the task
 * shortened), 1-based. */
static void vars_common(rs_gpvars *b, const curves *c, const char *infile, const char *outfile,
                        const char *term)
{
    char name[64], shortl[128];
    rs_gp_str(b, "infile", infile);
    rs_gp_str(b, "outfile", outfile);
    rs_gp_str(b, "term", term);
    rs_gp_int(b, "nrules", (long)c->rules.n);
    for (size_t r = 0; r < c->rules.n; r++) {
        snprintf(name, sizeof name, "rule%zu", r + 1);
        rs_gp_str(b, name, c->rules.s[r]);
    }
    rs_gp_int(b, "npanels", (long)c->panels.n);
    for (size_t p = 0; p < c->panels.n; p++) {
        const char *key = c->panels.s[p], *tab = strchr(key, '\t');
        char *task = strndup(key, (size_t)(tab - key));
        if (!task) {
            b->b.oom = 1;
            return;
        }
        snprintf(name, sizeof name, "task%zu", p + 1);
        rs_gp_str(b, name, task);
        snprintf(name, sizeof name, "ts%zu", p + 1);
        rs_gp_str(b, name, rs_plot_short(task, TASK_SHORT, shortl, sizeof shortl));
        snprintf(name, sizeof name, "net%zu", p + 1);
        rs_gp_str(b, name, tab + 1);
        free(task);
    }
}

/* Space-separated 1-based indices of the rules with a finite mean of metric m in panel p. */
static void rules_with(rs_gpvars *b, const curves *c, const unsigned char *has, size_t p, size_t m)
{
    int first = 1;
    for (size_t r = 0; r < c->rules.n; r++)
        if (has[(p * c->rules.n + r) * c->nm + m]) {
            rs_sb_printf(&b->b, first ? "%zu" : " %zu", r + 1);
            first = 0;
        }
}

/* The data lines of each curve in curves_agg.tsv: lo_<p>_<r>, hi_<p>_<r> for the curves that
 * have any. */
static void vars_ranges(rs_gpvars *b, const curves *c, const long *lo, const long *hi)
{
    char name[64];
    for (size_t p = 0; p < c->panels.n; p++)
        for (size_t r = 0; r < c->rules.n; r++) {
            size_t k = p * c->rules.n + r;
            if (lo[k] < 0)
                continue;
            snprintf(name, sizeof name, "lo_%zu_%zu", p + 1, r + 1);
            rs_gp_int(b, name, lo[k]);
            snprintf(name, sizeof name, "hi_%zu_%zu", p + 1, r + 1);
            rs_gp_int(b, name, hi[k]);
        }
}

/* Output path for figure STEM: OUTFILE for the curves when -o was given, stdout ('') for dumb
 * without -o, RUNDIR/STEM.EXT otherwise. */
static char *out_path(const char *rundir, const char *stem, const char *ext, const char *oflag,
                      int dumb)
{
    if (oflag && strcmp(stem, "curves") == 0)
        return strdup(oflag);
    if (dumb && !oflag)
        return strdup("");
    char name[64];
    snprintf(name, sizeof name, "%s.%s", stem, ext);
    return rs_join_path(rundir, name);
}

static int run_script(rs_gpvars *v, const rs_plot_env *e, const char *script, const char *out)
{
    if (v->b.oom) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    int rc = rs_gp_run(e->gnuplot, v->b.s, e->scripts, script);
    if (!rc && *out && !e->quiet)
        printf("wrote %s\n", out);
    return rc;
}

static long metric_index(const curves *c, const char *name)
{
    for (size_t m = 0; m < c->nm; m++)
        if (strcmp(rs_curves_metric(c, m), name) == 0)
            return (long)m;
    return -1;
}

static int panel_has(const curves *c, const coverage *cv, size_t p, size_t m)
{
    for (size_t r = 0; r < c->rules.n; r++)
        if (cv->has[(p * c->rules.n + r) * c->nm + m])
            return 1;
    return 0;
}

static int is_align(const char *name) { return strncmp(name, "align_", 6) == 0 && name[6]; }

/* The columns that have figures of their own; the others are the extra metrics. */
static int is_extra_metric(const curves *c, size_t m)
{
    const char *mn = rs_curves_metric(c, m);
    return strcmp(mn, "loss") && strcmp(mn, "acc") && strcmp(mn, "epoch")
           && strcmp(mn, "train_loss") && !is_align(mn);
}

/* The y axis of metric NAME. */
static void ylabel_of(const char *name, int with_train, char *buf, size_t n)
{
    if (strcmp(name, "loss") == 0)
        snprintf(buf, n, "%s (mean, 10-90%% band)", with_train ? "evaluation loss" : "loss");
    else if (strcmp(name, "train_loss") == 0)
        snprintf(buf, n, "training loss (mean, 10-90%% band)");
    else if (strcmp(name, "acc") == 0)
        snprintf(buf, n, "accuracy (mean, 10-90%% band)");
    else if (is_align(name))
        snprintf(buf, n, "cos(dW, -grad), layer %s", name + 6);
    else
        snprintf(buf, n, "%s (mean, 10-90%% band)", name);
}

/* A figure of curves.gp: a row of subplots per panel, one per metric of cols. */
typedef struct linefig {
    const char *stem;
    size_t cols[64], ncols;
    int all_panels; /* every panel gets its row, even one without data (the loss figure) */
    int with_train; /* the loss figure shows the training loss beside the evaluation loss */
} linefig;

/* Subplot s: sp (panel), sm (metric), st (title), sy/sx/sxl (y label, x column and label),
 * sr (rules with data), ylo/yhi/ypos (data range, all positive), xlo/xhi, slog. */
static void vars_subplot(rs_gpvars *v, const curves *c, const coverage *cv, const rs_plot_env *e,
                         size_t s, size_t p, size_t m, const linefig *f)
{
    char name[64], text[512], task[128];
    const char *key = c->panels.s[p], *tab = strchr(key, '\t'), *mn = rs_curves_metric(c, m);
    size_t pm = p * c->nm + m;
    int by_epoch = isfinite(cv->rg.ehi[p]) && cv->rg.ehi[p] > 0;
#define SUBVAR(fmt) (snprintf(name, sizeof name, fmt "%zu", s), name)
    rs_gp_int(v, SUBVAR("sp"), (long)p + 1);
    rs_gp_str(v, SUBVAR("sm"), mn);
    snprintf(text, sizeof text, "%.*s", (int)(tab - key), key);
    rs_plot_short(text, TASK_SHORT, task, sizeof task);
    snprintf(text, sizeof text, "%s   net %s", task, tab + 1);
    rs_gp_str(v, SUBVAR("st"), text);
    ylabel_of(mn, f->with_train, text, sizeof text);
    rs_gp_str(v, SUBVAR("sy"), text);
    rs_gp_str(v, SUBVAR("sx"), by_epoch ? "epoch_mean" : "step");
    rs_gp_str(v, SUBVAR("sxl"), by_epoch ? "epoch" : "step");
    rs_sb_puts(&v->b, SUBVAR("sr"));
    rs_sb_puts(&v->b, "='");
    rules_with(v, c, cv->has, p, m);
    rs_sb_puts(&v->b, "'; ");
    gp_num(v, SUBVAR("ylo"), cv->rg.ylo[pm]);
    gp_num(v, SUBVAR("yhi"), cv->rg.yhi[pm]);
    rs_gp_int(v, SUBVAR("ypos"), !cv->rg.nonpos[pm]);
    gp_num(v, SUBVAR("xlo"), by_epoch ? cv->rg.elo[p] : cv->rg.slo[p]);
    gp_num(v, SUBVAR("xhi"), by_epoch ? cv->rg.ehi[p] : cv->rg.shi[p]);
    int lossy = strcmp(mn, "loss") == 0 || strcmp(mn, "train_loss") == 0;
    rs_gp_str(v, SUBVAR("slog"), lossy ? e->loss_scale : "linear");
#undef SUBVAR
}

/* curves.gp for figure f; not run when no panel has any of its metrics. */
static int draw_lines(const curves *c, const coverage *cv, const rs_plot_env *e, rs_gpvars *v,
                      const char *agg, const linefig *f)
{
    if (!f->ncols)
        return 0;
    char *out = out_path(e->rundir, f->stem, e->ext, e->oflag, e->dumb);
    if (!out) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    rs_gp_reset(v);
    vars_common(v, c, agg, out, e->gpterm);
    vars_ranges(v, c, cv->lo, cv->hi);
    size_t nsub = 0;
    for (size_t p = 0; p < c->panels.n; p++) {
        int any = f->all_panels;
        for (size_t k = 0; k < f->ncols && !any; k++)
            any = panel_has(c, cv, p, f->cols[k]);
        for (size_t k = 0; any && k < f->ncols; k++)
            vars_subplot(v, c, cv, e, ++nsub, p, f->cols[k], f);
    }
    rs_gp_int(v, "nsub", (long)nsub);
    rs_gp_int(v, "ncols", (long)f->ncols);
    int rc = nsub ? run_script(v, e, "curves.gp", out) : 0;
    free(out);
    return rc;
}

/* success.gp: bars from summary.tsv, same labels */
static int draw_success(const curves *c, const rs_plot_env *e, rs_gpvars *v)
{
    char *summary = rs_join_path(e->rundir, "summary.tsv");
    char *out = out_path(e->rundir, "success", e->ext, e->oflag, e->dumb);
    int rc = RS_EXIT_INTERNAL;
    if (!summary || !out)
        fprintf(stderr, "ruleset: out of memory\n");
    else if (c->have_summary) {
        rs_gp_reset(v);
        vars_common(v, c, summary, out, e->gpterm);
        rc = run_script(v, e, "success.gp", out);
    } else {
        rc = 0;
        if (!e->quiet)
            fprintf(stderr, "ruleset: %s: no such file; no success-rate chart\n", summary);
    }
    free(summary);
    free(out);
    return rc;
}

/* The four line figures: loss (and training loss), accuracy, the extra metrics, alignment. */
static void line_figures(const curves *c, const coverage *cv, linefig fig[4])
{
    memset(fig, 0, 4 * sizeof *fig);
    fig[0] = (linefig){ .stem = "curves", .all_panels = 1 };
    fig[1].stem = "accuracy";
    fig[2].stem = "metrics";
    fig[3].stem = "alignment";
    long loss = metric_index(c, "loss"), train = metric_index(c, "train_loss");
    long acc = metric_index(c, "acc");
    fig[0].cols[fig[0].ncols++] = (size_t)loss;
    for (size_t p = 0; train >= 0 && p < c->panels.n && !fig[0].with_train; p++)
        fig[0].with_train = panel_has(c, cv, p, (size_t)train);
    if (fig[0].with_train)
        fig[0].cols[fig[0].ncols++] = (size_t)train;
    if (acc >= 0)
        fig[1].cols[fig[1].ncols++] = (size_t)acc;
    for (size_t m = 0; m < c->nm; m++) {
        linefig *f = is_extra_metric(c, m) ? &fig[2] : is_align(rs_curves_metric(c, m)) ? &fig[3]
                                                                                   : NULL;
        if (f && f->ncols < sizeof f->cols / sizeof f->cols[0])
            f->cols[f->ncols++] = m;
    }
}

static int draw_all(curves *c, const coverage *cv, const rs_plot_env *e, const char *agg)
{
    linefig fig[4];
    line_figures(c, cv, fig);
    rs_gpvars v = { 0 };
    int rc = 0;
    for (int k = 0; k < 4 && !rc; k++)
        rc = draw_lines(c, cv, e, &v, agg, &fig[k]);
    if (!rc)
        rc = draw_success(c, e, &v);
    rs_sb_free(&v.b);
    return rc;
}

int rs_curves_draw(curves *c, const rs_plot_env *e)
{
    coverage cv = { 0 };
    char *agg = rs_join_path(e->rundir, "curves_agg.tsv");
    int rc = RS_EXIT_INPUT;
    if (!agg)
        fprintf(stderr, "ruleset: out of memory\n");
    else if (!(rc = rs_curves_aggregate(c, agg, &cv))) {
        if (!e->dumb && !e->quiet)
            printf("wrote %s\n", agg);
        rc = draw_all(c, &cv, e, agg);
    }
    rs_coverage_free(&cv);
    free(agg);
    return rc;
}
