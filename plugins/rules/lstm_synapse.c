/* lstm_synapse.c: every synapse is driven by one small LSTM shared by all synapses (or one per
 * layer), which reads local signals and emits the synapse's weight change; its parameters are
 * meta-learned by `ruleset meta-train` (docs/RULES.md; the idea of
 * a coordinatewise LSTM with shared parameters and per-coordinate state is Andrychowicz et al.
 * 2016, "Learning to learn by gradient descent by gradient descent", NeurIPS 29; the synapse as
 * a tiny shared recurrent network is VSML, Kirsch & Schmidhuber 2021, NeurIPS 34; notebook 004's
 * weightUpdater / arbitrary_forward is the sketch this implements).
 *
 * For synapse j -> i of weight layer l at a step on example (x, t):
 *   inputs   u = clip([pre_j, post_i, w_ij, m_i, pre_j m_i], -5, 5)     (m, pre m: see below)
 *   LSTM     z = u W_x^T + h W_h^T + b;  i, f, o = σ(z_i, z_f, z_o), g = tanh(z_g)   (H units)
 *            c <- f c + i g;  h <- o tanh(c)          (h, c: the synapse's own state, from 0)
 *   output   Δw_ij = scale · tanh(v · h + c0) − θ_skip · pre_j m_i
 *   update   w_ij <- clip(w_ij + Δw_ij, -clip, clip)
 * pre and post are the activities of the forward pass before the update; a bias is the
 * synapse from a unit clamped to 1. The modulatory signal m_i at post unit i (`modulator`):
 *   error    the output error m_L = ŷ − t at the output units; for hidden layers the error
 *            carried down by fixed random feedback, m_l = B_{l+1} m_{l+1}, B_{l+1} (n_l, n_{l+1})
 *            drawn in create ~ U(±s/sqrt(n_l)), s = feedback_scale (the DFA/FA-style projection
 *            of docs/RULES.md; no derivative: the LSTM sees post and may gate on it)
 *   global   one scalar for every synapse: the example's task loss
 *   none     no modulator (and no pre·m input): an unsupervised rule
 * The pre·m input is the delta-rule term (pre_mod=false drops it, for runs without hand-made
 * features). Meta-parameters per LSTM: w_x (4H, F), w_h (4H, H), b (1, 4H; gates i f g o as
 * PyTorch), v (H, 1), c0 (1, 1), skip (1, 1) = θ_skip; per_layer=true gives layer l its own set
 * ("w_x.l", ...). Initial values: Xavier-uniform w_x and w_h, forget-gate bias +1, v ~ U(±1/√H),
 * c0 = 0, θ_skip = skip_init (docs/RULES.md). A batch of n examples is n online steps, in
 * order (the rule is online; every example moves the state).
 *
 * Implementation: the synapses of a layer are the rows of one matrix (S = n_out (n_in + bias)
 * rows), so one LSTM step for all of them is a handful of tape ops (docs/ARCHITECTURE.md). The
 * same update function runs in dstep on the meta-trainer's tape and in step on a values-only
 * tape (meta_rules.h): what compare runs is what was meta-trained. Published settings for
 * comparison: L2L uses 2 layers x 20 units, output scale 0.01 (MNIST), Adam 1e-3; VSML 16-unit
 * state; here one layer, H = 10 by default, scale 0.1, sized for 2-input gates. */
#include <math.h>
#include <stdio.h>

#include "meta_rules.h"

#define LS_TENSORS 6     /* per LSTM: w_x, w_h, b, v, c0, skip */
#define LS_IN_CLIP 5.0

enum { MOD_ERROR, MOD_GLOBAL, MOD_NONE };

typedef struct ls_state {
    mr_base base;                       /* the host and the values-only tape */
    uint32_t n_layers, hid, n_feat, n_groups, loss;
    uint32_t syn[RS_TAPE_MAX_LAYERS];   /* S_l, synapses of layer l (bias included) */
    int mod, pre_mod, bias;
    double scale, clip, skip_init;
    double *phi;                        /* the meta-parameters step uses */
    rs_meta_shape shapes[LS_TENSORS * RS_TAPE_MAX_LAYERS];
    uint32_t n_shapes;
    double *fb[RS_TAPE_MAX_LAYERS + 1]; /* fb[l], l = 2..L: B_l (n_{l-1}, n_l), error mode */
    double *carry[2 * RS_TAPE_MAX_LAYERS]; /* step's (h, c) per layer: (S_l, H) each */
    rs_tape *tape;                      /* values-only, for step */
    rs_real *col;                       /* (widest) one example's column */
} ls_state;

