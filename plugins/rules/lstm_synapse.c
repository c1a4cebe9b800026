/* lstm_synapse.c: every synapse is driven by one small LSTM shared by all synapses (or one per
 * layer), which reads local signals and emits the synapse's weight change; its parameters are
 * meta-learned by `ruleset meta-train` (docs/RULES.md; the idea of
 * a coordinatewise LSTM with shared parameters and per-coordinate state is Andrychowicz et al.
 * 2016, "Learning to learn by gradient descent by gradient descent", NeurIPS 29; the synapse as
 * a tiny shared recurrent network is VSML, Kirsch & Schmidhuber 2021, NeurIPS 34; notebook 004's
 * weightUpdater / arbitrary_forward is the sketch this implements).
 *
 * For synapse j -> i of weight layer l at a step on a batch, from the batch means p = <pre_j>,
 * q = <post_i>, mu = <m_i>, g = <m_i pre_j> (with one example, the example's own):
 *   2.x (normalize, the default): u = clip([p/σ_p, q/σ_q, w/σ_w, mu/M, g/G], -5, 5), σ the
 *            layer's RMS of each (σ_w at least w0, PyTorch's initial RMS), M and G the largest
 *            RMS of mu and g so far in the run (scales_of); the step is bounded:
 *            Δw = κ scale tanh(ρ (v·h + c0) − θ_skip g/G), κ = w0/sqrt(fan-in incl. bias),
 *            ρ = min(|mu|/M, 1) the post unit's remaining error (2.1, error_gate; 2.0: ρ = 1):
 *            with no error left there is no step, so the rule can converge exactly instead
 *            of settling where its own term balances the error's;
 *            explore (2.3): a hidden unit's m is the feedback error plus explore / (the
 *            net's hidden units) times a simultaneous-perturbation estimate of its gradient
 *            (lstm_explore.h); the LSTM's own term is gated by rho^gate_power (2.3: 2);
 *   1.x:     u = clip([p, q, w, mu, g], -5, 5), Δw = scale tanh(v·h + c0) − θ_skip g;
 *   LSTM     z = u W_x^T + h W_h^T + b;  i, f, o = σ(z_i, z_f, z_o), g = tanh(z_g)   (H units)
 *            c <- f c + i g;  h <- o tanh(c)          (h, c: the synapse's own state, from 0)
 *   update   w_ij <- clip(w_ij + Δw_ij, -clip, clip)   (clip 0, 2.0's default: none)
 * pre and post are the activities of the forward pass before the update; a bias is the
 * synapse from a unit clamped to 1. The modulatory signal m_i at post unit i (`modulator`):
 *   error    the output error m_L = ŷ − t at the output units; for hidden layers the error
 *            carried down by fixed random feedback, m_l = B_{l+1} m_{l+1}, B_{l+1} (n_l, n_{l+1})
 *            drawn in create ~ U(±s/sqrt(n_l)), s = feedback_scale, times f'_l(z_l) with
 *            `derivative` (feedback alignment's error; 1.x: the projection alone)
 *   global   one scalar for every synapse: the batch's task loss
 *   none     no modulator (and no pre·m input): an unsupervised rule
 * The pre·m input is the delta-rule term (pre_mod=false drops it, for runs without hand-made
 * features). Meta-parameters per LSTM: w_x (4H, F), w_h (4H, H), b (1, 4H; gates i f g o as
 * PyTorch), v (H, 1), c0 (1, 1), skip (1, 1) = θ_skip; per_layer=true gives layer l its own set
 * ("w_x.l", ...). Initial values: Xavier-uniform w_x and w_h, forget-gate bias +1, v ~
 * U(±0.1/√H) (1.x: U(±1/√H)), c0 = 0, θ_skip = skip_init (docs/RULES.md). A batch of n examples
 * is ONE step of every synapse's LSTM on the batch means, so an LSTM step costs the same
 * whatever the batch, as every other rule's update does.
 *
 * Implementation: the update is written twice. On the tape (dstep, meta-training), the
 * synapses of a layer are the rows of one matrix (S = n_out (n_in + bias) rows), so one LSTM
 * step for all of them is a handful of tape ops (docs/ARCHITECTURE.md). `step` runs the same
 * arithmetic in float without the tape: the host's forward pass, then lstm_kernel.h on tiles of
 * synapses laid out synapse-minor, so the cell's matrix product and its vectorised sigmoid and
 * tanh run along the synapses; the meta-parameters are converted to float once, in create.
 * Layers with fewer than LS_NARROW inputs a unit are read through a synapse map, and a net of
 * only such layers puts every layer's synapses in one tile (fast_packed).
 * tests/unit/test_fast_step.c checks that both give the same weights. Published settings for
 * comparison: L2L uses 2 layers x 20 units, output scale 0.01 (MNIST), Adam 1e-3; VSML 16-unit
 * state; here one layer, H = 1 (2.2; 4 in 2.0 and 2.1, 10 in 1.x).
 */
#include <math.h>
#include <stdio.h>

/* The state's buffers, about 15 a weight layer: a net of RS_TAPE_MAX_LAYERS layers declares
 * more than rule_util.h's default of 256 (tests/unit/test_rule_util.c's deepest net). */
#define RS_BLOCK_MAX_PARTS 320

#include "lstm_explore.h"
#include "lstm_kernel.h"
#include "meta_rules.h"

#define LS_TENSORS 6     /* per LSTM: w_x, w_h, b, v, c0, skip */
#define LS_IN_CLIP 5.0
#define LS_TILE 256      /* step: the largest tile of synapses (a multiple of LK_LANES) */

enum { MOD_ERROR, MOD_GLOBAL, MOD_NONE };
enum { LS_SCALES = (5 * RS_TAPE_MAX_LAYERS + 7) / 8 * 8 }; /* five divisors a layer, padded */

/* normalize: what layer l's signals are divided by at one step, and the step's unit. */
typedef struct ls_scales {
    double pre, post, w, m, pm; /* the LSTM reads <pre>/pre, <post>/post, w/w, <m>/m, <m pre>/pm */
    double kappa;               /* Δw = kappa scale tanh(...): w0 / sqrt(n_in1) (scales_of) */
} ls_scales;

/* What layer l's synapses read at one step (layer_signals), kept per layer so that a packed
 * net's layers are all read before any is updated and their chains of sums, square roots and
 * divisions overlap (fast_packed). */
typedef struct ls_signals {
    rs_real *buf[3];                   /* the batch means of pre, post, m (n > 1) */
    const rs_real *pre, *post, *mod;   /* those means: buf, or with one example the
                                        * activations and m themselves */
    rs_real *pmat;                     /* <m pre^T> (n_out, n_in + bias) */
    ls_scales cur;                     /* the divisors (all 1 without normalize) */
    rs_real inv[5];                    /* 1 / cur's pre, post, w, m, pm, as float */
} ls_signals;

