/* meta_hebbian.c: the generalised Hebbian "ABCD" rule with meta-learned coefficients
 * (Najarro & Risi 2020, "Meta-Learning through Hebbian Plasticity in Random Networks",
 * NeurIPS 33; the ABCD form goes back to Soltoggio et al. 2007):
 *
 *   Δw_ij = η (A_l pre_j post_i + B_l pre_j + C_l post_i + D_l)
 *
 * for synapse j -> i of weight layer l, with one coefficient set (A, B, C, D) for the hidden
 * layers and one for the output layer, meta-learned by `ruleset meta-train` (the "coef"
 * tensor, 2 x 4: row 0 every layer but the last, row 1 the last; so one file serves networks of
 * any depth; its initial value is plain Hebb, A = 1, B = C = D = 0). Over a batch of n examples the terms are averaged (the batch
 * mean of pre_j post_i, of pre_j, of post_i). A bias is the synapse from a unit clamped to 1.
 *
 * Supervision: with clamp=true (default) the output layer's post is the TARGET (docs/RULES.md
 * 1.5, the supervised Hebbian rule's clamping), hidden layers use their own activity; so the
 * rule is a meta-learned generalisation of supervised Hebb. With clamp=false it is purely
 * unsupervised, as in the paper (which has a reward only through evolution).
 * After the update every weight is clipped to [-clip, clip] (0 = no bound).
 *
 * Deviations from the paper: Najarro & Risi evolve one (η, A, B, C, D) per SYNAPSE with
 * evolution strategies (population 200, σ 0.1 in their car-racing runs, as we recall them);
 * here there are four numbers per layer ROLE (hidden, output), learned by gradient descent
 * through the unrolled
 * inner loop (few meta-parameters: the point is a baseline for lstm_synapse and a proof that
 * meta-training is generic), and η is a fixed parameter (A..D absorb any scale). */
#include "meta_rules.h"

typedef struct mh_state {
    mr_base base;       /* the host (no tape of its own: step needs none) */
    uint32_t n_layers, loss;
    int clamp;
    double lr, clip;
    double *phi;        /* (2, 4) the coefficients `step` uses: hidden layers, output layer */
    rs_real *mpre, *mpost; /* step's batch means of one layer's pre and post (widest layer) */
} mh_state;

static const rs_param_spec mh_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.05, .lo = 0, .hi = 100,
      .help = "η, the rate the learned coefficients are multiplied by" },
    { .name = "clamp", .type = RS_PARAM_BOOL, .def = 1,
      .help = "output layer's post = the target (supervised); false = its own activity" },
    { .name = "clip", .type = RS_PARAM_REAL, .def = 4, .lo = 0, .hi = 1e6,
      .help = "clip every weight to [-c, c] after the update; 0 = none" },
    MR_WEIGHTS_PARAM("rules/meta_hebbian.weights.json"),
    { 0 }
};

static uint32_t mh_shapes(void *state, rs_meta_shape *out, uint32_t cap)
{
    (void)state; /* one shape whatever the network */
    if (cap >= 1) {
        memset(&out[0], 0, sizeof out[0]);
        strcpy(out[0].name, "coef");
        out[0].rows = 2;
        out[0].cols = 4;
    }
    return 1;
}

static void mh_init(void *state, rs_ctx *ctx, double *values)
{
    (void)ctx;
    (void)state;
    for (uint32_t r = 0; r < 2; r++) {
        values[4 * r] = 1; /* plain Hebb */
        values[4 * r + 1] = values[4 * r + 2] = values[4 * r + 3] = 0;
    }
}

/* The update of every layer from the batch x (n_0, n), y (n_L, n) as tape constants: w, b in,
 * new w, b out. coef is the (2, 4) tensor. Returns the batch's training loss tensor. */
