/* ascent_rule.c: a rule that climbs the loss, w += lr * dL/dw on the host's backpropagated
 * gradients: its weight change points exactly against backprop's, so its gradient alignment
 * is -1 on every layer (tests/unit/test_epochs.c). */
#include <ruleset/plugin.h>

typedef struct as_state {
    const rs_host *host;
    uint32_t loss;
    double lr;
    rs_real *d_out; /* (n_L, max_batch) */
} as_state;

static const rs_param_spec as_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 10,
      .help = "step size up the gradient" },
    { 0 }
};

static void as_destroy(void *state, rs_ctx *ctx)
{
    as_state *s = state;
    if (!s)
        return;
    s->host->free(ctx, s->d_out);
    s->host->free(ctx, s);
}

static rs_status as_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    as_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for ascent_rule state");
    s->host = host;
    s->loss = task->loss;
    s->lr = host->param_real(p, "lr");
    s->d_out = host->alloc(ctx, (size_t)net->sizes[net->n_layers] * net->max_batch
                                    * sizeof(rs_real));
    if (!s->d_out) {
        as_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for ascent_rule buffers");
    }
    *state_out = s;
    return RS_OK;
}

static rs_status as_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    as_state *s = state;
    const rs_host *h = s->host;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                          s->d_out);
    stats->has_loss = 1;
    if ((st = h->net_backward(ctx, net, s->d_out)) != RS_OK)
        return st;
    h->axpy(net->n_params, (rs_real)s->lr, net->grads, net->params);
    return RS_OK;
}

static const rs_rule_desc ascent_rule = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "ascent_rule",
    .head.version = "1.0.0",
    .head.summary = "test fixture: gradient ascent on the loss",
    .head.params = as_params,
    .create = as_create,
    .step = as_step,
    .destroy = as_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &ascent_rule.head : NULL;
}