typedef struct ls_state {
    mr_base base;                       /* the host and the values-only tape explain runs on */
    uint32_t n_layers, hid, n_feat, n_groups, loss;
    uint32_t syn[RS_TAPE_MAX_LAYERS];   /* S_l, synapses of layer l (bias included) */
    uint32_t tile[RS_TAPE_MAX_LAYERS];  /* T_l, synapses per tile of layer l (step) */
    int mod, pre_mod, bias, norm, deriv, gate;
    uint32_t gate_power;                /* error_gate: rho^gate_power */
    double scale, clip, skip_init;
    double *phi;                        /* the meta-parameters (double: explain's tape) */
    rs_meta_shape shapes[LS_TENSORS * RS_TAPE_MAX_LAYERS];
    uint32_t n_shapes;
    double *fb[RS_TAPE_MAX_LAYERS + 1]; /* fb[l], l = 2..L: B_l (n_{l-1}, n_l), error mode */
    double w0[RS_TAPE_MAX_LAYERS];      /* normalize: layer l's w0 and kappa (scales_of), */
    double kappa[RS_TAPE_MAX_LAYERS];   /* fixed by its fan-in: computed once, in create */
    double mmax[RS_TAPE_MAX_LAYERS];    /* normalize: the largest RMS of layer l's <m> and */
    double gmax[RS_TAPE_MAX_LAYERS];    /* of its <m pre^T> so far in this run */
    rs_real *zf, *af, *df;              /* derivative: one layer's z, a, f' (widest, batch) */
    double *dd;                         /* the same f' as double, for the tape */
    /* ---- step's float copy, made once in create ---- */
    lk_lstm cell[RS_TAPE_MAX_LAYERS];   /* per group: [W_x | W_h], b, v, c0, θ_skip */
    rs_real *cell_w, *cell_b, *cell_v;  /* their storage, group after group */
    rs_real *fbf[RS_TAPE_MAX_LAYERS + 1];  /* fb as float */
    rs_real *hst[RS_TAPE_MAX_LAYERS];   /* layer l's state h, tile after tile, each (H, T_l) */
    rs_real *cst[RS_TAPE_MAX_LAYERS];   /* and its cell state c, the same way */
    rs_real *mod_at[RS_TAPE_MAX_LAYERS + 1]; /* m_l (n_l, n) of the batch */
    ls_signals sig[RS_TAPE_MAX_LAYERS]; /* what layer l's synapses read: sig[l - 1] */
    rs_real *u, *z, *pm, *wv, *dw;      /* one tile's scratch: its inputs (F, T), the gates of
                                         * one block (4H, LK_LANES), (T), (T), (T) */
    void *nmap[RS_TAPE_MAX_LAYERS];     /* a narrow layer (LS_NARROW): synapse k's post unit
                                         * i = map[k] and pre unit j = map[P + k] (uint32_t),
                                         * P = lanes_of(S) (narrow_maps: the padding) */
    rs_real *ws;                        /* a narrow layer's weights in synapse order, P of them
                                         * (packed: every layer's, from pack_off[l - 1]) */
    int packed;                         /* every layer narrow and all synapses in one tile: */
    uint32_t pack_T;                    /* the tile (pack_off[l - 1]: layer l's first synapse) */
    uint32_t pack_off[RS_TAPE_MAX_LAYERS];
    rs_real *pack_h, *pack_c;           /* its state (H, pack_T) */
    rs_real *unit_in[3];                /* its inputs by unit: pre (n_in + 1), post, m (n_out) */
    double sc[5][LS_SCALES];            /* layer_signals' scratch: sums of squares, counts, RMS,
                                         * divisors, inverses (here, not on the stack: ASan's
                                         * fake stack frames break a local array's alignment) */
    lx_state ex;                        /* explore: the perturbation estimate (lstm_explore.h) */
    uint32_t ex_every;                  /* explore_every: the estimate on every k-th step, */
    uint64_t ex_steps;                  /* counting steps (and dsteps) from create, */
    int ex_now;                         /* and whether this step has one */
    rs_real *wf[RS_TAPE_MAX_LAYERS];    /* explore in dstep: the tape's W_l, b_l as float */
    rs_real *bf[RS_TAPE_MAX_LAYERS];
    rs_real *z1f;                       /* their first layer's net input (n_1, batch) */
    rs_real *ex_m[RS_TAPE_MAX_LAYERS];  /* and hidden layer l's explore e_l (n_l, batch) */
} ls_state;


static const rs_param_spec ls_params[] = {
    { .name = "hidden", .type = RS_PARAM_INT, .def = 1, .lo = 1, .hi = 256,
      .help = "LSTM units H (2.2: 1; 2.0 and 2.1: 4; 1.x: 10)" },
    { .name = "modulator", .type = RS_PARAM_CHOICE, .def_str = "error",
      .choices = "error|global|none",
      .help = "error at the post unit (random feedback below the output), one scalar loss, "
              "or none" },
    { .name = "pre_mod", .type = RS_PARAM_BOOL, .def = 1,
      .help = "give the LSTM pre*m as an input too (the delta-rule term)" },
    { .name = "normalize", .type = RS_PARAM_BOOL, .def = 1,
      .help = "read every signal relative to its layer's scale and take a bounded step "
              "sized by the layer's initial weight scale (2.0); false: the raw signals of 1.x" },
    { .name = "derivative", .type = RS_PARAM_BOOL, .def = 1,
      .help = "error mode: a hidden unit's error times f'(its input), as feedback "
              "alignment's; false: the projection alone (1.x)" },
    { .name = "error_gate", .type = RS_PARAM_BOOL, .def = 1,
      .help = "normalize: the LSTM's own term times the post unit's remaining error "
              "min(|m|/M, 1), so the step vanishes with the error (2.1); false: 2.0's head" },
    { .name = "gate_power", .type = RS_PARAM_INT, .def = 2, .lo = 1, .hi = 4,
      .help = "error_gate: the LSTM's own term times the remaining error to this power (2.3: "
              "2, so that near a solution the step is the delta term's; 2.1 and 2.2: 1)" },
    { .name = "per_layer", .type = RS_PARAM_BOOL, .def = 0,
      .help = "one LSTM per layer instead of one for every synapse" },
    { .name = "scale", .type = RS_PARAM_REAL, .def = 0.6, .lo = 0, .hi = 100,
      .help = "the largest step: Δw = kappa scale tanh(v.h + c0 - skip pm) with normalize, "
              "scale tanh(v.h + c0) - skip pre m without" },
    { .name = "skip_init", .type = RS_PARAM_REAL, .def = 1, .lo = -100, .hi = 100,
      .help = "initial θ_skip of the -θ pre m term (0: the LSTM discovers everything)" },
    { .name = "explore", .type = RS_PARAM_REAL, .def = 20, .lo = 0, .hi = 1000,
      .help = "error mode: add this over the number of hidden units times a simultaneous-"
              "perturbation estimate of each hidden unit's gradient (two noisy passes a step) "
              "to its feedback error; 0: none" },
    { .name = "explore_sigma", .type = RS_PARAM_REAL, .def = 0.5, .lo = 1e-6, .hi = 10,
      .help = "explore: the perturbation of every hidden unit's net input, +-explore_sigma" },
    { .name = "explore_fade", .type = RS_PARAM_REAL, .def = 3, .lo = 0, .hi = 100,
      .help = "explore: the estimate times (output error RMS / its largest so far)^fade, so "
              "that exploration fades as the task is solved; 0: never" },
    { .name = "explore_every", .type = RS_PARAM_INT, .def = 1, .lo = 1, .hi = 1000,
      .help = "explore: the estimate on the first step and every k-th after it only (none "
              "added between), so its two passes cost 1/k of them; 2.3: 1, every step" },
    { .name = "clip", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
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
        /* normalize starts near its skip term alone (feedback alignment's update, bounded):
         * a read-out ten times smaller than 1.x's U(+-1/sqrt(H)) */
        const double v_bound = 0.1 / sqrt((double)H);
        for (uint32_t k = 0; k < H; k++) { /* 1.x's exact expression, so its file reproduces */
            const double u = 2 * h->rng_uniform(ctx) - 1;
            v[off++] = s->norm ? u * v_bound : u / sqrt((double)H);
        }
        v[off++] = 0;            /* c0 */
        v[off++] = s->skip_init; /* θ_skip */
    }
}

/* ---- normalize: the scales of a layer's signals ------------------------------------------- */

/* Root mean square of n doubles (the tape's values). */
static double rms_d(const double *v, size_t n)
{
    double acc = 0;
    for (size_t k = 0; k < n; k++)
        acc += v[k] * v[k];
    return n ? sqrt(acc / (double)n) : 0;
}

/* Layer l's divisors from the RMS over the layer of the batch means the LSTM reads (pre with
 * the bias's 1, post, m, <m pre^T>) and of its weights (biases included), n_in1 inputs a unit
 * (w0 and kappa, fixed by n_in1, from create: scale_units).
 * pre and post are read at their current scale; w over its RMS, but at least w0, the RMS of
 * PyTorch's initial U(+-1/sqrt(n_in1)); m and <m pre> relative to the largest they have been
 * in this run: the LSTM sees the task's scale removed but the error falling as learning
 * succeeds. The step's unit kappa = w0 / sqrt(n_in1) moves a unit's input by at most about
 * scale times its initial size, whatever the fan-in; a unit relative to the CURRENT weights
 * (LARS's trust ratio) let regression weights grow geometrically (docs/RULES.md). Updates the
 * running maxima: call once per layer and step, before the layer's update. */
static ls_scales scales_of(ls_state *s, uint32_t l, double r_pre, double r_post, double r_w,
                           double r_m, double r_pm)
{
    ls_scales sc;
    double *mm = &s->mmax[l - 1], *gm = &s->gmax[l - 1];
    *mm = r_m > *mm ? r_m : *mm;
    *gm = r_pm > *gm ? r_pm : *gm;
    const double w0 = s->w0[l - 1];
    sc.pre = r_pre > 1e-6 ? r_pre : 1e-6;
    sc.post = r_post > 1e-6 ? r_post : 1e-6;
    sc.w = r_w > w0 ? r_w : w0;
    sc.kappa = s->kappa[l - 1];
    sc.m = *mm > 0 ? *mm : 1;
    sc.pm = *gm > 0 ? *gm : 1;
    return sc;
}

