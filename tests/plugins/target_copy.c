/* target_copy.c: a rule that learns nothing and only copies the target, to prove that
 * ruleset's evaluation cannot be fooled by it (tests/unit/test_energy.c).
 *
 * Each step it relaxes the network with the output CLAMPED to the target (host->relax_run)
 * and keeps those states, as notebook 002 kept its nudged states; it reports the error read
 * from them ("clamped_error", 002's way of measuring: argmax of the kept output state against
 * the target), which is 0 by construction. It never changes a weight. Its predict is an honest
 * free phase from the feedforward pass with no target, as the energy rules' is. The runner
 * evaluates through predict on the task's fixed set, so the rule MUST score no better than its
 * untrained network, whatever clamped_error says. */
#include <string.h>

#include <ruleset/plugin.h>

#define TC_MAX_LAYERS 18

typedef struct tc_state {
    const rs_host *host;
    rs_relax *relax;
    rs_relax_config cfg;
    rs_real *u[TC_MAX_LAYERS], *s[TC_MAX_LAYERS]; /* (n_l, max_batch) */
} tc_state;

static const char *const tc_metrics[] = { "clamped_error", NULL };

static void tc_destroy(void *state, rs_ctx *ctx)
{
    tc_state *t = state;
    if (!t)
        return;
    t->host->relax_destroy(ctx, t->relax);
    for (int l = 0; l < TC_MAX_LAYERS; l++) {
        t->host->free(ctx, t->u[l]);
        t->host->free(ctx, t->s[l]);
    }
    t->host->free(ctx, t);
}

static rs_status tc_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)p;
    (void)task;
    *state_out = NULL;
    if (net->n_layers + 1 > TC_MAX_LAYERS)
        return host->fail(ctx, RS_ERR_SHAPE, "too many layers");
    tc_state *t = host->alloc(ctx, sizeof *t);
    if (!t)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    t->host = host;
    t->relax = host->relax_create(ctx, net, net->max_batch);
    int ok = t->relax != NULL;
    for (uint32_t l = 1; ok && l <= net->n_layers; l++) {
        size_t bytes = (size_t)net->sizes[l] * net->max_batch * sizeof(rs_real);
        ok = (t->u[l] = host->alloc(ctx, bytes)) && (t->s[l] = host->alloc(ctx, bytes));
    }
    if (!ok) {
        tc_destroy(t, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for states");
    }
    t->cfg = (rs_relax_config){ .struct_size = sizeof(rs_relax_config),
                                .energy = RS_RELAX_HOPFIELD, .method = RS_RELAX_FIXED_POINT,
                                .output = RS_RELAX_FREE, .max_iters = 50, .tol = 1e-6,
                                .feedback = 1 };
    *state_out = t;
    return RS_OK;
}

static rs_status tc_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *b,
                         rs_step_stats *stats)
{
    tc_state *t = state;
    rs_relax_config clamped = t->cfg;
    clamped.output = RS_RELAX_CLAMPED;
    t->host->relax_init(t->relax, net, &clamped, b->x, b->n, t->u, t->s);
    rs_status st = t->host->relax_run(t->relax, ctx, net, &clamped, b->x, b->y, b->n, t->u,
                                      t->s, NULL);
    if (st != RS_OK)
        return st;
    /* 002's measure: read the answer from the kept (clamped) output states */
    const rs_real *out = t->s[net->n_layers];
    uint32_t wrong = 0;
    for (uint32_t k = 0; k < b->n; k++) {
        uint32_t ap = 0, ay = 0;
        for (uint32_t i = 1; i < b->n_out; i++) {
            ap = out[(size_t)i * b->n + k] > out[(size_t)ap * b->n + k] ? i : ap;
            ay = b->y[(size_t)i * b->n + k] > b->y[(size_t)ay * b->n + k] ? i : ay;
        }
        if (b->n_out == 1)
            wrong += (out[k] > 0.5f) != (b->y[k] > 0.5f);
        else
            wrong += ap != ay;
    }
    stats->n_metrics = 1;
    stats->metrics[0] = (double)wrong / b->n;
    return RS_OK;
}

static rs_status tc_predict(void *state, rs_ctx *ctx, rs_net *net, const rs_real *x, uint32_t n,
                            rs_real *out)
{
    tc_state *t = state;
    t->host->relax_init(t->relax, net, &t->cfg, x, n, t->u, t->s);
    rs_status st = t->host->relax_run(t->relax, ctx, net, &t->cfg, x, NULL, n, t->u, t->s, NULL);
    if (st == RS_OK)
        memcpy(out, t->s[net->n_layers], (size_t)net->sizes[net->n_layers] * n * sizeof(rs_real));
    return st;
}

static const rs_rule_desc target_copy = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "target_copy",
    .head.version = "1.0.0",
    .head.summary = "test fixture: clamps its output states to the target, learns nothing",
    .head.citation = NULL,
    .head.params = NULL,
    .metric_names = tc_metrics,
    .create = tc_create,
    .step = tc_step,
    .destroy = tc_destroy,
    .predict = tc_predict,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &target_copy.head : NULL;
}
