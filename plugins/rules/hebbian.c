/* hebbian.c: the Hebbian family: a synapse changes by the product of its presynaptic and
 * postsynaptic activity, Δw_ij = η · post_i · pre_j (Hebb 1949, The Organization of Behavior;
 * docs/RULES.md), in three modes. A bias is the weight from a unit clamped
 * to 1 (Δb_i = η · post_i). Every update is the batch MEAN of the per-example products (004
 * trains on one example per step, where sum and mean agree).
 *
 * mode=unsupervised (docs/RULES.md; notebook 004's unsupervised_hebbian_update):
 *   ΔW_l = η a_l a_{l-1}^T for every layer, from one forward pass (chain=network); or, as the
 *   notebook's code does it (chain=linear), layer by layer through the LINEAR chain p_0 = x,
 *   z_l = W_l p_{l-1} (+ b_l), ΔW_l = η z_l p_{l-1}^T, then p_l = W_l' p_{l-1} with the
 *   just-updated W_l' (the notebook's `x = layer(x)` after the update).
 * mode=supervised (docs/RULES.md; 004's supervised_hebbian_update): the output is clamped
 *   to the target, h*_L = t, ΔW_L = η t a_{L-1}^T, and the hidden layers learn
 *   ΔW_l = η h*_l a_{l-1}^T with, by `down`:
 *     transpose  h*_l = f_l(W_{l+1}^T h*_{l+1})  (the literature's: the target projected down
 *                through the forward weights, all h* from the weights before this step)
 *     random     h*_l = f_l(B_{l+1} h*_{l+1}), B_{l+1} (n_l, n_{l+1}) fixed random, drawn in
 *                create in layer order l = 2..L with one host->rng_fill_uniform each over
 *                U(+-s/sqrt(n_{l-1})), s = feedback_scale
 *     notebook   004 exactly: its loop `for layer_no in range(len(layers)-1, 0, -1)` walks back
 *                from the output and stops BEFORE the first layer, and each hidden "target" is
 *                the layer's own forward activation: ΔW_L = η t a_{L-1}^T,
 *                ΔW_l = η a_l a_{l-1}^T for l = L-1..2, and W_1 NEVER changes. With one hidden
 *                layer only the readout learns (a correlation readout on frozen random
 *                features); deeper, the hidden-to-hidden weights follow plain Hebb.
 * mode=modulated (three-factor, docs/RULES.md; 004's semisupervised_hebbian_update):
 *   ΔW_l = η M ⊙ post_l pre_{l-1}^T with one signal M per example (scope=global, every unit)
 *   or, at the output layer, one per output unit i (scope=unit; hidden layers always take the
 *   mean over the output units). `signal`, from the output ŷ and target t:
 *     notebook  004's: p = [ŷ > mid], τ = [t > mid] (mid the coding's midpoint, 0 for ±1),
 *               ℓ = mean over output units of (p - τ)^2 (scope=unit: unit i's own),
 *               M = -(2p - 1)(1 - 2ℓ): -1 when the unit is on and right, +1 on and wrong,
 *               +1 off and right, -1 off and wrong (the code, not its comment)
 *     error     M = -(ŷ - t)^2, the naive global-error gate (docs/RULES.md "does not
 *               estimate a gradient": keep it as a baseline)
 *     reward    M = R - R̄, R = -(ŷ - t)^2, R̄ a running mean R̄ += baseline_rate (mean R - R̄),
 *               started at the first step's mean R
 *   post_l, pre: chain=network: a_l and a_{l-1} of the forward pass; chain=linear: 004's
 *   linear chain z_l = W_l p_{l-1} (+ b_l), p_l = z_l (all before the update, as its `x = y`).
 *   With noise σ > 0 (chain=network only) the units explore: one noisy pass adds N(0, σ^2) to
 *   every z_l (drawn per layer in order l = 1..L, one host->rng_fill_normal each), ŷ and M
 *   come from the noisy output, post_l = ã_l - a_l (the exploration, noisy minus clean) and
 *   pre = ã_{l-1}: with signal=reward this is the reward-modulated node-perturbation rule of
 *   Fiete & Seung 2006 / Legenstein et al. 2010 (EH rule), written as a Hebbian rule.
 * Bounds (docs/RULES.md), after every update of every learning layer, weights and biases:
 *   soft_bound m > 0: the change is scaled by (m - |w|) (004's hebbian_forward);
 *   clip c > 0: w is clipped to [-c, c] (004's torch.clamp(w, -1, 1)).
 * Deviations from 004: the notebook's modulated and unsupervised code broadcasts M over the
 * wrong axis when there is more than one output unit; we give each output unit its own M
 * (scope=unit) or all the mean (global). The hidden activation of the notebook's supervised
 * update is torch.relu whatever the network; we use the network's own f_l (the same for 004's
 * ReLU networks). The reported training loss is the task loss of the clean forward pass. */
