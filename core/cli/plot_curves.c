/* plot_curves.c: the curves of a run folder, read and aggregated (see plot_data.h).
 *
 * Reads RUNDIR/curves.tsv (one row per evaluation point per replicate) and aggregates every
 * metric column over the replicates of each (rule, task, net, step) into RUNDIR/curves_agg.tsv
 * (mean, 10th and 90th percentile of the finite values), noting which curves have data and
 * each panel's ranges; plot_figs.c draws from that. summary.tsv is only checked, and its labels
 * taken first, so the rules keep the spec's order and success.gp can name every bar. */
#include "plot_curves.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cmds.h" /* RS_EXIT_* */
#include "file.h"
#include "gnuplot.h"
#include "plot_data.h"
#include "stats.h"
#include "tsv.h"

/* ---------------------------------------------------------------------------------------- */
/* labels (plot_data.h)                                                                     */

static long lab_index(labels *t, const char *s)
{
    if (t->n && strcmp(t->s[t->last], s) == 0)
        return (long)t->last;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->s[i], s) == 0)
            return (long)(t->last = i);
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **p = realloc(t->s, cap * sizeof *p);
        if (!p)
            return -1;
        t->s = p;
        t->cap = cap;
    }
    if (!(t->s[t->n] = strdup(s)))
        return -1;
    t->last = t->n;
    return (long)t->n++;
}

static void lab_free(labels *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
}

/* A panel is a (task, net) pair, kept as "task\tnet": TSV cells never hold a tab. */
static long panel_index(labels *t, const char *task, const char *net)
{
    size_t a = strlen(task), b = strlen(net);
    char stackbuf[256], *key = a + b + 2 <= sizeof stackbuf ? stackbuf : malloc(a + b + 2);
    if (!key)
        return -1;
    memcpy(key, task, a);
    key[a] = '\t';
    memcpy(key + a + 1, net, b + 1);
    long i = lab_index(t, key);
    if (key != stackbuf)
        free(key);
    return i;
}

/* ---------------------------------------------------------------------------------------- */
/* reading a TSV with a header                                                              */

typedef struct tsv {
    FILE *f;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
    size_t ncol;
    char **field; /* (ncol + 1) pointers into line */
} tsv;

/* Splits t->line (no newline) at tabs into t->field, each cell unescaped (tsv.h); returns
 * the number of cells. */
static long tsv_split(tsv *t)
{
    size_t k = 0;
    for (char *p = t->line;;) {
        char *tab = strchr(p, '\t');
        if (tab)
            *tab = '\0';
        if (k < t->ncol + 1)
            t->field[k] = rs_tsv_unescape(p);
        k++;
        if (!tab)
            return (long)k;
        p = tab + 1;
    }
}

/* Reads a line and drops its line end; returns its length, or -1 at EOF or error. */
static ssize_t tsv_line(tsv *t)
{
    ssize_t n = getline(&t->line, &t->cap, t->f);
    if (n < 0)
        return -1;
    t->lineno++;
    while (n > 0 && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
        t->line[--n] = '\0';
    return n;
}

/* The next non-blank line's cells in t->field; returns their count, 0 at EOF, -1 on error. */
static long tsv_next(tsv *t)
{
    ssize_t n;
    while ((n = tsv_line(t)) == 0)
        ; /* blank lines carry nothing */
    if (n < 0)
        return ferror(t->f) ? -1 : 0;
    return tsv_split(t);
}

/* Opens PATH and splits its header into t->field; returns 0, or prints one line and returns 2. */
static int tsv_open(tsv *t, const char *path, const char *hint)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    if (!(t->f = fopen(path, "r"))) {
        if (errno == ENOENT)
            fprintf(stderr, "ruleset: %s: no such file; %s\n", path, hint);
        else
            fprintf(stderr, "ruleset: %s: cannot read (%s)\n", path, strerror(errno));
        return RS_EXIT_INPUT;
    }
    if (tsv_line(t) <= 0) {
        fprintf(stderr, "ruleset: %s: no header line; %s\n", path, hint);
        return RS_EXIT_INPUT;
    }
    t->ncol = 1;
    for (const char *p = t->line; *p; p++)
        t->ncol += *p == '\t';
    if (!(t->field = calloc(t->ncol + 1, sizeof *t->field))) {
        fprintf(stderr, "ruleset: out of memory reading %s\n", path);
        return RS_EXIT_INPUT;
    }
    tsv_split(t);
    return 0;
}

