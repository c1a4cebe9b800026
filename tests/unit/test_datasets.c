/* test_datasets.c: the data set tasks idx, csv and digits (plugins/tasks/datasets/) on small files
 * written here, raw and gzip'd: every value checked, every malformed file refused with its
 * message, the data shared between instances, accuracy of a hand-set network. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "network.h"
#include "act.h"
#include "runner.h"
#include "task_data.h"
#include "testutil.h"

static rs_registry *reg;
static char dir[64];

static void setup(void)
{
    reg = rs_test_registry();
    snprintf(dir, sizeof dir, "/tmp/rs_datasets_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    rs_registry_destroy(reg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ---- writing files ------------------------------------------------------------------------ */

static const char *path_of(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_bytes(const char *name, const void *data, size_t n, int gz)
{
    const char *p = path_of(name);
    if (gz) {
        gzFile f = gzopen(p, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(gzwrite(f, data, (unsigned)n), (int)n);
        ck_assert_int_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(p, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, n, f), n);
        ck_assert_int_eq(fclose(f), 0);
    }
}

/* An IDX file of unsigned bytes: magic 00 00 08 n_dims, big-endian dims, the data. */
static void write_idx(const char *name, uint32_t n_dims, const uint32_t *dims,
                      const uint8_t *data, int gz)
{
    uint8_t buf[4096];
    size_t n = 0, items = 1;
    buf[n++] = 0, buf[n++] = 0, buf[n++] = 8, buf[n++] = (uint8_t)n_dims;
    for (uint32_t d = 0; d < n_dims; d++) {
        for (int b = 3; b >= 0; b--)
            buf[n++] = (uint8_t)(dims[d] >> (8 * b));
        items *= dims[d];
    }
    memcpy(buf + n, data, items);
    write_bytes(name, buf, n + items, gz);
}

/* Train: 5 images of 2x3 pixels, labels 0 1 2 1 0; test: 3 images, labels 2 0 1. Pixel
 * (example e, pixel i) = 10 e + i (+100 in the test set). */
static const uint8_t train_lab[5] = { 0, 1, 2, 1, 0 }, test_lab[3] = { 2, 0, 1 };

static void write_set(int gz)
{
    uint8_t tr[30], te[18];
    for (int e = 0; e < 5; e++)
        for (int i = 0; i < 6; i++)
            tr[e * 6 + i] = (uint8_t)(10 * e + i);
    for (int e = 0; e < 3; e++)
        for (int i = 0; i < 6; i++)
            te[e * 6 + i] = (uint8_t)(100 + 10 * e + i);
    const char *sfx = gz ? ".gz" : "";
    char n[4][64];
    snprintf(n[0], 64, "tri%s", sfx), snprintf(n[1], 64, "trl%s", sfx);
    snprintf(n[2], 64, "tei%s", sfx), snprintf(n[3], 64, "tel%s", sfx);
    write_idx(n[0], 3, (uint32_t[]){ 5, 2, 3 }, tr, gz);
    write_idx(n[1], 1, (uint32_t[]){ 5 }, train_lab, gz);
    write_idx(n[2], 3, (uint32_t[]){ 3, 2, 3 }, te, gz);
    write_idx(n[3], 1, (uint32_t[]){ 3 }, test_lab, gz);
}

static char *idx_params(int gz, const char *extra)
{
    static char buf[1024];
    const char *s = gz ? ".gz" : "";
    snprintf(buf, sizeof buf, "train_images=%s/tri%s,train_labels=%s/trl%s,test_images=%s/tei%s,"
             "test_labels=%s/tel%s,n_classes=3%s%s", dir, s, dir, s, dir, s, dir, s,
             extra[0] ? "," : "", extra);
    return buf;
}

/* ---- one task instance --------------------------------------------------------------------- */

typedef struct inst {
    const rs_task_desc *d;
    rs_ctx *ctx;
    rs_params *p;
    void *s;
    rs_task_info info;
    const rs_real *ex, *ey;
    uint32_t n_eval;
} inst;

/* params "k=v,..." and, when key is not NULL, key = value (a value holding commas) */
static rs_status try_open_kv(inst *t, const char *task, const char *params, const char *key,
                             const char *value)
{
    memset(t, 0, sizeof *t);
    t->d = (const rs_task_desc *)rs_test_plugin(reg, RS_KIND_TASK, task);
    t->ctx = rs_ctx_create(1, 1);
    t->p = rs_test_params(&t->d->head, params);
    char err[256];
    if (key)
        ck_assert_int_eq(rs_params_set_text(t->p, key, value, err, sizeof err), RS_OK);
    t->info.struct_size = sizeof t->info;
    rs_status st = t->d->create(rs_host_get(), t->ctx, t->p, &t->info, &t->s);
    if (st == RS_OK)
        ck_assert_int_eq(t->d->eval_set(t->s, t->ctx, &t->ex, &t->ey, &t->n_eval), RS_OK);
    else
        ck_assert_ptr_null(t->s);
    return st;
}

static rs_status try_open(inst *t, const char *task, const char *params)
{
    return try_open_kv(t, task, params, NULL, NULL);
}

static void open_ok(inst *t, const char *task, const char *params)
{
    rs_status st = try_open(t, task, params);
    ck_assert_msg(st == RS_OK, "%s: %s", task, rs_ctx_error(t->ctx));
}

static void close_inst(inst *t)
{
    if (t->s)
        t->d->destroy(t->s, t->ctx);
    ck_assert_int_eq(t->ctx->n_alloc, 0);
    rs_params_destroy(t->p);
    rs_ctx_destroy(t->ctx);
}

/* The task refuses with exactly this message. */
static void refused(const char *task, const char *params, const char *want)
{
    inst t;
    ck_assert_int_ne(try_open(&t, task, params), RS_OK);
    ck_assert_str_eq(rs_ctx_error(t.ctx), want);
    close_inst(&t);
}

/* ---- idx: values ---------------------------------------------------------------------------- */

START_TEST(test_idx_values)
{
    int gz = _i;
    write_set(gz);
    inst t;
    open_ok(&t, "idx", idx_params(gz, ""));
    ck_assert_uint_eq(t.info.n_in, 6);
    ck_assert_uint_eq(t.info.n_out, 3);
    ck_assert_uint_eq(t.info.n_full, 5);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_SOFTMAX_CE);
    ck_assert_uint_eq(t.n_eval, 3);
    for (uint32_t e = 0; e < 3; e++) { /* feature-major: pixel i of example e at [i * n + e] */
        for (uint32_t i = 0; i < 6; i++)
            ck_assert_float_eq(t.ex[i * 3 + e], (rs_real)(100 + 10 * e + i) / 255);
        for (uint32_t o = 0; o < 3; o++)
            ck_assert_float_eq(t.ey[o * 3 + e], o == test_lab[e] ? 1 : 0);
    }
    rs_real x[6 * 2], y[3 * 2];
    const uint32_t idx[2] = { 4, 1 };
    ck_assert_int_eq(t.d->gather(t.s, t.ctx, idx, 2, x, y), RS_OK);
    for (uint32_t b = 0; b < 2; b++) {
        for (uint32_t i = 0; i < 6; i++)
            ck_assert_float_eq(x[i * 2 + b], (rs_real)(10 * idx[b] + i) / 255);
        for (uint32_t o = 0; o < 3; o++)
            ck_assert_float_eq(y[o * 2 + b], o == train_lab[idx[b]] ? 1 : 0);
    }
    const uint32_t bad = 5;
    ck_assert_int_eq(t.d->gather(t.s, t.ctx, &bad, 1, x, y), RS_ERR_PARAM);
    rs_real fx[6 * 5], fy[3 * 5]; /* n == n_full: the whole set in order */
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 5, fx, fy), RS_OK);
    for (uint32_t e = 0; e < 5; e++)
        for (uint32_t i = 0; i < 6; i++)
            ck_assert_float_eq(fx[i * 5 + e], (rs_real)(10 * e + i) / 255);
    close_inst(&t);
}
END_TEST