#include "local_rules.h"

enum { MODE_UNSUP, MODE_SUP, MODE_MOD };
enum { DOWN_NOTEBOOK, DOWN_TRANSPOSE, DOWN_RANDOM };
enum { SIG_NOTEBOOK, SIG_ERROR, SIG_REWARD };

typedef struct hebb_state {
    rs_rule_base base;
    int mode, down, signal, unit_scope, linear;
    rs_real lr, clip, soft, noise, mid;
    double rate;
    int have_baseline;
    double *rbar;                  /* (2 (n_L + 1)) reward baselines R̄ (per output unit, then
                                    * global), then one batch's reward sums */
    rs_real *m_unit;               /* (n_L, max_batch) M per output unit */
    rs_real *m_glob;               /* (max_batch) M per example */
    rs_real *post[LR_MAX_LAYERS];  /* (n_l, max_batch): h*_l, or the gated post factor */
    rs_real *z[LR_MAX_LAYERS];     /* (n_l, max_batch): own passes (linear chain, noisy) */
    rs_real *a[LR_MAX_LAYERS];
    rs_real *xi[LR_MAX_LAYERS];    /* (n_l, max_batch) exploration noise */
    rs_real *fb[LR_MAX_LAYERS];    /* fb[l], l = 2..L: B_l (n_{l-1}, n_l), down=random */
} hebb_state;

static const rs_param_spec hebb_params[] = {
    { .name = "mode", .type = RS_PARAM_CHOICE, .def_str = "supervised",
      .choices = "unsupervised|supervised|modulated",
      .help = "plain Hebb; output clamped to the target; three-factor (signal x Hebb)" },
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.01, .lo = 0, .hi = 100,
      .help = "learning rate η" },
    { .name = "down", .type = RS_PARAM_CHOICE, .def_str = "transpose",
      .choices = "transpose|random|notebook",
      .help = "supervised: hidden targets f(W^T h*), f(B h*), or 004's (W_1 never learns)" },
    { .name = "chain", .type = RS_PARAM_CHOICE, .def_str = "network", .choices = "network|linear",
      .help = "unsupervised/modulated: post = a_l, or 004's linear chain z_l = W_l p_{l-1}" },
    { .name = "signal", .type = RS_PARAM_CHOICE, .def_str = "notebook",
      .choices = "notebook|error|reward",
      .help = "modulated: 004's sign rule, -(y-t)^2, or reward minus its running mean" },
    { .name = "scope", .type = RS_PARAM_CHOICE, .def_str = "global", .choices = "global|unit",
      .help = "modulated: one signal for all units, or one per output unit at the output" },
    { .name = "noise", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 10,
      .help = "modulated: sd of exploration noise on every z; post = noisy - clean" },
    { .name = "baseline_rate", .type = RS_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 1,
      .help = "signal=reward: rate of the running mean reward R̄" },
    { .name = "clip", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 1e6,
      .help = "hard bound: clip every learning weight to [-c, c]; 0 = none" },
    { .name = "soft_bound", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "soft bound m: scale each change by (m - |w|) (004's hebbian_forward); 0 = none" },
    { .name = "feedback_scale", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 100,
      .help = "down=random: B ~ U(+-s/sqrt(fan_in))" },
    { 0 }
};

