/* feedback_alignment.c: backprop with the transposed forward weights of the backward pass
 * replaced by fixed random matrices (Lillicrap, Cownden, Tweed & Akerman 2016, "Random synaptic
 * feedback weights support error backpropagation for deep learning", Nature Communications
 * 7:13276; docs/RULES.md).
 *
 *   delta_L = dLoss/da_L * f_L'(z_L)
 *   delta_l = (B_{l+1} delta_{l+1}) * f_l'(z_l)        B_{l+1} (n_l, n_{l+1}) fixed, random
 *   dLoss/dW_l ~ delta_l a_{l-1}^T,  dLoss/db_l ~ sum over the batch of delta_l
 *
 * then one optimizer step (SGD, momentum or Adam, as torch.optim), with the loss averaged as
 * PyTorch averages it (as backprop.c). The B_l are drawn once in create from the job's stream,
 * in layer order l = 2..L, each with one host->rng_fill_uniform over U(+-s / sqrt(n_{l-1})):
 * the PyTorch-default scale of the W_l they stand in for, times feedback_scale s (the paper
 * draws B from a uniform distribution of a scale comparable to the forward weights).
 * feedback=symmetric uses B_{l+1} = W_{l+1}^T at every step, which is backprop exactly (the
 * test of docs/RULES.md). Deviation: none known; the paper's networks are larger and its
 * tasks harder, its mechanism (W aligning with B^T) is the same. */
#include "local_rules.h"

enum { FA_RANDOM, FA_SYMMETRIC }; /* symmetric: B_{l+1} = W_{l+1}^T (backprop) */

static const rs_param_spec fa_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    LR_LOSS_PARAM,
    LR_OPTIM_PARAMS,
    { .name = "feedback", .type = RS_PARAM_CHOICE, .def_str = "random",
      .choices = "random|symmetric",
      .help = "fixed random B (feedback alignment) or B = W^T every step (= backprop)" },
    { .name = "feedback_scale", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 100,
      .help = "B ~ U(+-s/sqrt(fan_in)), s times the forward init's scale" },
    { 0 }
};

/* B_l (n_{l-1}, n_l), l = 2..L, drawn at create (none with feedback=symmetric). */
static rs_status fa_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "feedback_alignment", LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const int mode = host->param_str(p, "feedback")[0] == 's' ? FA_SYMMETRIC : FA_RANDOM;
    lr_fb_shape shape = { .work = 0 };
    for (uint32_t l = 2; mode == FA_RANDOM && l <= net->n_layers; l++) {
        shape.rows[l] = shape.fan[l] = net->sizes[l - 1];
        shape.cols[l] = net->sizes[l];
    }
    return lr_fb_create(host, ctx, p, net, task, "feedback_alignment", mode, &shape, state_out);
}

/* The matrix carrying delta_l down to layer l-1: B_l (n_{l-1}, n_l), or W_l itself, applied
 * transposed (RS_FEEDBACK_TRANSPOSE), with feedback=symmetric. */
static const rs_real *fa_feedback(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    (void)ctx;
    const lr_fb_state *s = user;
    return s->mode == FA_SYMMETRIC ? net->layers[l - 1].w : s->fb[l];
}

static rs_status fa_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    const lr_fb_state *s = state;
    /* delta_{l-1} = (B_l delta_l) * f'(z_{l-1}) and every layer's gradient, by the host */
    return lr_fb_step(state, ctx, net, batch, stats,
                      s->mode == FA_SYMMETRIC ? RS_FEEDBACK_TRANSPOSE : 0, fa_feedback);
}

static const rs_rule_desc feedback_alignment = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "feedback_alignment",
    .head.version = "1.0.0",
    .head.summary = "backprop with fixed random feedback matrices in place of W^T",
    .head.citation = "Lillicrap, Cownden, Tweed & Akerman (2016) Nat. Commun. 7:13276",
    .head.params = fa_params,
    .create = fa_create,
    .step = fa_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &feedback_alignment.head : NULL;
}