/* A second instance with the same parameters gets the same arrays: loaded once. */
START_TEST(test_idx_shared_once)
{
    write_set(1);
    inst a, b;
    open_ok(&a, "idx", idx_params(1, ""));
    uint64_t bytes = rs_task_data_bytes();
    ck_assert_uint_gt(bytes, (5 * 6 + 3 * 9) * sizeof(rs_real));
    open_ok(&b, "idx", idx_params(1, "n_classes=3")); /* a default given: the same data */
    ck_assert_ptr_eq(a.ex, b.ex);
    ck_assert_uint_eq(rs_task_data_bytes(), bytes);
    close_inst(&b);
    open_ok(&b, "idx", idx_params(1, "train_limit=2"));
    ck_assert_ptr_ne(a.ex, b.ex);
    ck_assert_uint_eq(b.info.n_full, 2);
    close_inst(&b);
    close_inst(&a);
}
END_TEST

START_TEST(test_idx_standard_scale)
{
    write_set(0);
    inst t;
    open_ok(&t, "idx", idx_params(0, "scale=standard"));
    rs_real x[6 * 5], y[3 * 5];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 5, x, y), RS_OK);
    /* every pixel is 10 e + i over e = 0..4: mean 20 + i, sd sqrt(200) */
    double sd = sqrt(200.0);
    for (uint32_t i = 0; i < 6; i++) {
        for (uint32_t e = 0; e < 5; e++)
            ck_assert_double_eq_tol(x[i * 5 + e], (10.0 * e - 20) / sd, 1e-6);
        for (uint32_t e = 0; e < 3; e++)
            ck_assert_double_eq_tol(t.ex[i * 3 + e], (100.0 + 10 * e - 20) / sd, 1e-5);
    }
    close_inst(&t);
}
END_TEST