static const rs_param_spec ls_params[] = {
    { .name = "hidden", .type = RS_PARAM_INT, .def = 10, .lo = 1, .hi = 256,
      .help = "LSTM units H" },
    { .name = "modulator", .type = RS_PARAM_CHOICE, .def_str = "error",
      .choices = "error|global|none",
      .help = "error at the post unit (random feedback below the output), one scalar loss, "
              "or none" },
    { .name = "pre_mod", .type = RS_PARAM_BOOL, .def = 1,
      .help = "give the LSTM pre*m as an input too (the delta-rule term)" },
    { .name = "per_layer", .type = RS_PARAM_BOOL, .def = 0,
      .help = "one LSTM per layer instead of one for every synapse" },
    { .name = "scale", .type = RS_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 100,
      .help = "Δw = scale tanh(v.h + c0) - skip pre m: the largest LSTM step" },
    { .name = "skip_init", .type = RS_PARAM_REAL, .def = 0, .lo = -100, .hi = 100,
      .help = "initial θ_skip of the -θ pre m term (0: the LSTM discovers everything)" },
    { .name = "clip", .type = RS_PARAM_REAL, .def = 4, .lo = 0, .hi = 1e6,
      .help = "clip every weight to [-c, c] after the update; 0 = none" },
    { .name = "feedback_scale", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 100,
      .help = "error mode: B ~ U(+-s/sqrt(n_l)) carries the error down" },
    MR_WEIGHTS_PARAM("rules/lstm_synapse.weights.json"),
    { 0 }
};

/* ---- meta-parameters ------------------------------------------------------------------------- */

static uint32_t ls_shapes(void *state, rs_meta_shape *out, uint32_t cap)
{
    const ls_state *s = state;
    for (uint32_t k = 0; k < s->n_shapes && k < cap; k++)
        out[k] = s->shapes[k];
    return s->n_shapes;
}

static void make_shapes(ls_state *s)
{
    static const char *const names[LS_TENSORS] = { "w_x", "w_h", "b", "v", "c0", "skip" };
    const uint32_t H = s->hid;
    const uint32_t rows[LS_TENSORS] = { 4 * H, 4 * H, 1, H, 1, 1 };
    const uint32_t cols[LS_TENSORS] = { s->n_feat, H, 4 * H, 1, 1, 1 };
    s->n_shapes = 0;
    for (uint32_t g = 0; g < s->n_groups; g++)
        for (int k = 0; k < LS_TENSORS; k++) {
            rs_meta_shape *sh = &s->shapes[s->n_shapes++];
            memset(sh, 0, sizeof *sh);
            if (s->n_groups == 1)
                snprintf(sh->name, sizeof sh->name, "%s", names[k]);
            else
                snprintf(sh->name, sizeof sh->name, "%s.%u", names[k], g + 1);
            sh->rows = rows[k];
            sh->cols = cols[k];
        }
}

static void ls_init(void *state, rs_ctx *ctx, double *v)
{
    const ls_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t H = s->hid, F = s->n_feat;
    size_t off = 0;
    for (uint32_t g = 0; g < s->n_groups; g++) {
        const double bx = sqrt(6.0 / (F + 4.0 * H)), bh = sqrt(6.0 / (H + 4.0 * H));
        for (size_t k = 0; k < (size_t)4 * H * F; k++)
            v[off++] = (2 * h->rng_uniform(ctx) - 1) * bx;
        for (size_t k = 0; k < (size_t)4 * H * H; k++)
            v[off++] = (2 * h->rng_uniform(ctx) - 1) * bh;
        for (uint32_t k = 0; k < 4 * H; k++) /* forget-gate bias +1: remember by default */
            v[off++] = k >= H && k < 2 * H ? 1.0 : 0.0;
        for (uint32_t k = 0; k < H; k++)
            v[off++] = (2 * h->rng_uniform(ctx) - 1) / sqrt((double)H);
        v[off++] = 0;            /* c0 */
        v[off++] = s->skip_init; /* θ_skip */
    }
}

/* ---- the update on a tape -------------------------------------------------------------------- */

/* One LSTM step for the synapses whose signal columns (S, 1) are given; returns Δw (S, 1) and
 * replaces *hs, *cs (S, H) by the new state. meta: the group's 6 tensors. */
