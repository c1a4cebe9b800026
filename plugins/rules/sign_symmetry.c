/* sign_symmetry.c: backprop whose backward pass knows only the SIGNS of the forward weights
 * (Liao, Leibo & Poggio 2016, "How important is weight symmetry in backpropagation?", AAAI;
 * Moskovitz, Litwin-Kumar & Abbott 2018, "Feedback alignment in deep convolutional networks",
 * arXiv:1812.06488; docs/RULES.md, "Sign symmetry").
 *
 *   delta_L = dLoss/da_L * f_L'(z_L)
 *   delta_{l-1} = (F_l^T delta_l) * f_{l-1}'(z_{l-1})     F_l (n_l, n_{l-1}) in place of W_l
 *   dLoss/dW_l ~ delta_l a_{l-1}^T,  dLoss/db_l ~ sum over the batch of delta_l
 *
 * then one optimizer step (SGD, momentum or Adam, as torch.optim), the loss averaged as PyTorch
 * averages it (as backprop.c). The feedback F_l, l = 2..L, follows the CURRENT sign(W_l) (with
 * sign(0) = 0) at every step; its magnitudes depend on the mode:
 *   usf        F_l = m_l sign(W_l), one magnitude m_l = s / sqrt(3 n_{l-1}) per layer
 *   frsf       F_l = |R_l| o sign(W_l), R_l drawn once at create
 *   brsf       F_l = |R_l| o sign(W_l), R_l redrawn at every step (every batch)
 *   symmetric  F_l = W_l: backprop exactly (the control)
 * with R_l ~ U(+-s / sqrt(n_{l-1})) entrywise, the PyTorch-default init of W_l times
 * s = feedback_scale. Magnitude scale: the papers' uSF is sign(W) itself, which Liao et al. run
 * with batch normalisation; without it a unit magnitude would scale every hidden layer's
 * gradient by about sqrt(n_{l-1}). We tie the magnitudes to the layer's init instead, as
 * BioTorch does (its uSF multiplies sign(W) by the Glorot std, its brSF/frSF draw |M| from
 * Glorot-uniform, whose std is that same number): m_l = s / sqrt(3 n_{l-1}) is the std of W_l's
 * init and the RMS of |R_l|, so the three modes feed back the same RMS magnitude.
 *
 * Random draws, from the job's stream: frsf, at create, one host->rng_fill_uniform per layer
 * l = 2..L of n_l n_{l-1} values (R_l, row-major like W_l); brsf, at every step, one such call
 * per layer as the backward pass reaches it, l = L down to 2. usf and symmetric draw nothing.
 * Cost over backprop: one pass over W_l to form F_l (l >= 2); the products are the host's gemm. */
#include "local_rules.h"

enum { SS_USF, SS_BRSF, SS_FRSF, SS_SYMMETRIC };

static const rs_param_spec ss_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    LR_LOSS_PARAM,
    LR_OPTIM_PARAMS,
    { .name = "mode", .type = RS_PARAM_CHOICE, .def_str = "usf",
      .choices = "usf|brsf|frsf|symmetric",
      .help = "feedback sign(W) times: one magnitude (usf), fresh random magnitudes every "
              "batch (brsf), fixed random magnitudes (frsf); symmetric = W (backprop)" },
    { .name = "feedback_scale", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 100,
      .help = "magnitudes at s times W's init scale: |R| with R ~ U(+-s/sqrt(fan_in)), usf "
              "s/sqrt(3 fan_in)" },
    { 0 }
};

static rs_status ss_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "sign_symmetry", LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const char *m = host->param_str(p, "mode");
    const int mode = m[0] == 'u' ? SS_USF : m[0] == 'b' ? SS_BRSF : m[0] == 'f' ? SS_FRSF
                                                                               : SS_SYMMETRIC;
    lr_fb_shape shape = { .work = 0 };
    for (uint32_t l = 2; l <= net->n_layers; l++) {
        const size_t count = (size_t)net->sizes[l] * net->sizes[l - 1];
        if (mode == SS_FRSF) { /* fb[l] = R_l, drawn by lr_fb_create */
            shape.rows[l] = net->sizes[l];
            shape.cols[l] = shape.fan[l] = net->sizes[l - 1];
        }
        if (count > shape.work)
            shape.work = count;
    }
    if (mode == SS_SYMMETRIC)
        shape.work = 0;
    return lr_fb_create(host, ctx, p, net, task, "sign_symmetry", mode, &shape, state_out);
}

/* F (count) = sign(w) * |mag| entrywise, or sign(w) * m where mag is NULL; mag may alias F. */
static void ss_signed(const rs_real *w, const rs_real *mag, rs_real m, size_t count, rs_real *F)
{
    for (size_t k = 0; k < count; k++) {
        const rs_real size = mag ? fabsf(mag[k]) : m;
        F[k] = w[k] > 0 ? size : w[k] < 0 ? -size : 0;
    }
}

/* The feedback F_l standing in for W_l (layer ly) this step. */
static const rs_real *ss_feedback(lr_fb_state *s, rs_ctx *ctx, const rs_layer *ly, uint32_t l)
{
    const size_t count = (size_t)ly->n_out * ly->n_in;
    switch (s->mode) {
    case SS_USF:
        ss_signed(ly->w, NULL, (rs_real)(s->scale / sqrt(3.0 * ly->n_in)), count, s->work);
        return s->work;
    case SS_BRSF:
        lr_fill_fan(s->base.host, ctx, s->work, count, ly->n_in, s->scale);
        ss_signed(ly->w, s->work, 0, count, s->work);
        return s->work;
    case SS_FRSF:
        ss_signed(ly->w, s->fb[l], 0, count, s->work);
        return s->work;
    default:
        return ly->w;
    }
}

/* F_l for the host's pass, which asks for l = L..2 in that order (brSF's draws keep it). */
static const rs_real *ss_layer_feedback(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    return ss_feedback(user, ctx, &net->layers[l - 1], l);
}

static rs_status ss_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    /* delta_{l-1} = (F_l^T delta_l) * f'(z_{l-1}), F_l with W_l's shape: applied transposed */
    return lr_fb_step(state, ctx, net, batch, stats, RS_FEEDBACK_TRANSPOSE, ss_layer_feedback);
}

static const rs_rule_desc sign_symmetry = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "sign_symmetry",
    .head.version = "1.0.0",
    .head.summary = "backprop with sign(W)-concordant feedback: uSF, brSF, frSF magnitudes",
    .head.citation = "Liao, Leibo & Poggio (2016) How important is weight symmetry in "
                     "backpropagation? AAAI; Moskovitz, Litwin-Kumar & Abbott (2018) Feedback "
                     "alignment in deep convolutional networks, arXiv:1812.06488",
    .head.params = ss_params,
    .create = ss_create,
    .step = ss_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &sign_symmetry.head : NULL;
}
