/* predictive_coding.c: predictive coding networks (Whittington & Bogacz 2017, "An
 * approximation of the error backpropagation algorithm in a predictive coding network with
 * local Hebbian synaptic plasticity", Neural Computation 29:1229), with the soft-clamped
 * ("nudge") output of notebook 002 and Millidge, Song, Salvatori, Lukasiewicz & Bogacz 2022
 * as an option. docs/RULES.md.
 *
 * Value nodes x_l relax on the host's predictive energy (host->relax_*, ruleset/host.h):
 *   F = sum_l |x_l - mu_l|^2 / (2 var_l),  mu_l = W_l f_{l-1}(x_{l-1}) + b_l (hidden; x_0 =
 *   input, f_0 = identity), mu_L = f_L(W_L f_{L-1}(x_{L-1}) + b_L) (the output node holds the
 *   output itself, so a sigmoid output meets 0/1 targets; with an identity output this is the
 *   paper's network exactly).
 * One example set per step:
 *   1. x_l = mu_l: the feedforward pass (every error zero);
 *   2. clamp=hard: x_L := y;  clamp=nudge: x_L stays free and F gains beta |x_L - y|^2 / 2;
 *   3. inference, iters steps of rate step on every free node: x_l -= step dF/dx_l,
 *      dF/dx_l = e_l - f_l'(x_l) * W_{l+1}^T e^_{l+1},  e_l = (x_l - mu_l) / var_l,
 *      e^_l = e_l (hidden), e^_L = e_L * f_L'(z~_L);
 *      or, state_momentum m > 0, the heavy ball of PCX's state optimiser (SGD with momentum;
 *      Pinchetti et al. 2024, "Benchmarking predictive coding networks -- made simple"):
 *      v_l = m v_l + dF/dx_l, x_l -= step v_l, with v_l = 0 at the start of every batch's
 *      inference;
 *      fixed_prediction: mu_l, f_l'(x_l) and f_l(x_l) stay at their feedforward values through
 *      the inference and the update (the fixed-prediction assumption of Millidge, Tschantz &
 *      Buckley 2022, "Predictive coding approximates backprop along arbitrary computation
 *      graphs", Neural Computation 34:1329): with the hard clamp the relaxed errors are
 *      backprop's deltas, so the update is backprop's on the squared error;
 *   4. dW_l = lr_l e^_l f_{l-1}(x_{l-1})^T, db_l = lr_l e^_l (mean over the batch), times
 *      1/beta for clamp=nudge, whose errors are O(beta) (as beta -> 0 the nudged update tends
 *      to backprop's; Millidge et al. 2022).
 * Prediction is the plain feedforward pass, as in the paper (no predict callback).
 *
 * Published settings (the paper's XOR, as reimplemented in ttesileanu/pcn): 2-5-1, tanh,
 * lr 0.2, inference rate 0.2, 100 inference steps, variances (1, 10) hidden/output,
 * Xavier-uniform weights, zero biases, one example per update, 500 epochs. Notebook 002's
 * "PC nudge" is not this: its hidden update normalize(pred + (x - pred)) cancels the
 * prediction, and its learning step is the one of its EP (see docs/RULES.md). */
#include "energy_rules.h"

typedef struct pc_state {
    er_common c;
    rs_relax_config cfg;
    rs_real var[ER_MAX_LAYERS]; /* var[l - 1] for layer l */
    double scale;               /* 1, or 1/beta for the nudged output */
} pc_state;

static const char *const pc_metrics[] = { "pc_energy", "inference_iters", "inference_change",
                                          NULL };

