/* segv_task.c: blame fixture: a 2-in, 1-out task (AND) whose `solved` writes into the unmapped
 * first page (SIGSEGV) at the first evaluation. Run isolated, the crash is reported as this
 * task's, not as the rule's (tests/cli/trust.sh). */
#include <stdint.h>

#include <ruleset/plugin.h>

static int *volatile nowhere = (int *)(uintptr_t)64;

static const rs_real xs[8] = { 0, 0, 1, 1, 0, 1, 0, 1 }; /* (n_in, n): input i of k at 4i+k */
static const rs_real ys[4] = { 0, 0, 0, 1 };

static rs_status st_create(const rs_host *host, rs_ctx *ctx, const rs_params *params,
                           rs_task_info *info, void **state_out)
{
    (void)host;
    (void)ctx;
    (void)params;
    info->n_in = 2;
    info->n_out = 1;
    info->n_full = 4;
    info->loss = RS_LOSS_MSE;
    info->lo = 0;
    info->hi = 1;
    *state_out = NULL;
    return RS_OK;
}

static rs_status st_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y)
{
    (void)state;
    (void)ctx;
    for (uint32_t b = 0; b < n; b++) {
        x[b] = xs[b % 4];
        x[n + b] = xs[4 + b % 4];
        y[b] = ys[b % 4];
    }
    return RS_OK;
}

static rs_status st_eval_set(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                             uint32_t *n)
{
    (void)state;
    (void)ctx;
    *x = xs;
    *y = ys;
    *n = 4;
    return RS_OK;
}

static int st_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n, double loss)
{
    (void)state;
    (void)pred;
    (void)y;
    (void)n;
    (void)loss;
    *nowhere = 1;
    return 0;
}

static void st_destroy(void *state, rs_ctx *ctx)
{
    (void)state;
    (void)ctx;
}

static const rs_task_desc desc = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "segv_task",
    .head.version = "0.0.1",
    .head.summary = "test fixture: SIGSEGV in solved",
    .create = st_create,
    .batch = st_batch,
    .eval_set = st_eval_set,
    .solved = st_solved,
    .destroy = st_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &desc.head : NULL;
}