static rs_status hebb_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                             const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "hebbian", LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    const char *mode = host->param_str(p, "mode"), *down = host->param_str(p, "down");
    const char *sig = host->param_str(p, "signal");
    const int m = mode[0] == 'u' ? MODE_UNSUP : mode[0] == 's' ? MODE_SUP : MODE_MOD;
    const int linear = host->param_str(p, "chain")[0] == 'l';
    const double noise = host->param_real(p, "noise");
    if (m == MODE_MOD && linear && noise > 0)
        return host->fail(ctx, RS_ERR_PARAM, "noise=%g needs chain=network (the exploration is "
                          "the noisy minus the clean activation); set noise=0 or chain=network",
                          noise);
    hebb_state t = {
        .base.host = host,
        .mode = m,
        .down = down[0] == 'n' ? DOWN_NOTEBOOK : down[0] == 't' ? DOWN_TRANSPOSE : DOWN_RANDOM,
        .signal = sig[0] == 'n' ? SIG_NOTEBOOK : sig[0] == 'e' ? SIG_ERROR : SIG_REWARD,
        .unit_scope = host->param_str(p, "scope")[0] == 'u',
        .linear = linear,
        .lr = (rs_real)host->param_real(p, "lr"),
        .clip = (rs_real)host->param_real(p, "clip"),
        .soft = (rs_real)host->param_real(p, "soft_bound"),
        .noise = m == MODE_MOD ? (rs_real)noise : 0,
        .rate = host->param_real(p, "baseline_rate"),
        .mid = (task->lo + task->hi) / 2,
    };
    const int random_fb = m == MODE_SUP && t.down == DOWN_RANDOM;
    const size_t nb = net->max_batch;
    const uint32_t n_out = net->sizes[L];
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_doubles(&b, &t.rbar, 2 * (size_t)(n_out + 1));
    rs_block_reals(&b, &t.m_unit, (size_t)n_out * nb);
    rs_block_reals(&b, &t.m_glob, nb);
    for (uint32_t l = 1; l <= L; l++) {
        const size_t count = (size_t)net->sizes[l] * nb;
        rs_block_reals(&b, &t.post[l], count);
        rs_block_reals(&b, &t.z[l], count);
        rs_block_reals(&b, &t.a[l], count);
        rs_block_reals(&b, &t.xi[l], count);
        if (l >= 2 && random_fb)
            rs_block_reals(&b, &t.fb[l], (size_t)net->sizes[l - 1] * net->sizes[l]);
    }
    hebb_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t, "hebbian");
    if (!s)
        return RS_ERR_NOMEM;
    for (uint32_t l = 2; random_fb && l <= L; l++) /* B_l (n_{l-1}, n_l), in layer order */
        lr_fill_feedback(host, ctx, s->fb[l], net->sizes[l - 1], net->sizes[l],
                         host->param_real(p, "feedback_scale"));
    *state_out = s;
    return RS_OK;
}

/* W_l += the batch mean of post (n_l, n) pre (n_{l-1}, n)^T times lr, b_l likewise with pre 1,
 * under the bounds. The change is staged in the layer's gradient slots. */
static void hebb_apply(hebb_state *s, rs_layer *ly, const rs_real *post, const rs_real *pre,
                       uint32_t n)
{
    const rs_real alpha = s->lr / (rs_real)n;
    lr_outer(s->base.host, alpha, post, pre, ly->n_out, ly->n_in, n, ly->dw);
    lr_apply(ly->w, ly->dw, (size_t)ly->n_out * ly->n_in, s->clip, s->soft);
    if (ly->b) {
        lr_rowsum(alpha, post, ly->n_out, n, ly->db);
        lr_apply(ly->b, ly->db, ly->n_out, s->clip, s->soft);
    }
}

/* z_l = W_l p (+ b_l) for one layer: the linear chain of 004's unsupervised and modulated
 * updates. */
static void linear_layer(const rs_host *h, const rs_layer *ly, const rs_real *p, uint32_t n,
                         rs_real *z)
{
    for (uint32_t i = 0; i < ly->n_out; i++)
        for (uint32_t b = 0; b < n; b++)
            z[(size_t)i * n + b] = ly->b ? ly->b[i] : 0;
    h->gemm(0, 0, ly->n_out, n, ly->n_in, 1, ly->w, ly->n_in, p, n, 1, z, n);
}