static const rs_param_spec pc_params[] = {
    ER_LR_PARAMS(0.5), /* what works on XOR (docs/RESULTS.md) */
    { .name = "clamp", .type = RS_PARAM_CHOICE, .def_str = "hard", .choices = "hard|nudge",
      .help = "output held at the target (hard), or pulled toward it with strength beta" },
    { .name = "beta", .type = RS_PARAM_REAL, .def = 0.1, .lo = 1e-6, .hi = 100,
      .help = "clamp=nudge: strength of the pull; the update is scaled by 1/beta" },
    { .name = "iters", .type = RS_PARAM_INT, .def = 100, .lo = 1, .hi = 100000,
      .help = "inference steps at most" },
    { .name = "step", .type = RS_PARAM_REAL, .def = 0.2, .lo = 1e-6, .hi = 10,
      .help = "inference rate (gamma of the paper)" },
    { .name = "state_momentum", .type = RS_PARAM_REAL | RS_PARAM_OPEN_HI, .def = 0, .lo = 0,
      .hi = 1, .help = "heavy-ball momentum of the inference steps, reset every batch (PCX's "
      "state SGD; 0 = plain steps)" },
    { .name = "fixed_prediction", .type = RS_PARAM_BOOL, .def = 0,
      .help = "hold every prediction at the feedforward pass during inference (Millidge et "
      "al. 2022; converged, hard clamp: backprop)" },
    { .name = "tol", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,
      .help = "stop inference when no node moved more than this in one step (0 = never)" },
    { .name = "variances", .type = RS_PARAM_STR, .def_str = "",
      .help = "per-layer variances 'a b', first layer to output ('' = all 1)" },
    { 0 }
};

static rs_status pc_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    pc_state t = { .c.host = host };
    rs_status st = er_create(host, ctx, p, net, task, 0, "predictive_coding", &t, sizeof t, NULL,
                             state_out);
    if (st != RS_OK)
        return st;
    pc_state *s = *state_out;
    const char *vars = host->param_str(p, "variances");
    rs_real v[ER_MAX_LAYERS];
    for (uint32_t l = 1; l <= net->n_layers; l++)
        v[l] = 1;
    if (vars[0] && (st = er_parse_list(host, ctx, "variances", vars, net->n_layers, 0, v))) {
        er_destroy(s, ctx);
        *state_out = NULL;
        return st;
    }
    for (uint32_t l = 1; l <= net->n_layers; l++)
        s->var[l - 1] = v[l];
    const int nudge = host->param_str(p, "clamp")[0] == 'n';
    s->cfg = (rs_relax_config){
        .struct_size = sizeof(rs_relax_config),
        .energy = RS_RELAX_PREDICTIVE,
        .method = RS_RELAX_GRADIENT,
        .output = nudge ? RS_RELAX_NUDGED : RS_RELAX_CLAMPED,
        .max_iters = (uint32_t)host->param_int(p, "iters"),
        .step = host->param_real(p, "step"),
        .tol = host->param_real(p, "tol"),
        .beta = host->param_real(p, "beta"),
        .feedback = 1,
        .variance = s->var,
        .momentum = host->param_real(p, "state_momentum"),
        .fixed_prediction = (uint32_t)host->param_bool(p, "fixed_prediction"),
    };
    s->scale = nudge ? 1 / s->cfg.beta : 1;
    return RS_OK;
}

static rs_status pc_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *b,
                         rs_step_stats *stats)
{
    pc_state *s = state;
    const rs_host *h = s->c.host;
    er_states *x = &s->c.free;
    h->relax_init(s->c.relax, net, &s->cfg, b->x, b->n, x->u, x->s);
    stats->loss = er_free_loss(&s->c, net, b); /* the feedforward output: no target in it */
    stats->has_loss = 1;
    rs_relax_stats rs = { 0 };
    rs_status st = h->relax_run(s->c.relax, ctx, net, &s->cfg, b->x, b->y, b->n, x->u, x->s, &rs);
    if (st != RS_OK)
        return st;
    stats->n_metrics = 3;
    stats->metrics[0] = h->relax_energy(s->c.relax, net, &s->cfg, b->x, b->y, b->n, x->u, x->s);
    stats->metrics[1] = rs.iters;
    stats->metrics[2] = rs.change;
    memset(s->c.g, 0, net->n_params * sizeof(rs_real));
    h->relax_grad(s->c.relax, net, &s->cfg, b->x, b->n, x->s, (rs_real)s->scale, s->c.g);
    er_apply(&s->c, net);
    return RS_OK;
}

static const rs_rule_desc predictive_coding = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "predictive_coding",
    .head.version = "1.0.0",
    .head.summary = "predictive coding: inference on prediction errors, then local updates",
    .head.citation = "Whittington & Bogacz (2017) Neural Computation 29:1229",
    .head.params = pc_params,
    .metric_names = pc_metrics,
    .create = pc_create,
    .step = pc_step,
    .destroy = er_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &predictive_coding.head : NULL;
}
