/* csv_task.c: the task csv: a researcher's own numeric table, for classification (a label
 * column, one-hot, softmax cross-entropy) or regression (real target columns, MSE). */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_data.h"
#include "ds_file.h"
#include "ds_parse.h"
#include "idx_task.h"

#define MAX_CLASSES 1000

typedef struct table {       /* one CSV file in memory */
    const char *path;
    uint8_t *buf;
    size_t len;
    ds_csv csv;
    double *v;               /* (n_rows, n_cols) */
    uint32_t *lines;         /* each row's line number */
} table;

static void table_free(const rs_host *host, rs_ctx *ctx, table *t)
{
    host->free(ctx, t->buf);
    host->free(ctx, t->v);
    host->free(ctx, t->lines);
}

static rs_status table_read(const rs_host *host, rs_ctx *ctx, const char *path, int header,
                            table *t)
{
    char err[300];
    unsigned line;
    int off = 0;
    t->path = path;
    rs_status st = ds_read_file(host, ctx, path, "", &t->buf, &t->len);
    if (st != RS_OK)
        return st;
    if (ds_csv_scan((const char *)t->buf, t->len, header, &t->csv, err, sizeof err) != 0) {
        if (sscanf(err, "line %u%n", &line, &off) == 1) /* "FILE:LINE: what" */
            return host->fail(ctx, RS_ERR_IO, "%s:%u%s%s", path, line,
                              err[off] == ',' ? ":" : "", err + off + (err[off] == ',' ? 1 : 0));
        return host->fail(ctx, RS_ERR_IO, "%s: %s", path, err);
    }
    size_t cells = (size_t)t->csv.n_rows * t->csv.n_cols;
    t->v = host->alloc(ctx, cells * sizeof(double));
    t->lines = host->alloc(ctx, (size_t)t->csv.n_rows * sizeof(uint32_t));
    if (!t->v || !t->lines)
        return host->fail(ctx, RS_ERR_NOMEM, "%s: no memory for %zu cells", path, cells);
    ds_csv_fill((const char *)t->buf, t->len, &t->csv, t->v, t->lines);
    return RS_OK;
}

/* target "" (the last column), or names / 0-based indices (negative: from the end) separated
 * by commas or semicolons (the command line's commas separate parameters), into is_target[]. Returns how many, or -1 after host->fail. */