static void step_unsupervised(hebb_state *s, rs_net *net, const rs_batch *batch)
{
    const uint32_t L = net->n_layers, n = batch->n;
    if (!s->linear) { /* every update from the one forward pass before it */
        for (uint32_t l = 1; l <= L; l++)
            hebb_apply(s, &net->layers[l - 1], net->a[l], net->a[l - 1], n);
        return;
    }
    const rs_real *p = batch->x;
    for (uint32_t l = 1; l <= L; l++) {
        rs_layer *ly = &net->layers[l - 1];
        linear_layer(s->base.host, ly, p, n, s->z[l]);
        hebb_apply(s, ly, s->z[l], p, n);
        linear_layer(s->base.host, ly, p, n, s->z[l]); /* 004: x = layer(x) with the new weights */
        p = s->z[l];
    }
}

static void step_supervised(hebb_state *s, rs_net *net, const rs_batch *batch)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    memcpy(s->post[L], batch->y, (size_t)net->sizes[L] * n * sizeof(rs_real));
    for (uint32_t l = L - 1; l >= 1; l--) { /* h*_l from h*_{l+1}, before any weight moves */
        const rs_layer *up = &net->layers[l]; /* W_{l+1} (n_{l+1}, n_l) */
        const size_t m = (size_t)net->sizes[l] * n;
        if (s->down == DOWN_NOTEBOOK) {
            memcpy(s->post[l], net->a[l], m * sizeof(rs_real));
            continue;
        }
        if (s->down == DOWN_TRANSPOSE)
            h->gemm(1, 0, up->n_in, n, up->n_out, 1, up->w, up->n_in, s->post[l + 1], n, 0,
                    s->post[l], n);
        else
            h->gemm(0, 0, up->n_in, n, up->n_out, 1, s->fb[l + 1], up->n_out, s->post[l + 1], n,
                    0, s->post[l], n);
        h->act_forward(net->layers[l - 1].act, s->post[l], s->post[l], m);
    }
    const uint32_t lowest = s->down == DOWN_NOTEBOOK ? 2 : 1;
    for (uint32_t l = L; l >= lowest; l--)
        hebb_apply(s, &net->layers[l - 1], s->post[l], net->a[l - 1], n);
}

/* The signal M of every output unit and every example (m_unit), and per example (m_glob),
 * from the output out (n_out, n) and the targets y. */
static void modulator(hebb_state *s, const rs_real *out, const rs_real *y, uint32_t n_out,
                      uint32_t n)
{
    double *rsum = s->rbar + n_out + 1; /* (n_out + 1) this batch's summed rewards */
    for (uint32_t i = 0; i <= n_out; i++)
        rsum[i] = 0;
    for (uint32_t b = 0; b < n; b++) {
        double mean_l = 0, mean_e = 0;
        for (uint32_t i = 0; i < n_out; i++) {
            const size_t k = (size_t)i * n + b;
            const double pb = out[k] > s->mid, tb = y[k] > s->mid, e = (double)out[k] - y[k];
            mean_l += (pb - tb) * (pb - tb) / n_out;
            mean_e += e * e / n_out;
        }
        double mg = 0; /* the mean over output units of their global-scope signals */
        for (uint32_t i = 0; i < n_out; i++) {
            const size_t k = (size_t)i * n + b;
            const double pb = out[k] > s->mid, tb = y[k] > s->mid, e = (double)out[k] - y[k];
            if (s->signal == SIG_NOTEBOOK) {
                s->m_unit[k] = (rs_real)(-(2 * pb - 1) * (1 - 2 * (pb - tb) * (pb - tb)));
                mg += -(2 * pb - 1) * (1 - 2 * mean_l) / n_out;
            } else { /* error, or reward before its baseline */
                s->m_unit[k] = (rs_real)(-e * e);
                rsum[i] += -e * e;
            }
        }
        if (s->signal != SIG_NOTEBOOK) {
            mg = -mean_e;
            rsum[n_out] += mg;
        }
        s->m_glob[b] = (rs_real)mg;
    }
    if (s->signal != SIG_REWARD)
        return;
    double *rbar = s->rbar; /* (n_out + 1): per output unit, then global */
    if (!s->have_baseline) { /* R̄ starts at the first step's mean reward */
        for (uint32_t i = 0; i <= n_out; i++)
            rbar[i] = rsum[i] / n;
        s->have_baseline = 1;
    }
    for (uint32_t b = 0; b < n; b++) {
        s->m_glob[b] = (rs_real)(s->m_glob[b] - rbar[n_out]);
        for (uint32_t i = 0; i < n_out; i++)
            s->m_unit[(size_t)i * n + b] = (rs_real)(s->m_unit[(size_t)i * n + b] - rbar[i]);
    }
    for (uint32_t i = 0; i <= n_out; i++)
        rbar[i] += s->rate * (rsum[i] / n - rbar[i]);
}