/* classes 2,0: class 1 dropped, 2 -> 0 and 0 -> 1; the limits count kept examples; valid
 * holds out the last training examples as the evaluation set. */
START_TEST(test_idx_subset)
{
    write_set(0);
    inst t;
    ck_assert_int_eq(try_open_kv(&t, "idx", idx_params(0, "train_limit=2,test_limit=1"),
                                 "classes", "2,0"), RS_OK);
    ck_assert_uint_eq(t.info.n_out, 2);
    ck_assert_uint_eq(t.info.n_full, 2); /* training examples 0 (class 0) and 2 (class 2) */
    rs_real x[6 * 2], y[2 * 2];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 2, x, y), RS_OK);
    for (uint32_t i = 0; i < 6; i++) {
        ck_assert_float_eq(x[i * 2 + 0], (rs_real)i / 255);
        ck_assert_float_eq(x[i * 2 + 1], (rs_real)(20 + i) / 255);
    }
    ck_assert_float_eq(y[1 * 2 + 0], 1); /* class 0 is now 1 */
    ck_assert_float_eq(y[0 * 2 + 1], 1); /* class 2 is now 0 */
    ck_assert_uint_eq(t.n_eval, 1);      /* test example 0, class 2 */
    ck_assert_float_eq(t.ex[0], (rs_real)100 / 255);
    ck_assert_float_eq(t.ey[0], 1);
    close_inst(&t);
    ck_assert_int_ne(try_open_kv(&t, "idx", idx_params(0, ""), "classes", "0,7"), RS_OK);
    ck_assert_str_eq(rs_ctx_error(t.ctx), "classes \"0,7\": 7 is not a label of this data "
                     "(labels 0..2)");
    close_inst(&t);
    open_ok(&t, "idx", idx_params(0, "classes=1;2")); /* the command line's form */
    ck_assert_uint_eq(t.info.n_out, 2);
    ck_assert_uint_eq(t.info.n_full, 3);
    close_inst(&t);

    open_ok(&t, "idx", idx_params(0, "valid=2"));
    ck_assert_uint_eq(t.info.n_full, 3);
    ck_assert_uint_eq(t.n_eval, 2); /* training examples 3 and 4 */
    for (uint32_t c = 0; c < 2; c++)
        for (uint32_t i = 0; i < 6; i++)
            ck_assert_float_eq(t.ex[i * 2 + c], (rs_real)(10 * (3 + c) + i) / 255);
    ck_assert_float_eq(t.ey[1 * 2 + 0], 1); /* example 3 is class 1 */
    ck_assert_float_eq(t.ey[0 * 2 + 1], 1); /* example 4 is class 0 */
    close_inst(&t);
    refused("idx", idx_params(0, "valid=5"), "5 training and 0 test examples selected (valid = "
            "5 held out): nothing left to train on");
}
END_TEST

/* ---- idx: refusals ---------------------------------------------------------------------- */

START_TEST(test_idx_refusals)
{
    char want[1024];
    write_set(0);
    uint8_t junk[16] = { 0x12, 0x34, 0x56, 0x78 };
    write_bytes("tri", junk, sizeof junk, 0); /* wrong magic */
    snprintf(want, sizeof want, "%s: wrong magic number 0x12345678: not an IDX file (an IDX "
             "file starts with the bytes 00 00 08 and its number of dimensions)", path_of("tri"));
    refused("idx", idx_params(0, ""), want);

    uint8_t px[29] = { 0 }; /* truncated: 29 of 30 pixels */
    uint8_t head[16] = { 0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 3 }, file[45];
    memcpy(file, head, 16), memcpy(file + 16, px, 29);
    write_bytes("tri", file, sizeof file, 0);
    snprintf(want, sizeof want, "%s: truncated: the header says 5 items of 6 bytes (30 bytes of "
             "data), the file holds 29", path_of("tri"));
    refused("idx", idx_params(0, ""), want);

    write_set(0); /* labels and images disagree */
    write_idx("trl", 1, (uint32_t[]){ 4 }, train_lab, 0);
    snprintf(want, sizeof want, "%s: 4 labels, but %s holds 5 images", path_of("trl"),
             path_of("tri"));
    refused("idx", idx_params(0, ""), want);

    write_set(0); /* label out of range */
    write_idx("tel", 1, (uint32_t[]){ 3 }, (const uint8_t[]){ 0, 3, 1 }, 0);
    snprintf(want, sizeof want, "%s: label 3 of example 1 is out of range 0..2", path_of("tel"));
    refused("idx", idx_params(0, ""), want);

    write_set(0); /* a missing file */
    unlink(path_of("tei"));
    snprintf(want, sizeof want, "%s: cannot open (No such file or directory)", path_of("tei"));
    refused("idx", idx_params(0, ""), want);
}
END_TEST