static int targets(const rs_host *host, rs_ctx *ctx, const char *spec, const table *t,
                   unsigned char *is_target)
{
    uint32_t nc = t->csv.n_cols;
    if (!spec[0]) {
        is_target[nc - 1] = 1;
        return 1;
    }
    int n = 0;
    char *copy = host->alloc(ctx, strlen(spec) + 1), *save = NULL;
    if (!copy)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory"), -1;
    strcpy(copy, spec);
    for (char *tok = strtok_r(copy, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
        char *end, name[256];
        long k = strtol(tok, &end, 10);
        if (end == tok || *end) { /* a name */
            for (k = 0; k < (long)nc; k++) {
                ds_csv_column_name((const char *)t->buf, t->len, &t->csv, (uint32_t)k, name,
                                   sizeof name);
                if (strcmp(name, tok) == 0)
                    break;
            }
        } else if (k < 0) {
            k += nc;
        }
        if (k < 0 || k >= (long)nc || is_target[k]) {
            host->fail(ctx, RS_ERR_PARAM, "%s: target '%s' is %s (%u columns%s)", t->path, tok,
                       k >= 0 && k < (long)nc ? "named twice" : "not a column", nc,
                       t->csv.has_header ? ", names from the header" : ", no header: give "
                       "0-based indices");
            host->free(ctx, copy);
            return -1;
        }
        is_target[k] = 1;
        n++;
    }
    host->free(ctx, copy);
    if (n == (int)nc)
        return host->fail(ctx, RS_ERR_PARAM, "%s: every column is a target: no inputs left",
                          t->path), -1;
    return n;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

typedef struct rowref { const table *t; uint32_t r; } rowref;

/* Class labels: the sorted distinct values of the training rows' target. */
static int find_classes(const rs_host *host, rs_ctx *ctx, const rowref *rows, uint32_t n,
                        uint32_t col, double *classes)
{
    int k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const table *t = rows[i].t;
        double v = t->v[(size_t)rows[i].r * t->csv.n_cols + col];
        if (v != floor(v))
            return host->fail(ctx, RS_ERR_IO, "%s:%u: target %g is not a class label "
                              "(kind=classification needs whole numbers; kind=regression "
                              "for real targets)", t->path, t->lines[rows[i].r], v), -1;
        int j = 0;
        while (j < k && classes[j] < v)
            j++;
        if (j < k && classes[j] == v)
            continue;
        if (k == MAX_CLASSES)
            return host->fail(ctx, RS_ERR_IO, "%s: more than %d classes in column %u: is it "
                              "a regression target (kind=regression)?", t->path, MAX_CLASSES,
                              col), -1;
        memmove(classes + j + 1, classes + j, (size_t)(k - j) * sizeof *classes);
        classes[j] = v;
        k++;
    }
    if (k < 2)
        return host->fail(ctx, RS_ERR_IO, "%s: the training rows have %d class%s: nothing to "
                          "learn", rows[0].t->path, k, k == 1 ? "" : "es"), -1;
    return k;
}

/* One row into the data set: training row k (eval = 0) or evaluation column k. */
static rs_status put_row(const rs_host *host, rs_ctx *ctx, ds_data *d, const rowref *row,
                         const unsigned char *is_target, const double *classes, int eval,
                         uint32_t k)
{
    const table *t = row->t;
    const double *v = t->v + (size_t)row->r * t->csv.n_cols;
    uint32_t i = 0, o = 0;
    for (uint32_t c = 0; c < t->csv.n_cols; c++) {
        if (!is_target[c]) {
            rs_real x = (rs_real)v[c];
            if (eval)
                d->eval_x[(size_t)i * d->n_eval + k] = x;
            else
                d->train_x[(size_t)k * d->n_in + i] = x;
            i++;
        } else if (d->regression) {
            if (eval)
                d->eval_y[(size_t)o * d->n_eval + k] = (rs_real)v[c];
            else
                d->train_y[(size_t)k * d->n_out + o] = (rs_real)v[c];
            o++;
        } else {
            uint32_t cl = 0;
            while (cl < d->n_out && classes[cl] != v[c])
                cl++;
            if (cl == d->n_out)
                return host->fail(ctx, RS_ERR_IO, "%s:%u: class %g does not occur in the "
                                  "training rows", t->path, t->lines[row->r], v[c]);
            if (eval)
                d->eval_y[(size_t)cl * d->n_eval + k] = 1;
            else
                d->train_label[k] = (uint16_t)cl;
        }
    }
    return RS_OK;
}

/* Split the rows (a seeded shuffle when there is no test file) and fill the data set. */
static rs_status build(const rs_host *host, rs_ctx *ctx, const rs_params *p, const table *tr,
                       const table *te, const unsigned char *is_target, int n_targets,
                       void **shared_out)
{
    uint32_t n = tr->csv.n_rows, n_te = te ? te->csv.n_rows : 0;
    rowref *rows = host->alloc(ctx, ((size_t)n + n_te) * sizeof *rows);
    double *classes = host->alloc(ctx, MAX_CLASSES * sizeof *classes);
    if (!rows || !classes)
        return host->free(ctx, rows), host->fail(ctx, RS_ERR_NOMEM, "no memory");
    for (uint32_t r = 0; r < n; r++)
        rows[r] = (rowref){ tr, r };
    for (uint32_t r = 0; r < n_te; r++)
        rows[n + r] = (rowref){ te, r };
    uint32_t n_train = n, n_eval = n_te;
    double frac = host->param_real(p, "test_fraction");
    if (!te && frac > 0) {
        uint64_t seed = (uint64_t)host->param_int(p, "split_seed");
        for (uint32_t r = n - 1; r > 0; r--) { /* Fisher-Yates */
            uint32_t j = (uint32_t)(splitmix(&seed) % (r + 1));
            rowref tmp = rows[r];
            rows[r] = rows[j];
            rows[j] = tmp;
        }
        n_eval = (uint32_t)llround(frac * n);
        n_eval = n_eval < 1 ? 1 : n_eval;
        if (n_eval >= n) {
            host->free(ctx, rows), host->free(ctx, classes);
            return host->fail(ctx, RS_ERR_PARAM, "%s: test_fraction %g of %u rows leaves no "
                              "training rows", tr->path, frac, n);
        }
        n_train = n - n_eval;
    }
    const rowref *eval_rows = rows + n_train; /* the held-out tail, or the test file */
    if (!te && frac == 0) { /* no test set: evaluate on the training rows */
        n_eval = n;
        eval_rows = rows;
    }
    int regression = strcmp(host->param_str(p, "kind"), "regression") == 0;
    uint32_t col = 0;
    while (!is_target[col])
        col++;
    if (!regression && n_targets != 1) {
        host->free(ctx, rows), host->free(ctx, classes);
        return host->fail(ctx, RS_ERR_PARAM, "kind=classification takes one target column, "
                          "%d given", n_targets);
    }
    int k = regression ? n_targets : find_classes(host, ctx, rows, n_train, col, classes);
    ds_data shape = { .n_in = tr->csv.n_cols - (uint32_t)n_targets, .n_out = (uint32_t)k,
                      .n_train = n_train, .n_eval = n_eval, .regression = regression };
    ds_data *d = k > 0 ? ds_data_new(host, ctx, &shape) : NULL;
    rs_status st = d ? RS_OK : RS_ERR_IO;
    for (uint32_t r = 0; st == RS_OK && r < n_train; r++)
        st = put_row(host, ctx, d, &rows[r], is_target, classes, 0, r);
    for (uint32_t c = 0; st == RS_OK && c < n_eval; c++)
        st = put_row(host, ctx, d, &eval_rows[c], is_target, classes, 1, c);
    host->free(ctx, rows);
    host->free(ctx, classes);
    if (st != RS_OK) {
        ds_unload(host, d);
        return st;
    }
    if (host->param_bool(p, "standardize"))
        ds_data_standardise(d);
    *shared_out = d;
    return RS_OK;
}

static rs_status csv_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                          void **shared_out, uint64_t *bytes_out)
{
    *shared_out = NULL;
    const char *file = host->param_str(p, "file"), *test_file = host->param_str(p, "test_file");
    const char *hdr = host->param_str(p, "header");
    int header = strcmp(hdr, "yes") == 0 ? 1 : strcmp(hdr, "no") == 0 ? 0 : -1;
    if (!file[0])
        return host->fail(ctx, RS_ERR_PARAM, "csv: give file=PATH, a CSV file of numbers");
    table tr = { 0 }, te = { 0 };
    unsigned char *is_target = NULL;
    rs_status st = table_read(host, ctx, file, header, &tr);
    if (st == RS_OK && test_file[0])
        st = table_read(host, ctx, test_file, header, &te);
    if (st == RS_OK && test_file[0] && te.csv.n_cols != tr.csv.n_cols)
        st = host->fail(ctx, RS_ERR_IO, "%s: %u columns, the training file %s has %u",
                        test_file, te.csv.n_cols, file, tr.csv.n_cols);
    if (st == RS_OK && !(is_target = host->alloc(ctx, tr.csv.n_cols)))
        st = host->fail(ctx, RS_ERR_NOMEM, "no memory");
    int n_targets = st == RS_OK ? targets(host, ctx, host->param_str(p, "target"), &tr,
                                          is_target) : -1;
    if (st == RS_OK && n_targets < 0)
        st = RS_ERR_PARAM;
    if (st == RS_OK)
        st = build(host, ctx, p, &tr, test_file[0] ? &te : NULL, is_target, n_targets,
                   shared_out);
    if (st == RS_OK)
        *bytes_out = ((ds_data *)*shared_out)->bytes;
    host->free(ctx, is_target);
    table_free(host, ctx, &tr);
    table_free(host, ctx, &te);
    return st;
}