static void step_modulated(hebb_state *s, rs_ctx *ctx, rs_net *net, const rs_batch *batch)
{
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    /* the post and pre factors of every layer, all before any weight moves */
    rs_real *const *post_src = net->a; /* chain=network, no noise */
    const rs_real *pre_src[LR_MAX_LAYERS];
    const rs_real *out = net->a[L];
    for (uint32_t l = 0; l < L; l++)
        pre_src[l + 1] = net->a[l];
    if (s->linear) {
        const rs_real *p = batch->x;
        for (uint32_t l = 1; l <= L; l++) {
            pre_src[l] = p;
            linear_layer(h, &net->layers[l - 1], p, n, s->z[l]);
            p = s->z[l];
        }
        post_src = s->z;
        /* 004 gates by the network's real (nonlinear) output, self.forward(input) */
    } else if (s->noise > 0) {
        for (uint32_t l = 1; l <= L; l++)
            h->rng_fill_normal(ctx, s->xi[l], (size_t)net->sizes[l] * n, 0, s->noise);
        lr_forward(h, net, batch->x, n, s->xi, s->z, s->a);
        for (uint32_t l = 1; l <= L; l++) { /* exploration: noisy minus clean */
            const size_t m = (size_t)net->sizes[l] * n;
            for (size_t k = 0; k < m; k++)
                s->post[l][k] = s->a[l][k] - net->a[l][k];
            pre_src[l] = l > 1 ? s->a[l - 1] : batch->x;
        }
        post_src = s->post;
        out = s->a[L];
    }
    modulator(s, out, batch->y, net->sizes[L], n);
    /* gate: post_l * M, into s->post (in place when it already holds the exploration) */
    for (uint32_t l = 1; l <= L; l++) {
        const uint32_t n_l = net->sizes[l];
        const int per_unit = l == L && s->unit_scope;
        for (uint32_t i = 0; i < n_l; i++)
            for (uint32_t b = 0; b < n; b++) {
                const size_t k = (size_t)i * n + b;
                s->post[l][k] = post_src[l][k] * (per_unit ? s->m_unit[k] : s->m_glob[b]);
            }
    }
    for (uint32_t l = 1; l <= L; l++)
        hebb_apply(s, &net->layers[l - 1], s->post[l], pre_src[l], n);
}

static rs_status hebb_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                           rs_step_stats *stats)
{
    hebb_state *s = state;
    const rs_host *h = s->base.host;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(batch->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                          NULL);
    stats->has_loss = 1;
    if (s->mode == MODE_UNSUP)
        step_unsupervised(s, net, batch);
    else if (s->mode == MODE_SUP)
        step_supervised(s, net, batch);
    else
        step_modulated(s, ctx, net, batch);
    return RS_OK;
}

static const rs_rule_desc hebbian = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "hebbian",
    .head.version = "1.0.0",
    .head.summary = "Hebbian family: unsupervised, supervised (output clamped), three-factor",
    .head.citation = "Hebb (1949) The Organization of Behavior; supervised and modulated modes "
                     "as notebook 004 (R. Mohanta); Fremaux & Gerstner (2016) Front. Neural "
                     "Circuits 9:85",
    .head.params = hebb_params,
    .create = hebb_create,
    .step = hebb_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &hebbian.head : NULL;
}
