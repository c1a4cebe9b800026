/* circuits.c: the task "circuits", the regression circuits of notebook 001 ("Mathematical
 * Circuits"): a small ReLU network learns one arithmetic function on [-1, 1] by MSE.
 *
 *   fn        inputs   target
 *   identity  x        x
 *   negate    x        -x
 *   abs       x        |x|
 *   add       x0, x1   x0 + x1
 *   sub       x0, x1   x0 - x1
 *   min       x0, x1   min(x0, x1)
 *   max       x0, x1   max(x0, x1)
 *
 * Inputs are uniform in [-1, 1], as torch.rand(n, k) * 2 - 1 in the notebook. Every batch is
 * fresh (n_full = 0: the task is unbounded); the evaluation set is test_n samples (notebook:
 * 1000) drawn once at create time from the job's stream, so it is the same for the same seed
 * and job. Scored with MSE (torch.nn.MSELoss); solved when the evaluation MSE is below
 * `threshold`. The notebook's runs reach about 2e-7 on the learnable functions, while min (on
 * a 2-3-2-1 net) stays near 0.05. info.lo/hi = -1/1 describe the input range.
 * Layout is FEATURE-MAJOR: x[j * n + b], y[b]. */
#include <string.h>

#include <ruleset/plugin.h>

enum circuit_fn { FN_IDENTITY, FN_NEGATE, FN_ABS, FN_ADD, FN_SUB, FN_MIN, FN_MAX };

static const struct {
    const char *name;
    uint32_t n_in;
} circuit_fns[] = {
    [FN_IDENTITY] = { "identity", 1 }, [FN_NEGATE] = { "negate", 1 }, [FN_ABS] = { "abs", 1 },
    [FN_ADD] = { "add", 2 }, [FN_SUB] = { "sub", 2 }, [FN_MIN] = { "min", 2 },
    [FN_MAX] = { "max", 2 },
};

typedef struct circuits_state {
    const rs_host *host;
    int fn;           /* enum circuit_fn */
    uint32_t n_in;
    double threshold; /* solved below this evaluation MSE */
    uint32_t test_n;
    rs_real *test_x;  /* (n_in, test_n) */
    rs_real *test_y;  /* (1, test_n) */
} circuits_state;

/* y (n) = fn of x (n_in, n) */
static void circuit_targets(int fn, const rs_real *x, rs_real *y, uint32_t n)
{
    const rs_real *x0 = x, *x1 = x + n; /* x1 only read by the 2-input functions */
    for (uint32_t b = 0; b < n; b++) {
        switch (fn) {
        case FN_IDENTITY: y[b] = x0[b]; break;
        case FN_NEGATE: y[b] = -x0[b]; break;
        case FN_ABS: y[b] = x0[b] < 0 ? -x0[b] : x0[b]; break;
        case FN_ADD: y[b] = x0[b] + x1[b]; break;
        case FN_SUB: y[b] = x0[b] - x1[b]; break;
        case FN_MIN: y[b] = x1[b] < x0[b] ? x1[b] : x0[b]; break;
        default: y[b] = x1[b] > x0[b] ? x1[b] : x0[b]; break; /* FN_MAX */
        }
    }
}

static void circuits_destroy(void *state, rs_ctx *ctx)
{
    circuits_state *s = state;
    if (!s)
        return;
    s->host->free(ctx, s->test_x);
    s->host->free(ctx, s->test_y);
    s->host->free(ctx, s);
}

static rs_status circuits_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                                 rs_task_info *info_out, void **state_out)
{
    *state_out = NULL;
    const char *name = host->param_str(p, "fn");
    int fn = -1;
    for (int f = 0; f < (int)(sizeof circuit_fns / sizeof circuit_fns[0]); f++)
        if (strcmp(name, circuit_fns[f].name) == 0)
            fn = f;
    if (fn < 0) /* the host validated the choice, so only a table/enum mismatch gets here */
        return host->fail(ctx, RS_ERR_INTERNAL, "circuits: no function '%s'", name);

    circuits_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the task state");
    s->host = host;
    s->fn = fn;
    s->n_in = circuit_fns[fn].n_in;
    s->threshold = host->param_real(p, "threshold");
    s->test_n = (uint32_t)host->param_int(p, "test_n");
    s->test_x = host->alloc(ctx, (size_t)s->n_in * s->test_n * sizeof(rs_real));
    s->test_y = host->alloc(ctx, (size_t)s->test_n * sizeof(rs_real));
    if (!s->test_x || !s->test_y) {
        circuits_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the evaluation set");
    }
    host->rng_fill_uniform(ctx, s->test_x, (size_t)s->n_in * s->test_n, -1, 1);
    circuit_targets(fn, s->test_x, s->test_y, s->test_n);
    *info_out = (rs_task_info){
        .struct_size = sizeof(rs_task_info),
        .n_in = s->n_in, .n_out = 1, .n_full = 0,
        .loss = RS_LOSS_MSE, .lo = -1, .hi = 1,
    };
    *state_out = s;
    return RS_OK;
}

static rs_status circuits_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y)
{
    const circuits_state *s = state;
    s->host->rng_fill_uniform(ctx, x, (size_t)s->n_in * n, -1, 1);
    circuit_targets(s->fn, x, y, n);
    return RS_OK;
}

static rs_status circuits_eval_set(void *state, rs_ctx *ctx, const rs_real **x,
                                   const rs_real **y, uint32_t *n)
{
    (void)ctx;
    const circuits_state *s = state;
    *x = s->test_x;
    *y = s->test_y;
    *n = s->test_n;
    return RS_OK;
}

static int circuits_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n,
                           double loss)
{
    (void)pred, (void)y, (void)n;
    const circuits_state *s = state;
    return loss < s->threshold; /* false for NaN */
}

static const rs_param_spec circuits_params[] = {
    { .name = "fn", .type = RS_PARAM_CHOICE, .def_str = "identity",
      .choices = "identity|negate|abs|add|sub|min|max",
      .help = "the function to learn: x, -x, |x| (1 input); x0+x1, x0-x1, min, max (2 inputs)" },
    { .name = "test_n", .type = RS_PARAM_INT, .def = 1000, .lo = 1, .hi = 10000000,
      .help = "samples in the fixed evaluation set" },
    { .name = "threshold", .type = RS_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1e9,
      .help = "solved when the evaluation MSE is below this" },
    { 0 }
};

static const rs_task_desc circuits_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "circuits", .head.version = "1.0.0",
    .head.summary = "regression of x, -x, |x|, x0+x1, x0-x1, min, max on [-1,1] (notebook 001)",
    .head.citation = NULL, .head.params = circuits_params,
    .create = circuits_create, .batch = circuits_batch, .eval_set = circuits_eval_set,
    .solved = circuits_solved, .destroy = circuits_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &circuits_task.head : NULL;
}
