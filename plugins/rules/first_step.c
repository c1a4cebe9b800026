/* first_step.c: notebook 002's "first-step gradient approximation", made honest: the free
 * phase has no target in it, and the rule is defined for every network. docs/RULES.md says
 * what it is and what it is not; docs/RULES.md.
 *
 * From the free fixed point s^0 (the host's Hopfield relaxation, as eqprop), ONE nudged
 * fixed-point step of the output alone:
 *   u_L = W_L s^0_{L-1} + b_L,   delta = f_L(u_L + beta (y - s^0_L)) - f_L(u_L)
 * (notebook 002: sigmoid(out - beta (sigmoid(out) - y)) - sigmoid(out)). To first order
 * delta = -beta f_L'(u_L) (s_L - y) = -beta * backprop's output delta of |s_L - y|^2 / 2.
 * Updates, mean over the batch, with 002's scale (no 1/beta: the rate absorbs beta):
 *   output       dW_L = lr_L delta s^0_{L-1}^T,  db_L = lr_L delta        (the delta rule)
 *   hidden=none  nothing else: after one nudged step no hidden unit has moved, so the step
 *                carries no information to them (Ernoult et al. 2019: k nudged steps reach k
 *                layers). Hidden layers stay random features; learning is a readout.
 *   hidden=identity (002): dW_l = lr_l delta s^0_{l-1}^T for every layer l < L too, i.e. hidden
 *                unit i receives output unit i's delta, as if the feedback matrix were the
 *                identity. Defined only when every hidden layer has as many units as the
 *                output; 002's own 2-2-1-2 network does not (PyTorch raises a shape error at
 *                its second layer), and this rule refuses it. It is no gradient of anything for
 *                the hidden layers.
 * Settings of 002: beta 0.1, per-layer rates (0.1, 0.1, 0.01), one free iteration from
 * persistent states, 20 full-batch steps. */
#include "energy_rules.h"

typedef struct fs_state {
    er_common c;
    double beta;
    int identity;  /* hidden=identity */
    rs_real *delta; /* (n_L, max_batch) */
} fs_state;

static const char *const fs_metrics[] = { "energy", "free_iters", "free_change", NULL };

static const rs_param_spec fs_params[] = {
    ER_LR_PARAMS(1), /* what works on XOR (docs/RESULTS.md) */
    ER_FREE_PARAMS,
    { .name = "beta", .type = RS_PARAM_REAL, .def = 0.5, .lo = 1e-6, .hi = 100,
      .help = "strength of the one nudged output step (002: 0.1)" },
    { .name = "hidden", .type = RS_PARAM_CHOICE, .def_str = "none", .choices = "none|identity",
      .help = "hidden layers: not trained, or 002's output delta through an identity map" },
    { 0 }
};

static rs_status fs_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    fs_state t = { .beta = host->param_real(p, "beta"),
                   .identity = host->param_str(p, "hidden")[0] == 'i' };
    rs_block b;
    rs_status st = er_declare(&t.c, host, ctx, p, net, task, 1, "first_step", &b, sizeof t);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    for (uint32_t l = 1; t.identity && l < L; l++)
        if (net->sizes[l] != net->sizes[L])
            return host->fail(ctx, RS_ERR_SHAPE, "hidden=identity sends output unit i's delta "
                              "to hidden unit i, so every hidden layer needs %u units (the "
                              "output's); layer %u has %u. Use hidden=none", net->sizes[L], l,
                              net->sizes[l]);
    rs_block_reals(&b, &t.delta, (size_t)net->sizes[L] * net->max_batch);
    return er_finish(host, ctx, net, &b, &t, sizeof t, "first_step", state_out);
}

static rs_status fs_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *b,
                         rs_step_stats *stats)
{
    fs_state *s = state;
    const rs_host *h = s->c.host;
    const uint32_t L = net->n_layers, n = b->n;
    rs_relax_stats fs = { 0 };
    rs_status st = er_free_phase(&s->c, ctx, net, b->x, n, &fs);
    if (st != RS_OK)
        return st;
    stats->loss = er_free_loss(&s->c, net, b);
    stats->has_loss = 1;
    stats->n_metrics = 3;
    stats->metrics[0] = h->relax_energy(s->c.relax, net, &s->c.free_cfg, b->x, NULL, n,
                                        s->c.free.u, s->c.free.s);
    stats->metrics[1] = fs.iters;
    stats->metrics[2] = fs.change;

    /* delta = f_L(u_L + beta (y - s_L)) - f_L(u_L), u_L from the free last hidden state */
    const rs_layer *out = &net->layers[L - 1];
    const size_t len = (size_t)out->n_out * n;
    rs_real *u = s->c.pred.u[L], *a = s->c.pred.s[L]; /* scratch: predict is not running */
    const rs_real *top = L == 1 ? b->x : s->c.free.s[L - 1];
    for (uint32_t i = 0; i < out->n_out; i++)
        for (uint32_t k = 0; k < n; k++)
            u[(size_t)i * n + k] = out->b ? out->b[i] : 0;
    h->gemm(0, 0, out->n_out, n, out->n_in, 1, out->w, out->n_in, top, n, 1, u, n);
    h->act_forward(out->act, u, a, len);
    for (size_t k = 0; k < len; k++)
        s->delta[k] = u[k] + (rs_real)s->beta * (b->y[k] - a[k]);
    h->act_forward(out->act, s->delta, s->delta, len);
    for (size_t k = 0; k < len; k++)
        s->delta[k] -= a[k];

    /* g = -mean(delta pre^T), so er_apply's w -= lr g adds lr mean(delta pre^T) */
    memset(s->c.g, 0, net->n_params * sizeof(rs_real));
    for (uint32_t l = s->identity ? 1 : L; l <= L; l++) {
        rs_layer *ly = &net->layers[l - 1];
        const rs_real *pre = l == 1 ? b->x : s->c.free.s[l - 1];
        rs_real *gw = s->c.g + (ly->w - net->params);
        h->gemm(0, 1, ly->n_out, ly->n_in, n, -(rs_real)1 / n, s->delta, n, pre, n, 0, gw,
                ly->n_in);
        for (uint32_t i = 0; ly->b && i < ly->n_out; i++) {
            double sum = 0;
            for (uint32_t k = 0; k < n; k++)
                sum += s->delta[(size_t)i * n + k];
            gw[(size_t)ly->n_out * ly->n_in + i] = (rs_real)(-sum / n);
        }
    }
    er_apply(&s->c, net);
    return RS_OK;
}

static rs_status fs_predict(void *state, rs_ctx *ctx, rs_net *net, const rs_real *x,
                            uint32_t n, rs_real *out)
{
    return er_predict(&((fs_state *)state)->c, ctx, net, x, n, out);
}

static const rs_rule_desc first_step = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "first_step",
    .head.version = "1.0.0",
    .head.summary = "002's one nudged output step from the free state: a delta-rule readout",
    .head.citation = "notebook 002; cf. Bengio & Fischer (2015) arXiv:1510.02777, Ernoult et "
                     "al. (2019) NeurIPS",
    .head.params = fs_params,
    .metric_names = fs_metrics,
    .create = fs_create,
    .step = fs_step,
    .destroy = er_destroy,
    .predict = fs_predict,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &first_step.head : NULL;
}
