/* cmd_plot.c: `ruleset plot RUNDIR [--term png|svg|dumb] [-o OUTFILE] [--quiet]`.
 *
 * Reads RUNDIR/curves.tsv (one row per evaluation point per replicate), aggregates every metric
 * column over the replicates of each (rule, task, net, step) into RUNDIR/curves_agg.tsv (mean,
 * 10th and 90th percentile of the finite values), then draws the figures by running gnuplot on
 * scripts/curves.gp, scripts/metrics.gp and scripts/success.gp. C only chooses a script and
 * passes variables with -e (labels as quoted gnuplot strings, indices as integers); every
 * plotting decision is in the scripts, whose headers list the variables they receive.
 *
 * Figures: RUNDIR/curves.png (or .svg), metrics.png when a rule reports extra metrics,
 * success.png from summary.tsv; -o names the curves figure; --term dumb prints them all to
 * stdout. --quiet (as `ruleset compare` calls it) drops the "wrote FILE" lines; errors print.
 * Nothing is written when gnuplot or the scripts cannot be found.
 *
 * Exit codes: 0 done, 2 bad input (arguments, run folder, damaged TSV), 3 gnuplot missing or
 * failing, or the scripts not found. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h" /* rs_cmd_plot, RS_EXIT_* */
#include "paths.h" /* rs_data_dir */
#include "plot_nets.h"

#define PLOT_USAGE "usage: ruleset plot RUNDIR [--term png|svg|dumb] [-o OUTFILE] [--quiet] " \
                   "[--replicate K] [--input ROW]"

/* ---------------------------------------------------------------------------------------- */
/* a growable string                                                                        */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    size_t mark; /* where the current -e chunk starts (gp_next) */
    int oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = 1; /* only short numeric pieces go through here */
        return;
    }
    sb_putn(b, tmp, (size_t)n);
}

/* Linux caps one argument at 128 KiB, so the assignments go to gnuplot as several -e
 * arguments: gp_next, called after each complete assignment, starts a new chunk with a '\n'
 * (which no label can hold: they come from TSV lines) once the current one passes 60 000. */
static void gp_next(sbuf *b)
{
    if (b->len - b->mark > 60000) {
        sb_putn(b, "\n", 1);
        b->mark = b->len;
    }
}

/* name='value' with ' doubled: gnuplot's single-quoted strings take everything else literally,
 * so brackets, '=', ',', ':', '%', '\' and spaces in labels are safe. */
