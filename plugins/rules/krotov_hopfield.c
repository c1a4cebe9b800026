/* krotov_hopfield.c: unsupervised learning by competing hidden units (Krotov & Hopfield 2019,
 * "Unsupervised learning by competing hidden units", PNAS 116:7723; docs/RULES.md), under a
 * supervised readout.
 *
 * Every hidden layer l < L learns without a target. For one example with input v = a_{l-1}
 * and unit mu's weights W_mu, the unit's input current is the p-inner product
 *   I_mu = <W_mu, v>_p = sum_i sign(W_mu,i) |W_mu,i|^(p-1) v_i
 * (p = 2: the plain W v). The units compete through global inhibition, which the paper
 * replaces in its fast form by a ranking: the unit with the largest I gets g = 1 (Hebbian),
 * the unit of rank k gets g = -delta (anti-Hebbian), every other g = 0. Then
 *   dW_mu,i = sum_b g_mu,b (v_i,b - I_mu,b W_mu,i)
 * over the minibatch, which drives every W_mu to the unit sphere of the p-norm, and the step is
 *   W += eps * dW / max |dW|     (the paper's code: the largest change is eps)
 * with eps falling linearly from lr to 0 over anneal_steps steps (0: constant). Ties in the
 * ranking go to the lower unit index, so the rule is deterministic. The hidden biases are not
 * learned (the model has none: initialise them at 0).
 * The output layer learns by `readout` as oja and bcm do (local_rules.h): the delta rule on
 * the task loss (plain SGD on the top layer only), clamped Hebb, or none.
 *
 * Published settings (MNIST, the paper's Fig. 3 and its code; the code's defaults are p = 2,
 * k = 2, delta = 0.4, which are ours but p): 784-2000 hidden, weights
 * drawn N(0, 1), p = 3, k = 7, delta = 0.4, minibatch 100, eps0 = 0.02 decaying linearly to 0,
 * then a supervised top layer. Deviations: the paper's classifier uses the activation
 * max(0, x)^n with n = 4.5 and a loss |c - t|^m with m = 6 on tanh outputs; here the features
 * pass through the network's own activation and the readout trains on the task's loss, and
 * both learn at the same time (with anneal_steps the features freeze first). */
#include "local_rules.h"

#define KH_MAX_K 64 /* rank of the anti-Hebbian unit, at most */

typedef struct kh_state {
    rs_rule_base base;
    int readout;
    rs_real lr, readout_lr, delta;
    double p;
    uint32_t k, anneal, steps;
    rs_real *wp;     /* (widest n_out * n_in of a hidden layer) sign(W) |W|^(p-1) */
    rs_real *cur;    /* (max width, max_batch) I */
    rs_real *g;      /* (max width, max_batch) the ranking's g */
    double *gi;      /* (max width) sum_b g I */
    rs_real *d_pred; /* (n_L, max_batch) */
    rs_real *dl;     /* (n_L, max_batch) */
} kh_state;

static const char *const kh_metrics[] = { "eps", "active_units", NULL };

static const rs_param_spec kh_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 0.02, .lo = 0, .hi = 10,
      .help = "eps0: the largest weight change of a step (before annealing)" },
    { .name = "p", .type = RS_PARAM_REAL, .def = 3, .lo = 2, .hi = 10,
      .help = "the Lebesgue norm of the input current and of the weights' fixed sphere" },
    { .name = "k", .type = RS_PARAM_INT, .def = 2, .lo = 2, .hi = KH_MAX_K,
      .help = "rank of the unit that is pushed away (anti-Hebbian)" },
    { .name = "delta", .type = RS_PARAM_REAL, .def = 0.4, .lo = 0, .hi = 10,
      .help = "strength of the anti-Hebbian push of the rank-k unit" },
    { .name = "anneal_steps", .type = RS_PARAM_INT, .def = 0, .lo = 0, .hi = 1000000000,
      .help = "eps falls linearly from lr to 0 over this many steps; 0 = constant" },
    LR_READOUT_PARAMS,
    { 0 }
};

static rs_status kh_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)task;
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "krotov_hopfield", 0);
    if (st != RS_OK)
        return st;
    kh_state t = {
        .base.host = host,
        .readout = lr_readout_kind(host, p),
        .lr = (rs_real)host->param_real(p, "lr"),
        .readout_lr = (rs_real)host->param_real(p, "readout_lr"),
        .delta = (rs_real)host->param_real(p, "delta"),
        .p = host->param_real(p, "p"),
        .k = (uint32_t)host->param_int(p, "k"),
        .anneal = (uint32_t)host->param_int(p, "anneal_steps"),
    };
    const uint32_t L = net->n_layers, top = t.readout == LR_READOUT_NONE ? L : L - 1;
    size_t wmax = 0;
    for (uint32_t l = 1; l <= top; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        if (ly->n_out < t.k)
            return host->fail(ctx, RS_ERR_PARAM, "krotov_hopfield: k=%u but layer %u has only "
                              "%u units; give k below the width of every learning layer", t.k,
                              l, ly->n_out);
        if ((size_t)ly->n_out * ly->n_in > wmax)
            wmax = (size_t)ly->n_out * ly->n_in;
    }
    const size_t w = lr_max_width(net), nb = net->max_batch;
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.wp, wmax);
    rs_block_reals(&b, &t.cur, w * nb);
    rs_block_reals(&b, &t.g, w * nb);
    rs_block_doubles(&b, &t.gi, w);
    rs_block_reals(&b, &t.d_pred, (size_t)net->sizes[L] * nb);
    rs_block_reals(&b, &t.dl, (size_t)net->sizes[L] * nb);
    *state_out = rs_block_alloc(host, ctx, &b, &t, sizeof t, "krotov_hopfield");
    return *state_out ? RS_OK : RS_ERR_NOMEM;
}

