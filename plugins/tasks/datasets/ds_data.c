/* ds_data.c: see ds_data.h. */
#include "ds_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ds_state { /* one per job: a view of the shared data */
    const rs_host *host;
    const ds_data *d;
    double target;        /* accuracy (classes) or loss (regression) that counts as solved */
} ds_state;

ds_data *ds_data_new(const rs_host *host, rs_ctx *ctx, const ds_data *shape)
{
    ds_data *d = host->alloc(ctx, sizeof *d);
    if (!d) {
        host->fail(ctx, RS_ERR_NOMEM, "no memory for a data set");
        return NULL;
    }
    *d = *shape;
    d->host = host;
    size_t nx = (size_t)d->n_in * d->n_train, ne = (size_t)d->n_eval;
    d->train_x = host->alloc(ctx, nx * sizeof(rs_real));
    d->eval_x = host->alloc(ctx, (size_t)d->n_in * ne * sizeof(rs_real));
    d->eval_y = host->alloc(ctx, (size_t)d->n_out * ne * sizeof(rs_real));
    d->bytes = sizeof *d + (nx + ((size_t)d->n_in + d->n_out) * ne) * sizeof(rs_real);
    if (d->regression) {
        d->train_y = host->alloc(ctx, (size_t)d->n_out * d->n_train * sizeof(rs_real));
        d->bytes += (size_t)d->n_out * d->n_train * sizeof(rs_real);
    } else {
        d->train_label = host->alloc(ctx, (size_t)d->n_train * sizeof(uint16_t));
        d->bytes += (size_t)d->n_train * sizeof(uint16_t);
    }
    if (!d->train_x || !d->eval_x || !d->eval_y || !(d->train_y || d->train_label)) {
        ds_unload(host, d);
        host->fail(ctx, RS_ERR_NOMEM, "no memory for a data set of %u + %u examples of %u "
                   "features (%.0f MB)", shape->n_train, shape->n_eval, shape->n_in,
                   (double)d->bytes / 1e6);
        return NULL;
    }
    return d;
}

void ds_data_standardise(ds_data *d)
{
    for (uint32_t i = 0; i < d->n_in; i++) {
        double sum = 0, sq = 0;
        for (uint32_t r = 0; r < d->n_train; r++)
            sum += d->train_x[(size_t)r * d->n_in + i];
        double mean = d->n_train ? sum / d->n_train : 0;
        for (uint32_t r = 0; r < d->n_train; r++) {
            double v = d->train_x[(size_t)r * d->n_in + i] - mean;
            sq += v * v;
        }
        double sd = d->n_train ? sqrt(sq / d->n_train) : 0;
        double inv = sd > 1e-12 ? 1 / sd : 1; /* constant in training: centred only */
        for (uint32_t r = 0; r < d->n_train; r++) {
            rs_real *v = &d->train_x[(size_t)r * d->n_in + i];
            *v = (rs_real)((*v - mean) * inv);
        }
        for (uint32_t c = 0; c < d->n_eval; c++) {
            rs_real *v = &d->eval_x[(size_t)i * d->n_eval + c];
            *v = (rs_real)((*v - mean) * inv);
        }
    }
}

rs_status ds_create(const rs_host *host, rs_ctx *ctx, const rs_params *p, rs_task_info *info,
                    void **state_out)
{
    *state_out = NULL;
    const ds_data *d = host->task_shared(ctx, p);
    if (!d)
        return host->fail(ctx, RS_ERR_IO, "the data could not be loaded");
    ds_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the task state");
    s->host = host;
    s->d = d;
    s->target = host->param_real(p, d->regression ? "target_loss" : "target_acc");
    info->n_in = d->n_in;
    info->n_out = d->n_out;
    info->n_full = d->n_train;
    info->loss = d->regression ? RS_LOSS_MSE : RS_LOSS_SOFTMAX_CE;
    info->lo = 0;
    info->hi = d->regression ? 0 : 1; /* lo == hi: regression, no accuracy */
    *state_out = s;
    return RS_OK;
}

/* Training example e into column b of x (n_in, n) and y (n_out, n). */
static void put_example(const ds_data *d, uint32_t e, uint32_t b, uint32_t n, rs_real *x,
                        rs_real *y)
{
    const rs_real *src = d->train_x + (size_t)e * d->n_in;
    for (uint32_t i = 0; i < d->n_in; i++)
        x[(size_t)i * n + b] = src[i];
    for (uint32_t o = 0; o < d->n_out; o++)
        y[(size_t)o * n + b] = d->regression ? d->train_y[(size_t)e * d->n_out + o]
                                             : (rs_real)(d->train_label[e] == o);
}

rs_status ds_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y)
{
    ds_state *s = state;
    for (uint32_t b = 0; b < n; b++) /* the whole set in order, or draws with replacement */
        put_example(s->d, n == s->d->n_train ? b
                                             : (uint32_t)(s->host->rng_u64(ctx) % s->d->n_train),
                    b, n, x, y);
    return RS_OK;
}