/* Layer l's w0 = 1 / sqrt(3 n_in1) and kappa = w0 / sqrt(n_in1) (scales_of), l = 1..L. */
static void scale_units(ls_state *s, const rs_net *net)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const uint32_t n_in1 = net->sizes[l - 1] + (uint32_t)s->bias;
        s->w0[l - 1] = 1 / sqrt(3.0 * n_in1);
        s->kappa[l - 1] = s->w0[l - 1] / sqrt((double)n_in1);
    }
}

/* ---- the update on a tape -------------------------------------------------------------------- */

/* One LSTM step for the synapses whose signal columns (S, 1) are given (pm: pre m, or its
 * batch mean; m and pm RS_TV_NONE without a modulator); returns Δw (S, 1) and replaces *hs,
 * *cs (S, H) by the new state. meta: the group's 6 tensors. */
static rs_tv synapse_step(const ls_state *s, rs_tape *t, const rs_tv *meta, rs_tv pre,
                          rs_tv post, rs_tv w, rs_tv m, rs_tv pm, double kappa, rs_tv *hs,
                          rs_tv *cs)
{
    const rs_host *h = s->base.host;
    rs_tv parts[5] = { pre, post, w };
    uint32_t n = 3;
    if (s->mod != MOD_NONE) {
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
    rs_tv r = h->tape_add(t, h->tape_matmul(t, *hs, 0, meta[3], 0), meta[4]);
    if (s->norm) { /* kappa scale tanh(rho r - θ_skip pm): bounded */
        if (s->mod != MOD_NONE && s->gate) { /* rho = min(|m|, 1): |x| = relu(x) + relu(-x) */
            rs_tv rho = h->tape_clip(t, h->tape_add(t, h->tape_relu(t, m),
                                                    h->tape_relu(t, h->tape_scale(t, m, -1))),
                                     0, 1);
            for (uint32_t q = 0; q < s->gate_power; q++) /* rho^gate_power */
                r = h->tape_mul(t, r, rho);
        }
        if (s->mod != MOD_NONE)
            r = h->tape_sub(t, r, h->tape_mul(t, meta[5], pm));
        return h->tape_scale(t, h->tape_tanh(t, r), kappa * s->scale);
    }
    rs_tv d = h->tape_scale(t, h->tape_tanh(t, r), s->scale);
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

/* The batch mean (rows, 1) of a (rows, n) tensor; the tensor itself when n = 1, so that a
 * batch of one records exactly the operations it always did. */
static rs_tv batch_mean(const rs_host *h, rs_tape *t, rs_tv v, uint32_t n)
{
    return n == 1 ? v : h->tape_mean(t, v, 1);
}

/* f'_l of hidden layer l (sizes[l], n) as a tape constant, from the values of the current
 * weights and the layer's input: z = W a_{l-1} + b recomputed in double, then the host's
 * derivative in rs_real as `step` takes it. A constant: the meta-gradient does not flow
 * through the gating itself (for ReLU it is zero almost everywhere anyway). */
static rs_tv deriv_const(ls_state *s, rs_tape *t, const rs_net *net, uint32_t l, const rs_tv *w,
                         const rs_tv *b, const rs_tv *a, uint32_t n)
{
    const rs_host *h = s->base.host;
    const rs_layer *ly = &net->layers[l - 1];
    const double *wv = h->tape_value(t, w[l - 1]), *av = h->tape_value(t, a[l - 1]);
    const double *bv = b[l - 1] != RS_TV_NONE ? h->tape_value(t, b[l - 1]) : NULL;
    for (uint32_t i = 0; i < ly->n_out; i++)
        for (uint32_t e = 0; e < n; e++) {
            double z = bv ? bv[i] : 0;
            for (uint32_t j = 0; j < ly->n_in; j++)
                z += wv[(size_t)i * ly->n_in + j] * av[(size_t)j * n + e];
            s->zf[(size_t)i * n + e] = (rs_real)z;
        }
    const size_t len = (size_t)ly->n_out * n;
    h->act_forward(ly->act, s->zf, s->af, len);
    h->act_derivative(ly->act, s->zf, s->af, s->df, len);
    for (size_t k = 0; k < len; k++)
        s->dd[k] = s->df[k];
    return h->tape_const(t, ly->n_out, n, s->dd);
}

/* explore's share ex = (<e>, <e pre^T>) (RS_TV_NONE: none) added to the synapses' m and pm. */
static void add_explore(const rs_host *h, rs_tape *t, const rs_tv *ex, rs_tv *m, rs_tv *pm)
{
    if (ex[0] == RS_TV_NONE)
        return;
    *m = h->tape_add(t, *m, ex[0]);
    *pm = h->tape_add(t, *pm, ex[1]);
}

/* normalize: the inputs of layer l's synapses divided by their scales (scales_of, from the
 * values), and the step's unit in *kappa. pre, post, m: (S, 1) per synapse; mean_pre (n_in1,
 * 1), mean_post, mean_m (n_out, 1) the batch means they repeat. */
static void normalize_inputs(ls_state *s, rs_tape *t, uint32_t l, uint32_t n_in1, uint32_t n_out,
                             rs_tv mean_pre, rs_tv mean_post, rs_tv mean_m, const rs_tv *ex,
                             rs_tv *pre, rs_tv *post, rs_tv *w, rs_tv *m, rs_tv *pm,
                             double *kappa)
{
    const rs_host *h = s->base.host;
    const size_t S = (size_t)n_in1 * n_out;
    const int mod = *m != RS_TV_NONE;
    ls_scales sc = scales_of(s, l, rms_d(h->tape_value(t, mean_pre), n_in1),
                             rms_d(h->tape_value(t, mean_post), n_out),
                             rms_d(h->tape_value(t, *w), S),
                             mod ? rms_d(h->tape_value(t, mean_m), n_out) : 0,
                             mod ? rms_d(h->tape_value(t, *pm), S) : 0);
    *pre = h->tape_scale(t, *pre, 1 / sc.pre);
    *post = h->tape_scale(t, *post, 1 / sc.post);
    *w = h->tape_scale(t, *w, 1 / sc.w);
    add_explore(h, t, ex, m, pm); /* after the divisors, as explore_means adds it */
    if (mod) {
        *m = h->tape_scale(t, *m, 1 / sc.m);
        *pm = h->tape_scale(t, *pm, 1 / sc.pm);
    }
    *kappa = sc.kappa;
}

/* One step on the batch x (n_0, n), y (n_L, n): w, b, carry in and out. Returns the batch's
 * loss tensor. The synapse reads the batch means of pre, post, m and pre m. */
static rs_tv ls_batch(ls_state *s, rs_tape *t, const rs_net *net, const rs_tv *meta, rs_tv x,
                      rs_tv y, uint32_t n, rs_tv *w, rs_tv *b, rs_tv *carry)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers;
    rs_tv a[RS_TAPE_MAX_LAYERS + 1], m[RS_TAPE_MAX_LAYERS + 1];
    h->tape_net_forward(t, net, w, b, x, a);
    rs_tv loss = h->tape_loss(t, s->loss, a[L], y);
    /* the modulatory signal at every layer's post units (n_l, n) */
    for (uint32_t l = L; l >= 1; l--) {
        const uint32_t n_out = net->sizes[l];
        if (s->mod == MOD_NONE)
            m[l] = RS_TV_NONE;
        else if (s->mod == MOD_GLOBAL)
            m[l] = h->tape_broadcast(t, loss, n_out, n);
        else if (l == L)
            m[l] = h->tape_sub(t, a[L], y);
        else {
            m[l] = h->tape_matmul(t, h->tape_const(t, n_out, net->sizes[l + 1], s->fb[l + 1]), 0,
                                  m[l + 1], 0);
            if (s->deriv)
                m[l] = h->tape_mul(t, m[l], deriv_const(s, t, net, l, w, b, a, n));
        }
    }
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        const uint32_t n_out = ly->n_out, n_in = ly->n_in + (s->bias ? 1 : 0), S = s->syn[l - 1];
        const rs_tv *g = meta + LS_TENSORS * (s->n_groups > 1 ? l - 1 : 0);
        rs_tv pre = a[l - 1], wa = w[l - 1];
        if (s->bias) { /* the bias: the synapse from a unit clamped to 1 */
            rs_tv pp[2] = { pre, h->tape_fill(t, 1, n, 1.0) }, ww[2] = { wa, b[l - 1] };
            pre = h->tape_concat(t, pp, 2, 0);
            wa = h->tape_concat(t, ww, 2, 1);
        }
        rs_tv *hs = &carry[2 * (l - 1)], *cs = &carry[2 * (l - 1) + 1];
        if (*hs == RS_TV_NONE) { /* a new episode: zero state */
            *hs = h->tape_fill(t, S, s->hid, 0.0);
            *cs = h->tape_fill(t, S, s->hid, 0.0);
        }
        rs_tv mean_pre = batch_mean(h, t, pre, n), mean_post = batch_mean(h, t, a[l], n);
        rs_tv mean_m = RS_TV_NONE, mm = RS_TV_NONE, pm = RS_TV_NONE;
        rs_tv pre_s = per_pre(h, t, mean_pre, n_out, n_in);
        if (m[l] != RS_TV_NONE) {
            mean_m = batch_mean(h, t, m[l], n);
            mm = per_post(h, t, mean_m, n_out, n_in);
            pm = n == 1 ? h->tape_mul(t, pre_s, mm) /* <m pre^T>, (n_out, n_in) read as (S, 1) */
                        : h->tape_reshape(t, h->tape_scale(t, h->tape_matmul(t, m[l], 0, pre, 1),
                                                           1.0 / n), S, 1);
        }
        rs_tv post_s = per_post(h, t, mean_post, n_out, n_in), w_s = h->tape_reshape(t, wa, S, 1);
        rs_tv ex[2] = { RS_TV_NONE, RS_TV_NONE }; /* explore's share of <m>, <m pre^T> */
        if (s->ex_now && l < L) {
            rs_tv e = h->tape_const_real(t, n_out, n, s->ex_m[l]);
            ex[0] = per_post(h, t, batch_mean(h, t, e, n), n_out, n_in);
            ex[1] = n == 1 ? h->tape_mul(t, pre_s, ex[0])
                           : h->tape_reshape(t, h->tape_scale(t, h->tape_matmul(t, e, 0, pre, 1),
                                                              1.0 / n), S, 1);
        }
        double kappa = 1;
        if (s->norm)
            normalize_inputs(s, t, l, n_in, n_out, mean_pre, mean_post, mean_m, ex, &pre_s,
                             &post_s, &w_s, &mm, &pm, &kappa);
        else
            add_explore(h, t, ex, &mm, &pm);
        rs_tv d = synapse_step(s, t, g, pre_s, post_s, w_s, mm, pm, kappa, hs, cs);
        rs_tv nw = h->tape_add(t, wa, h->tape_reshape(t, d, n_out, n_in));
        if (s->clip > 0)
            nw = h->tape_clip(t, nw, -s->clip, s->clip);
        w[l - 1] = s->bias ? h->tape_slice(t, nw, 1, 0, ly->n_in) : nw;
        if (s->bias)
            b[l - 1] = h->tape_slice(t, nw, 1, ly->n_in, 1);
    }
    return loss;
}