static void tsv_close(tsv *t)
{
    if (t->f)
        fclose(t->f);
    free(t->line);
    free(t->field);
}

/* Header names are copied out, since t->line is reused. */
static char **tsv_names(const tsv *t)
{
    char **names = calloc(t->ncol, sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < t->ncol; i++)
        if (!(names[i] = strdup(t->field[i]))) {
            while (i--)
                free(names[i]);
            free(names);
            return NULL;
        }
    return names;
}

static long find_col(char **names, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], want) == 0)
            return (long)i;
    return -1;
}

/* A cell as a number: "nan", "inf" and an empty cell (not reported) are fine. */
static int parse_num(const char *s, double *out)
{
    if (!*s) {
        *out = NAN;
        return 0;
    }
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------- */
/* curves.tsv in memory (plot_data.h)                                                      */

void rs_curves_free(curves *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->names && i < c->ncol; i++)
        free(c->names[i]);
    free(c->names);
    free(c->mcol);
    lab_free(&c->rules);
    lab_free(&c->panels);
    free(c->rows);
    free(c->vals);
    free(c);
}

static const char *metric_name(const curves *c, size_t m) { return c->names[c->mcol[m]]; }

/* The header: the columns plotting needs, no column twice; every other column is a metric.
 * col[] receives rule, task, net, step, loss. 0, or 2 after one line. */
static int read_header(curves *c, tsv *t, const char *path, long col[5])
{
    c->ncol = t->ncol;
    if (!(c->names = tsv_names(t)) || !(c->mcol = calloc(t->ncol, sizeof *c->mcol))) {
        fprintf(stderr, "ruleset: out of memory reading %s\n", path);
        return RS_EXIT_INPUT;
    }
    static const char *const need[] = {"rule", "task", "net", "step", "loss"};
    for (int i = 0; i < 5; i++)
        if ((col[i] = find_col(c->names, c->ncol, need[i])) < 0) {
            fprintf(stderr, "ruleset: %s:1: the header has no '%s' column; expected "
                    "rule, task, net, rep, step, loss, acc and extra metrics\n", path, need[i]);
            return RS_EXIT_INPUT;
        }
    c->m_epoch = -1;
    for (size_t i = 0; i < c->ncol; i++) {
        if (find_col(c->names, i, c->names[i]) >= 0) {
            fprintf(stderr, "ruleset: %s:1: column '%s' appears twice\n", path, c->names[i]);
            return RS_EXIT_INPUT;
        }
        const char *nm = c->names[i];
        if (strcmp(nm, "rule") && strcmp(nm, "task") && strcmp(nm, "net") && strcmp(nm, "rep")
            && strcmp(nm, "step")) {
            if (strcmp(nm, "epoch") == 0)
                c->m_epoch = (long)c->nm;
            c->mcol[c->nm++] = (long)i;
        }
    }
    return 0;
}

/* Room for one more row. 0, or -1 when out of memory. */
static int grow_rows(curves *c)
{
    if (c->nrows < c->cap)
        return 0;
    size_t cap = c->cap ? 2 * c->cap : 1024;
    row *r = realloc(c->rows, cap * sizeof *r);
    if (r)
        c->rows = r;
    double *v = r ? realloc(c->vals, cap * c->nm * sizeof *v) : NULL;
    if (!v)
        return -1;
    c->vals = v;
    c->cap = cap;
    return 0;
}

