/* idx_task.c: the tasks idx, fashion_mnist and mnist: image classification from IDX files.
 *
 * Fashion-MNIST: Xiao, Rasul & Vollgraf (2017), "Fashion-MNIST: a novel image dataset for
 * benchmarking machine learning algorithms", arXiv:1708.07747. MNIST: LeCun, Bottou, Bengio &
 * Haffner (1998), "Gradient-based learning applied to document recognition". Each image is one
 * example of rows x cols inputs (pixels / 255, or standardised), the label one-hot over the
 * classes, scored with softmax cross-entropy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_data.h"
#include "ds_file.h"
#include "ds_parse.h"
#include "idx_task.h"

typedef struct idx_pair {    /* one split's two files, read and parsed */
    uint8_t *img_buf, *lab_buf;
    size_t img_len, lab_len;
    ds_idx img, lab;
} idx_pair;

static void pair_free(const rs_host *host, rs_ctx *ctx, idx_pair *p)
{
    host->free(ctx, p->img_buf);
    host->free(ctx, p->lab_buf);
}

/* Read and check an images file and its labels file. */
static rs_status pair_read(const rs_host *host, rs_ctx *ctx, const char *img, const char *lab,
                           const char *hint, uint32_t n_classes, idx_pair *p)
{
    char err[400];
    rs_status st = ds_read_file(host, ctx, img, hint, &p->img_buf, &p->img_len);
    if (st == RS_OK)
        st = ds_read_file(host, ctx, lab, hint, &p->lab_buf, &p->lab_len);
    if (st != RS_OK)
        return st;
    if (ds_idx_parse(p->img_buf, p->img_len, 0, &p->img, err, sizeof err) != 0)
        return host->fail(ctx, RS_ERR_IO, "%s: %s", img, err);
    if (p->img.n_dims < 2 || p->img.item_size > 10000000)
        return host->fail(ctx, RS_ERR_IO, "%s: %u dimensions of %llu values per item: not "
                          "images (an IDX image file has 3 dimensions: count, rows, cols)", img,
                          p->img.n_dims, (unsigned long long)p->img.item_size);
    if (ds_idx_parse(p->lab_buf, p->lab_len, 1, &p->lab, err, sizeof err) != 0)
        return host->fail(ctx, RS_ERR_IO, "%s: %s", lab, err);
    if (p->img.count != p->lab.count)
        return host->fail(ctx, RS_ERR_IO, "%s: %llu labels, but %s holds %llu images", lab,
                          (unsigned long long)p->lab.count, img,
                          (unsigned long long)p->img.count);
    for (uint64_t i = 0; i < p->lab.count; i++)
        if (p->lab.data[i] >= n_classes)
            return host->fail(ctx, RS_ERR_IO, "%s: label %u of example %llu is out of range "
                              "0..%u", lab, p->lab.data[i], (unsigned long long)i,
                              n_classes - 1);
    return RS_OK;
}

/* classes "3,5,7" (or "3;5;7") -> map[label] = 0, 1, 2, the others -1; "" keeps every
 * class. Returns k, or -1 after host->fail. */
static int class_map(const rs_host *host, rs_ctx *ctx, const char *text, uint32_t n_classes,
                     int map[256])
{
    double labels[256];
    uint32_t order[256];
    for (uint32_t c = 0; c < n_classes; c++)
        labels[c] = c;
    int k = ds_class_subset(host, ctx, text, labels, n_classes, order);
    for (int c = 0; c < 256; c++)
        map[c] = k == 0 && c < (int)n_classes ? c : -1;
    for (int j = 0; j < k; j++)
        map[order[j]] = j;
    return k == 0 ? (int)n_classes : k;
}

/* Indices of the first `limit` (0 = all) examples whose class is kept, into sel. */
static uint32_t select_examples(const ds_idx *lab, const int map[256], int64_t limit,
                                uint32_t *sel)
{
    uint32_t n = 0;
    for (uint64_t i = 0; i < lab->count && (limit <= 0 || n < limit); i++)
        if (map[lab->data[i]] >= 0)
            sel[n++] = (uint32_t)i;
    return n;
}