/* The bytes of a gzip'd file, modified and written back. */
static size_t read_all(const char *name, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path_of(name), "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

START_TEST(test_idx_gzip_errors)
{
    char want[1024];
    uint8_t buf[4096];
    write_set(1);
    size_t n = read_all("trl.gz", buf, sizeof buf);
    buf[n - 8] ^= 0xff; /* the CRC-32 of the trailer */
    write_bytes("trl.gz", buf, n, 0);
    snprintf(want, sizeof want, "%s: corrupt gzip data (incorrect data check); download it "
             "again", path_of("trl.gz"));
    refused("idx", idx_params(1, ""), want);

    write_set(1);
    n = read_all("tri.gz", buf, sizeof buf);
    write_bytes("tri.gz", buf, n - 12, 0); /* the stream cut short */
    inst t;
    ck_assert_int_ne(try_open(&t, "idx", idx_params(1, "")), RS_OK);
    snprintf(want, sizeof want, "%s: truncated gzip stream", path_of("tri.gz"));
    ck_assert_msg(strncmp(rs_ctx_error(t.ctx), want, strlen(want)) == 0, "%s",
                  rs_ctx_error(t.ctx));
    close_inst(&t);
}
END_TEST

/* mnist says which four files to put where; fashion_mnist what to install. */
START_TEST(test_named_missing)
{
    char want[2048];
    setenv("RULESET_DATA", dir, 1);
    snprintf(want, sizeof want, "%s/mnist/train-images-idx3-ubyte.gz: cannot open (No such file "
             "or directory); mnist needs train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
             "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in %s/mnist (or give "
             "dir=FOLDER, or set $RULESET_DATA to a folder holding mnist/); Debian does not "
             "package MNIST: download the four files of http://yann.lecun.com/exdb/mnist/ (or a "
             "mirror)", dir, dir);
    refused("mnist", "", want);
    snprintf(want, sizeof want, "%s/fashion-mnist/train-images-idx3-ubyte.gz: cannot open (No "
             "such file or directory); fashion-mnist needs train-images-idx3-ubyte.gz, "
             "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
             "t10k-labels-idx1-ubyte.gz in %s/fashion-mnist (or give dir=FOLDER, or set "
             "$RULESET_DATA to a folder holding fashion-mnist/); on Debian: apt-get install "
             "dataset-fashion-mnist", dir, dir);
    refused("fashion_mnist", "", want);
    unsetenv("RULESET_DATA");
    /* dir= with the standard names, gzip'd */
    write_set(1);
    const char *std[4] = { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                           "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };
    const char *mine[4] = { "tri.gz", "trl.gz", "tei.gz", "tel.gz" };
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(rename(path_of(mine[i]), path_of(std[i])), 0);
    char params[256];
    snprintf(params, sizeof params, "dir=%s", dir);
    inst t;
    open_ok(&t, "mnist", params);
    ck_assert_uint_eq(t.info.n_full, 5);
    ck_assert_uint_eq(t.info.n_out, 10);
    close_inst(&t);
}
END_TEST

/* ---- csv -------------------------------------------------------------------------------- */

static void write_text(const char *name, const char *text)
{
    write_bytes(name, text, strlen(text), 0);
}

START_TEST(test_csv_values)
{
    write_text("a.csv", "x1, \"x2\",label\n1,2,7\n3,4,5\n\n5,6,7\n7,8,5\n");
    char p[512];
    snprintf(p, sizeof p, "file=%s,test_fraction=0,standardize=false", path_of("a.csv"));
    inst t;
    open_ok(&t, "csv", p);
    ck_assert_uint_eq(t.info.n_in, 2);
    ck_assert_uint_eq(t.info.n_out, 2); /* classes 5 and 7 -> 0 and 1 */
    ck_assert_uint_eq(t.info.n_full, 4);
    ck_assert_uint_eq(t.n_eval, 4); /* test_fraction 0: evaluated on the training rows */
    static const float x[4][2] = { { 1, 2 }, { 3, 4 }, { 5, 6 }, { 7, 8 } };
    static const int cls[4] = { 1, 0, 1, 0 };
    for (uint32_t e = 0; e < 4; e++) {
        for (uint32_t i = 0; i < 2; i++)
            ck_assert_float_eq(t.ex[i * 4 + e], x[e][i]);
        for (uint32_t o = 0; o < 2; o++)
            ck_assert_float_eq(t.ey[o * 4 + e], o == (uint32_t)cls[e]);
    }
    close_inst(&t);
    /* target by name, regression, standardised inputs (mean 4, sd sqrt(5) for x1) */
    snprintf(p, sizeof p, "file=%s,test_fraction=0,target=x1,kind=regression",
             path_of("a.csv"));
    open_ok(&t, "csv", p);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_MSE);
    ck_assert_float_eq(t.info.lo, t.info.hi);
    ck_assert_uint_eq(t.info.n_in, 2);
    for (uint32_t e = 0; e < 4; e++) {
        ck_assert_float_eq(t.ey[e], x[e][0]);
        ck_assert_double_eq_tol(t.ex[e], (x[e][1] - 5) / sqrt(5.0), 1e-6);
    }
    close_inst(&t);
}
END_TEST

/* A seeded split: the same seed, the same rows; the union is every row once. */
START_TEST(test_csv_split)
{
    char text[4096] = "a,b\n";
    for (int r = 0; r < 50; r++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d\n", r, r % 2);
    write_text("s.csv", text);
    char p[512];
    snprintf(p, sizeof p, "file=%s,test_fraction=0.2,standardize=0", path_of("s.csv"));
    inst t;
    open_ok(&t, "csv", p);
    ck_assert_uint_eq(t.info.n_full, 40);
    ck_assert_uint_eq(t.n_eval, 10);
    int seen[50] = { 0 };
    for (uint32_t e = 0; e < 10; e++)
        seen[(int)t.ex[e]]++;
    rs_real x[40], y[80];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 40, x, y), RS_OK);
    for (uint32_t e = 0; e < 40; e++) {
        seen[(int)x[e]]++;
        ck_assert_float_eq(y[((int)x[e] % 2) * 40 + e], 1); /* its own label */
    }
    for (int r = 0; r < 50; r++)
        ck_assert_int_eq(seen[r], 1);
    close_inst(&t);
}
END_TEST