/* Whether this step (or dstep) explores: explore > 0 and, with explore_every = k, the first
 * step and every k-th after it; sets ex_now, which the update reads. */
static int explores_now(ls_state *s)
{
    s->ex_now = s->ex.weight > 0 && s->ex_steps++ % s->ex_every == 0;
    return s->ex_now;
}

/* explore on the tape's weights: the estimate step's fast_explore adds, for ls_batch to add
 * as a constant (float, as step computes it; the meta-gradient does not flow through it). */
static void tape_explore(ls_state *s, rs_ctx *ctx, rs_tape *t, const rs_net *net,
                         const rs_batch *batch, const rs_tv *w, const rs_tv *b)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    const rs_real *wp[RS_TAPE_MAX_LAYERS], *bp[RS_TAPE_MAX_LAYERS];
    for (uint32_t l = 1; l <= L; l++) {
        const size_t nw = (size_t)net->sizes[l] * net->sizes[l - 1];
        const double *wv = h->tape_value(t, w[l - 1]);
        const double *bv = s->bias ? h->tape_value(t, b[l - 1]) : NULL;
        for (size_t k = 0; wv && k < nw; k++)
            s->wf[l - 1][k] = (rs_real)wv[k];
        for (uint32_t i = 0; bv && i < net->sizes[l]; i++)
            s->bf[l - 1][i] = (rs_real)bv[i];
        wp[l - 1] = s->wf[l - 1];
        bp[l - 1] = s->bias ? s->bf[l - 1] : NULL;
    }
    lx_affine(h, net->sizes[1], net->sizes[0], n, wp[0], bp[0], batch->x, s->z1f);
    lx_draw(&s->ex, h, ctx, net, n);
    lx_estimate(&s->ex, h, net, wp, bp, s->z1f, NULL, batch->y, n, s->loss);
    for (uint32_t l = 1; l < L; l++)
        lx_layer(&s->ex, l, net->sizes[l], n, s->ex_m[l]);
}

/* The update for a batch (dstep). Returns its loss. */
static double ls_update(ls_state *s, rs_ctx *ctx, rs_tape *t, const rs_net *net,
                        const rs_tv *meta, const rs_batch *batch, rs_tv *w, rs_tv *b,
                        rs_tv *carry)
{
    const rs_host *h = s->base.host;
    if (explores_now(s))
        tape_explore(s, ctx, t, net, batch, w, b);
    rs_tv x = h->tape_const_real(t, batch->n_in, batch->n, batch->x);
    rs_tv y = h->tape_const_real(t, batch->n_out, batch->n, batch->y);
    const double *v = h->tape_value(t, ls_batch(s, t, net, meta, x, y, batch->n, w, b, carry));
    return v ? v[0] : NAN;
}

/* ---- step: the same update in float, without the tape ---------------------------------- */

/* Input k of a synapse, clipped as the tape version clips them (NaN stays NaN): two selects,
 * which compile to a vector max and min. */
static inline rs_real ls_in(rs_real v)
{
    v = v < (rs_real)-LS_IN_CLIP ? (rs_real)-LS_IN_CLIP : v;
    return v > (rs_real)LS_IN_CLIP ? (rs_real)LS_IN_CLIP : v;
}

/* Layers whose units have fewer inputs than this (bias included) are read through a synapse
 * map (narrow_gather): their row segments are too short for tile_inputs' loops along a unit's
 * inputs to pay for themselves. Both ways compute the same values. */
#define LS_NARROW 16

/* n rounded up to whole register blocks: a narrow layer's loops run over whole blocks, their
 * map and buffers padded to match, so no loop ends in a scalar remainder (the lanes are
 * independent: the padding's values never reach a real synapse's). */
static inline uint32_t lanes_of(uint32_t n)
{
    return (n + LK_LANES - 1) / LK_LANES * LK_LANES;
}

/* A narrow layer is read through its synapse map (nmap, made in create): once a step its
 * weights are gathered into s->ws in synapse order and every unit's clipped inputs are computed
 * once (narrow_gather); a tile's rows are then gathers by unit (narrow_inputs), its new weights
 * go back into ws (narrow_write) and into the network after the last tile (narrow_scatter).
 * The values are tile_inputs' own, from the same operations. */
/* Layer l's weights in synapse order, padded to whole blocks (packed: from pack_off[l - 1]). */
static rs_real *narrow_ws(const ls_state *s, uint32_t l)
{
    return s->ws + (s->packed ? s->pack_off[l - 1] : 0);
}

static void narrow_gather(ls_state *s, const rs_layer *ly, uint32_t l)
{
    const uint32_t n_in = ly->n_in, n_out = ly->n_out, S = s->syn[l - 1];
    const int mod = s->mod != MOD_NONE;
    const ls_signals *g = &s->sig[l - 1];
    const rs_real ir = g->inv[0], ip = g->inv[1], im = g->inv[3];
    /* restrict: the unit inputs are apart from the means, so these loops vectorise */
    rs_real *restrict pre = s->unit_in[0], *restrict post = s->unit_in[1];
    rs_real *restrict m = s->unit_in[2];
    const rs_real *restrict gpre = g->pre, *restrict gpost = g->post;
    for (uint32_t k = 0; k < n_in; k++)
        pre[k] = ls_in(gpre[k] * ir);
    pre[n_in] = ls_in(ir); /* the bias: pre = 1 (unused without one) */
    for (uint32_t i = 0; i < n_out; i++)
        post[i] = ls_in(gpost[i] * ip);
    if (mod) {
        const rs_real *restrict gmod = g->mod;
        for (uint32_t i = 0; i < n_out; i++)
            m[i] = ls_in(gmod[i] * im);
    } else {
        memset(m, 0, n_out * sizeof *m);
    }
    rs_real *restrict ws = narrow_ws(s, l);
    const rs_real *restrict w = ly->w, *restrict b = ly->b;
    if (!s->bias) /* synapse k = i n_in + j: w's order */
        memcpy(ws, w, S * sizeof *ws);
    for (uint32_t i = 0; s->bias && i < n_out; i++, ws += n_in + 1) { /* a unit's row of w */
        for (uint32_t j = 0; j < n_in; j++)                          /* then its bias */
            ws[j] = w[(size_t)i * n_in + j];
        ws[n_in] = b[i];
    }
}