static void gp_str(sbuf *b, const char *name, const char *val)
{
    sb_puts(b, name);
    sb_puts(b, "='");
    for (const char *p = val; *p; p++)
        sb_putn(b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
    sb_puts(b, "'; ");
    gp_next(b);
}

static void gp_int(sbuf *b, const char *name, long v)
{
    sb_printf(b, "%s=%ld; ", name, v);
    gp_next(b);
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* ---------------------------------------------------------------------------------------- */
/* labels: first-appearance order; a one-entry cache makes the usual sorted input O(1)        */

typedef struct labels {
    char **s;
    size_t n, cap, last;
} labels;

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

/* Splits t->line (no newline) at tabs into t->field; returns the number of cells. */
static long tsv_split(tsv *t)
{
    size_t k = 0;
    for (char *p = t->line;;) {
        if (k < t->ncol + 1)
            t->field[k] = p;
        k++;
        char *tab = strchr(p, '\t');
        if (!tab)
            return (long)k;
        *tab = '\0';
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
/* curves.tsv in memory                                                                     */

typedef struct row {
    uint32_t panel, rule; /* label indices */
    size_t idx;           /* row in vals */
    double step;
} row;

typedef struct curves {
    char **names; /* header */
    size_t ncol;
    size_t nm;    /* metric columns: every column but rule, task, net, rep, step */
    long *mcol;   /* (nm) column of each metric */
    labels rules, panels;
    row *rows;
    size_t nrows, cap;
    double *vals; /* (nrows, nm) */
} curves;

static void curves_free(curves *c)
{
    for (size_t i = 0; c->names && i < c->ncol; i++)
        free(c->names[i]);
    free(c->names);
    free(c->mcol);
    lab_free(&c->rules);
    lab_free(&c->panels);
    free(c->rows);
    free(c->vals);
}

static const char *metric_name(const curves *c, size_t m) { return c->names[c->mcol[m]]; }

static int curves_read(curves *c, const char *path, const char *rundir)
{
    char hint[4200];
    snprintf(hint, sizeof hint, "is %s a run folder made by 'ruleset compare'?", rundir);
    tsv t;
    int rc = tsv_open(&t, path, hint);
    if (rc)
        goto done;
    rc = RS_EXIT_INPUT;
    c->ncol = t.ncol;
    if (!(c->names = tsv_names(&t)) || !(c->mcol = calloc(t.ncol, sizeof *c->mcol))) {
        fprintf(stderr, "ruleset: out of memory reading %s\n", path);
        goto done;
    }
    static const char *const need[] = {"rule", "task", "net", "step", "loss"};
    long col[5];
    for (int i = 0; i < 5; i++)
        if ((col[i] = find_col(c->names, c->ncol, need[i])) < 0) {
            fprintf(stderr, "ruleset: %s:1: the header has no '%s' column; expected "
                    "rule, task, net, rep, step, loss, acc and extra metrics\n", path, need[i]);
            goto done;
        }
    for (size_t i = 0; i < c->ncol; i++) {
        if (find_col(c->names, i, c->names[i]) >= 0) {
            fprintf(stderr, "ruleset: %s:1: column '%s' appears twice\n", path, c->names[i]);
            goto done;
        }
        const char *nm = c->names[i];
        if (strcmp(nm, "rule") && strcmp(nm, "task") && strcmp(nm, "net") && strcmp(nm, "rep")
            && strcmp(nm, "step"))
            c->mcol[c->nm++] = (long)i;
    }
    long nf;
    while ((nf = tsv_next(&t)) > 0) {
        if ((size_t)nf != c->ncol) {
            fprintf(stderr, "ruleset: %s:%ld: %ld tab-separated cells, the header has %zu; "
                    "the file is damaged\n", path, t.lineno, nf, c->ncol);
            goto done;
        }
        if (c->nrows == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 1024;
            row *r = realloc(c->rows, cap * sizeof *r);
            if (r)
                c->rows = r;
            double *v = r ? realloc(c->vals, cap * c->nm * sizeof *v) : NULL;
            if (!v) {
                fprintf(stderr, "ruleset: out of memory reading %s\n", path);
                goto done;
            }
            c->vals = v;
            c->cap = cap;
        }
        row *r = &c->rows[c->nrows];
        long ri = lab_index(&c->rules, t.field[col[0]]);
        long pi = panel_index(&c->panels, t.field[col[1]], t.field[col[2]]);
        if (ri < 0 || pi < 0) {
            fprintf(stderr, "ruleset: out of memory reading %s\n", path);
            goto done;
        }
        r->rule = (uint32_t)ri;
        r->panel = (uint32_t)pi;
        r->idx = c->nrows;
        const char *bad = NULL;
        if (parse_num(t.field[col[3]], &r->step) || !isfinite(r->step))
            bad = "step";
        for (size_t m = 0; m < c->nm && !bad; m++)
            if (parse_num(t.field[c->mcol[m]], &c->vals[c->nrows * c->nm + m]))
                bad = metric_name(c, m);
        if (bad) {
            long k = find_col(c->names, c->ncol, bad);
            fprintf(stderr, "ruleset: %s:%ld: column '%s': '%s' is not a number; the file is "
                    "damaged\n", path, t.lineno, bad, t.field[k]);
            goto done;
        }
        c->nrows++;
    }
    if (nf < 0) {
        fprintf(stderr, "ruleset: %s: read error (%s)\n", path, strerror(errno));
        goto done;
    }
    if (c->nrows == 0) {
        fprintf(stderr, "ruleset: %s: no data rows, nothing to plot; did the comparison "
                "run any job?\n", path);
        goto done;
    }
    rc = RS_EXIT_OK;
done:
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

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* Linear interpolation between order statistics (numpy's default, R's type 7). */
static double quantile(const double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)h;
    return lo + 1 < n ? x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}

static void put_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("\tnan", f);
    else
        fprintf(f, "\t%.10g", v);
}

/* Writes PATH (via PATH.tmp and a rename), sorted by panel, rule, step, without blank lines.
 * Sets has[(panel * nrules + rule) * nm + m] when that curve has at least one finite mean of
 * metric m, and lo/hi[panel * nrules + rule] to the curve's first and last data line (0-based,
 * not counting the header: gnuplot's `every ::lo::hi`), -1 when it has none. */
static int write_agg(curves *c, const char *path, unsigned char *has, long *lo, long *hi)
{
    size_t nm = c->nm, nr = c->rules.n;
    double *scratch = malloc((c->nrows ? c->nrows : 1) * sizeof *scratch);
    char *tmp = malloc(strlen(path) + 5);
    FILE *f = NULL;
    int rc = RS_EXIT_INPUT;
    if (!scratch || !tmp) {
        fprintf(stderr, "ruleset: out of memory writing %s\n", path);
        goto done;
    }
    sprintf(tmp, "%s.tmp", path);
    if (!(f = fopen(tmp, "w"))) {
        fprintf(stderr, "ruleset: %s: cannot write (%s)\n", tmp, strerror(errno));
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
        fprintf(f, "%s\t%s\t%.10g\t%zu", c->rules.s[g->rule], c->panels.s[g->panel], g->step,
                j - i);
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
            qsort(scratch, n, sizeof *scratch, dbl_cmp);
            double mean = sum / (double)n;
            put_num(f, mean);
            put_num(f, quantile(scratch, n, 0.1));
            put_num(f, quantile(scratch, n, 0.9));
            if (isfinite(mean))
                has[pr * nm + m] = 1;
        }
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        f = NULL;
        fprintf(stderr, "ruleset: %s: write error (%s)\n", tmp, strerror(errno));
        goto done;
    }
    f = NULL;
    if (rename(tmp, path)) {
        fprintf(stderr, "ruleset: %s: cannot write (%s)\n", path, strerror(errno));
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
/* finding gnuplot and the scripts, running a script                                        */

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The first executable "gnuplot" on $PATH (an empty entry means the current folder). */
static char *find_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *dir = n ? strndup(p, n) : strdup(".");
        char *exe = dir ? join_path(dir, "gnuplot") : NULL;
        free(dir);
        if (exe && is_exec_file(exe))
            return exe;
        free(exe);
        if (!end)
            return NULL;
        p = end + 1;
    }
}

static int has_script(const char *dir)
{
    char *p = join_path(dir, "curves.gp");
    int ok = p && access(p, R_OK) == 0;
    free(p);
    return ok;
}

/* $RULESET_SCRIPTS_DIR, else the scripts of this binary (paths.h): the source tree's for a
 * build-tree binary, the installed ones (found beside the executable) for an installed one. */
static const char *find_scripts(int *rc)
{
    const char *env = getenv("RULESET_SCRIPTS_DIR");
    if (env && *env) {
        if (has_script(env))
            return env;
        fprintf(stderr, "ruleset: RULESET_SCRIPTS_DIR=%s: no curves.gp there; point it at "
                "ruleset's scripts folder or unset it\n", env);
        *rc = RS_EXIT_INPUT;
        return NULL;
    }
    static char dir[4200];
    if (rs_data_dir("scripts", "curves.gp", NULL, dir, sizeof dir))
        return dir;
    fprintf(stderr, "ruleset: cannot find the gnuplot scripts (curves.gp) beside this ruleset, "
            "in " RS_SOURCE_DIR "/scripts or " RS_INSTALL_DATA_DIR "/scripts; set "
            "RULESET_SCRIPTS_DIR to the folder holding them\n");
    *rc = RS_EXIT_INTERNAL;
    return NULL;
}

/* gnuplot -d -e CHUNK1 [-e CHUNK2 ...] DIR/SCRIPT, no shell in between; VARS holds the chunks
 * separated by '\n' and is split in place. Returns 0, or prints one line and returns 3. */
static int run_gnuplot(const char *gnuplot, char *vars, const char *dir, const char *name)
{
    size_t nchunk = 1;
    for (const char *p = vars; *p; p++)
        nchunk += *p == '\n';
    char *script = join_path(dir, name);
    char **args = calloc(2 * nchunk + 4, sizeof *args);
    char arg0[] = "gnuplot", arg1[] = "-d", dash_e[] = "-e";
    if (!script || !args) {
        fprintf(stderr, "ruleset: out of memory\n");
        free(script);
        free(args);
        return RS_EXIT_INTERNAL;
    }
    size_t k = 0;
    args[k++] = arg0;
    args[k++] = arg1;
    for (char *p = vars; p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        args[k++] = dash_e;
        args[k++] = p;
        p = nl ? nl + 1 : NULL;
    }
    args[k++] = script;
    args[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        execv(gnuplot, args);
        fprintf(stderr, "ruleset: %s: cannot run (%s)\n", gnuplot, strerror(errno));
        _exit(127);
    }
    int status = 0, rc = RS_EXIT_INTERNAL;
    if (pid < 0)
        fprintf(stderr, "ruleset: cannot start gnuplot (%s)\n", strerror(errno));
    else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            rc = 0;
        else if (WIFEXITED(status))
            fprintf(stderr, "ruleset: gnuplot failed on %s (exit %d); its message is above\n",
                    script, WEXITSTATUS(status));
        else
            fprintf(stderr, "ruleset: gnuplot was killed (signal %d) running %s\n",
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0, script);
    }
    free(script);
    free(args);
    return rc;
}

/* the same runner for the network figures of plot_nets.c */
static int run_gnuplot_nets(const char *gnuplot, char *vars, const char *dir, const char *name)
{
    return run_gnuplot(gnuplot, vars, dir, name);
}

/* ---------------------------------------------------------------------------------------- */
/* the variables each script receives                                                       */

/* infile, outfile, term, nrules + rule<i>, npanels + task<p> + net<p> (1-based). */
static void vars_common(sbuf *b, const curves *c, const char *infile, const char *outfile,
                        const char *term)
{
    char name[64];
    gp_str(b, "infile", infile);
    gp_str(b, "outfile", outfile);
    gp_str(b, "term", term);
    gp_int(b, "nrules", (long)c->rules.n);
    for (size_t r = 0; r < c->rules.n; r++) {
        snprintf(name, sizeof name, "rule%zu", r + 1);
        gp_str(b, name, c->rules.s[r]);
    }
    gp_int(b, "npanels", (long)c->panels.n);
    for (size_t p = 0; p < c->panels.n; p++) {
        const char *key = c->panels.s[p], *tab = strchr(key, '\t');
        char *task = strndup(key, (size_t)(tab - key));
        if (!task) {
            b->oom = 1;
            return;
        }
        snprintf(name, sizeof name, "task%zu", p + 1);
        gp_str(b, name, task);
        snprintf(name, sizeof name, "net%zu", p + 1);
        gp_str(b, name, tab + 1);
        free(task);
    }
}

/* Space-separated 1-based indices of the rules with a finite mean of metric m in panel p. */
static void rules_with(sbuf *b, const curves *c, const unsigned char *has, size_t p, size_t m)
{
    int first = 1;
    for (size_t r = 0; r < c->rules.n; r++)
        if (has[(p * c->rules.n + r) * c->nm + m]) {
            sb_printf(b, first ? "%zu" : " %zu", r + 1);
            first = 0;
        }
}

/* The data lines of each curve in curves_agg.tsv: lo_<p>_<r>, hi_<p>_<r> for the curves that
 * have any, and plo<p>, phi<p> spanning panel p (-1 when empty). */
static void vars_ranges(sbuf *b, const curves *c, const long *lo, const long *hi)
{
    char name[64];
    for (size_t p = 0; p < c->panels.n; p++) {
        long plo = -1, phi = -1;
        for (size_t r = 0; r < c->rules.n; r++) {
            size_t k = p * c->rules.n + r;
            if (lo[k] < 0)
                continue;
            snprintf(name, sizeof name, "lo_%zu_%zu", p + 1, r + 1);
            gp_int(b, name, lo[k]);
            snprintf(name, sizeof name, "hi_%zu_%zu", p + 1, r + 1);
            gp_int(b, name, hi[k]);
            plo = plo < 0 || lo[k] < plo ? lo[k] : plo;
            phi = hi[k] > phi ? hi[k] : phi;
        }
        snprintf(name, sizeof name, "plo%zu", p + 1);
        gp_int(b, name, plo);
        snprintf(name, sizeof name, "phi%zu", p + 1);
        gp_int(b, name, phi);
    }
}

/* Output path for figure STEM: OUTFILE for the curves when -o was given, stdout ('') for dumb
 * without -o, RUNDIR/STEM.png|svg|txt otherwise. */
static char *out_path(const char *rundir, const char *stem, const char *ext, const char *oflag,
                      int dumb)
{
    if (oflag && strcmp(stem, "curves") == 0)
        return strdup(oflag);
    if (dumb && !oflag)
        return strdup("");
    char name[32];
    snprintf(name, sizeof name, "%s.%s", stem, ext);
    return join_path(rundir, name);
}

/* ---------------------------------------------------------------------------------------- */
/* the command                                                                              */

int rs_cmd_plot(int argc, char **argv)
{
    const char *rundir_arg = NULL, *term = "png", *oflag = NULL;
    int quiet = 0;
    long replicate = -1, input_row = -1; /* the network figures' (plot_nets.c) */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n  Aggregates RUNDIR/curves.tsv into RUNDIR/curves_agg.tsv and draws "
                   "curves, metrics and success figures\n  with gnuplot (default "
                   "RUNDIR/curves.png; --term dumb prints them; -o names the curves figure).\n",
                   PLOT_USAGE);
            return 0;
        } else if (strcmp(a, "--term") == 0 || strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ruleset: plot: %s needs a value; %s\n", a, PLOT_USAGE);
                return RS_EXIT_INPUT;
            }
            *(a[1] == 'o' ? &oflag : &term) = argv[++i];
        } else if (strncmp(a, "--term=", 7) == 0)
            term = a + 7;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = 1;
        else if (strcmp(a, "--replicate") == 0 || strcmp(a, "--input") == 0) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (v < 0 || !end || *end) {
                fprintf(stderr, "ruleset: plot: %s takes a whole number >= 0; %s\n", a,
                        PLOT_USAGE);
                return RS_EXIT_INPUT;
            }
            *(a[2] == 'r' ? &replicate : &input_row) = v;
            i++;
        }
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "ruleset: plot: unknown option '%s'; %s\n", a, PLOT_USAGE);
            return RS_EXIT_INPUT;
        } else if (rundir_arg) {
            fprintf(stderr, "ruleset: plot: one run folder only, got '%s' and '%s'; %s\n",
                    rundir_arg, a, PLOT_USAGE);
            return RS_EXIT_INPUT;
        } else
            rundir_arg = a;
    }
    if (!rundir_arg) {
        fprintf(stderr, "ruleset: plot: no run folder given; %s\n", PLOT_USAGE);
        return RS_EXIT_INPUT;
    }
    const char *gpterm, *ext;
    if (strcmp(term, "png") == 0)
        gpterm = "pngcairo", ext = "png";
    else if (strcmp(term, "svg") == 0)
        gpterm = "svg", ext = "svg";
    else if (strcmp(term, "dumb") == 0)
        gpterm = "dumb", ext = "txt";
    else {
        fprintf(stderr, "ruleset: plot: --term '%s' is not one of png, svg, dumb\n", term);
        return RS_EXIT_INPUT;
    }
    if (oflag && !*oflag) {
        fprintf(stderr, "ruleset: plot: -o needs a file name; %s\n", PLOT_USAGE);
        return RS_EXIT_INPUT;
    }
    int dumb = strcmp(term, "dumb") == 0;

    /* "runs/x/" -> "runs/x", so messages and paths read cleanly */
    char *rundir = strdup(rundir_arg);
    if (!rundir) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    for (size_t n = strlen(rundir); n > 1 && rundir[n - 1] == '/';)
        rundir[--n] = '\0';

    int rc = RS_EXIT_INPUT;
    curves c;
    memset(&c, 0, sizeof c);
    unsigned char *has = NULL;
    long *lo = NULL, *hi = NULL;
    char *curves_tsv = NULL, *agg = NULL, *summary = NULL, *gnuplot = NULL;
    char *out_curves = NULL, *out_metrics = NULL, *out_success = NULL;
    sbuf vars = {0};
    struct stat st;
    if (stat(rundir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const char *why = stat(rundir, &st) != 0 ? (errno == ENOENT ? "no such folder"
                                                                    : strerror(errno))
                                                 : "not a folder";
        fprintf(stderr, "ruleset: %s: %s; give the run folder made by 'ruleset compare'\n",
                rundir, why);
        goto done;
    }
    curves_tsv = join_path(rundir, "curves.tsv");
    agg = join_path(rundir, "curves_agg.tsv");
    summary = join_path(rundir, "summary.tsv");
    if (!curves_tsv || !agg || !summary) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto done;
    }
    if ((rc = curves_read(&c, curves_tsv, rundir)))
        goto done;
    rc = RS_EXIT_INPUT;
    int have_summary = access(summary, F_OK) == 0;
    if (have_summary && (rc = summary_labels(&c, summary)))
        goto done;

    /* nothing is written unless the figures can be drawn too */
    rc = RS_EXIT_INTERNAL;
    if (!(gnuplot = find_gnuplot())) {
        fprintf(stderr, "ruleset: gnuplot not found on PATH; install it (Debian: apt-get install "
                "gnuplot-nox) and run 'ruleset plot %s' again\n", rundir);
        goto done;
    }
    const char *scripts = find_scripts(&rc);
    if (!scripts)
        goto done;
    rc = RS_EXIT_INPUT;
    has = calloc(c.panels.n * c.rules.n * c.nm + 1, 1);
    lo = calloc(c.panels.n * c.rules.n + 1, sizeof *lo);
    hi = calloc(c.panels.n * c.rules.n + 1, sizeof *hi);
    if (!has || !lo || !hi) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto done;
    }
    if ((rc = write_agg(&c, agg, has, lo, hi)))
        goto done;
    if (!dumb && !quiet)
        printf("wrote %s\n", agg);
    rc = RS_EXIT_INTERNAL;
    out_curves = out_path(rundir, "curves", ext, oflag, dumb);
    out_metrics = out_path(rundir, "metrics", ext, oflag, dumb);
    out_success = out_path(rundir, "success", ext, oflag, dumb);
    if (!out_curves || !out_metrics || !out_success) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto done;
    }

    /* curves.gp: loss; prules<p> lists the rules with a finite loss in panel p */
    size_t loss = 0;
    while (strcmp(metric_name(&c, loss), "loss") != 0)
        loss++;
    char name[64];
    vars_common(&vars, &c, agg, out_curves, gpterm);
    vars_ranges(&vars, &c, lo, hi);
    for (size_t p = 0; p < c.panels.n; p++) {
        snprintf(name, sizeof name, "prules%zu='", p + 1);
        sb_puts(&vars, name);
        rules_with(&vars, &c, has, p, loss);
        sb_puts(&vars, "'; ");
        gp_next(&vars);
    }
    if (vars.oom) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto done;
    }
    if ((rc = run_gnuplot(gnuplot, vars.s, scripts, "curves.gp")))
        goto done;
    if (*out_curves && !quiet)
        printf("wrote %s\n", out_curves);

    /* metrics.gp: the extra metrics (not loss, not acc); metric<k>, mrows (panels with any
     * extra metric) and mrules_<k>_<p> */
    vars.len = vars.mark = 0;
    vars_common(&vars, &c, agg, out_metrics, gpterm);
    vars_ranges(&vars, &c, lo, hi);
    size_t nextra = 0;
    sbuf mrows = {0};
    for (size_t p = 0; p < c.panels.n; p++) {
        int any = 0;
        for (size_t m = 0; m < c.nm; m++) {
            const char *mn = metric_name(&c, m);
            if (!strcmp(mn, "loss") || !strcmp(mn, "acc"))
                continue;
            for (size_t r = 0; r < c.rules.n; r++)
                any |= has[(p * c.rules.n + r) * c.nm + m];
        }
        if (any)
            sb_printf(&mrows, mrows.len ? " %zu" : "%zu", p + 1);
    }
    for (size_t m = 0; m < c.nm; m++) {
        const char *mn = metric_name(&c, m);
        if (!strcmp(mn, "loss") || !strcmp(mn, "acc"))
            continue;
        nextra++;
        snprintf(name, sizeof name, "metric%zu", nextra);
        gp_str(&vars, name, mn);
        for (size_t p = 0; p < c.panels.n; p++) {
            snprintf(name, sizeof name, "mrules_%zu_%zu='", nextra, p + 1);
            sb_puts(&vars, name);
            rules_with(&vars, &c, has, p, m);
            sb_puts(&vars, "'; ");
            gp_next(&vars);
        }
    }
    gp_int(&vars, "nmetrics", (long)nextra);
    gp_str(&vars, "mrows", mrows.s ? mrows.s : "");
    int oom = vars.oom || mrows.oom;
    free(mrows.s);
    if (oom) {
        fprintf(stderr, "ruleset: out of memory\n");
        goto done;
    }
    if (mrows.len) {
        if ((rc = run_gnuplot(gnuplot, vars.s, scripts, "metrics.gp")))
            goto done;
        if (*out_metrics && !quiet)
            printf("wrote %s\n", out_metrics);
    }

    /* success.gp: bars from summary.tsv, same labels */
    if (have_summary) {
        vars.len = vars.mark = 0;
        vars_common(&vars, &c, summary, out_success, gpterm);
        if (vars.oom) {
            fprintf(stderr, "ruleset: out of memory\n");
            goto done;
        }
        if ((rc = run_gnuplot(gnuplot, vars.s, scripts, "success.gp")))
            goto done;
        if (*out_success && !quiet)
            printf("wrote %s\n", out_success);
    } else if (!quiet)
        fprintf(stderr, "ruleset: %s: no such file; no success-rate chart\n", summary);

    /* the trained networks, when the run kept them (plot_nets.c); not as text */
    if (!dumb) {
        rs_plot_nets_opts no = { .rundir = rundir, .gnuplot = gnuplot, .scripts = scripts,
                                 .gpterm = gpterm, .ext = ext, .replicate = replicate,
                                 .input_row = input_row, .quiet = quiet,
                                 .run = run_gnuplot_nets };
        if ((rc = rs_plot_nets(&no)))
            goto done;
    }
    rc = RS_EXIT_OK;
done:
    curves_free(&c);
    free(has);
    free(lo);
    free(hi);
    free(curves_tsv);
    free(agg);
    free(summary);
    free(gnuplot);
    free(out_curves);
    free(out_metrics);
    free(out_success);
    free(vars.s);
    free(rundir);
    return rc;
}
