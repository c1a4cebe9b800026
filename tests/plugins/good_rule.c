/* good_rule.c: a minimal valid rule: sign-SGD on the host's backpropagated gradients,
 * w -= lr * sign(dL/dw). Loads cleanly, learns a little, reports its training loss and one
 * metric (the number of weights that moved), so runs with it exercise metric columns. */
#include <ruleset/plugin.h>

typedef struct sg_state {
    const rs_host *host;
    uint32_t loss;
    double lr;
    rs_real *d_out; /* (n_L, max_batch) */
} sg_state;

static const rs_param_spec sg_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 10,
      .help = "step size of every weight" },
    { 0 }
};

static const char *const sg_metrics[] = { "moved", NULL };

static void sg_destroy(void *state, rs_ctx *ctx)
{
    sg_state *s = state;
    if (!s)
        return;
    s->host->free(ctx, s->d_out);
    s->host->free(ctx, s);
}

static rs_status sg_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    sg_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for good_rule state");
    s->host = host;
    s->loss = task->loss;
    s->lr = host->param_real(p, "lr");
    s->d_out = host->alloc(ctx, (size_t)net->sizes[net->n_layers] * net->max_batch
                                    * sizeof(rs_real));
    if (!s->d_out) {
        sg_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for good_rule buffers");
    }
    *state_out = s;
    return RS_OK;
}

static rs_status sg_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    sg_state *s = state;
    const rs_host *h = s->host;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                          s->d_out);
    stats->has_loss = 1;
    if ((st = h->net_backward(ctx, net, s->d_out)) != RS_OK)
        return st;
    const rs_real lr = (rs_real)s->lr;
    size_t moved = 0;
    for (size_t i = 0; i < net->n_params; i++) {
        rs_real g = net->grads[i];
        if (g > 0)
            net->params[i] -= lr;
        else if (g < 0)
            net->params[i] += lr;
        moved += g != 0;
    }
    stats->n_metrics = 1;
    stats->metrics[0] = (double)moved;
    return RS_OK;
}

static const rs_rule_desc good_rule = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "good_rule",
    .head.version = "1.0.0",
    .head.summary = "test fixture: sign-SGD on backpropagated gradients",
    .head.citation = NULL,
    .head.params = sg_params,
    .metric_names = sg_metrics,
    .create = sg_create,
    .step = sg_step,
    .destroy = sg_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &good_rule.head : NULL;
}