static void put_image(ds_data *d, const idx_pair *p, uint32_t src, int label, int eval,
                      uint32_t k)
{
    const uint8_t *px = p->img.data + (size_t)src * d->n_in;
    for (uint32_t i = 0; i < d->n_in; i++) {
        rs_real v = (rs_real)px[i] / 255;
        if (eval)
            d->eval_x[(size_t)i * d->n_eval + k] = v;
        else
            d->train_x[(size_t)k * d->n_in + i] = v;
    }
    if (eval)
        d->eval_y[(size_t)label * d->n_eval + k] = 1;
    else
        d->train_label[k] = (uint16_t)label;
}

/* Selection, limits, hold-out and scaling, once both splits are read. */
static rs_status build(const rs_host *host, rs_ctx *ctx, const rs_params *p, const idx_pair *tr,
                       const idx_pair *te, uint32_t n_classes, void **shared_out,
                       uint64_t *bytes_out)
{
    int map[256];
    int k = class_map(host, ctx, host->param_str(p, "classes"), n_classes, map);
    if (k < 0)
        return RS_ERR_PARAM;
    int64_t valid = host->param_int(p, "valid");
    uint32_t *sel = host->alloc(ctx, (tr->lab.count + (te ? te->lab.count : 0) + 1)
                                         * sizeof(uint32_t));
    if (!sel)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    uint32_t n_tr = select_examples(&tr->lab, map, host->param_int(p, "train_limit"), sel);
    uint32_t *tsel = sel + n_tr;
    uint32_t n_te = te ? select_examples(&te->lab, map, host->param_int(p, "test_limit"), tsel)
                       : 0;
    if ((int64_t)n_tr <= valid || n_tr == 0 || (!te && valid == 0) || (te && n_te == 0)) {
        host->free(ctx, sel);
        return host->fail(ctx, RS_ERR_PARAM, "%u training and %u test examples selected "
                          "(valid = %lld held out): nothing left to %s", n_tr, n_te,
                          (long long)valid, n_tr <= valid || !n_tr ? "train on" : "evaluate on");
    }
    ds_data shape = { .n_in = (uint32_t)tr->img.item_size, .n_out = (uint32_t)k,
                      .n_train = n_tr - (uint32_t)valid,
                      .n_eval = valid > 0 ? (uint32_t)valid : n_te };
    ds_data *d = ds_data_new(host, ctx, &shape);
    if (!d) {
        host->free(ctx, sel);
        return RS_ERR_NOMEM;
    }
    for (uint32_t r = 0; r < d->n_train; r++)
        put_image(d, tr, sel[r], map[tr->lab.data[sel[r]]], 0, r);
    for (uint32_t c = 0; c < d->n_eval; c++) {
        const idx_pair *src = valid > 0 ? tr : te;
        uint32_t e = valid > 0 ? sel[d->n_train + c] : tsel[c];
        put_image(d, src, e, map[src->lab.data[e]], 1, c);
    }
    host->free(ctx, sel);
    if (strcmp(host->param_str(p, "scale"), "standard") == 0)
        ds_data_standardise(d);
    *shared_out = d;
    *bytes_out = d->bytes;
    return RS_OK;
}

rs_status idx_load_files(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                         const char *const paths[4], const char *hint, uint32_t n_classes,
                         void **shared_out, uint64_t *bytes_out)
{
    *shared_out = NULL;
    idx_pair tr = { 0 }, te = { 0 };
    int with_test = host->param_int(p, "valid") == 0; /* tuning never reads the test set */
    rs_status st = pair_read(host, ctx, paths[0], paths[1], hint, n_classes, &tr);
    if (st == RS_OK && with_test)
        st = pair_read(host, ctx, paths[2], paths[3], hint, n_classes, &te);
    if (st == RS_OK && with_test && te.img.item_size != tr.img.item_size)
        st = host->fail(ctx, RS_ERR_IO, "%s: items of %llu values, the training images (%s) "
                        "have %llu", paths[2], (unsigned long long)te.img.item_size, paths[0],
                        (unsigned long long)tr.img.item_size);
    if (st == RS_OK)
        st = build(host, ctx, p, &tr, with_test ? &te : NULL, n_classes, shared_out, bytes_out);
    pair_free(host, ctx, &tr);
    pair_free(host, ctx, &te);
    return st;
}
