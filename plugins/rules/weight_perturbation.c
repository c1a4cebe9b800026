/* weight_perturbation.c: perturb every weight and bias at once, measure the change of the
 * loss, step against it (Jabri & Flower 1992, "Weight perturbation: an optimal architecture
 * and learning technique for analog VLSI feedforward and recurrent multilayer networks", IEEE
 * Trans. Neural Networks 3:154; docs/RULES.md).
 *
 * With theta every parameter (all W_l and b_l as one vector), C the batch loss, and for each
 * of `samples` perturbations k a draw xi ~ N(0, sigma^2 I) over theta:
 *   forward:    g = sum_k (C(theta + xi_k) - C(theta)) xi_k / (sigma^2 K)
 *   antithetic: g = sum_k (C(theta + xi_k) - C(theta - xi_k)) xi_k / (2 sigma^2 K)
 * g estimates dC/dtheta (unbiased as sigma -> 0; its variance grows with the number of
 * parameters) and goes to one optimizer step (SGD, momentum or Adam). Each sample draws xi with
 * one host->rng_fill_normal over the whole parameter vector (the unit tests replay it). The
 * weights are restored from a copy after each probe, never by subtracting xi again, so the
 * probes leave no rounding behind. The loss is the task's (or `loss`), averaged as PyTorch
 * averages it. No known deviation from the published rule. */
#include "local_rules.h"

typedef struct wp_state {
    rs_rule_base base; /* the host and the optimizer */
    uint32_t loss;     /* rs_loss_kind */
    rs_real sigma;
    uint32_t samples;
    int antithetic;
    rs_real *theta;    /* (n_params) the unperturbed parameters */
    rs_real *xi;       /* (n_params) */
} wp_state;

static const rs_param_spec wp_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    { .name = "sigma", .type = RS_PARAM_REAL, .def = 0.01, .lo = 1e-6, .hi = 10,
      .help = "standard deviation of the noise added to every parameter" },
    { .name = "samples", .type = RS_PARAM_INT, .def = 1, .lo = 1, .hi = 1024,
      .help = "perturbations averaged per step" },
    { .name = "antithetic", .type = RS_PARAM_BOOL, .def = 0,
      .help = "central difference C(theta+xi) - C(theta-xi): one more pass, lower variance" },
    LR_LOSS_PARAM,
    LR_OPTIM_PARAMS,
    { 0 }
};

static rs_status wp_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    /* only params and the host's forward pass are used: a recurrent net's raw matrix P is
     * perturbed like any weights */
    if (net->kind != RS_NET_LAYERED && net->kind != RS_NET_RECURRENT)
        return host->fail(ctx, RS_ERR_UNSUPPORTED, "weight_perturbation runs on layered and "
                                                   "recurrent networks only");
    wp_state t = {
        .base.host = host,
        .loss = lr_loss_kind(host, p, task),
        .sigma = (rs_real)host->param_real(p, "sigma"),
        .samples = (uint32_t)host->param_int(p, "samples"),
        .antithetic = host->param_bool(p, "antithetic"),
    };
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.theta, net->n_params);
    rs_block_reals(&b, &t.xi, net->n_params);
    return lr_with_optim(host, ctx, p, net,
                         rs_block_alloc(host, ctx, &b, &t, sizeof t, "weight_perturbation"),
                         "weight_perturbation", state_out);
}

/* The batch loss with the parameters theta + sign * xi. */
static double probe(wp_state *s, rs_ctx *ctx, rs_net *net, const rs_batch *batch, rs_real sign,
                    rs_status *st)
{
    const rs_host *h = s->base.host;
    for (size_t k = 0; k < net->n_params; k++)
        net->params[k] = s->theta[k] + sign * s->xi[k];
    *st = h->net_forward(ctx, net, batch->x, batch->n);
    return h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n, NULL);
}

static rs_status wp_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    wp_state *s = state;
    const rs_host *h = s->base.host;
    const size_t np = net->n_params;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    const double c0 = h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                              NULL);
    stats->loss = c0;
    stats->has_loss = 1;
    memcpy(s->theta, net->params, np * sizeof(rs_real));
    memset(net->grads, 0, np * sizeof(rs_real));
    const double var = (double)s->sigma * s->sigma;
    for (uint32_t k = 0; k < s->samples && st == RS_OK; k++) {
        h->rng_fill_normal(ctx, s->xi, np, 0, s->sigma);
        double dc = probe(s, ctx, net, batch, 1, &st);
        double coef;
        if (s->antithetic && st == RS_OK) {
            dc -= probe(s, ctx, net, batch, -1, &st);
            coef = dc / (2 * var * s->samples);
        } else {
            dc -= c0;
            coef = dc / (var * s->samples);
        }
        h->axpy(np, (rs_real)coef, s->xi, net->grads);
    }
    memcpy(net->params, s->theta, np * sizeof(rs_real));
    if (st != RS_OK)
        return st;
    h->optim_step(s->base.opt, net->params, net->grads, np);
    return RS_OK;
}

static const rs_rule_desc weight_perturbation = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "weight_perturbation",
    .head.version = "1.0.0",
    .head.summary = "noise on every parameter; step against the loss change it causes",
    .head.citation = "Jabri & Flower (1992) IEEE Trans. Neural Networks 3:154-157",
    .head.params = wp_params,
    .create = wp_create,
    .step = wp_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &weight_perturbation.head : NULL;
}