/* The rows u (F, T) of the n synapses of a narrow layer from synapse s0, as tile_inputs writes
 * them: w and <m pre> (times its divisor's inverse, into pm; pmat is in synapse order) by
 * synapse, the rest by unit; lanes_of(n) columns, the padding's from the map's padding (the
 * last synapse's post unit, pre unit 0) and what pmat and ws hold there. Rows 3 and 4 are written whatever the modulator
 * (lk_step reads only F rows). u and pm may point into a tile shared with other layers
 * (fast_packed); the caller zeroes the tile's columns past lanes_of(n) (tile_pad). */
static void narrow_inputs(ls_state *s, uint32_t l, uint32_t s0, uint32_t n, uint32_t T,
                          rs_real *u, rs_real *restrict pm_out)
{
    const uint32_t *mi = (const uint32_t *)s->nmap[l - 1] + s0;
    const uint32_t *mj = mi + lanes_of(s->syn[l - 1]);
    const ls_signals *g = &s->sig[l - 1];
    const rs_real iw = g->inv[2], ig = s->mod != MOD_NONE ? g->inv[4] : 0;
    /* restrict: the rows, the unit inputs and the means are apart, so the gathers vectorise */
    const rs_real *restrict pre = s->unit_in[0], *restrict post = s->unit_in[1];
    const rs_real *restrict m = s->unit_in[2];
    const rs_real *restrict w = narrow_ws(s, l) + s0, *restrict pm = g->pmat + s0;
    rs_real *restrict u0 = u, *restrict u1 = u + T, *restrict u2 = u1 + T;
    rs_real *restrict u3 = u2 + T, *restrict u4 = u3 + T;
    n = lanes_of(n);
    for (uint32_t t0 = 0; t0 < n; t0 += LK_LANES) { /* post and m read a block past a */
        lk_permute(pre, mj + t0, u0 + t0);           /* block's first unit: unit_in has room */
        lk_permute_unit(post, mi + t0, u1 + t0);
        lk_permute_unit(m, mi + t0, u3 + t0);
    }
    for (uint32_t t = 0; t < n; t++)
        u2[t] = ls_in(w[t] * iw);
    for (uint32_t t = 0; t < n; t++)
        pm_out[t] = pm[t] * ig;
    for (uint32_t t = 0; t < n; t++)
        u4[t] = ls_in(pm_out[t]);
}

/* Zero the columns n..T-1 of a tile's five input rows (the last tile's unused lanes). */
static void tile_pad(rs_real *u, uint32_t T, uint32_t n)
{
    for (uint32_t f = 0; f < 5; f++)
        for (uint32_t t = n; t < T; t++)
            u[(size_t)f * T + t] = 0;
}

/* The new weights w + Δw of layer l's n synapses from s0, clipped, back into narrow_ws. */
static void narrow_write(const ls_state *s, uint32_t l, uint32_t s0, uint32_t n,
                         const rs_real *dw)
{
    const rs_real lim = (rs_real)s->clip;
    rs_real *w = narrow_ws(s, l) + s0;
    for (uint32_t t = 0; t < n; t++)
        w[t] += dw[t];
    for (uint32_t t = 0; lim > 0 && t < n; t++) { /* NaN stays NaN */
        const rs_real x = w[t] < -lim ? -lim : w[t];
        w[t] = x > lim ? lim : x;
    }
}

static void narrow_scatter(const ls_state *s, rs_layer *ly, uint32_t l)
{
    const uint32_t n_in = ly->n_in, S = s->syn[l - 1];
    const rs_real *restrict ws = narrow_ws(s, l);
    rs_real *restrict w = ly->w, *restrict b = ly->b;
    if (!s->bias)
        memcpy(w, ws, S * sizeof *ws);
    for (uint32_t i = 0; s->bias && i < ly->n_out; i++, ws += n_in + 1) {
        for (uint32_t j = 0; j < n_in; j++)
            w[(size_t)i * n_in + j] = ws[j];
        b[i] = ws[n_in];
    }
}

/* The inputs of the n synapses of one tile into its rows u (pre, post, w, m, pre m, each times
 * its divisor's inverse g->inv; T columns, the unused ones zero), their weights into s->wv and
 * the scaled pre m into s->pm: the batch means g->pre, g->post, g->mod and g->pmat (n_in1 =
 * n_in + bias columns). Synapse k of the layer is (i, j) = (k / n_in1, k % n_in1), j = n_in
 * being the bias; (*i, *j) is the tile's first and is advanced past its last. A wide layer's
 * tile is filled a row segment (one post unit) at a time, so the inner loops run over
 * contiguous pre units. */
static void tile_inputs(ls_state *s, const ls_signals *g, const rs_layer *ly, rs_real *u,
                        uint32_t T, uint32_t n, uint32_t *i, uint32_t *j)
{
    const uint32_t n_in = ly->n_in, n_in1 = n_in + (uint32_t)s->bias;
    const int mod = s->mod != MOD_NONE, pre_mod = mod && s->pre_mod;
    const rs_real ir = g->inv[0], ip = g->inv[1], iw = g->inv[2], im = g->inv[3];
    const rs_real ig = g->inv[4];
    for (uint32_t t = 0; t < n;) {
        const uint32_t len = n - t < n_in1 - *j ? n - t : n_in1 - *j, i0 = *i, j0 = *j;
        const uint32_t len_w = j0 + len > n_in ? n_in - j0 : len; /* the bias is not in w */
        const rs_real post = ls_in(g->post[i0] * ip), m = mod ? ls_in(g->mod[i0] * im) : 0;
        const rs_real *w = ly->w + (size_t)i0 * n_in + j0, *pre = g->pre + j0;
        const rs_real *pm = g->pmat + (size_t)i0 * n_in1 + j0;
        rs_real *u0 = u + t, *u1 = u0 + T, *u2 = u1 + T, *u3 = u2 + T, *u4 = u3 + T;
        for (uint32_t k = 0; k < len_w; k++) {
            u0[k] = ls_in(pre[k] * ir);
            u2[k] = ls_in(w[k] * iw);
        }
        memcpy(s->wv + t, w, len_w * sizeof(rs_real));
        if (len_w < len) { /* the bias: pre = 1 */
            u0[len_w] = ls_in(ir);
            u2[len_w] = ls_in(ly->b[i0] * iw);
            s->wv[t + len_w] = ly->b[i0];
        }
        for (uint32_t k = 0; k < len; k++)
            u1[k] = post;
        for (uint32_t k = 0; k < len; k++)
            s->pm[t + k] = mod ? pm[k] * ig : 0;
        for (uint32_t k = 0; mod && k < len; k++)
            u3[k] = m;
        for (uint32_t k = 0; pre_mod && k < len; k++)
            u4[k] = ls_in(s->pm[t + k]);
        t += len;
        *j += len;
        if (*j == n_in1) {
            *j = 0;
            ++*i;
        }
    }
    for (uint32_t f = 0; f < s->n_feat; f++) /* the tile's unused columns (fewer than */
        for (uint32_t t = n; t < T; t++)     /* LK_LANES but in the last tile: no memset) */
            u[(size_t)f * T + t] = 0;
}

/* The tile's new weights w + Δw, clipped, into the network; (i, j) is its first synapse. */
static void tile_write(const ls_state *s, rs_layer *ly, uint32_t n, uint32_t i, uint32_t j)
{
    const uint32_t n_in = ly->n_in, n_in1 = n_in + (uint32_t)s->bias;
    const rs_real lim = (rs_real)s->clip;
    rs_real *nw = s->dw;
    for (uint32_t t = 0; t < n; t++)
        nw[t] += s->wv[t];
    for (uint32_t t = 0; lim > 0 && t < n; t++) { /* NaN stays NaN */
        const rs_real x = nw[t] < -lim ? -lim : nw[t];
        nw[t] = x > lim ? lim : x;
    }
    for (uint32_t t = 0; t < n;) { /* a row segment at a time */
        const uint32_t len = n - t < n_in1 - j ? n - t : n_in1 - j;
        const uint32_t len_w = j + len > n_in ? n_in - j : len;
        memcpy(ly->w + (size_t)i * n_in + j, nw + t, len_w * sizeof(rs_real));
        if (len_w < len)
            ly->b[i] = nw[t + len_w];
        t += len;
        j += len;
        if (j == n_in1) {
            j = 0;
            i++;
        }
    }
}

