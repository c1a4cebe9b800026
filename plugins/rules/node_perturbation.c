/* node_perturbation.c: perturb every unit's net input, measure the change of the loss, step
 * against it (Williams 1992, "Simple statistical gradient-following algorithms for
 * connectionist reinforcement learning", Machine Learning 8:229; Fiete & Seung 2006, PRL
 * 97:048104; docs/RULES.md).
 *
 * One clean forward pass gives the loss C_b of each example b. Then, for each of `samples`
 * perturbations k, one noisy pass adds xi_l ~ N(0, sigma^2) to every z_l (hidden and output):
 *   z~_l = W_l a~_{l-1} + b_l + xi_l,  a~_l = f_l(z~_l),  a~_0 = x,  loss C~_b,
 * and the gradient of the batch loss C = mean_b C_b is estimated as
 *   g_l[i,b] = (C~_b - C_b) xi_l[i,b] / (sigma^2 n K)     (K = samples, n = batch)
 *   dC/dW_l ~ sum_k g_l a~_{l-1}^T,  dC/db_l ~ sum_k sum_b g_l
 * (a~_{l-1} from the noisy pass, as docs/RULES.md writes it), followed by one optimizer
 * step (SGD, momentum or Adam). Unbiased as sigma -> 0; its variance grows with the number of
 * units (Werfel, Xie & Seung 2005). Noise is drawn per sample in layer order l = 1..L, one
 * host->rng_fill_normal over the (n_l, n) block each (the unit tests replay it). The loss is
 * the task's (or `loss`), per example averaged as PyTorch averages it. Deviation: Fiete & Seung
 * use a running average of the reward as the baseline; we use the clean pass's loss on the
 * same example, the lower-variance form of docs/RULES.md (hebbian mode=modulated with
 * signal=reward and noise > 0 is the running-baseline form). */
#include "local_rules.h"

typedef struct np_state {
    rs_rule_base base;      /* the host and the optimizer */
    uint32_t loss;          /* rs_loss_kind */
    rs_real sigma;
    uint32_t samples;
    double *c_clean;        /* (max_batch) C_b */
    double *c_noisy;        /* (max_batch) C~_b */
    rs_real *col;           /* (2 n_L) scratch for one example's loss */
    rs_real *g;             /* (max width, max_batch) */
    rs_real *xi[LR_MAX_LAYERS]; /* xi[l] (n_l, max_batch), l = 1..L; xi[0] NULL */
    rs_real *z[LR_MAX_LAYERS];  /* noisy pass, (n_l, max_batch) */
    rs_real *a[LR_MAX_LAYERS];
} np_state;

static const rs_param_spec np_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    { .name = "sigma", .type = RS_PARAM_REAL, .def = 0.1, .lo = 1e-6, .hi = 10,
      .help = "standard deviation of the noise added to every net input" },
    { .name = "samples", .type = RS_PARAM_INT, .def = 1, .lo = 1, .hi = 1024,
      .help = "noisy passes averaged per step" },
    LR_LOSS_PARAM,
    LR_OPTIM_PARAMS,
    { 0 }
};

static rs_status np_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "node_perturbation", LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    np_state t = {
        .base.host = host,
        .loss = lr_loss_kind(host, p, task),
        .sigma = (rs_real)host->param_real(p, "sigma"),
        .samples = (uint32_t)host->param_int(p, "samples"),
    };
    const size_t nb = net->max_batch;
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_doubles(&b, &t.c_clean, nb);
    rs_block_doubles(&b, &t.c_noisy, nb);
    rs_block_reals(&b, &t.col, 2 * (size_t)net->sizes[L]);
    rs_block_reals(&b, &t.g, (size_t)lr_max_width(net) * nb);
    for (uint32_t l = 1; l <= L; l++) {
        rs_block_reals(&b, &t.xi[l], (size_t)net->sizes[l] * nb);
        rs_block_reals(&b, &t.z[l], (size_t)net->sizes[l] * nb);
        rs_block_reals(&b, &t.a[l], (size_t)net->sizes[l] * nb);
    }
    return lr_with_optim(host, ctx, p, net,
                         rs_block_alloc(host, ctx, &b, &t, sizeof t, "node_perturbation"),
                         "node_perturbation", state_out);
}

static rs_status np_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    np_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n, n_out = batch->n_out;
    rs_status st = h->net_forward(ctx, net, batch->x, n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(s->loss, net->a[L], batch->y, n_out, n, NULL);
    stats->has_loss = 1;
    lr_example_losses(h, s->loss, net->a[L], batch->y, n_out, n, s->col, s->c_clean);

    const double scale = 1.0 / ((double)s->sigma * s->sigma * n * s->samples);
    for (uint32_t k = 0; k < s->samples; k++) {
        for (uint32_t l = 1; l <= L; l++)
            h->rng_fill_normal(ctx, s->xi[l], (size_t)net->sizes[l] * n, 0, s->sigma);
        lr_forward(h, net, batch->x, n, s->xi, s->z, s->a);
        lr_example_losses(h, s->loss, s->a[L], batch->y, n_out, n, s->col, s->c_noisy);
        for (uint32_t l = 1; l <= L; l++) {
            rs_layer *ly = &net->layers[l - 1];
            const rs_real *pre = l > 1 ? s->a[l - 1] : batch->x;
            for (uint32_t i = 0; i < ly->n_out; i++)
                for (uint32_t b = 0; b < n; b++)
                    s->g[(size_t)i * n + b] = (rs_real)((s->c_noisy[b] - s->c_clean[b]) * scale
                                                        * s->xi[l][(size_t)i * n + b]);
            /* the first sample writes the gradient, the others add to it */
            h->gemm(0, 1, ly->n_out, ly->n_in, n, 1, s->g, n, pre, n, k ? 1 : 0, ly->dw,
                    ly->n_in);
            if (ly->db)
                for (uint32_t i = 0; i < ly->n_out; i++) {
                    rs_real sum = 0;
                    for (uint32_t b = 0; b < n; b++)
                        sum += s->g[(size_t)i * n + b];
                    ly->db[i] = k ? ly->db[i] + sum : sum;
                }
        }
    }
    h->optim_step(s->base.opt, net->params, net->grads, net->n_params);
    return RS_OK;
}

static const rs_rule_desc node_perturbation = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "node_perturbation",
    .head.version = "1.0.0",
    .head.summary = "noise on every unit's net input; step against the loss change it causes",
    .head.citation = "Williams (1992) Machine Learning 8:229-256; Fiete & Seung (2006) PRL "
                     "97:048104",
    .head.params = np_params,
    .create = np_create,
    .step = np_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &node_perturbation.head : NULL;
}
