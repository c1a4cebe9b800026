/* bcm.c: the BCM rule with a sliding modification threshold (Bienenstock, Cooper & Munro 1982,
 * "Theory for the development of neuron selectivity", J. Neuroscience 2:32; in the form of
 * Intrator & Cooper 1992, Neural Networks 5:3; docs/RULES.md).
 *
 * Every hidden layer (and the output layer with readout=none), post y = a_l, pre x = a_{l-1},
 * one threshold θ_i per unit:
 *   Δw_ij = η x_j φ(y_i, θ_i),  φ(y, θ) = y (y - θ)         (LTD below θ, LTP above)
 *   θ_i  <- θ_i + (mean_b y_i^2 - θ_i) / τ                 (θ tracks E[y^2], after the update)
 * as the batch mean; the bias is the weight from an input clamped to 1 (Δb_i = η φ_i). θ starts
 * at theta0. θ must move faster than the weights (τ well below 1/η, docs/RULES.md). The
 * stable fixed points are selective: on two orthogonal patterns shown equally often a unit
 * ends answering one with y = 2 (θ = E[y^2] = y^2/2) and the other with 0 (the test).
 * BCM is unsupervised: on a task the output layer learns by `readout` (the delta rule on the
 * task loss, clamped Hebb, or none), as oja.c. Optional hard clip on the BCM weights. */
#include "local_rules.h"

typedef struct bcm_state {
    rs_rule_base base;
    int readout;
    rs_real lr, readout_lr, clip;
    double tau;
    rs_real *theta[LR_MAX_LAYERS]; /* theta[l] (n_l), l = 1..L */
    rs_real *phi;                  /* (max width, max_batch) */
    rs_real *d_pred;               /* (n_L, max_batch) */
    rs_real *delta;                /* (n_L, max_batch) */
} bcm_state;

static const rs_param_spec bcm_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 100,
      .help = "learning rate η" },
    { .name = "tau", .type = RS_PARAM_REAL, .def = 10, .lo = 1, .hi = 1e9,
      .help = "threshold time constant in steps: θ += (mean y^2 - θ)/tau; keep << 1/lr" },
    { .name = "theta0", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "initial threshold θ of every unit" },
    LR_READOUT_PARAMS,
    { .name = "clip", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "clip every BCM-learning weight to [-c, c]; 0 = none" },
    { 0 }
};

static rs_status bcm_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)task;
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "bcm", LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    bcm_state t = {
        .base.host = host,
        .readout = lr_readout_kind(host, p),
        .lr = (rs_real)host->param_real(p, "lr"),
        .readout_lr = (rs_real)host->param_real(p, "readout_lr"),
        .clip = (rs_real)host->param_real(p, "clip"),
        .tau = host->param_real(p, "tau"),
    };
    const size_t nb = net->max_batch, out = (size_t)net->sizes[L] * nb;
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.phi, (size_t)lr_max_width(net) * nb);
    rs_block_reals(&b, &t.d_pred, out);
    rs_block_reals(&b, &t.delta, out);
    for (uint32_t l = 1; l <= L; l++)
        rs_block_reals(&b, &t.theta[l], net->sizes[l]);
    bcm_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t, "bcm");
    if (!s)
        return RS_ERR_NOMEM;
    const rs_real theta0 = (rs_real)host->param_real(p, "theta0");
    for (uint32_t l = 1; l <= L; l++)
        for (uint32_t i = 0; i < net->sizes[l]; i++)
            s->theta[l][i] = theta0;
    *state_out = s;
    return RS_OK;
}

/* One layer's BCM update from post y (n_out, n) and pre x (n_in, n); then its thresholds. */
static void bcm_layer(bcm_state *s, rs_layer *ly, rs_real *theta, const rs_real *y,
                      const rs_real *x, uint32_t n)
{
    const rs_host *h = s->base.host;
    const uint32_t m = ly->n_out;
    const rs_real alpha = s->lr / (rs_real)n;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t b = 0; b < n; b++) {
            const rs_real yi = y[(size_t)i * n + b];
            s->phi[(size_t)i * n + b] = yi * (yi - theta[i]);
        }
    lr_outer(h, alpha, s->phi, x, m, ly->n_in, n, ly->dw);
    lr_apply(ly->w, ly->dw, (size_t)m * ly->n_in, s->clip, 0);
    if (ly->b) {
        lr_rowsum(alpha, s->phi, m, n, ly->db);
        lr_apply(ly->b, ly->db, m, s->clip, 0);
    }
    for (uint32_t i = 0; i < m; i++) {
        double y2 = 0;
        for (uint32_t b = 0; b < n; b++)
            y2 += (double)y[(size_t)i * n + b] * y[(size_t)i * n + b];
        theta[i] += (rs_real)((y2 / n - theta[i]) / s->tau);
    }
}

static rs_status bcm_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                          rs_step_stats *stats)
{
    bcm_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    rs_status st = h->net_forward(ctx, net, batch->x, n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(batch->loss, net->a[L], batch->y, batch->n_out, n, NULL);
    stats->has_loss = 1;
    if (s->readout != LR_READOUT_NONE) /* reads this pass's a_{L-1}; changes W_L only */
        lr_readout(h, net, batch, s->readout, s->readout_lr, s->clip, s->d_pred, s->delta);
    const uint32_t top = s->readout == LR_READOUT_NONE ? L : L - 1;
    for (uint32_t l = 1; l <= top; l++)
        bcm_layer(s, &net->layers[l - 1], s->theta[l], net->a[l], net->a[l - 1], n);
    return RS_OK;
}

static const rs_rule_desc bcm = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "bcm",
    .head.version = "1.0.0",
    .head.summary = "BCM rule with a sliding threshold (selectivity) under a supervised readout",
    .head.citation = "Bienenstock, Cooper & Munro (1982) J. Neurosci. 2:32-48; Intrator & "
                     "Cooper (1992) Neural Networks 5:3-17",
    .head.params = bcm_params,
    .create = bcm_create,
    .step = bcm_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &bcm.head : NULL;
}
