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
 * signal=reward and noise > 0 is the running-baseline form).
 *
 * Two options of Dalm, van Gerven & Ahmad (2023, "Effective learning with node perturbation in
 * deep neural networks", arXiv:2310.00965), which together are the variant they report best for
 * multi-layer perceptrons, decorrelated activity-based node perturbation (DANP):
 *
 * estimate=activity (ANP): the direction is the measured change of every net input between the
 * two passes, dz_l = z~_l - z_l (the layer's own noise plus what the noise upstream did to it),
 * not the injected xi_l, and the step is normalised by its size over the whole network:
 *   g_l[i,b] = (C~_b - C_b) N dz_l[i,b] / (|dz_b|^2 n K),  |dz_b|^2 = sum_l sum_i dz_l[i,b]^2,
 *   dC/dW_l ~ sum_k g_l x_{l-1}^T with x_{l-1} from the CLEAN pass,
 * N = n_1 + ... + n_L the perturbed units. For one layer of independent noise N / |xi|^2 ->
 * 1 / sigma^2, the plain estimate's factor, so the two share their learning rates; the
 * authors also write the factor as sqrt(N) (a constant the rate absorbs; Adam ignores it).
 *
 * decorrelate=true (DNP, DANP): each layer's input passes through a learned R_l,
 * z_l = W_l R_l a_{l-1} + b_l, R_l <- R_l - decor_lr offdiag(mean_b x~ x~^T) R_l after every
 * step, x~ = R_l a_{l-1} of the clean pass; the weight estimates use x~ (decorrelation.h, which
 * also says why the rule writes the product W_l R_l into the host's weights). Off, nothing of
 * it is allocated or computed and the rule is the plain one above, draw for draw. */
#include "decorrelation.h"

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
    int activity;           /* estimate=activity: dz_l in xi[l], normalised by |dz_b|^2 */
    int decorrelate;
    double *coef;           /* (max_batch) the factor of example b's direction */
    rs_real *pre;           /* (max width, max_batch) a noisy pass's R_l a~_{l-1} */
    lr_decor dec;           /* R_l and the rule's own W_l, when decorrelate */
} np_state;

static const rs_param_spec np_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    { .name = "sigma", .type = RS_PARAM_REAL, .def = 0.1, .lo = 1e-6, .hi = 10,
      .help = "standard deviation of the noise added to every net input" },
    { .name = "samples", .type = RS_PARAM_INT, .def = 1, .lo = 1, .hi = 1024,
      .help = "noisy passes averaged per step" },
    { .name = "estimate", .type = RS_PARAM_CHOICE, .def_str = "noise", .choices = "noise|activity",
      .help = "direction of the step: the injected noise over sigma^2 (Williams), or the measured "
              "change of every net input normalised over the network (Dalm et al.'s ANP)" },
    { .name = "decorrelate", .type = RS_PARAM_BOOL, .def = 0,
      .help = "learn a decorrelating matrix R_l in front of every layer (Dalm et al.), folded "
              "into the weights as W_l R_l" },
    { .name = "decor_lr", .type = RS_PARAM_REAL, .def = 1e-3, .lo = 0, .hi = 1,
      .help = "rate of R_l <- R_l - decor_lr offdiag(mean x~ x~^T) R_l (with decorrelate; "
              "unstable once of order 1 / the largest eigenvalue of the inputs' second moment)" },
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
        .activity = host->param_str(p, "estimate")[0] == 'a',
        .decorrelate = host->param_bool(p, "decorrelate"),
        .dec.lr = host->param_real(p, "decor_lr"),
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
    rs_block_doubles(&b, &t.coef, nb);
    if (t.decorrelate) {
        rs_block_reals(&b, &t.pre, (size_t)lr_max_width(net) * nb);
        lr_decor_declare(&b, &t.dec, net);
    }
    st = lr_with_optim(host, ctx, p, net,
                       rs_block_alloc(host, ctx, &b, &t, sizeof t, "node_perturbation"),
                       "node_perturbation", state_out);
    if (st == RS_OK && t.decorrelate)
        lr_decor_start(&((np_state *)*state_out)->dec, net);
    return st;
}

/* coef[b], the factor of example b's direction after a noisy pass (s->c_noisy, s->z):
 * (C~_b - C_b) / (sigma^2 n K) for the noise estimate; for the activity estimate
 * (C~_b - C_b) N / (|dz_b|^2 n K), with xi[l] overwritten by dz_l = z~_l - z_l. */
static void np_coefficients(np_state *s, const rs_net *net, uint32_t n)
{
    const uint32_t L = net->n_layers;
    if (!s->activity) {
        const double scale = 1.0 / ((double)s->sigma * s->sigma * n * s->samples);
        for (uint32_t b = 0; b < n; b++)
            s->coef[b] = (s->c_noisy[b] - s->c_clean[b]) * scale;
        return;
    }
    double units = 0;
    for (uint32_t b = 0; b < n; b++)
        s->coef[b] = 0; /* |dz_b|^2 first */
    for (uint32_t l = 1; l <= L; l++) {
        units += net->sizes[l];
        const size_t len = (size_t)net->sizes[l] * n;
        for (size_t k = 0; k < len; k++) {
            const rs_real dz = s->z[l][k] - net->z[l][k];
            s->xi[l][k] = dz;
            s->coef[k % n] += (double)dz * dz;
        }
    }
    for (uint32_t b = 0; b < n; b++)
        s->coef[b] = s->coef[b] > 0 ? (s->c_noisy[b] - s->c_clean[b]) * units
                                          / (s->coef[b] * n * s->samples) : 0;
}

/* The input layer l's estimate multiplies: the noisy pass's a~_{l-1} for the noise estimate,
 * the clean pass's a_{l-1} for the activity estimate; through R_l when decorrelating. */
static const rs_real *np_pre(np_state *s, const rs_net *net, const rs_batch *batch, uint32_t l)
{
    const uint32_t n = batch->n;
    if (s->activity)
        return s->decorrelate ? s->dec.xt[l] : net->a[l - 1];
    const rs_real *noisy = l > 1 ? s->a[l - 1] : batch->x;
    if (!s->decorrelate)
        return noisy;
    lr_decor_apply(&s->dec, s->base.host, l, net->sizes[l - 1], noisy, n, s->pre);
    return s->pre;
}

/* dw_l, db_l of sample k: g_l = coef_b dir_l (dir = xi or dz), dw = g pre^T; the first sample
 * writes, the others add. */
static void np_accumulate(np_state *s, rs_net *net, const rs_batch *batch, uint32_t k)
{
    const rs_host *h = s->base.host;
    const uint32_t n = batch->n;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        rs_layer *ly = &net->layers[l - 1];
        const rs_real *pre = np_pre(s, net, batch, l);
        for (uint32_t i = 0; i < ly->n_out; i++)
            for (uint32_t b = 0; b < n; b++)
                s->g[(size_t)i * n + b] = (rs_real)(s->coef[b] * s->xi[l][(size_t)i * n + b]);
        h->gemm(0, 1, ly->n_out, ly->n_in, n, 1, s->g, n, pre, n, k ? 1 : 0, ly->dw, ly->n_in);
        if (ly->db)
            for (uint32_t i = 0; i < ly->n_out; i++) {
                rs_real sum = 0;
                for (uint32_t b = 0; b < n; b++)
                    sum += s->g[(size_t)i * n + b];
                ly->db[i] = k ? ly->db[i] + sum : sum;
            }
    }
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
    if (s->decorrelate)
        lr_decor_inputs(&s->dec, h, net, n);

    for (uint32_t k = 0; k < s->samples; k++) {
        for (uint32_t l = 1; l <= L; l++)
            h->rng_fill_normal(ctx, s->xi[l], (size_t)net->sizes[l] * n, 0, s->sigma);
        lr_forward(h, net, batch->x, n, s->xi, s->z, s->a);
        lr_example_losses(h, s->loss, s->a[L], batch->y, n_out, n, s->col, s->c_noisy);
        np_coefficients(s, net, n);
        np_accumulate(s, net, batch, k);
    }
    if (!s->decorrelate) {
        h->optim_step(s->base.opt, net->params, net->grads, net->n_params);
        return RS_OK;
    }
    h->optim_step(s->base.opt, s->dec.own, net->grads, net->n_params);
    lr_decor_update(&s->dec, h, net, n);
    lr_decor_fold(&s->dec, h, net);
    return RS_OK;
}

static const rs_rule_desc node_perturbation = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "node_perturbation",
    .head.version = "1.1.0",
    .head.summary = "noise on every unit's net input; step against the loss change it causes",
    .head.citation = "Williams (1992) Machine Learning 8:229-256; Fiete & Seung (2006) PRL "
                     "97:048104; Dalm, van Gerven & Ahmad (2023) arXiv:2310.00965",
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