START_TEST(test_csv_refusals)
{
    char want[1024], p[512];
    write_text("r.csv", "a,b,c\n1,2,0\n3,4\n");
    snprintf(p, sizeof p, "file=%s", path_of("r.csv"));
    snprintf(want, sizeof want, "%s:3: 2 cells, line 1 has 3 (a ragged row)", path_of("r.csv"));
    refused("csv", p, want);
    write_text("r.csv", "a,b,c\n1,2,0\n3,x4,1\n");
    snprintf(want, sizeof want, "%s:3: column 2: 'x4' is not a number", path_of("r.csv"));
    refused("csv", p, want);
    write_text("r.csv", "1,2,0\n3,,1\n");
    snprintf(want, sizeof want, "%s:2: column 2: an empty cell is not a number",
             path_of("r.csv"));
    refused("csv", p, want);
    write_text("r.csv", "a,b\n1,0.5\n2,1\n");
    snprintf(want, sizeof want, "%s:2: target 0.5 is not a class label (kind=classification "
             "needs whole numbers; kind=regression for real targets)", path_of("r.csv"));
    refused("csv", p, want);
    write_text("r.csv", "a,b\n1,0\n2,1\n");
    snprintf(p, sizeof p, "file=%s,target=zz", path_of("r.csv"));
    snprintf(want, sizeof want, "%s: target 'zz' is not a column (2 columns, names from the "
             "header)", path_of("r.csv"));
    refused("csv", p, want);
    snprintf(p, sizeof p, "file=%s/none.csv", dir);
    snprintf(want, sizeof want, "%s/none.csv: cannot open (No such file or directory)", dir);
    refused("csv", p, want);
}
END_TEST

/* ---- digits ----------------------------------------------------------------------------- */

/* A file in the digits format, n rows: pixel 0 = r % 17, pixel 1 = r / 17 (so the row reads
 * back from its image), pixel i >= 2 = (r + i) % 17, label r % 10; gzip'd. */
static void write_digits(const char *name, int n)
{
    static char text[200000];
    size_t len = 0;
    for (int r = 0; r < n; r++) {
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d", r % 17, r / 17);
        for (int i = 2; i < 64; i++)
            len += (size_t)snprintf(text + len, sizeof text - len, ",%d", (r + i) % 17);
        len += (size_t)snprintf(text + len, sizeof text - len, ",%d\n", r % 10);
    }
    write_bytes(name, text, len, 1);
}

static char *digits_params(const char *extra)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "dir=%s%s%s", dir, extra[0] ? "," : "", extra);
    return buf;
}

/* Column b of a feature-major (64, n) block is row r of write_digits: every pixel / 16. */
static int digits_row(const rs_real *x, uint32_t b, uint32_t n)
{
    int r = (int)lround(x[b] * 16) + 17 * (int)lround(x[n + b] * 16);
    for (uint32_t i = 2; i < 64; i++)
        ck_assert_float_eq(x[i * n + b], (rs_real)((r + (int)i) % 17) / 16);
    return r;
}