/* Row means of a feature-major (rows, n) matrix: out (rows), or v itself when n = 1. */
static const rs_real *row_means(const rs_real *v, uint32_t rows, uint32_t n, rs_real *out)
{
    if (n == 1)
        return v;
    for (uint32_t r = 0; r < rows; r++)
        out[r] = (rs_real)(lk_sum(v + (size_t)r * n, n) / n);
    return out;
}

/* A narrow layer's <m pre^T> with one example, pmat[k] = pre[j] mod[i] for synapse k = (i, j),
 * the bias's pre 1 (1 mod[i] is mod[i] exactly): a product of two permutes a block. mod is
 * read a block past its unit i0 (mod_at and buf[2] have room). */
static void narrow_products(const ls_state *s, uint32_t l, uint32_t n_in, const rs_real *pre,
                            const rs_real *mod, rs_real *pmat)
{
    const uint32_t P = lanes_of(s->syn[l - 1]), *mi = s->nmap[l - 1], *mj = mi + P;
    for (uint32_t t0 = 0; t0 < P; t0 += LK_LANES) /* n_in < LS_NARROW = LK_LANES */
        lk_unit_product(pre, n_in, mj + t0, mod, mi + t0, pmat + t0);
}

/* <m pre^T> of layer l into pmat (n_out, n_in + bias), its bias column <m> = g->mod: with one
 * example the product of g->pre and g->mod itself, as the tape takes it; with a batch
 * beta pmat + <m pre^T> by the host's gemm (beta 1: adding explore's share). */
static void layer_products(ls_state *s, const rs_net *net, uint32_t l, const rs_real *m,
                           rs_real beta)
{
    const rs_layer *ly = &net->layers[l - 1];
    ls_signals *g = &s->sig[l - 1];
    const uint32_t n = net->n, n_in = ly->n_in, n_in1 = n_in + (uint32_t)s->bias;
    /* restrict: pmat is apart from the means (else every store reloads g's pointers) */
    rs_real *restrict pmat = g->pmat;
    const rs_real *restrict pre = g->pre, *restrict mod = g->mod;
    if (n == 1 && s->nmap[l - 1]) {
        narrow_products(s, l, n_in, pre, mod, pmat);
        return;
    }
    if (n == 1)
        for (uint32_t i = 0; i < ly->n_out; i++)
            for (uint32_t j = 0; j < n_in; j++)
                pmat[(size_t)i * n_in1 + j] = pre[j] * mod[i];
    else
        s->base.host->gemm(0, 1, ly->n_out, n_in, n, 1 / (rs_real)n, m, n, net->a[l - 1], n,
                           beta, g->pmat, n_in1);
    for (uint32_t i = 0; s->bias && i < ly->n_out; i++)
        pmat[(size_t)i * n_in1 + n_in] = mod[i];
}

/* The batch means layer l's synapses read: <pre>, <post>, <m> and <m pre^T>, the bias column
 * of the last being <m> (pre = 1). */
static void layer_means(ls_state *s, const rs_net *net, uint32_t l)
{
    const rs_layer *ly = &net->layers[l - 1];
    const uint32_t n = net->n;
    ls_signals *g = &s->sig[l - 1];
    g->pre = row_means(net->a[l - 1], ly->n_in, n, g->buf[0]);
    g->post = row_means(net->a[l], ly->n_out, n, g->buf[1]);
    if (s->mod == MOD_NONE)
        return;
    g->mod = row_means(s->mod_at[l], ly->n_out, n, g->buf[2]);
    layer_products(s, net, l, s->mod_at[l], 0);
}

/* normalize: what layer l's divisors (scales_of) are the RMS of, from the means layer_means
 * left: five sums of squares (pre with the bias's 1, post, w with the biases, m, <m pre^T>)
 * into ss and the counts they are means over into cnt (without a modulator m and <m pre> are
 * zero). */
static void layer_sums(const ls_state *s, const rs_net *net, uint32_t l, double *ss,
                       double *cnt)
{
    const rs_layer *ly = &net->layers[l - 1];
    const uint32_t n_in = ly->n_in, n_in1 = n_in + (uint32_t)s->bias, n_out = ly->n_out;
    const double S = (double)n_out * n_in1;
    const int mod = s->mod != MOD_NONE;
    const ls_signals *g = &s->sig[l - 1];
    ss[0] = lk_sumsq(g->pre, n_in) + s->bias; /* the bias's pre (1) and weights join the */
    ss[1] = lk_sumsq(g->post, n_out);         /* RMS over the n_in1 columns */
    ss[2] = lk_sumsq(ly->w, (size_t)n_out * n_in) + (s->bias ? lk_sumsq(ly->b, n_out) : 0);
    ss[3] = mod ? lk_sumsq(g->mod, n_out) : 0;
    ss[4] = mod ? lk_sumsq(g->pmat, (size_t)n_out * n_in1) : 0;
    cnt[0] = n_in1;
    cnt[1] = n_out;
    cnt[2] = S;
    cnt[3] = n_out;
    cnt[4] = S;
}

/* explore: hidden layer l's estimate (ex_m[l]) added to the means its synapses read, <m> and
 * <m pre^T>, after layer_scales took the divisors M and G from the feedback error alone, so
 * that the estimate does not set the scale it is read in. */
static void explore_means(ls_state *s, const rs_net *net, uint32_t l)
{
    const uint32_t n = net->n, n_out = net->layers[l - 1].n_out;
    const rs_real *e = s->ex_m[l];
    ls_signals *g = &s->sig[l - 1];
    rs_real *mm = g->buf[2];
    for (uint32_t i = 0; i < n_out; i++)
        mm[i] = g->mod[i] + (n == 1 ? e[i] : (rs_real)(lk_sum(e + (size_t)i * n, n) / n));
    g->mod = mm;
    layer_products(s, net, l, e, 1);
}

/* What the synapses of layers lo..hi read: the batch means (layer_means), with normalize the
 * divisors (layer_sums, scales_of), and their inverses in float, inv: into s->sig. Every
 * layer's square roots and divisions are done together (lk_rms, lk_inverse). */
static void layer_signals(ls_state *s, const rs_net *net, uint32_t lo, uint32_t hi)
{
    double *ss = s->sc[0], *cnt = s->sc[1], *rms = s->sc[2], *div = s->sc[3], *inv = s->sc[4];
    const uint32_t n = (5 * (hi - lo + 1) + 7) / 8 * 8; /* lk_rms' and lk_inverse's padding */
    for (uint32_t k = 5 * (hi - lo + 1); k < n; k++) {
        ss[k] = 0;
        cnt[k] = div[k] = 1;
    }
    for (uint32_t l = lo; l <= hi; l++) {
        layer_means(s, net, l);
        if (s->norm) /* from the feedback error alone, before explore_means adds to it */
            layer_sums(s, net, l, ss + 5 * (l - lo), cnt + 5 * (l - lo));
        if (s->ex_now && l < net->n_layers)
            explore_means(s, net, l);
    }
    if (s->norm)
        lk_rms(ss, cnt, n, rms);
    for (uint32_t l = lo; l <= hi; l++) {
        ls_signals *g = &s->sig[l - 1];
        const double *r = rms + 5 * (l - lo);
        if (s->norm)
            g->cur = scales_of(s, l, r[0], r[1], r[2], r[3], r[4]);
        double *d = div + 5 * (l - lo);
        d[0] = g->cur.pre;
        d[1] = g->cur.post;
        d[2] = g->cur.w;
        d[3] = g->cur.m;
        d[4] = g->cur.pm;
    }
    lk_inverse(div, n, inv);
    for (uint32_t l = lo; l <= hi; l++)
        for (int k = 0; k < 5; k++)
            s->sig[l - 1].inv[k] = (rs_real)inv[5 * (l - lo) + k];
}

/* The Δw of layer l's n synapses in dw, from the read-outs dw holds (lk_step), pm the scaled
 * <m pre> and m_row the normalised error row of the same synapses (row 3 of their tile). */
static void layer_output(const ls_state *s, const lk_lstm *cell, uint32_t l, uint32_t n,
                         const rs_real *pm, const rs_real *m_row, rs_real *dw)
{
    if (s->mod == MOD_NONE)
        pm = NULL;
    if (s->norm)
        lk_out_bounded(cell, n, pm, s->gate && pm ? m_row : NULL, (rs_real)s->kappa[l - 1], dw);
    else
        lk_out_raw(cell, n, pm, dw);
}

