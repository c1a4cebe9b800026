/* digits_task.c: the task digits: 8x8 images of handwritten digits, 10 classes, 1797 images.
 *
 * The data: Alpaydin & Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI Machine
 * Learning Repository, doi:10.24432/C50P49 (Kaynak 1995, "Methods of combining multiple
 * classifiers and their applications to handwritten digit recognition", MSc thesis, Bogazici
 * University). 32x32 bitmaps of digits written by 43 people, each cut into 4x4 blocks whose
 * set pixels were counted: 64 counts 0..16 an image. The 1797 images are the repository's
 * test file (optdigits.tes), as Debian's python3-sklearn ships it: digits.csv.gz, one image a
 * line, the 64 counts row by row, then the label 0..9, no header.
 *
 * Small (0.5 MB in memory) and real: a data set for short episodes (a few classes, a few
 * hundred examples) and for a first look at a rule on images. The split is fixed by split_seed (every job meets the same one); inputs
 * are count / 16 in [0, 1] (or standardised), scored with softmax cross-entropy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_data.h"
#include "ds_table.h"
#include "idx_task.h"

#define DIGITS_PIXELS 64
#define DIGITS_CLASSES 10
#define DIGITS_FILE "digits.csv.gz"
#define DIGITS_DEBIAN "/usr/lib/python3/dist-packages/sklearn/datasets/data"
#define DIGITS_HOW "on Debian: apt-get install python3-sklearn"

/* The file: in dir=, else $RULESET_DATA/digits, else where Debian puts it; digits.csv.gz, or
 * digits.csv when only the gunzipped file is there. hint: the tail of a missing file's error. */
static void find_file(const rs_host *host, const rs_params *p, char *path, size_t size,
                      char *hint, size_t hint_size)
{
    char dir[1024];
    const char *env = getenv("RULESET_DATA");
    if (host->param_str(p, "dir")[0])
        snprintf(dir, sizeof dir, "%s", host->param_str(p, "dir"));
    else if (env && env[0])
        snprintf(dir, sizeof dir, "%s/digits", env);
    else
        snprintf(dir, sizeof dir, "%s", DIGITS_DEBIAN);
    snprintf(hint, hint_size, "; digits needs %s in %s (or give dir=FOLDER, or set "
             "$RULESET_DATA to a folder holding digits/); %s", DIGITS_FILE, dir, DIGITS_HOW);
    snprintf(path, size, "%s/%s", dir, DIGITS_FILE);
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        return;
    }
    path[strlen(path) - 3] = '\0'; /* the file gunzipped: its name without .gz */
    if ((f = fopen(path, "rb")) != NULL)
        fclose(f);
    else /* neither: the message names the .gz */
        snprintf(path, size, "%s/%s", dir, DIGITS_FILE);
}

/* 65 columns; every count a whole number 0..16, every label one 0..9. */
static rs_status check_table(const rs_host *host, rs_ctx *ctx, const ds_table *t)
{
    if (t->csv.n_cols != DIGITS_PIXELS + 1)
        return host->fail(ctx, RS_ERR_IO, "%s: %u columns, the digits file has %d (64 pixel "
                          "counts and the label)", t->path, t->csv.n_cols, DIGITS_PIXELS + 1);
    for (uint32_t r = 0; r < t->csv.n_rows; r++)
        for (uint32_t c = 0; c <= DIGITS_PIXELS; c++) {
            double v = t->v[(size_t)r * t->csv.n_cols + c], hi = c < DIGITS_PIXELS ? 16 : 9;
            if (v != floor(v) || v < 0 || v > hi)
                return host->fail(ctx, RS_ERR_IO, "%s:%u: column %u: %g is not %s", t->path,
                                  t->lines[r], c + 1, v, c < DIGITS_PIXELS
                                  ? "a pixel count 0..16" : "a digit 0..9");
        }
    return RS_OK;
}

/* Rows whose label is kept (map[label] >= 0) of rows[0..n), in order, at most limit (0 = no
 * limit); how many. */
static uint32_t keep_rows(const ds_table *t, uint32_t *rows, uint32_t n, const int *map,
                          int64_t limit)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n && (limit <= 0 || kept < limit); i++)
        if (map[(int)t->v[(size_t)rows[i] * t->csv.n_cols + DIGITS_PIXELS]] >= 0)
            rows[kept++] = rows[i];
    return kept;
}

/* Row r of the table as training example k (eval 0) or evaluation column k. */
static void put_digit(ds_data *d, const ds_table *t, uint32_t r, const int *map, int eval,
                      uint32_t k)
{
    const double *v = t->v + (size_t)r * t->csv.n_cols;
    for (uint32_t i = 0; i < DIGITS_PIXELS; i++) {
        rs_real x = (rs_real)(v[i] / 16);
        if (eval)
            d->eval_x[(size_t)i * d->n_eval + k] = x;
        else
            d->train_x[(size_t)k * DIGITS_PIXELS + i] = x;
    }
    int label = map[(int)v[DIGITS_PIXELS]];
    if (eval)
        d->eval_y[(size_t)label * d->n_eval + k] = 1;
    else
        d->train_label[k] = (uint16_t)label;
}

