/* direct_feedback_alignment.c: the output error projected straight to every hidden layer
 * through fixed random matrices (Nøkland 2016, "Direct feedback alignment provides learning in
 * deep neural networks", NeurIPS 29; docs/RULES.md).
 *
 *   e = delta_L = dLoss/da_L * f_L'(z_L)               (the output layer's true delta)
 *   delta_l = (B_l e) * f_l'(z_l),  l = 1..L-1         B_l (n_l, n_L) fixed, random
 *   dLoss/dW_l ~ delta_l a_{l-1}^T,  dLoss/db_l ~ sum over the batch of delta_l
 *
 * then one optimizer step (SGD, momentum or Adam, as torch.optim), the loss averaged as PyTorch
 * averages it. The B_l are drawn once in create from the job's stream, in layer order
 * l = 1..L-1, each with one host->rng_fill_uniform over U(+-s / sqrt(n_l)) (with one hidden
 * layer this is the PyTorch-default scale of the W_L^T it stands in for), s = feedback_scale.
 * Deviation: Nøkland writes e for the output error ŷ - y of a softmax/cross-entropy or sigmoid
 * output; we use the output delta dLoss/dz_L, which is that error for those pairs and stays a
 * gradient for any other (tanh + MSE here). With one hidden layer and feedback=symmetric
 * (B_1 = W_2^T every step) DFA is backprop exactly, the test of docs/RULES.md. */
#include "local_rules.h"

enum { DFA_RANDOM, DFA_SYMMETRIC }; /* symmetric: B_1 = W_2^T (one hidden layer only) */

static const rs_param_spec dfa_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = 0.1, .lo = 0, .hi = 100,
      .help = "learning rate" },
    LR_LOSS_PARAM,
    LR_OPTIM_PARAMS,
    { .name = "feedback", .type = RS_PARAM_CHOICE, .def_str = "random",
      .choices = "random|symmetric",
      .help = "fixed random B_l, or B_1 = W_2^T every step (one hidden layer: = backprop)" },
    { .name = "feedback_scale", .type = RS_PARAM_REAL, .def = 1, .lo = 0, .hi = 100,
      .help = "B_l ~ U(+-s/sqrt(n_l)), s times the forward init's scale" },
    { 0 }
};

/* B_l (n_l, n_L), l = 1..L-1, drawn at create (none with feedback=symmetric). */
static rs_status dfa_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const rs_net *net, const rs_task_info *task, void **state_out)
{
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "direct_feedback_alignment",
                                        LR_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    const int mode = host->param_str(p, "feedback")[0] == 's' ? DFA_SYMMETRIC : DFA_RANDOM;
    if (mode == DFA_SYMMETRIC && L != 2)
        return host->fail(ctx, RS_ERR_PARAM, "feedback=symmetric (B_1 = W_2^T) needs exactly "
                          "one hidden layer, this network has %u; use feedback=random", L - 1);
    lr_fb_shape shape = { .work = 0 };
    for (uint32_t l = 1; mode == DFA_RANDOM && l < L; l++) {
        shape.rows[l] = shape.fan[l] = net->sizes[l];
        shape.cols[l] = net->sizes[L];
    }
    return lr_fb_create(host, ctx, p, net, task, "direct_feedback_alignment", mode, &shape,
                        state_out);
}

/* The matrix carrying the output error e to layer l: B_l (n_l, n_L), or W_L itself, applied
 * transposed (RS_FEEDBACK_TRANSPOSE), with feedback=symmetric (one hidden layer, l = 1). */
static const rs_real *dfa_feedback(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    (void)ctx;
    const lr_fb_state *s = user;
    return s->mode == DFA_SYMMETRIC ? net->layers[net->n_layers - 1].w : s->fb[l];
}

static rs_status dfa_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                          rs_step_stats *stats)
{
    const lr_fb_state *s = state;
    /* delta_l = (B_l e) * f'(z_l) and every layer's gradient, by the host */
    const uint32_t flags = RS_FEEDBACK_DIRECT
                           | (s->mode == DFA_SYMMETRIC ? RS_FEEDBACK_TRANSPOSE : 0);
    return lr_fb_step(state, ctx, net, batch, stats, flags, dfa_feedback);
}

static const rs_rule_desc direct_feedback_alignment = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "direct_feedback_alignment",
    .head.version = "1.0.0",
    .head.summary = "the output error sent to every hidden layer through fixed random matrices",
    .head.citation = "Nøkland (2016) Direct feedback alignment provides learning in deep neural "
                     "networks, NeurIPS 29",
    .head.params = dfa_params,
    .create = dfa_create,
    .step = dfa_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &direct_feedback_alignment.head : NULL;
}