/* The data line in t->field as the next row. 0, or 2 after one line. */
static int read_row(curves *c, const tsv *t, long nf, const long col[5], const char *path)
{
    if ((size_t)nf != c->ncol) {
        fprintf(stderr, "ruleset: %s:%ld: %ld tab-separated cells, the header has %zu; the file "
                "is damaged\n", path, t->lineno, nf, c->ncol);
        return RS_EXIT_INPUT;
    }
    row *r = grow_rows(c) ? NULL : &c->rows[c->nrows];
    long ri = r ? lab_index(&c->rules, t->field[col[0]]) : -1;
    long pi = ri >= 0 ? panel_index(&c->panels, t->field[col[1]], t->field[col[2]]) : -1;
    if (pi < 0) {
        fprintf(stderr, "ruleset: out of memory reading %s\n", path);
        return RS_EXIT_INPUT;
    }
    r->rule = (uint32_t)ri;
    r->panel = (uint32_t)pi;
    r->idx = c->nrows;
    const char *bad = NULL;
    if (parse_num(t->field[col[3]], &r->step) || !isfinite(r->step))
        bad = "step";
    for (size_t m = 0; m < c->nm && !bad; m++)
        if (parse_num(t->field[c->mcol[m]], &c->vals[c->nrows * c->nm + m]))
            bad = metric_name(c, m);
    if (bad) {
        long k = find_col(c->names, c->ncol, bad);
        fprintf(stderr, "ruleset: %s:%ld: column '%s': '%s' is not a number; the file is "
                "damaged\n", path, t->lineno, bad, t->field[k]);
        return RS_EXIT_INPUT;
    }
    c->nrows++;
    return 0;
}

static int curves_read(curves *c, const char *path, const char *rundir)
{
    char hint[4200];
    snprintf(hint, sizeof hint, "is %s a run folder made by 'ruleset compare'?", rundir);
    tsv t;
    long col[5], nf = 0;
    int rc = tsv_open(&t, path, hint);
    if (!rc)
        rc = read_header(c, &t, path, col);
    while (!rc && (nf = tsv_next(&t)) > 0)
        rc = read_row(c, &t, nf, col, path);
    if (!rc && nf < 0) {
        fprintf(stderr, "ruleset: %s: read error (%s)\n", path, strerror(errno));
        rc = RS_EXIT_INPUT;
    } else if (!rc && c->nrows == 0) {
        fprintf(stderr, "ruleset: %s: no data rows, nothing to plot; did the comparison "
                "run any job?\n", path);
        rc = RS_EXIT_INPUT;
    }
    tsv_close(&t);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* aggregation over replicates                                                              */

/* Order of the curve points: panel, rule, step (label indices keep first-appearance order). */
static int row_cmp_key(const row *a, const row *b)
{
    if (a->panel != b->panel)
        return a->panel < b->panel ? -1 : 1;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    int k = row_cmp_key(a, b);
    return k ? k : (a->idx < b->idx ? -1 : a->idx > b->idx); /* stable */
}

static void put_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("\tnan", f);
    else
        fprintf(f, "\t%.10g", v);
}

static void widen(double *lo, double *hi, double v)
{
    if (!isfinite(v))
        return;
    if (isnan(*lo) || v < *lo)
        *lo = v;
    if (isnan(*hi) || v > *hi)
        *hi = v;
}

/* One line of curves_agg.tsv: rows i..j-1 (one point of one curve, every replicate): n, then
 * each metric's mean, 10th and 90th percentile over its finite values; has[m] is set when the
 * mean of metric m is finite, and rg takes the values in. */
static void write_point(const curves *c, size_t i, size_t j, FILE *f, double *scratch,
                        unsigned char *has, ranges *rg)
{
    const row *g = &c->rows[i];
    size_t nm = c->nm, pm = (size_t)g->panel * nm;
    fprintf(f, "%s\t%s\t%.10g\t%zu", c->rules.s[g->rule], c->panels.s[g->panel], g->step, j - i);
    widen(&rg->slo[g->panel], &rg->shi[g->panel], g->step);
    for (size_t m = 0; m < nm; m++) {
        size_t n = 0;
        double sum = 0.0;
        for (size_t k = i; k < j; k++) {
            double v = c->vals[c->rows[k].idx * nm + m];
            if (isfinite(v)) {
                scratch[n++] = v;
                sum += v;
            }
        }
        if (n == 0) {
            fputs("\tnan\tnan\tnan", f);
            continue;
        }
        rs_sort_doubles(scratch, n);
        double q[3] = { sum / (double)n, rs_quantile(scratch, n, 0.1),
                        rs_quantile(scratch, n, 0.9) };
        for (int k = 0; k < 3; k++) {
            put_num(f, q[k]);
            widen(&rg->ylo[pm + m], &rg->yhi[pm + m], q[k]);
            rg->nonpos[pm + m] |= isfinite(q[k]) && q[k] <= 0;
        }
        if (isfinite(q[0]))
            has[m] = 1;
        if ((long)m == c->m_epoch)
            widen(&rg->elo[g->panel], &rg->ehi[g->panel], q[0]);
    }
    fputc('\n', f);
}

