/* count_task.c: a task that counts which training examples the host asked for by index.
 * gather fails when an example is asked for a second time before every other one was asked
 * for as often (so twice in one epoch), and `solved` holds exactly when every example has been
 * handed out the same number of times, at least once: evaluated after each epoch it is
 * solved, evaluated mid-epoch it is not (tests/unit/test_epochs.c).
 *
 * Example i: x = (i / n, 1 if i is odd else 0), y = one-hot of i % 2, softmax cross-entropy;
 * the evaluation set is the whole training set in order. */
#include <ruleset/plugin.h>

typedef struct ct_state {
    const rs_host *host;
    uint32_t n;
    uint64_t total;   /* examples handed out by gather */
    uint32_t *count;  /* (n) how often each was */
    rs_real *ex, *ey; /* the evaluation set, (2, n) and (2, n) */
} ct_state;

static const rs_param_spec ct_params[] = {
    { .name = "n", .type = RS_PARAM_INT, .def = 50, .lo = 1, .hi = 100000,
      .help = "training examples" },
    { 0 }
};

static void ct_example(uint32_t i, uint32_t n, rs_real *x, rs_real *y, uint32_t b, uint32_t m)
{
    x[b] = (rs_real)i / (rs_real)n;
    x[m + b] = (rs_real)(i % 2);
    y[b] = (rs_real)(i % 2 == 0);
    y[m + b] = (rs_real)(i % 2 == 1);
}

static void ct_destroy(void *state, rs_ctx *ctx)
{
    ct_state *s = state;
    if (!s)
        return;
    s->host->free(ctx, s->count);
    s->host->free(ctx, s->ex);
    s->host->free(ctx, s->ey);
    s->host->free(ctx, s);
}

static rs_status ct_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           rs_task_info *info, void **state_out)
{
    *state_out = NULL;
    ct_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    s->host = host;
    s->n = (uint32_t)host->param_int(p, "n");
    s->count = host->alloc(ctx, s->n * sizeof *s->count);
    s->ex = host->alloc(ctx, 2 * (size_t)s->n * sizeof(rs_real));
    s->ey = host->alloc(ctx, 2 * (size_t)s->n * sizeof(rs_real));
    if (!s->count || !s->ex || !s->ey) {
        ct_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    }
    for (uint32_t i = 0; i < s->n; i++)
        ct_example(i, s->n, s->ex, s->ey, i, s->n);
    info->n_in = 2;
    info->n_out = 2;
    info->n_full = s->n;
    info->loss = RS_LOSS_SOFTMAX_CE;
    info->lo = 0;
    info->hi = 1;
    *state_out = s;
    return RS_OK;
}

static rs_status ct_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y)
{
    ct_state *s = state;
    for (uint32_t b = 0; b < n; b++)
        ct_example((uint32_t)(s->host->rng_uniform(ctx) * s->n) % s->n, s->n, x, y, b, n);
    return RS_OK;
}

static rs_status ct_gather(void *state, rs_ctx *ctx, const uint32_t *idx, uint32_t n,
                           rs_real *x, rs_real *y)
{
    ct_state *s = state;
    for (uint32_t b = 0; b < n; b++) {
        if (idx[b] >= s->n)
            return s->host->fail(ctx, RS_ERR_INTERNAL, "index %u of %u examples", idx[b], s->n);
        uint64_t epoch = s->total / s->n; /* every example so far this often */
        if (s->count[idx[b]] != epoch)
            return s->host->fail(ctx, RS_ERR_INTERNAL, "example %u asked for again in epoch %llu",
                                 idx[b], (unsigned long long)epoch + 1);
        s->count[idx[b]]++;
        s->total++;
        ct_example(idx[b], s->n, x, y, b, n);
    }
    return RS_OK;
}

static rs_status ct_eval_set(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                             uint32_t *n)
{
    (void)ctx;
    ct_state *s = state;
    *x = s->ex;
    *y = s->ey;
    *n = s->n;
    return RS_OK;
}

static int ct_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n,
                     double loss)
{
    (void)pred;
    (void)y;
    (void)n;
    (void)loss;
    ct_state *s = state;
    if (s->total == 0 || s->total % s->n != 0)
        return 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->count[i] != s->total / s->n)
            return 0;
    return 1;
}

static const rs_task_desc count_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "count_task",
    .head.version = "1.0.0",
    .head.summary = "test fixture: counts the examples gather was asked for",
    .head.params = ct_params,
    .create = ct_create,
    .batch = ct_batch,
    .eval_set = ct_eval_set,
    .solved = ct_solved,
    .destroy = ct_destroy,
    .gather = ct_gather,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &count_task.head : NULL;
}