/* The one-hot column b of y (k, n): its class. */
static int one_hot(const rs_real *y, uint32_t k, uint32_t b, uint32_t n)
{
    int c = -1;
    for (uint32_t o = 0; o < k; o++) {
        ck_assert(y[o * n + b] == 0 || y[o * n + b] == 1);
        if (y[o * n + b] == 1) {
            ck_assert_int_eq(c, -1);
            c = (int)o;
        }
    }
    ck_assert_int_ge(c, 0);
    return c;
}

/* Every row of the file once, in the training or the test set; labels kept, or remapped by a
 * subset ("7;2": 7 -> 0, 2 -> 1, the other rows dropped). */
START_TEST(test_digits_values)
{
    write_digits("digits.csv.gz", 40);
    inst t;
    open_ok(&t, "digits", digits_params("test_fraction=0.25"));
    ck_assert_uint_eq(t.info.n_in, 64);
    ck_assert_uint_eq(t.info.n_out, 10);
    ck_assert_uint_eq(t.info.loss, RS_LOSS_SOFTMAX_CE);
    ck_assert_uint_eq(t.info.n_full, 30);
    ck_assert_uint_eq(t.n_eval, 10);
    int seen[40] = { 0 };
    for (uint32_t c = 0; c < 10; c++) {
        int r = digits_row(t.ex, c, 10);
        ck_assert_int_eq(one_hot(t.ey, 10, c, 10), r % 10);
        seen[r]++;
    }
    rs_real x[64 * 30], y[10 * 30];
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, 30, x, y), RS_OK);
    for (uint32_t b = 0; b < 30; b++) {
        int r = digits_row(x, b, 30);
        ck_assert_int_eq(one_hot(y, 10, b, 30), r % 10);
        seen[r]++;
    }
    for (int r = 0; r < 40; r++)
        ck_assert_int_eq(seen[r], 1);
    close_inst(&t);

    open_ok(&t, "digits", digits_params("test_fraction=0.25,classes=7;2"));
    ck_assert_uint_eq(t.info.n_out, 2);
    ck_assert_uint_eq(t.info.n_full + t.n_eval, 8); /* rows 2 7 12 17 22 27 32 37 */
    rs_real sx[64 * 8], sy[2 * 8];
    uint32_t n = t.info.n_full;
    ck_assert_int_eq(t.d->batch(t.s, t.ctx, n, sx, sy), RS_OK);
    for (uint32_t b = 0; b < n; b++)
        ck_assert_int_eq(one_hot(sy, 2, b, n), digits_row(sx, b, n) % 10 == 7 ? 0 : 1);
    for (uint32_t c = 0; c < t.n_eval; c++)
        ck_assert_int_eq(one_hot(t.ey, 2, c, t.n_eval),
                         digits_row(t.ex, c, t.n_eval) % 10 == 7 ? 0 : 1);
    close_inst(&t);
    open_ok(&t, "digits", digits_params("test_fraction=0.25,classes=7;2,train_limit=3"));
    ck_assert_uint_eq(t.info.n_full, 3);
    close_inst(&t);
}
END_TEST

/* One line of 64 zero counts and the label 3, cell `col` (0-based) replaced by `value`. */
static const char *digit_line(int col, const char *value)
{
    static char line[400];
    line[0] = '\0';
    for (int i = 0; i <= 64; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", i ? "," : "",
                 i == col ? value : i == 64 ? "3" : "0");
    strcat(line, "\n");
    return line;
}