static rs_tv mh_update(mh_state *s, rs_tape *t, const rs_net *net, rs_tv coef, rs_tv x, rs_tv y,
                       rs_tv *w, rs_tv *b)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers;
    rs_tv a[RS_TAPE_MAX_LAYERS + 1];
    h->tape_net_forward(t, net, w, b, x, a);
    rs_tv loss = h->tape_loss(t, s->loss, a[L], y);
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_tv pre = a[l - 1], post = l == L && s->clamp ? y : a[l];
        rs_tv row = h->tape_slice(t, coef, 0, l == L ? 1 : 0, 1); /* (1, 4): A B C D */
        rs_tv A = h->tape_slice(t, row, 1, 0, 1), B = h->tape_slice(t, row, 1, 1, 1);
        rs_tv C = h->tape_slice(t, row, 1, 2, 1), D = h->tape_slice(t, row, 1, 3, 1);
        uint32_t r, n;
        h->tape_shape(t, x, &r, &n);
        /* batch means: <post pre^T> (n_out, n_in), <pre> as a row (1, n_in), <post> (n_out, 1) */
        rs_tv pp = h->tape_scale(t, h->tape_matmul(t, post, 0, pre, 1), 1.0 / n);
        rs_tv mpre = h->tape_reshape(t, h->tape_mean(t, pre, 1), 1, ly->n_in);
        rs_tv mpost = h->tape_mean(t, post, 1);
        rs_tv cd = h->tape_add(t, h->tape_mul(t, C, mpost), D);          /* (n_out, 1) */
        rs_tv dw = h->tape_add(t, h->tape_add(t, h->tape_mul(t, A, pp), h->tape_mul(t, B, mpre)),
                               cd);                                       /* broadcasts */
        rs_tv nw = h->tape_add(t, w[l - 1], h->tape_scale(t, dw, s->lr));
        w[l - 1] = s->clip > 0 ? h->tape_clip(t, nw, -s->clip, s->clip) : nw;
        if (b[l - 1] != RS_TV_NONE) { /* pre = 1: A <post> + B + C <post> + D */
            rs_tv db = h->tape_add(t, h->tape_add(t, h->tape_mul(t, A, mpost), B), cd);
            rs_tv nb = h->tape_add(t, b[l - 1], h->tape_scale(t, db, s->lr));
            b[l - 1] = s->clip > 0 ? h->tape_clip(t, nb, -s->clip, s->clip) : nb;
        }
    }
    return loss;
}

static rs_status mh_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "meta_hebbian", RS_TAPE_MAX_LAYERS);
    if (st != RS_OK)
        return st;
    mh_state t = {
        .base.host = host,
        .n_layers = net->n_layers,
        .loss = task->loss,
        .clamp = host->param_bool(p, "clamp"),
        .lr = host->param_real(p, "lr"),
        .clip = host->param_real(p, "clip"),
    };
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_doubles(&b, &t.phi, 2 * 4);
    rs_block_reals(&b, &t.mpre, rs_net_widest(net));
    rs_block_reals(&b, &t.mpost, rs_net_widest(net));
    mh_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t, "meta_hebbian");
    if (!s)
        return RS_ERR_NOMEM;
    rs_meta_shape shape;
    mh_shapes(s, &shape, 1);
    st = mr_load(host, ctx, p, &shape, 1, s->phi, mh_init, s);
    if (st != RS_OK) {
        mr_destroy(s, ctx);
        return st;
    }
    *state_out = s;
    return RS_OK;
}

/* Row means of a feature-major (rows, n) matrix into out (rows). */
static void row_means(const rs_real *m, uint32_t rows, uint32_t n, rs_real *out)
{
    for (uint32_t r = 0; r < rows; r++) {
        rs_real acc = 0;
        for (uint32_t e = 0; e < n; e++)
            acc += m[(size_t)r * n + e];
        out[r] = acc / (rs_real)n;
    }
}

static rs_real clip_to(rs_real v, rs_real lim)
{
    return lim > 0 ? (v < -lim ? -lim : v > lim ? lim : v) : v;
}