rs_status ds_gather(void *state, rs_ctx *ctx, const uint32_t *idx, uint32_t n, rs_real *x,
                    rs_real *y)
{
    ds_state *s = state;
    for (uint32_t b = 0; b < n; b++) {
        if (idx[b] >= s->d->n_train)
            return s->host->fail(ctx, RS_ERR_PARAM, "gather: example %u of a training set of "
                                 "%u", idx[b], s->d->n_train);
        put_example(s->d, idx[b], b, n, x, y);
    }
    return RS_OK;
}

rs_status ds_eval_set(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                      uint32_t *n)
{
    (void)ctx;
    ds_state *s = state;
    *x = s->d->eval_x;
    *y = s->d->eval_y;
    *n = s->d->n_eval;
    return RS_OK;
}

/* Classes: solved when the evaluation accuracy (argmax of pred against argmax of the one-hot
 * y) reaches target_acc. Regression: when the evaluation loss is at most target_loss. */
int ds_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n, double loss)
{
    const ds_state *s = state;
    if (s->d->regression)
        return loss <= s->target;
    uint32_t right = 0, k = s->d->n_out;
    for (uint32_t b = 0; b < n; b++) {
        uint32_t ap = 0, ay = 0;
        for (uint32_t o = 1; o < k; o++) {
            ap = pred[(size_t)o * n + b] > pred[(size_t)ap * n + b] ? o : ap;
            ay = y[(size_t)o * n + b] > y[(size_t)ay * n + b] ? o : ay;
        }
        right += ap == ay;
    }
    return n > 0 && (double)right / n >= s->target;
}

void ds_destroy(void *state, rs_ctx *ctx)
{
    if (state)
        ((ds_state *)state)->host->free(ctx, state);
}

void ds_unload(const rs_host *host, void *shared)
{
    ds_data *d = shared;
    if (!d)
        return;
    host->free(NULL, d->train_x);
    host->free(NULL, d->train_label);
    host->free(NULL, d->train_y);
    host->free(NULL, d->eval_x);
    host->free(NULL, d->eval_y);
    host->free(NULL, d);
}

/* "labels 0..9" when known is a run of whole numbers, else "labels 5, 7, ..." (the first 12). */
static void describe_labels(const double *known, uint32_t n, char *out, size_t size)
{
    int run = 1;
    for (uint32_t i = 1; i < n; i++)
        run &= known[i] == known[i - 1] + 1;
    if (run && n > 2) {
        snprintf(out, size, "labels %g..%g", known[0], known[n - 1]);
        return;
    }
    size_t len = (size_t)snprintf(out, size, "labels");
    for (uint32_t i = 0; i < n && i < 12 && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s %g", i ? "," : "", known[i]);
    if (n > 12 && len < size)
        snprintf(out + len, size - len, ", ...");
}

/* The label text[0..len) of a subset: its index in known, or -1 after host->fail. */
static int find_class(const rs_host *host, rs_ctx *ctx, const char *text, const char *p,
                      size_t len, const double *known, uint32_t n_known)
{
    char *end, token[64];
    snprintf(token, sizeof token, "%.*s", (int)(len < 63 ? len : 63), p);
    long v = strtol(token, &end, 10);
    while (*end == ' ')
        end++;
    if (end == token || *end) {
        host->fail(ctx, RS_ERR_PARAM, "classes \"%s\": '%s' is not a whole number; give the "
                   "labels separated by semicolons (commas in a spec), e.g. \"0;3;7\"", text,
                   token);
        return -1;
    }
    for (uint32_t i = 0; i < n_known; i++)
        if (known[i] == (double)v)
            return (int)i;
    char labels[200];
    describe_labels(known, n_known, labels, sizeof labels);
    host->fail(ctx, RS_ERR_PARAM, "classes \"%s\": %ld is not a label of this data (%s)", text,
               v, labels);
    return -1;
}

int ds_class_subset(const rs_host *host, rs_ctx *ctx, const char *text, const double *known,
                    uint32_t n_known, uint32_t *order)
{
    if (!text[0])
        return 0;
    uint32_t k = 0;
    for (const char *p = text;; p++) { /* a separator at the end leaves an empty label */
        size_t len = strcspn(p, ",;");
        int c = find_class(host, ctx, text, p, len, known, n_known);
        if (c < 0)
            return -1;
        for (uint32_t j = 0; j < k; j++)
            if (order[j] == (uint32_t)c) {
                host->fail(ctx, RS_ERR_PARAM, "classes \"%s\": %g is named twice", text,
                           known[c]);
                return -1;
            }
        order[k++] = (uint32_t)c; /* k <= n_known: a label named twice stops it first */
        p += len;
        if (!*p)
            break;
    }
    if (k < 2) {
        host->fail(ctx, RS_ERR_PARAM, "classes \"%s\": name at least two classes", text);
        return -1;
    }
    return (int)k;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void ds_shuffle(void *items, uint32_t n, size_t size, uint64_t seed)
{
    unsigned char tmp[64], *a = items;
    for (uint32_t r = n ? n - 1 : 0; r > 0; r--) {
        uint32_t j = (uint32_t)(splitmix(&seed) % (r + 1));
        memcpy(tmp, a + (size_t)r * size, size);
        memcpy(a + (size_t)r * size, a + (size_t)j * size, size);
        memcpy(a + (size_t)j * size, tmp, size);
    }
}