static rs_tv synapse_step(const ls_state *s, rs_tape *t, const rs_tv *meta, rs_tv pre,
                          rs_tv post, rs_tv w, rs_tv m, rs_tv *hs, rs_tv *cs)
{
    const rs_host *h = s->base.host;
    rs_tv parts[5] = { pre, post, w };
    uint32_t n = 3;
    rs_tv pm = RS_TV_NONE;
    if (s->mod != MOD_NONE) {
        pm = h->tape_mul(t, pre, m);
        parts[n++] = m;
        if (s->pre_mod)
            parts[n++] = pm;
    }
    rs_tv u = h->tape_clip(t, h->tape_concat(t, parts, n, 1), -LS_IN_CLIP, LS_IN_CLIP);
    rs_tv z = h->tape_add(t, h->tape_add(t, h->tape_matmul(t, u, 0, meta[0], 1),
                                         h->tape_matmul(t, *hs, 0, meta[1], 1)),
                          meta[2]);
    rs_tv c;
    *hs = h->tape_lstm_cell(t, z, *cs, &c);
    *cs = c;
    rs_tv d = h->tape_scale(t, h->tape_tanh(t, h->tape_add(t, h->tape_matmul(t, *hs, 0, meta[3], 0),
                                                           meta[4])),
                            s->scale);
    if (s->mod != MOD_NONE) /* - θ_skip pre m */
        d = h->tape_sub(t, d, h->tape_mul(t, meta[5], pm));
    return d;
}

/* (rows, 1) column repeated for each of `per` synapses of a unit, as (rows * per, 1): the
 * post side of a (rows, per) weight matrix read row-major. */
static rs_tv per_post(const rs_host *h, rs_tape *t, rs_tv col, uint32_t rows, uint32_t per)
{
    return h->tape_reshape(t, h->tape_broadcast(t, col, rows, per), rows * per, 1);
}

/* (per, 1) column tiled for each of `rows` units: the pre side. */
static rs_tv per_pre(const rs_host *h, rs_tape *t, rs_tv col, uint32_t rows, uint32_t per)
{
    return h->tape_reshape(t, h->tape_broadcast(t, h->tape_reshape(t, col, 1, per), rows, per),
                           rows * per, 1);
}

/* One online step on the example (x, y) (columns): w, b, carry in and out. Returns the
 * example's loss tensor. */
static rs_tv ls_example(ls_state *s, rs_tape *t, const rs_net *net, const rs_tv *meta, rs_tv x,
                        rs_tv y, rs_tv *w, rs_tv *b, rs_tv *carry)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers;
    rs_tv a[RS_TAPE_MAX_LAYERS + 1], m[RS_TAPE_MAX_LAYERS + 1];
    h->tape_net_forward(t, net, w, b, x, a);
    rs_tv loss = h->tape_loss(t, s->loss, a[L], y);
    /* the modulatory signal at every layer's post units (n_l, 1) */
    for (uint32_t l = L; l >= 1; l--) {
        const uint32_t n_out = net->sizes[l];
        if (s->mod == MOD_NONE)
            m[l] = RS_TV_NONE;
        else if (s->mod == MOD_GLOBAL)
            m[l] = h->tape_broadcast(t, loss, n_out, 1);
        else if (l == L)
            m[l] = h->tape_sub(t, a[L], y);
        else
            m[l] = h->tape_matmul(t, h->tape_const(t, n_out, net->sizes[l + 1], s->fb[l + 1]), 0,
                                  m[l + 1], 0);
    }
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        const uint32_t n_out = ly->n_out, n_in = ly->n_in + (s->bias ? 1 : 0), S = s->syn[l - 1];
        const rs_tv *g = meta + LS_TENSORS * (s->n_groups > 1 ? l - 1 : 0);
        rs_tv pre = a[l - 1], wa = w[l - 1];
        if (s->bias) { /* the bias: the synapse from a unit clamped to 1 */
            rs_tv pp[2] = { pre, h->tape_fill(t, 1, 1, 1.0) }, ww[2] = { wa, b[l - 1] };
            pre = h->tape_concat(t, pp, 2, 0);
            wa = h->tape_concat(t, ww, 2, 1);
        }
        rs_tv *hs = &carry[2 * (l - 1)], *cs = &carry[2 * (l - 1) + 1];
        if (*hs == RS_TV_NONE) { /* a new episode: zero state */
            *hs = h->tape_fill(t, S, s->hid, 0.0);
            *cs = h->tape_fill(t, S, s->hid, 0.0);
        }
        rs_tv d = synapse_step(s, t, g, per_pre(h, t, pre, n_out, n_in),
                               per_post(h, t, a[l], n_out, n_in), h->tape_reshape(t, wa, S, 1),
                               m[l] == RS_TV_NONE ? RS_TV_NONE : per_post(h, t, m[l], n_out, n_in),
                               hs, cs);
        rs_tv nw = h->tape_add(t, wa, h->tape_reshape(t, d, n_out, n_in));
        if (s->clip > 0)
            nw = h->tape_clip(t, nw, -s->clip, s->clip);
        w[l - 1] = s->bias ? h->tape_slice(t, nw, 1, 0, ly->n_in) : nw;
        if (s->bias)
            b[l - 1] = h->tape_slice(t, nw, 1, ly->n_in, 1);
    }
    return loss;
}