/* packed: every layer's synapses side by side in one tile (layer l's from pack_off[l - 1], a
 * block boundary), so a small net computes every layer's scales together and runs the cell on
 * all its blocks in one call. The lanes are independent: the same values as fast_layer. */
static void fast_packed(ls_state *s, const rs_net *net)
{
    const uint32_t L = net->n_layers, T = s->pack_T;
    layer_signals(s, net, 1, L); /* every layer's before any layer's gathers, which wait on
                                  * them: the layers' chains run side by side */
    for (uint32_t l = 1; l <= L; l++) {
        narrow_gather(s, &net->layers[l - 1], l);
        narrow_inputs(s, l, 0, s->syn[l - 1], T, s->u + s->pack_off[l - 1],
                      s->pm + s->pack_off[l - 1]);
    }
    lk_step(&s->cell[0], T, s->u, s->z, s->pack_h, s->pack_c, s->dw);
    for (uint32_t l = 1; l <= L; l++) {
        const uint32_t off = s->pack_off[l - 1];
        layer_output(s, &s->cell[0], l, lanes_of(s->syn[l - 1]), s->pm + off,
                     s->u + 3 * T + off, s->dw + off);
        narrow_write(s, l, 0, s->syn[l - 1], s->dw + off);
        narrow_scatter(s, &net->layers[l - 1], l);
    }
}

/* One LSTM step for every synapse of layer l (1-based), tile after tile, and the new weights
 * written into the network. */
static void fast_layer(ls_state *s, const rs_net *net, uint32_t l)
{
    rs_layer *ly = &net->layers[l - 1];
    const uint32_t S = s->syn[l - 1], T = s->tile[l - 1], H = s->hid;
    const lk_lstm *cell = &s->cell[s->n_groups > 1 ? l - 1 : 0];
    layer_signals(s, net, l, l);
    const int narrow = s->nmap[l - 1] != NULL;
    if (narrow)
        narrow_gather(s, ly, l);
    uint32_t i = 0, j = 0;
    for (uint32_t s0 = 0, q = 0; s0 < S; s0 += T, q++) {
        const uint32_t n = S - s0 < T ? S - s0 : T, wi = i, wj = j; /* the tile's first */
        rs_real *hs = s->hst[l - 1] + (size_t)q * H * T, *c = s->cst[l - 1] + (size_t)q * H * T;
        if (narrow) {
            narrow_inputs(s, l, s0, n, T, s->u, s->pm);
            tile_pad(s->u, T, lanes_of(n));
        } else {
            tile_inputs(s, &s->sig[l - 1], ly, s->u, T, n, &i, &j);
        }
        lk_step(cell, T, s->u, s->z, hs, c, s->dw);
        layer_output(s, cell, l, T, s->pm, s->u + 3 * T, s->dw);
        if (narrow)
            narrow_write(s, l, s0, n, s->dw);
        else
            tile_write(s, ly, n, wi, wj);
    }
    if (narrow)
        narrow_scatter(s, ly, l);
}

/* The modulatory signal m_l (n_l, n) at every layer for the batch whose forward pass is in
 * net->a, with targets y (n_L, n) and task loss `loss`. */
static void fast_modulator(ls_state *s, const rs_net *net, const rs_real *y, double loss)
{
    const uint32_t L = net->n_layers, n = net->n;
    for (uint32_t l = L; l >= 1 && s->mod != MOD_NONE; l--) {
        const size_t len = (size_t)net->sizes[l] * n;
        rs_real *m = s->mod_at[l];
        if (s->mod == MOD_GLOBAL)
            for (size_t k = 0; k < len; k++)
                m[k] = (rs_real)loss;
        else if (l == L)
            for (size_t k = 0; k < len; k++)
                m[k] = net->a[L][k] - y[k];
        else { /* m_l = B_{l+1} m_{l+1} (times f'_l with derivative), B (n_l, n_{l+1}) */
            lx_affine(s->base.host, net->sizes[l], net->sizes[l + 1], n, s->fbf[l + 1], NULL,
                      s->mod_at[l + 1], m);
            if (!s->deriv)
                continue;
            s->base.host->act_derivative(net->layers[l - 1].act, net->z[l], net->a[l], s->df,
                                         len);
            for (size_t k = 0; k < len; k++)
                m[k] *= s->df[k];
        }
    }
}

/* explore: every hidden layer's estimate e_l into ex_m[l] (lstm_explore.h), on the net's
 * weights; layer_signals adds it to what the layer's synapses read. */
static void fast_explore(ls_state *s, rs_ctx *ctx, const rs_net *net, const rs_batch *batch)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    const rs_real *w[RS_TAPE_MAX_LAYERS], *bias[RS_TAPE_MAX_LAYERS];
    for (uint32_t l = 0; l < L; l++) {
        w[l] = net->layers[l].w;
        bias[l] = net->layers[l].b;
    }
    lx_draw(&s->ex, h, ctx, net, n);
    lx_estimate(&s->ex, h, net, w, bias, net->z[1], net->a[L], batch->y, n, s->loss);
    for (uint32_t l = 1; l < L; l++)
        lx_layer(&s->ex, l, net->sizes[l], n, s->ex_m[l]);
}

/* step: ls_batch's arithmetic in float: the host's forward pass of the batch, the modulator,
 * the batch means, every layer's synapses. */
static rs_status ls_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    ls_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return h->fail(ctx, st, "lstm_synapse: the forward pass failed");
    const double loss = h->loss(s->loss, net->a[L], batch->y, net->sizes[L], batch->n, NULL);
    fast_modulator(s, net, batch->y, loss);
    if (explores_now(s))
        fast_explore(s, ctx, net, batch);
    if (s->packed)
        fast_packed(s, net);
    else
        for (uint32_t l = 1; l <= L; l++)
            fast_layer(s, net, l);
    stats->loss = loss;
    stats->has_loss = 1;
    return RS_OK;
}

/* The float copy step runs on: each group's [W_x | W_h] (4H, F + H) side by side and b, every
 * gate's row times lk_scale_of (lstm_kernel.h), v, c0, θ_skip, from phi (the group's 6 tensors
 * in make_shapes' order); the feedback as float. */
static void fast_prepare(ls_state *s, const rs_net *net)
{
    const uint32_t H = s->hid, F = s->n_feat, K = F + H;
    const double *g = s->phi;
    for (uint32_t q = 0; q < s->n_groups; q++) {
        rs_real *w = s->cell_w + (size_t)q * 4 * H * K, *b = s->cell_b + (size_t)q * 4 * H;
        rs_real *v = s->cell_v + (size_t)q * H;
        const double *wx = g, *wh = wx + (size_t)4 * H * F, *bb = wh + (size_t)4 * H * H;
        const double *vv = bb + 4 * H;
        for (uint32_t r = 0; r < 4 * H; r++) {
            const double a = lk_scale_of(r, H);
            for (uint32_t k = 0; k < F; k++)
                w[(size_t)r * K + k] = (rs_real)(a * wx[(size_t)r * F + k]);
            for (uint32_t k = 0; k < H; k++)
                w[(size_t)r * K + F + k] = (rs_real)(a * wh[(size_t)r * H + k]);
            b[r] = (rs_real)(a * bb[r]);
        }
        for (uint32_t k = 0; k < H; k++)
            v[k] = (rs_real)vv[k];
        s->cell[q] = (lk_lstm){ .hid = H, .n_feat = F, .w = w, .b = b, .v = v,
                                .c0 = (rs_real)vv[H], .skip = (rs_real)vv[H + 1],
                                .scale = (rs_real)s->scale, .gate_power = s->gate_power };
        g = vv + H + 2;
    }
    for (uint32_t l = 2; s->mod == MOD_ERROR && l <= net->n_layers; l++)
        for (size_t k = 0; k < (size_t)net->sizes[l - 1] * net->sizes[l]; k++)
            s->fbf[l][k] = (rs_real)s->fb[l][k];
}

/* The synapse maps of the narrow layers (nmap): synapse k = i (n_in + bias) + j. */
static void narrow_maps(ls_state *s, const rs_net *net)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        uint32_t *mi = s->nmap[l - 1];
        const uint32_t S = s->syn[l - 1], n_in1 = net->sizes[l - 1] + (uint32_t)s->bias;
        for (uint32_t k = 0; mi && k < lanes_of(S); k++) { /* the padding: the last synapse's */
            mi[k] = (k < S ? k : S - 1) / n_in1;               /* post unit (lk_permute reads */
            mi[lanes_of(S) + k] = k < S ? k % n_in1 : 0;       /* within a block), pre unit 0 */
        }
    }
}