/* Writes PATH (via a fresh PATH.XXXXXX and a rename), sorted by panel, rule, step, without
 * blank lines. Sets has[(panel * nrules + rule) * nm + m] when that curve has at least one
 * finite mean of metric m, and lo/hi[panel * nrules + rule] to the curve's first and last data
 * line (0-based, not counting the header: gnuplot's `every ::lo::hi`), -1 when it has none; rg
 * the ranges. */
static int write_agg(curves *c, const char *path, unsigned char *has, long *lo, long *hi,
                     ranges *rg)
{
    size_t nm = c->nm, nr = c->rules.n;
    double *scratch = malloc((c->nrows ? c->nrows : 1) * sizeof *scratch);
    size_t tmp_size = strlen(path) + 8;
    char *tmp = malloc(tmp_size);
    FILE *f = NULL;
    int rc = RS_EXIT_INTERNAL; /* what fails from here on is the disk's, not the input's */
    if (!scratch || !tmp) {
        fprintf(stderr, "ruleset: out of memory writing %s\n", path);
        goto done;
    }
    if (!(f = rs_create_temp(path, tmp, tmp_size))) { /* exclusive: never through a symlink */
        fprintf(stderr, "ruleset: %s: cannot write (%s)\n", path, strerror(errno));
        goto done;
    }
    qsort(c->rows, c->nrows, sizeof *c->rows, row_cmp);
    fputs("rule\ttask\tnet\tstep\tn", f);
    for (size_t m = 0; m < nm; m++)
        fprintf(f, "\t%s_mean\t%s_p10\t%s_p90", metric_name(c, m), metric_name(c, m),
                metric_name(c, m));
    fputc('\n', f);
    for (size_t k = 0; k < c->panels.n * nr; k++)
        lo[k] = hi[k] = -1;
    long line = 0;
    for (size_t i = 0, j; i < c->nrows; i = j, line++) {
        const row *g = &c->rows[i];
        for (j = i + 1; j < c->nrows && !row_cmp_key(g, &c->rows[j]); j++)
            ;
        size_t pr = (size_t)g->panel * nr + g->rule;
        if (lo[pr] < 0)
            lo[pr] = line;
        hi[pr] = line;
        write_point(c, i, j, f, scratch, has + pr * nm, rg);
    }
    if (ferror(f) | fclose(f)) {
        f = NULL;
        fprintf(stderr, "ruleset: %s: write error (%s)\n", tmp, strerror(errno));
        remove(tmp);
        goto done;
    }
    f = NULL;
    if (rename(tmp, path)) {
        fprintf(stderr, "ruleset: %s: cannot write (%s)\n", path, strerror(errno));
        remove(tmp);
        goto done;
    }
    rc = RS_EXIT_OK;
done:
    if (f) {
        fclose(f);
        remove(tmp);
    }
    free(scratch);
    free(tmp);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* summary.tsv: only checked, and its labels added, so success.gp can name every bar         */

static int summary_labels(curves *c, const char *path)
{
    tsv t;
    int rc = tsv_open(&t, path, "is it a summary written by 'ruleset compare'?");
    if (rc)
        goto done;
    char **names = tsv_names(&t);
    long col[6] = {-1, -1, -1, -1, -1, -1};
    static const char *const need[] = {"rule", "task", "net", "success_rate", "ci_low", "ci_high"};
    for (int i = 0; names && i < 6; i++)
        col[i] = find_col(names, t.ncol, need[i]);
    for (size_t i = 0; names && i < t.ncol; i++)
        free(names[i]);
    free(names);
    rc = RS_EXIT_INPUT;
    for (int i = 0; i < 6; i++)
        if (col[i] < 0) {
            fprintf(stderr, "ruleset: %s:1: the header has no '%s' column; is this a summary "
                    "written by 'ruleset compare'?\n", path, need[i]);
            goto done;
        }
    long nf;
    while ((nf = tsv_next(&t)) > 0) {
        if ((size_t)nf != t.ncol) {
            fprintf(stderr, "ruleset: %s:%ld: %ld tab-separated cells, the header has %zu; "
                    "the file is damaged\n", path, t.lineno, nf, t.ncol);
            goto done;
        }
        for (int i = 3; i < 6; i++) {
            double v;
            if (parse_num(t.field[col[i]], &v)) {
                fprintf(stderr, "ruleset: %s:%ld: column '%s': '%s' is not a number; the file "
                        "is damaged\n", path, t.lineno, need[i], t.field[col[i]]);
                goto done;
            }
        }
        if (lab_index(&c->rules, t.field[col[0]]) < 0
            || panel_index(&c->panels, t.field[col[1]], t.field[col[2]]) < 0) {
            fprintf(stderr, "ruleset: out of memory reading %s\n", path);
            goto done;
        }
    }
    rc = nf < 0 ? RS_EXIT_INPUT : RS_EXIT_OK;
    if (nf < 0)
        fprintf(stderr, "ruleset: %s: read error (%s)\n", path, strerror(errno));
done:
    tsv_close(&t);
    return rc;
}
/* ---------------------------------------------------------------------------------------- */
/* loading and aggregating                                                                  */

/* The rules and panels take the order of summary.tsv when there is one (the spec's, also for
 * a rule whose jobs all failed), so a rule keeps its colour and dash in every figure and in
 * every run of the same spec. */
curves *rs_curves_load(const char *rundir, int *rc)
{
    curves *c = calloc(1, sizeof *c);
    char *curves_tsv = rs_join_path(rundir, "curves.tsv");
    char *summary = rs_join_path(rundir, "summary.tsv");
    *rc = RS_EXIT_INPUT;
    if (!c || !curves_tsv || !summary) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto fail;
    }
    /* curves.tsv is checked first: a run folder without it is no run folder */
    if (access(curves_tsv, F_OK) != 0 && (*rc = curves_read(c, curves_tsv, rundir)))
        goto fail;
    c->have_summary = access(summary, F_OK) == 0;
    if (c->have_summary && (*rc = summary_labels(c, summary)))
        goto fail;
    if ((*rc = curves_read(c, curves_tsv, rundir)))
        goto fail;
    free(curves_tsv);
    free(summary);
    return c;
fail:
    if (*rc == RS_EXIT_OK)
        *rc = RS_EXIT_INPUT;
    rs_curves_free(c);
    free(curves_tsv);
    free(summary);
    return NULL;
}

