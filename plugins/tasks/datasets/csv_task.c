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
#include "ds_table.h"
#include "idx_task.h"

#define MAX_CLASSES 1000

typedef ds_table table;

/* target "" (the last column), or names / 0-based indices (negative: from the end) separated
 * by commas or semicolons (the command line's commas separate parameters), into is_target[].
 * Returns how many, or -1 after host->fail. */
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

/* Where the rows go: rows[0..n_train) train, rows[eval_at..eval_at + n_eval) evaluate (the
 * held-out tail, the test file, or with test_fraction 0 the training rows themselves). */
typedef struct split { rowref *rows; uint32_t n_train, n_eval, eval_at; } split;

/* The training file's rows, then the test file's; without a test file, a seeded shuffle of
 * the training file's and its last test_fraction held out. */
static rs_status split_rows(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const table *tr, const table *te, split *s)
{
    uint32_t n = tr->csv.n_rows, n_te = te ? te->csv.n_rows : 0;
    for (uint32_t r = 0; r < n; r++)
        s->rows[r] = (rowref){ tr, r };
    for (uint32_t r = 0; r < n_te; r++)
        s->rows[n + r] = (rowref){ te, r };
    double frac = host->param_real(p, "test_fraction");
    s->n_train = n;
    s->n_eval = te ? n_te : n;
    s->eval_at = te ? n : 0; /* eval_at 0: the training rows evaluate */
    if (te || frac == 0)
        return RS_OK;
    ds_shuffle(s->rows, n, sizeof *s->rows, (uint64_t)host->param_int(p, "split_seed"));
    uint32_t n_eval = (uint32_t)llround(frac * n);
    n_eval = n_eval < 1 ? 1 : n_eval;
    if (n_eval >= n)
        return host->fail(ctx, RS_ERR_PARAM, "%s: test_fraction %g of %u rows leaves no "
                          "training rows", tr->path, frac, n);
    *s = (split){ s->rows, n - n_eval, n_eval, n - n_eval };
    return RS_OK;
}

/* Keep the rows whose class (column col) is one of classes[0..k), in order; how many. */
static uint32_t keep_classes(rowref *rows, uint32_t n, uint32_t col, const double *classes,
                             uint32_t k)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        double v = rows[i].t->v[(size_t)rows[i].r * rows[i].t->csv.n_cols + col];
        uint32_t c = 0;
        while (c < k && classes[c] != v)
            c++;
        if (c < k)
            rows[kept++] = rows[i];
    }
    return kept;
}

/* The parameter classes (a subset of the k classes, relabelled in its order; classes NULL for
 * regression) and train_limit on the split. */
static rs_status select_rows(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                             const table *tr, uint32_t col, double *classes, int *k, split *s)
{
    uint32_t order[MAX_CLASSES];
    double all[MAX_CLASSES];
    const char *text = host->param_str(p, "classes");
    int sub = classes ? ds_class_subset(host, ctx, text, classes, (uint32_t)*k, order) : 0;
    if (sub < 0)
        return RS_ERR_PARAM;
    if (sub > 0) {
        memcpy(all, classes, (size_t)*k * sizeof *all);
        for (int j = 0; j < sub; j++)
            classes[j] = all[order[j]];
        *k = sub;
        s->n_train = keep_classes(s->rows, s->n_train, col, classes, (uint32_t)sub);
        s->n_eval = s->eval_at == 0 ? s->n_train /* the training rows evaluate */
                                    : keep_classes(s->rows + s->eval_at, s->n_eval, col,
                                                   classes, (uint32_t)sub);
    }
    int64_t limit = host->param_int(p, "train_limit");
    if (limit > 0 && s->n_train > limit) {
        s->n_train = (uint32_t)limit;
        s->n_eval = s->eval_at == 0 ? s->n_train : s->n_eval;
    }
    if (s->n_eval == 0)
        return host->fail(ctx, RS_ERR_PARAM, "%s: classes \"%s\" leave no evaluation rows",
                          tr->path, text);
    return RS_OK;
}

/* Split the rows, choose the classes and rows kept, and fill the data set. */
static rs_status build(const rs_host *host, rs_ctx *ctx, const rs_params *p, const table *tr,
                       const table *te, const unsigned char *is_target, int n_targets,
                       void **shared_out)
{
    uint32_t n = tr->csv.n_rows, n_te = te ? te->csv.n_rows : 0;
    split s = { host->alloc(ctx, ((size_t)n + n_te) * sizeof(rowref)), 0, 0, 0 };
    double *classes = host->alloc(ctx, MAX_CLASSES * sizeof *classes);
    if (!s.rows || !classes)
        return host->free(ctx, s.rows), host->fail(ctx, RS_ERR_NOMEM, "no memory");
    int regression = strcmp(host->param_str(p, "kind"), "regression") == 0;
    uint32_t col = 0;
    while (!is_target[col])
        col++;
    rs_status st = split_rows(host, ctx, p, tr, te, &s);
    if (st == RS_OK && !regression && n_targets != 1)
        st = host->fail(ctx, RS_ERR_PARAM, "kind=classification takes one target column, "
                        "%d given", n_targets);
    if (st == RS_OK && regression && host->param_str(p, "classes")[0])
        st = host->fail(ctx, RS_ERR_PARAM, "classes: a subset of classes needs "
                        "kind=classification");
    int k = st != RS_OK ? -1 : regression ? n_targets
                                           : find_classes(host, ctx, s.rows, s.n_train, col,
                                                          classes);
    if (k > 0 && select_rows(host, ctx, p, tr, col, regression ? NULL : classes, &k, &s)
                     != RS_OK)
        k = -1;
    ds_data shape = { .n_in = tr->csv.n_cols - (uint32_t)n_targets, .n_out = (uint32_t)k,
                      .n_train = s.n_train, .n_eval = s.n_eval, .regression = regression };
    ds_data *d = k > 0 ? ds_data_new(host, ctx, &shape) : NULL;
    st = d ? RS_OK : RS_ERR_IO;
    for (uint32_t r = 0; st == RS_OK && r < s.n_train; r++)
        st = put_row(host, ctx, d, &s.rows[r], is_target, classes, 0, r);
    for (uint32_t c = 0; st == RS_OK && c < s.n_eval; c++)
        st = put_row(host, ctx, d, &s.rows[s.eval_at + c], is_target, classes, 1, c);
    host->free(ctx, s.rows);
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
    rs_status st = ds_table_read(host, ctx, file, header, "", &tr);
    if (st == RS_OK && test_file[0])
        st = ds_table_read(host, ctx, test_file, header, "", &te);
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
    ds_table_free(host, ctx, &tr);
    ds_table_free(host, ctx, &te);
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
    { .name = "classes", .type = RS_PARAM_STR, .def_str = "",
      .help = "classification: a subset of the labels such as \"5;7;9\" (or \"5,7,9\" in a "
              "spec), relabelled 0..k-1 in that order; \"\" = every class" },
    { .name = "train_limit", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1e9,
      .help = "use the first N training rows (after the split and the classes); 0 = all" },
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