/* Each refusal with its message: a missing file names the package; a bad subset says why. */
START_TEST(test_digits_refusals)
{
    char want[2048];
    setenv("RULESET_DATA", dir, 1);
    snprintf(want, sizeof want, "%s/digits/digits.csv.gz: cannot open (No such file or "
             "directory); digits needs digits.csv.gz in %s/digits (or give dir=FOLDER, or set "
             "$RULESET_DATA to a folder holding digits/); on Debian: apt-get install "
             "python3-sklearn", dir, dir);
    refused("digits", "", want);
    unsetenv("RULESET_DATA");
    write_digits("digits.csv.gz", 40);
    refused("digits", digits_params("classes=2;2"), "classes \"2;2\": 2 is named twice");
    refused("digits", digits_params("classes=2;12"), "classes \"2;12\": 12 is not a label of "
            "this data (labels 0..9)");
    refused("digits", digits_params("classes=3"), "classes \"3\": name at least two classes");
    refused("digits", digits_params("classes=3;x"), "classes \"3;x\": 'x' is not a whole number; "
            "give the labels separated by semicolons (commas in a spec), e.g. \"0;3;7\"");
    refused("digits", digits_params("classes=3;"), "classes \"3;\": '' is not a whole number; "
            "give the labels separated by semicolons (commas in a spec), e.g. \"0;3;7\"");
    write_text("digits.csv.gz", "1,2,3\n");
    snprintf(want, sizeof want, "%s: 3 columns, the digits file has 65 (64 pixel counts and "
             "the label)", path_of("digits.csv.gz"));
    refused("digits", digits_params(""), want);
    write_text("digits.csv.gz", digit_line(4, "17"));
    snprintf(want, sizeof want, "%s:1: column 5: 17 is not a pixel count 0..16",
             path_of("digits.csv.gz"));
    refused("digits", digits_params(""), want);
    write_text("digits.csv.gz", digit_line(64, "10"));
    snprintf(want, sizeof want, "%s:1: column 65: 10 is not a digit 0..9",
             path_of("digits.csv.gz"));
    refused("digits", digits_params(""), want);
    write_text("digits.csv.gz", digit_line(0, "2.5"));
    snprintf(want, sizeof want, "%s:1: column 1: 2.5 is not a pixel count 0..16",
             path_of("digits.csv.gz"));
    refused("digits", digits_params(""), want);
}
END_TEST

/* The file python3-sklearn installs (scripts/deps.sh), when it is there: 1797 images of 64
 * counts, 1438 + 359 at test_fraction 0.2, every pixel in [0, 1]; the subset 0;3;7 keeps
 * 178 + 183 + 179 of them, split the same way. */
START_TEST(test_digits_debian_file)
{
    FILE *f = fopen("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz", "rb");
    if (!f) {
        printf("skip: digits.csv.gz is not installed (apt-get install python3-sklearn)\n");
        return;
    }
    fclose(f);
    unsetenv("RULESET_DATA");
    inst t;
    open_ok(&t, "digits", "");
    ck_assert_uint_eq(t.info.n_in, 64);
    ck_assert_uint_eq(t.info.n_out, 10);
    ck_assert_uint_eq(t.info.n_full, 1438);
    ck_assert_uint_eq(t.n_eval, 359);
    double lo = 1, hi = 0;
    for (size_t i = 0; i < 64u * 359; i++)
        lo = fmin(lo, t.ex[i]), hi = fmax(hi, t.ex[i]);
    ck_assert_double_eq(lo, 0);
    ck_assert_double_eq(hi, 1);
    uint32_t all_eval = t.n_eval;
    close_inst(&t);
    open_ok(&t, "digits", "classes=0;3;7");
    ck_assert_uint_eq(t.info.n_out, 3);
    ck_assert_uint_eq(t.info.n_full + t.n_eval, 178 + 183 + 179);
    ck_assert_uint_lt(t.n_eval, all_eval);
    for (uint32_t c = 0; c < t.n_eval; c++)
        one_hot(t.ey, 3, c, t.n_eval);
    close_inst(&t);
}
END_TEST

/* csv classes: a subset of the label values, relabelled in its order; train_limit counts the
 * rows kept; a label the data lacks, and a subset on a regression, are refused. */
START_TEST(test_csv_classes)
{
    write_text("c.csv", "x,label\n1,5\n2,7\n3,9\n4,5\n5,7\n6,9\n");
    char p[512], want[512];
    snprintf(p, sizeof p, "file=%s,test_fraction=0,standardize=false", path_of("c.csv"));
    inst t;
    ck_assert_int_eq(try_open_kv(&t, "csv", p, "classes", "9,5"), RS_OK);
    ck_assert_uint_eq(t.info.n_out, 2);
    ck_assert_uint_eq(t.info.n_full, 4);
    ck_assert_uint_eq(t.n_eval, 4); /* the training rows: x = 1 3 4 6 */
    static const float x[4] = { 1, 3, 4, 6 };
    static const int cls[4] = { 1, 0, 1, 0 }; /* 5 -> 1, 9 -> 0 */
    for (uint32_t e = 0; e < 4; e++) {
        ck_assert_float_eq(t.ex[e], x[e]);
        ck_assert_int_eq(one_hot(t.ey, 2, e, 4), cls[e]);
    }
    close_inst(&t);
    snprintf(p, sizeof p, "file=%s,test_fraction=0,classes=9;5,train_limit=3", path_of("c.csv"));
    open_ok(&t, "csv", p);
    ck_assert_uint_eq(t.info.n_full, 3);
    ck_assert_uint_eq(t.n_eval, 3);
    close_inst(&t);
    snprintf(p, sizeof p, "file=%s,classes=5;8", path_of("c.csv"));
    refused("csv", p, "classes \"5;8\": 8 is not a label of this data (labels 5, 7, 9)");
    snprintf(p, sizeof p, "file=%s,kind=regression,classes=5;7", path_of("c.csv"));
    snprintf(want, sizeof want, "classes: a subset of classes needs kind=classification");
    refused("csv", p, want);
}
END_TEST