/* g (m, n): for each column of cur, 1 at the largest current, -delta at the k-th largest
 * (ties to the lower index), 0 elsewhere. */
static void kh_rank(const kh_state *s, const rs_real *cur, uint32_t m, uint32_t n, rs_real *g)
{
    memset(g, 0, (size_t)m * n * sizeof *g);
    for (uint32_t b = 0; b < n; b++) {
        uint32_t top[KH_MAX_K], have = 0; /* the k largest so far, in falling order */
        for (uint32_t i = 0; i < m; i++) {
            rs_real v = cur[(size_t)i * n + b];
            if (have == s->k && !(v > cur[(size_t)top[have - 1] * n + b]))
                continue;
            uint32_t at = have < s->k ? have++ : have - 1;
            while (at > 0 && v > cur[(size_t)top[at - 1] * n + b]) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
        }
        g[(size_t)top[0] * n + b] = 1;
        g[(size_t)top[s->k - 1] * n + b] = -s->delta;
    }
}

/* One hidden layer's update from its input v (n_in, n); returns how many units won at least
 * one example of the batch. */
static uint32_t kh_layer(kh_state *s, rs_layer *ly, const rs_real *v, uint32_t n, rs_real eps)
{
    const rs_host *h = s->base.host;
    const uint32_t m = ly->n_out, d = ly->n_in;
    const size_t nw = (size_t)m * d;
    const rs_real *wp = ly->w;
    if (s->p != 2) {
        const int whole = s->p == floor(s->p); /* p = 3: W |W|, no pow per weight */
        for (size_t q = 0; q < nw; q++) {
            double x = ly->w[q], y = x;
            if (whole)
                for (int e = 2; e < (int)s->p; e++)
                    y *= fabs(x);
            else
                y = copysign(pow(fabs(x), s->p - 1), x);
            s->wp[q] = (rs_real)y;
        }
        wp = s->wp;
    }
    h->gemm(0, 0, m, n, d, 1, wp, d, v, n, 0, s->cur, n);
    kh_rank(s, s->cur, m, n, s->g);
    uint32_t active = 0;
    for (uint32_t i = 0; i < m; i++) {
        double sum = 0;
        int won = 0;
        for (uint32_t b = 0; b < n; b++) {
            sum += (double)s->g[(size_t)i * n + b] * s->cur[(size_t)i * n + b];
            won |= s->g[(size_t)i * n + b] == 1;
        }
        s->gi[i] = sum;
        active += (uint32_t)won;
    }
    lr_outer(h, 1, s->g, v, m, d, n, ly->dw); /* g v^T */
    double largest = 0;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < d; j++) {
            size_t q = (size_t)i * d + j;
            ly->dw[q] -= (rs_real)(s->gi[i] * ly->w[q]);
            if (fabs((double)ly->dw[q]) > largest)
                largest = fabs((double)ly->dw[q]);
        }
    if (largest < 1e-30) /* the paper's `prec`: nothing to learn from this batch */
        largest = 1e-30;
    h->axpy(nw, (rs_real)(eps / largest), ly->dw, ly->w);
    return active;
}

static rs_status kh_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    kh_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    rs_status st = h->net_forward(ctx, net, batch->x, n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(batch->loss, net->a[L], batch->y, batch->n_out, n, NULL);
    stats->has_loss = 1;
    /* the readout first: it reads a_{L-1} and W_L of this forward pass, which the updates
     * below do not touch (they change W_1..W_{L-1}, or W_L itself when readout=none) */
    if (s->readout != LR_READOUT_NONE)
        lr_readout(h, net, batch, s->readout, s->readout_lr, 0, s->d_pred, s->dl);
    double eps = s->lr;
    if (s->anneal)
        eps = s->steps >= s->anneal ? 0 : s->lr * (1 - (double)s->steps / s->anneal);
    s->steps++;
    const uint32_t top = s->readout == LR_READOUT_NONE ? L : L - 1;
    uint32_t active = 0;
    for (uint32_t l = 1; eps > 0 && l <= top; l++)
        active += kh_layer(s, &net->layers[l - 1], net->a[l - 1], n, (rs_real)eps);
    stats->n_metrics = 2;
    stats->metrics[0] = eps;
    stats->metrics[1] = active;
    return RS_OK;
}

static const rs_rule_desc krotov_hopfield = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "krotov_hopfield",
    .head.version = "1.0.0",
    .head.summary = "unsupervised competing hidden units (ranked Hebbian/anti-Hebbian) under "
                    "a supervised readout",
    .head.citation = "Krotov & Hopfield (2019) PNAS 116:7723-7731",
    .head.params = kh_params,
    .metric_names = kh_metrics,
    .create = kh_create,
    .step = kh_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &krotov_hopfield.head : NULL;
}