/* The seeded split, the classes and the limit, then the data set. */
static rs_status build(const rs_host *host, rs_ctx *ctx, const rs_params *p, const ds_table *t,
                       void **shared_out)
{
    double labels[DIGITS_CLASSES];
    uint32_t order[DIGITS_CLASSES], n = t->csv.n_rows;
    int map[DIGITS_CLASSES];
    for (int c = 0; c < DIGITS_CLASSES; c++)
        labels[c] = c;
    int k = ds_class_subset(host, ctx, host->param_str(p, "classes"), labels, DIGITS_CLASSES,
                            order);
    if (k < 0)
        return RS_ERR_PARAM;
    for (int c = 0; c < DIGITS_CLASSES; c++)
        map[c] = k == 0 ? c : -1;
    for (int j = 0; j < k; j++)
        map[order[j]] = j;
    k = k == 0 ? DIGITS_CLASSES : k;
    uint32_t *rows = host->alloc(ctx, ((size_t)n + 1) * sizeof *rows);
    if (!rows)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    for (uint32_t r = 0; r < n; r++)
        rows[r] = r;
    /* split first, then the classes: a row is a test row whatever the subset */
    ds_shuffle(rows, n, sizeof *rows, (uint64_t)host->param_int(p, "split_seed"));
    double frac = host->param_real(p, "test_fraction");
    uint32_t n_test = (uint32_t)llround(frac * n), n_tr = n - n_test;
    uint32_t *test = rows + n_tr;
    n_tr = keep_rows(t, rows, n_tr, map, host->param_int(p, "train_limit"));
    n_test = keep_rows(t, test, n_test, map, 0);
    if (n_tr == 0 || n_test == 0) {
        host->free(ctx, rows);
        return host->fail(ctx, RS_ERR_PARAM, "%s: %u rows, %u training and %u test rows "
                          "selected (test_fraction %g): nothing to %s", t->path, n, n_tr,
                          n_test, frac, n_tr ? "evaluate on" : "train on");
    }
    ds_data shape = { .n_in = DIGITS_PIXELS, .n_out = (uint32_t)k, .n_train = n_tr,
                      .n_eval = n_test };
    ds_data *d = ds_data_new(host, ctx, &shape);
    for (uint32_t r = 0; d && r < n_tr; r++)
        put_digit(d, t, rows[r], map, 0, r);
    for (uint32_t c = 0; d && c < n_test; c++)
        put_digit(d, t, test[c], map, 1, c);
    host->free(ctx, rows);
    if (!d)
        return RS_ERR_NOMEM;
    if (strcmp(host->param_str(p, "scale"), "standard") == 0)
        ds_data_standardise(d);
    *shared_out = d;
    return RS_OK;
}

static rs_status digits_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                             void **shared_out, uint64_t *bytes_out)
{
    *shared_out = NULL;
    char path[1100], hint[1300];
    find_file(host, p, path, sizeof path, hint, sizeof hint);
    ds_table t = { 0 };
    rs_status st = ds_table_read(host, ctx, path, 0, hint, &t);
    if (st == RS_OK)
        st = check_table(host, ctx, &t);
    if (st == RS_OK)
        st = build(host, ctx, p, &t, shared_out);
    if (st == RS_OK)
        *bytes_out = ((ds_data *)*shared_out)->bytes;
    ds_table_free(host, ctx, &t);
    return st;
}

static const rs_param_spec digits_params[] = {
    { .name = "dir", .type = RS_PARAM_STR, .def_str = "",
      .help = "folder of digits.csv.gz; \"\" = $RULESET_DATA/digits, else python3-sklearn's "
              "folder" },
    { .name = "classes", .type = RS_PARAM_STR, .def_str = "",
      .help = "a subset such as \"0;3;7\" (or \"0,3,7\" in a spec), relabelled 0..k-1 in that "
              "order; \"\" = all ten" },
    { .name = "train_limit", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1e9,
      .help = "use the first N training images (of the chosen classes); 0 = all" },
    { .name = "test_fraction", .type = RS_PARAM_REAL, .def = 0.2, .lo = 0.01, .hi = 0.9,
      .help = "this share of the 1797 images, drawn with split_seed, is the test set" },
    { .name = "split_seed", .type = RS_PARAM_INT, .def = 1, .lo = 0, .hi = 2147483647,
      .help = "seed of the train/test split" },
    { .name = "scale", .type = RS_PARAM_CHOICE, .def_str = "unit", .choices = "unit|standard",
      .help = "unit: count / 16; standard: every pixel to zero mean, unit variance (training "
              "statistics)" },
    { .name = "target_acc", .type = RS_PARAM_REAL, .def = 0.9, .lo = 0, .hi = 1,
      .help = "solved = test accuracy at least this" },
    { 0 }
};

const rs_task_desc ds_digits_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "digits", .head.version = "1.0.0",
    .head.summary = "UCI handwritten digits: 8x8 pixel counts, 10 classes, 1797 images",
    .head.citation = "Alpaydin & Kaynak (1998) Optical Recognition of Handwritten Digits, UCI "
                     "Machine Learning Repository, doi:10.24432/C50P49",
    .head.params = digits_params,
    .load = digits_load, .create = ds_create, .batch = ds_batch, .eval_set = ds_eval_set,
    .solved = ds_solved, .destroy = ds_destroy, .unload = ds_unload, .gather = ds_gather,
};