/* The update for a batch: one online step per example, in order. Returns the mean loss. */
static double ls_update(ls_state *s, rs_tape *t, const rs_net *net, const rs_tv *meta,
                        const rs_batch *batch, rs_tv *w, rs_tv *b, rs_tv *carry)
{
    const rs_host *h = s->base.host;
    double loss = 0;
    for (uint32_t e = 0; e < batch->n; e++) {
        rs_tv x = mr_example(h, t, batch->x, batch->n_in, batch->n, e, s->col);
        rs_tv y = mr_example(h, t, batch->y, batch->n_out, batch->n, e, s->col);
        rs_tv l = ls_example(s, t, net, meta, x, y, w, b, carry);
        const double *v = h->tape_value(t, l);
        loss += v ? v[0] / batch->n : NAN;
    }
    return loss;
}

/* ---- the rule ----------------------------------------------------------------------------------- */

/* step: the weights, the loaded meta-parameters and the carried state as constants on the
 * values-only tape, the update, the results copied back. */
static rs_status run_step(ls_state *s, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                          int write, double *loss_out)
{
    const rs_host *h = s->base.host;
    rs_tape *t = s->base.tape;
    h->tape_reset(t);
    rs_tv w[RS_TAPE_MAX_LAYERS], b[RS_TAPE_MAX_LAYERS], carry[2 * RS_TAPE_MAX_LAYERS];
    rs_tv meta[LS_TENSORS * RS_TAPE_MAX_LAYERS];
    mr_enter_net(h, t, net, w, b);
    mr_enter_meta(h, t, s->shapes, s->n_shapes, s->phi, meta);
    for (uint32_t l = 0; l < s->n_layers; l++) {
        carry[2 * l] = h->tape_const(t, s->syn[l], s->hid, s->carry[2 * l]);
        carry[2 * l + 1] = h->tape_const(t, s->syn[l], s->hid, s->carry[2 * l + 1]);
    }
    double loss = ls_update(s, t, net, meta, batch, w, b, carry);
    rs_status st = mr_tape_status(h, ctx, t);
    if (st != RS_OK || !write)
        return st;
    mr_write_net(h, t, net, w, b);
    for (uint32_t k = 0; k < 2 * s->n_layers; k++)
        memcpy(s->carry[k], h->tape_value(t, carry[k]),
               (size_t)s->syn[k / 2] * s->hid * sizeof(double));
    *loss_out = loss;
    return RS_OK;
}

static rs_status ls_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "lstm_synapse", RS_TAPE_MAX_LAYERS);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    const char *mod = host->param_str(p, "modulator");
    ls_state t = {
        .base.host = host,
        .n_layers = L,
        .hid = (uint32_t)host->param_int(p, "hidden"),
        .mod = mod[0] == 'e' ? MOD_ERROR : mod[0] == 'g' ? MOD_GLOBAL : MOD_NONE,
        .pre_mod = host->param_bool(p, "pre_mod"),
        .n_groups = host->param_bool(p, "per_layer") ? L : 1,
        .scale = host->param_real(p, "scale"),
        .clip = host->param_real(p, "clip"),
        .skip_init = host->param_real(p, "skip_init"),
        .loss = task->loss,
        .bias = net->layers[0].b != NULL,
    };
    t.n_feat = t.mod == MOD_NONE ? 3 : t.pre_mod ? 5 : 4;
    make_shapes(&t);
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_doubles(&b, &t.phi, mr_count(t.shapes, t.n_shapes));
    rs_block_reals(&b, &t.col, rs_net_widest(net));
    for (uint32_t l = 1; l <= L; l++) {
        t.syn[l - 1] = net->sizes[l] * (net->sizes[l - 1] + (t.bias ? 1 : 0));
        for (int k = 0; k < 2; k++)
            rs_block_doubles(&b, &t.carry[2 * (l - 1) + k], (size_t)t.syn[l - 1] * t.hid);
        if (l >= 2 && t.mod == MOD_ERROR)
            rs_block_doubles(&b, &t.fb[l], (size_t)net->sizes[l - 1] * net->sizes[l]);
    }
    ls_state *s = mr_alloc(host, ctx, &b, &t, sizeof t, "lstm_synapse");
    if (!s)
        return RS_ERR_NOMEM;
    st = mr_load(host, ctx, p, s->shapes, s->n_shapes, s->phi, ls_init, s);
    for (uint32_t l = 2; st == RS_OK && s->mod == MOD_ERROR && l <= L; l++) {
        /* B_l (n_{l-1}, n_l) ~ U(+-s / sqrt(n_{l-1})), entry by entry, after mr_load's draws */
        const uint32_t rows = net->sizes[l - 1], cols = net->sizes[l];
        const double bound = host->param_real(p, "feedback_scale") / sqrt((double)rows);
        for (size_t k = 0; k < (size_t)rows * cols; k++)
            s->fb[l][k] = (2 * host->rng_uniform(ctx) - 1) * bound;
    }
    rs_batch dry = { .n = 0 };
    if (st == RS_OK && (st = mr_dry_batch(host, ctx, net, task, "lstm_synapse", &dry)) == RS_OK) {
        double unused;
        st = run_step(s, ctx, (rs_net *)net, &dry, 0, &unused);
        host->free(ctx, (void *)dry.x);
    }
    if (st != RS_OK) {
        mr_destroy(s, ctx);
        return st;
    }
    *state_out = s;
    return RS_OK;
}