/* ---- accuracy of a hand-set network ------------------------------------------------------- */

/* Images of 2 pixels, the label the brighter pixel, except test example 3 (labelled wrong):
 * the network out = identity(W x) with W = I picks the brighter pixel, so the host's accuracy
 * is exactly 3/4 and solved holds for target_acc 0.75, not for 0.8. */
START_TEST(test_hand_set_accuracy)
{
    const uint8_t tr[8] = { 200, 10, 5, 90, 70, 20, 1, 2 }, trl[4] = { 0, 1, 0, 1 };
    const uint8_t te[8] = { 9, 3, 40, 50, 250, 0, 30, 60 }, tel[4] = { 0, 1, 0, 0 };
    write_idx("tri", 3, (uint32_t[]){ 4, 1, 2 }, tr, 0);
    write_idx("trl", 1, (uint32_t[]){ 4 }, trl, 0);
    write_idx("tei", 3, (uint32_t[]){ 4, 1, 2 }, te, 0);
    write_idx("tel", 1, (uint32_t[]){ 4 }, tel, 0);
    char p[1024];
    snprintf(p, sizeof p, "train_images=%s/tri,train_labels=%s/trl,test_images=%s/tei,"
             "test_labels=%s/tel,n_classes=2,target_acc=0.75", dir, dir, dir, dir);
    inst t;
    open_ok(&t, "idx", p);
    char err[256];
    const rs_act *act = rs_act_create(reg, "identity", err, sizeof err);
    ck_assert_ptr_nonnull(act);
    uint32_t sizes[2] = { 2, 2 };
    rs_net *net = rs_net_create(sizes, 1, &act, 0, 4);
    ck_assert_ptr_nonnull(net);
    net->layers[0].w[0] = 1, net->layers[0].w[1] = 0;
    net->layers[0].w[2] = 0, net->layers[0].w[3] = 1;
    ck_assert_int_eq(rs_net_forward(net, t.ex, t.n_eval), RS_OK);
    const rs_real *pred = net->a[1];
    ck_assert_double_eq(rs_accuracy(&t.info, pred, t.ey, t.n_eval), 0.75);
    ck_assert_int_ne(t.d->solved(t.s, pred, t.ey, t.n_eval, 0.5), 0);
    close_inst(&t);
    snprintf(p + strlen(p) - 4, 8, "0.8");
    open_ok(&t, "idx", p);
    ck_assert_int_eq(t.d->solved(t.s, pred, t.ey, t.n_eval, 0.5), 0);
    close_inst(&t);
    rs_net_destroy(net);
    rs_act_destroy((rs_act *)act);
}
END_TEST

/* The truth-table tasks gather rows too: xor's rows 3 and 0, in that order. */
START_TEST(test_truth_table_gather)
{
    inst t;
    open_ok(&t, "gates", "gate=xor");
    ck_assert_ptr_nonnull(RS_TASK_FN(t.d, gather));
    rs_real x[2 * 2], y[2];
    const uint32_t idx[2] = { 3, 0 };
    ck_assert_int_eq(t.d->gather(t.s, t.ctx, idx, 2, x, y), RS_OK);
    ck_assert_float_eq(x[0], 1);
    ck_assert_float_eq(x[2], 1);
    ck_assert_float_eq(y[0], 0);
    ck_assert_float_eq(x[1], 0);
    ck_assert_float_eq(x[3], 0);
    ck_assert_float_eq(y[1], 0);
    const uint32_t bad = 4;
    ck_assert_int_eq(t.d->gather(t.s, t.ctx, &bad, 1, x, y), RS_ERR_PARAM);
    close_inst(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("datasets");
    TCase *tc = tcase_create("datasets");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_idx_values, 0, 2); /* raw, gzip'd */
    tcase_add_test(tc, test_idx_shared_once);
    tcase_add_test(tc, test_idx_standard_scale);
    tcase_add_test(tc, test_idx_subset);
    tcase_add_test(tc, test_idx_refusals);
    tcase_add_test(tc, test_idx_gzip_errors);
    tcase_add_test(tc, test_named_missing);
    tcase_add_test(tc, test_csv_values);
    tcase_add_test(tc, test_csv_split);
    tcase_add_test(tc, test_csv_refusals);
    tcase_add_test(tc, test_digits_values);
    tcase_add_test(tc, test_digits_refusals);
    tcase_add_test(tc, test_digits_debian_file);
    tcase_add_test(tc, test_csv_classes);
    tcase_add_test(tc, test_hand_set_accuracy);
    tcase_add_test(tc, test_truth_table_gather);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