static const rs_param_spec csv_params[] = {
    { .name = "file", .type = RS_PARAM_STR, .def_str = "",
      .help = "the CSV file (numbers; a header line detected or declared; gzip'd or not)" },
    { .name = "test_file", .type = RS_PARAM_STR, .def_str = "",
      .help = "a CSV file of test rows, same columns; \"\" = split file by test_fraction" },
    { .name = "test_fraction", .type = RS_PARAM_REAL, .def = 0.2, .lo = 0, .hi = 0.9,
      .help = "without test_file: this share of the rows, drawn with split_seed, is the "
              "evaluation set; 0 = evaluate on the training rows" },
    { .name = "split_seed", .type = RS_PARAM_INT, .def = 1, .lo = 0, .hi = 2147483647,
      .help = "seed of the train/test split" },
    { .name = "header", .type = RS_PARAM_CHOICE, .def_str = "auto", .choices = "auto|yes|no",
      .help = "auto: the first line is a header when a cell of it is not a number" },
    { .name = "target", .type = RS_PARAM_STR, .def_str = "",
      .help = "target column(s): names or 0-based indices (negative from the end), comma-"
              "separated; \"\" = the last column" },
    { .name = "kind", .type = RS_PARAM_CHOICE, .def_str = "classification",
      .choices = "classification|regression",
      .help = "classification: whole-number labels, one-hot, softmax CE; regression: MSE" },
    { .name = "standardize", .type = RS_PARAM_BOOL, .def = 1,
      .help = "scale every input column to zero mean, unit variance (training statistics)" },
    { .name = "target_acc", .type = RS_PARAM_REAL, .def = 0.9, .lo = 0, .hi = 1,
      .help = "classification: solved = evaluation accuracy at least this" },
    { .name = "target_loss", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 1e30,
      .help = "regression: solved = evaluation MSE at most this" },
    { 0 }
};

const rs_task_desc ds_csv_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "csv", .head.version = "1.0.0",
    .head.summary = "your own numeric CSV table: classification or regression",
    .head.citation = NULL, .head.params = csv_params,
    .load = csv_load, .create = ds_create, .batch = ds_batch, .eval_set = ds_eval_set,
    .solved = ds_solved, .destroy = ds_destroy, .unload = ds_unload, .gather = ds_gather,
};
