/* ds_data.c: see ds_data.h. */
#include "ds_data.h"

#include <math.h>
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