/* ---- the rule ----------------------------------------------------------------------------------- */

/* The tile of a layer of S synapses: S rounded up to whole register blocks, at most LS_TILE. */
static uint32_t tile_of(uint32_t S)
{
    const uint32_t r = (S + LK_LANES - 1) / LK_LANES * LK_LANES;
    return r < LS_TILE ? r : LS_TILE;
}

/* Whether layer l's units have fewer than LS_NARROW inputs (bias included): read by unit. */
static int layer_is_narrow(const ls_state *t, const rs_net *net, uint32_t l)
{
    return net->sizes[l - 1] + (t->bias ? 1u : 0u) < LS_NARROW;
}

/* Every layer's synapse count and tile, and whether the net is packed (every layer narrow, one
 * LSTM for all, all synapses in one tile: fast_packed) with each layer's offset in that tile.
 * Returns the net's synapse count. */
static uint32_t tile_layout(ls_state *t, const rs_net *net)
{
    uint32_t total = 0, all_narrow = 1;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        t->syn[l - 1] = net->sizes[l] * (net->sizes[l - 1] + (t->bias ? 1 : 0));
        t->tile[l - 1] = tile_of(t->syn[l - 1]);
        t->pack_off[l - 1] = total; /* whole blocks: narrow_inputs' loops */
        total += lanes_of(t->syn[l - 1]);
        all_narrow = all_narrow && layer_is_narrow(t, net, l);
    }
    t->packed = all_narrow && t->n_groups == 1 && total <= LS_TILE;
    t->pack_T = tile_of(total);
    return total;
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
        .norm = host->param_bool(p, "normalize"),
        .deriv = host->param_bool(p, "derivative"),
        .gate = host->param_bool(p, "error_gate"),
        .gate_power = (uint32_t)host->param_int(p, "gate_power"),
        .n_groups = host->param_bool(p, "per_layer") ? L : 1,
        .scale = host->param_real(p, "scale"),
        .clip = host->param_real(p, "clip"),
        .skip_init = host->param_real(p, "skip_init"),
        .loss = task->loss,
        .bias = net->layers[0].b != NULL,
        .ex_every = 1,
    };
    if (t.mod == MOD_ERROR && L >= 2) { /* explore: only hidden units are perturbed */
        uint32_t units = 0; /* the estimate's variance grows with them: explore / units */
        for (uint32_t l = 1; l < L; l++)
            units += net->sizes[l];
        t.ex.weight = host->param_real(p, "explore") / units;
        t.ex.sigma = host->param_real(p, "explore_sigma");
        t.ex.fade = host->param_real(p, "explore_fade");
        t.ex_every = (uint32_t)host->param_int(p, "explore_every");
    }
    scale_units(&t, net);
    t.n_feat = t.mod == MOD_NONE ? 3 : t.pre_mod ? 5 : 4;
    make_shapes(&t);
    const uint32_t H = t.hid, K = t.n_feat + H;
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_doubles(&b, &t.phi, mr_count(t.shapes, t.n_shapes));
    rs_block_reals(&b, &t.cell_w, (size_t)t.n_groups * 4 * H * K);
    rs_block_reals(&b, &t.cell_b, (size_t)t.n_groups * 4 * H);
    rs_block_reals(&b, &t.cell_v, (size_t)t.n_groups * H);
    rs_block_reals(&b, &t.u, (size_t)5 * LS_TILE); /* room for every input: tile_inputs */
    rs_block_reals(&b, &t.z, (size_t)4 * H * LK_LANES);
    rs_block_reals(&b, &t.pm, LS_TILE);
    rs_block_reals(&b, &t.wv, LS_TILE);
    rs_block_reals(&b, &t.dw, LS_TILE);
    const uint32_t total = tile_layout(&t, net);
    uint32_t max_narrow = 0;
    for (uint32_t l = 1; l <= L; l++) {
        const uint32_t S = t.syn[l - 1], T = t.tile[l - 1];
        const size_t padded = (size_t)(S + T - 1) / T * T;
        if (!t.packed) { /* packed: the one tile's pack_h, pack_c */
            rs_block_reals(&b, &t.hst[l - 1], padded * H);
            rs_block_reals(&b, &t.cst[l - 1], padded * H);
        }
        rs_block_reals(&b, &t.mod_at[l], (size_t)net->sizes[l] * net->max_batch + LK_LANES);
        ls_signals *g = &t.sig[l - 1];
        g->cur = (ls_scales){ 1, 1, 1, 1, 1, 1 };
        rs_block_reals(&b, &g->buf[0], net->sizes[l - 1]);
        rs_block_reals(&b, &g->buf[1], net->sizes[l]);
        rs_block_reals(&b, &g->buf[2], net->sizes[l] + LK_LANES); /* narrow_products */
        rs_block_reals(&b, &g->pmat, lanes_of(S));
        if (layer_is_narrow(&t, net, l)) { /* read by unit: nmap */
            rs_block_bytes(&b, &t.nmap[l - 1], (size_t)2 * lanes_of(S) * sizeof(uint32_t));
            max_narrow = lanes_of(S) > max_narrow ? lanes_of(S) : max_narrow;
        }
        if (l >= 2 && t.mod == MOD_ERROR) {
            rs_block_doubles(&b, &t.fb[l], (size_t)net->sizes[l - 1] * net->sizes[l]);
            rs_block_reals(&b, &t.fbf[l], (size_t)net->sizes[l - 1] * net->sizes[l]);
        }
    }
    rs_block_reals(&b, &t.ws, t.packed ? total : max_narrow);
    if (t.packed) {
        rs_block_reals(&b, &t.pack_h, (size_t)H * t.pack_T);
        rs_block_reals(&b, &t.pack_c, (size_t)H * t.pack_T);
    }
    rs_block_reals(&b, &t.unit_in[0], LS_NARROW);
    rs_block_reals(&b, &t.unit_in[1], rs_net_widest(net) + LK_LANES); /* lk_permute reads */
    rs_block_reals(&b, &t.unit_in[2], rs_net_widest(net) + LK_LANES); /* a block past i0 */
    const size_t wide = (size_t)rs_net_widest(net) * net->max_batch;
    rs_block_reals(&b, &t.zf, wide);
    rs_block_reals(&b, &t.af, wide);
    rs_block_reals(&b, &t.df, wide);
    rs_block_doubles(&b, &t.dd, wide);
    if (t.ex.weight > 0) {
        lx_declare(&b, &t.ex, net);
        for (uint32_t l = 1; l <= L; l++) {
            rs_block_reals(&b, &t.wf[l - 1], (size_t)net->sizes[l] * net->sizes[l - 1]);
            if (l < L)
                rs_block_reals(&b, &t.ex_m[l], (size_t)net->sizes[l] * net->max_batch);
            if (t.bias)
                rs_block_reals(&b, &t.bf[l - 1], net->sizes[l]);
        }
        rs_block_reals(&b, &t.z1f, (size_t)net->sizes[1] * net->max_batch);
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
    if (st != RS_OK) {
        mr_destroy(s, ctx);
        return st;
    }
    fast_prepare(s, net);
    narrow_maps(s, net);
    *state_out = s;
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
    double loss = ls_update(s, ctx, io->tape, io->net, io->meta, io->batch, io->w, io->b,
                            io->carry);
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
    rs_tv m = s->mod == MOD_NONE ? RS_TV_NONE : cols[3];
    rs_tv pm = m == RS_TV_NONE ? RS_TV_NONE : h->tape_mul(t, cols[0], m);
    rs_tv hs = h->tape_fill(t, n, s->hid, 0.0), cs = h->tape_fill(t, n, s->hid, 0.0), d = RS_TV_NONE;
    for (uint32_t k = 0; k < steps; k++)
        d = synapse_step(s, t, g, cols[0], cols[1], cols[2], m, pm, 1.0, &hs, &cs);
    rs_status st = mr_tape_status(h, ctx, t);
    if (st != RS_OK)
        return st;
    memcpy(dw, h->tape_value(t, d), n * sizeof(double));
    return RS_OK;
}

static const rs_rule_desc lstm_synapse = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "lstm_synapse",
    .head.version = "2.3.0", /* 1.1: a batch is one LSTM step on its means; 2.0: normalize,
                              * derivative, and their defaults; 2.1: error_gate, scale 0.6;
                              * 2.2: H = 1; 2.3: explore */
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