void rs_coverage_free(coverage *cv)
{
    free(cv->has);
    free(cv->lo);
    free(cv->hi);
    free(cv->rg.ylo);
    free(cv->rg.yhi);
    free(cv->rg.nonpos);
    free(cv->rg.slo);
    free(cv->rg.shi);
    free(cv->rg.elo);
    free(cv->rg.ehi);
}

/* Everything NAN or 0; 0, or -1 when out of memory. */
static int coverage_alloc(coverage *cv, const curves *c)
{
    size_t n_curves = c->panels.n * c->rules.n, np = c->panels.n, npm = np * c->nm;
    memset(cv, 0, sizeof *cv);
    cv->has = calloc(n_curves * c->nm + 1, 1);
    cv->lo = calloc(n_curves + 1, sizeof(long));
    cv->hi = calloc(n_curves + 1, sizeof(long));
    cv->rg.nonpos = calloc(npm + 1, 1);
    double **d[6] = { &cv->rg.ylo, &cv->rg.yhi, &cv->rg.slo, &cv->rg.shi, &cv->rg.elo,
                      &cv->rg.ehi };
    int ok = cv->has && cv->lo && cv->hi && cv->rg.nonpos;
    for (int k = 0; k < 6; k++) {
        size_t n = (k < 2 ? npm : np) + 1;
        *d[k] = malloc(n * sizeof(double));
        ok = ok && *d[k];
        for (size_t i = 0; *d[k] && i < n; i++)
            (*d[k])[i] = NAN;
    }
    return ok ? 0 : -1;
}

int rs_curves_aggregate(curves *c, const char *path, coverage *cv)
{
    if (coverage_alloc(cv, c)) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INPUT;
    }
    return write_agg(c, path, cv->has, cv->lo, cv->hi, &cv->rg);
}

const char *rs_curves_metric(const curves *c, size_t m) { return metric_name(c, m); }