static rs_status ls_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    ls_state *s = state;
    double loss = NAN;
    rs_status st = run_step(s, ctx, net, batch, 1, &loss);
    if (st != RS_OK)
        return st;
    stats->loss = loss;
    stats->has_loss = 1;
    return RS_OK;
}

static rs_status ls_dstep(void *state, rs_ctx *ctx, rs_dstep_io *io)
{
    ls_state *s = state;
    if (io->n_carry == 0) { /* first step of an episode: zero state */
        io->n_carry = 2 * s->n_layers;
        for (uint32_t k = 0; k < io->n_carry; k++)
            io->carry[k] = RS_TV_NONE;
    }
    double loss = ls_update(s, io->tape, io->net, io->meta, io->batch, io->w, io->b, io->carry);
    rs_status st = mr_tape_status(s->base.host, ctx, io->tape);
    if (st != RS_OK)
        return st;
    io->stats->loss = loss;
    io->stats->has_loss = 1;
    return RS_OK;
}

/* explain: n synapses of one layer with fixed signals, `steps` steps from zero state. */
static rs_status ls_local(void *state, rs_ctx *ctx, uint32_t layer, const double *sig,
                          uint32_t n, uint32_t steps, double *dw)
{
    ls_state *s = state;
    const rs_host *h = s->base.host;
    if (layer < 1 || layer > s->n_layers)
        return h->fail(ctx, RS_ERR_PARAM, "layer %u of %u", layer, s->n_layers);
    rs_tape *t = s->base.tape;
    h->tape_reset(t);
    rs_tv meta[LS_TENSORS * RS_TAPE_MAX_LAYERS];
    mr_enter_meta(h, t, s->shapes, s->n_shapes, s->phi, meta);
    const rs_tv *g = meta + LS_TENSORS * (s->n_groups > 1 ? layer - 1 : 0);
    rs_tv cols[4], all = h->tape_const(t, n, 4, sig);
    for (int c = 0; c < 4; c++)
        cols[c] = h->tape_slice(t, all, 1, (uint32_t)c, 1);
    rs_tv hs = h->tape_fill(t, n, s->hid, 0.0), cs = h->tape_fill(t, n, s->hid, 0.0), d = RS_TV_NONE;
    for (uint32_t k = 0; k < steps; k++)
        d = synapse_step(s, t, g, cols[0], cols[1], cols[2], s->mod == MOD_NONE ? RS_TV_NONE : cols[3],
                         &hs, &cs);
    rs_status st = mr_tape_status(h, ctx, t);
    if (st != RS_OK)
        return st;
    memcpy(dw, h->tape_value(t, d), n * sizeof(double));
    return RS_OK;
}

static const rs_rule_desc lstm_synapse = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "lstm_synapse",
    .head.version = "1.0.0",
    .head.summary = "a meta-learned LSTM shared by all synapses emits each synapse's Δw",
    .head.citation = "Andrychowicz et al. (2016) NeurIPS 29; Kirsch & Schmidhuber (2021) "
                     "NeurIPS 34; docs/RULES.md",
    .head.params = ls_params,
    .create = ls_create,
    .step = ls_step,
    .destroy = mr_destroy,
    .meta_shapes = ls_shapes,
    .meta_init = ls_init,
    .dstep = ls_dstep,
    .local_update = ls_local,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &lstm_synapse.head : NULL;
}