/* step: mh_update's arithmetic in float on the host's forward pass, without the tape:
 * W += η A <post pre^T> as one matrix product, then η (B <pre_j> + C <post_i> + D) and the
 * clip, entry by entry. */
static rs_status mh_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    mh_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    rs_status st = h->net_forward(ctx, net, batch->x, n);
    if (st != RS_OK)
        return h->fail(ctx, st, "meta_hebbian: the forward pass failed");
    stats->loss = h->loss(s->loss, net->a[L], batch->y, net->sizes[L], n, NULL);
    stats->has_loss = 1;
    const rs_real lr = (rs_real)s->lr, lim = (rs_real)s->clip;
    for (uint32_t l = 1; l <= L; l++) {
        rs_layer *ly = &net->layers[l - 1];
        const rs_real *pre = net->a[l - 1], *post = l == L && s->clamp ? batch->y : net->a[l];
        const double *c = s->phi + 4 * (l == L ? 1 : 0);
        const rs_real A = (rs_real)c[0], B = (rs_real)c[1], C = (rs_real)c[2], D = (rs_real)c[3];
        row_means(pre, ly->n_in, n, s->mpre);
        row_means(post, ly->n_out, n, s->mpost);
        h->gemm(0, 1, ly->n_out, ly->n_in, n, lr * A / (rs_real)n, post, n, pre, n, 1, ly->w,
                ly->n_in);
        for (uint32_t i = 0; i < ly->n_out; i++) {
            const rs_real cd = C * s->mpost[i] + D;
            rs_real *w = ly->w + (size_t)i * ly->n_in;
            for (uint32_t j = 0; j < ly->n_in; j++)
                w[j] = clip_to(w[j] + lr * (B * s->mpre[j] + cd), lim);
            if (ly->b)
                ly->b[i] = clip_to(ly->b[i] + lr * (A * s->mpost[i] + B + cd), lim);
        }
    }
    return RS_OK;
}

static rs_status mh_dstep(void *state, rs_ctx *ctx, rs_dstep_io *io)
{
    mh_state *s = state;
    const rs_host *h = s->base.host;
    rs_tape *t = io->tape;
    const rs_batch *batch = io->batch;
    rs_tv x = h->tape_const_real(t, batch->n_in, batch->n, batch->x);
    rs_tv y = h->tape_const_real(t, batch->n_out, batch->n, batch->y);
    rs_tv loss = mh_update(s, t, io->net, io->meta[0], x, y, io->w, io->b);
    rs_status st = mr_tape_status(h, ctx, t);
    if (st != RS_OK)
        return st;
    io->stats->loss = h->tape_value(t, loss)[0];
    io->stats->has_loss = 1;
    return RS_OK;
}

static rs_status mh_local(void *state, rs_ctx *ctx, uint32_t layer, const double *sig,
                          uint32_t n, uint32_t steps, double *dw)
{
    (void)ctx, (void)steps; /* memoryless: every step gives the same change */
    const mh_state *s = state;
    const double *c = s->phi + 4 * (layer == s->n_layers ? 1 : 0);
    for (uint32_t k = 0; k < n; k++) {
        const double pre = sig[4 * k], post = sig[4 * k + 1];
        dw[k] = s->lr * (c[0] * pre * post + c[1] * pre + c[2] * post + c[3]);
    }
    return RS_OK;
}

static const rs_rule_desc meta_hebbian = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "meta_hebbian",
    .head.version = "1.0.0",
    .head.summary = "ABCD Hebbian rule with meta-learned coefficients (hidden, output layers)",
    .head.citation = "Najarro & Risi (2020) NeurIPS 33 (Meta-learning through Hebbian "
                     "plasticity in random networks)",
    .head.params = mh_params,
    .create = mh_create,
    .step = mh_step,
    .destroy = mr_destroy,
    .meta_shapes = mh_shapes,
    .meta_init = mh_init,
    .dstep = mh_dstep,
    .local_update = mh_local,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &meta_hebbian.head : NULL;
}
