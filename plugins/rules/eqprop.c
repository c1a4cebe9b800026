/* eqprop.c: equilibrium propagation (Scellier & Bengio 2017, "Equilibrium propagation:
 * bridging the gap between energy-based models and backpropagation", Front. Comput. Neurosci.
 * 11:24), with the symmetric (centred) estimate of Laborieux et al. 2021 ("Scaling
 * equilibrium propagation to deep ConvNets by drastically reducing its gradient estimator
 * bias", Front. Neurosci. 15) as an option. docs/RULES.md.
 *
 * The network relaxes on the Hopfield energy of the host (host->relax_*, ruleset/host.h):
 *   E = sum_l c_l [ sum G_l(s_l) - s_l . (W_l s_{l-1} + b_l) ],  s_l = f_l(u_l)
 * Free phase (beta = 0), from the feedforward pass or the persistent state: s^0. Nudged
 * phase from s^0, with F = E + beta |s_L - y|^2 / 2 (the output pulled by beta (y - s_L)):
 * s^beta. Update (mean over the batch), dE/dW_l = -c_l s_l s_{l-1}^T:
 *   one-sided  dW_l = -(lr_l / beta) (dE/dW_l(s^beta) - dE/dW_l(s^0))
 *                   = (lr_l / beta) c_l (s_l^b s_{l-1}^bT - s_l^0 s_{l-1}^0T)
 *   centred    dW_l = -(lr_l / 2beta) (dE/dW_l(s^+beta) - dE/dW_l(s^-beta))
 * and the same for b_l with s_{l-1} = 1. As beta -> 0 it tends to -lr dC(s^0)/dW: gradient
 * descent on the squared error at the free fixed point (tests/unit/test_energy.c checks it).
 * nudge = pos | neg (Scellier et al. 2023's P-EP / N-EP) | random (a fresh sign each step,
 * as the paper's code: it cancels the O(beta) bias in expectation) | centred.
 *
 * Published settings (bscellier/Towards-a-Biologically-Plausible-Backprop, MNIST, minibatch
 * 20, eps 0.5, hard sigmoid): 784-500-10 with 20 free / 4 nudged iterations, beta 0.5,
 * lr (0.1, 0.05); 784-500-500-10 with 150 / 6, beta 1, lr (0.4, 0.1, 0.01); random sign.
 * Laborieux et al.: T1 30 / T2 10, beta 0.1 (centred variant T1 40, T2 15, beta 0.2).
 * Deviations: the states are post-activation values (Movellan's and Laborieux's form) and the
 * activation is the network's own (sigmoid in our XOR runs; `hard_sigmoid` is the paper's rho,
 * rules/fashion-mnist-all.json's eqprop-scellier row); no persistent particles there; the cost
 * has the 1/2 (the paper's code has none, so its nudge force is 2 beta); the free phase stops
 * early at tol. Evaluation (predict) is a free phase from the feedforward pass: no target. */
#include "energy_rules.h"

typedef struct ep_state {
    er_common c;
    rs_relax_config nudge_cfg;
    int sign;               /* +1 pos, -1 neg, 0 random, 2 centred */
    er_states nud;          /* the nudged phase */
} ep_state;

static const char *const ep_metrics[] = { "energy", "free_iters", "nudged_iters", "free_change",
                                          NULL };

static const rs_param_spec ep_params[] = {
    ER_LR_PARAMS(1), /* what works on XOR (docs/RESULTS.md) */
    ER_FREE_PARAMS,
    { .name = "beta", .type = RS_PARAM_REAL, .def = 0.5, .lo = 1e-6, .hi = 100,
      .help = "nudging strength (its size; the sign comes from nudge)" },
    { .name = "nudge", .type = RS_PARAM_CHOICE, .def_str = "random",
      .choices = "pos|neg|random|centered",
      .help = "sign of beta: +, -, a random sign each step, or both (centred, 2 nudged phases)" },
    { .name = "nudged_iters", .type = RS_PARAM_INT, .def = 20, .lo = 1, .hi = 100000,
      .help = "nudged-phase iterations at most" },
    { 0 }
};

static rs_status ep_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    ep_state t = { .c.host = host };
    rs_status st = er_create(host, ctx, p, net, task, 1, "eqprop", &t, sizeof t, &t.nud,
                             state_out);
    if (st != RS_OK)
        return st;
    ep_state *s = *state_out;
    s->nudge_cfg = s->c.free_cfg;
    s->nudge_cfg.output = RS_RELAX_NUDGED;
    s->nudge_cfg.max_iters = (uint32_t)host->param_int(p, "nudged_iters");
    s->nudge_cfg.beta = host->param_real(p, "beta");
    const char *nudge = host->param_str(p, "nudge");
    s->sign = nudge[0] == 'p' ? 1 : nudge[0] == 'n' ? -1 : nudge[0] == 'r' ? 0 : 2;
    return RS_OK;
}

/* One nudged phase from s^0 with signed beta; adds dE(s^beta) * weight to g. */
static rs_status nudged(ep_state *s, rs_ctx *ctx, const rs_net *net, const rs_batch *b,
                        double beta, double weight, uint32_t *iters)
{
    const rs_host *h = s->c.host;
    rs_relax_config cfg = s->nudge_cfg;
    cfg.beta = beta;
    er_states_copy(net, b->n, &s->c.free, &s->nud);
    rs_relax_stats rs = { 0 };
    rs_status st = h->relax_run(s->c.relax, ctx, net, &cfg, b->x, b->y, b->n, s->nud.u, s->nud.s,
                                &rs);
    if (st != RS_OK)
        return st;
    *iters += rs.iters;
    h->relax_grad(s->c.relax, net, &cfg, b->x, b->n, s->nud.s, (rs_real)weight, s->c.g);
    return RS_OK;
}

static rs_status ep_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *b,
                         rs_step_stats *stats)
{
    ep_state *s = state;
    const rs_host *h = s->c.host;
    rs_relax_stats free_stats = { 0 };
    rs_status st = er_free_phase(&s->c, ctx, net, b->x, b->n, &free_stats);
    if (st != RS_OK)
        return st;
    stats->loss = er_free_loss(&s->c, net, b);
    stats->has_loss = 1;
    stats->n_metrics = 4;
    stats->metrics[0] = h->relax_energy(s->c.relax, net, &s->c.free_cfg, b->x, NULL, b->n,
                                        s->c.free.u, s->c.free.s);
    stats->metrics[1] = free_stats.iters;
    stats->metrics[3] = free_stats.change;
    const double beta = s->nudge_cfg.beta;
    uint32_t iters = 0;
    memset(s->c.g, 0, net->n_params * sizeof(rs_real));
    if (s->sign == 2) { /* centred: (dE(s^+b) - dE(s^-b)) / 2b */
        if ((st = nudged(s, ctx, net, b, beta, 1 / (2 * beta), &iters)) != RS_OK
            || (st = nudged(s, ctx, net, b, -beta, -1 / (2 * beta), &iters)) != RS_OK)
            return st;
    } else {
        double signed_beta = s->sign ? s->sign * beta
                                     : (h->rng_uniform(ctx) < 0.5 ? -beta : beta);
        if ((st = nudged(s, ctx, net, b, signed_beta, 1 / signed_beta, &iters)) != RS_OK)
            return st;
        h->relax_grad(s->c.relax, net, &s->c.free_cfg, b->x, b->n, s->c.free.s,
                      (rs_real)(-1 / signed_beta), s->c.g);
    }
    er_apply(&s->c, net);
    stats->metrics[2] = iters;
    return RS_OK;
}

static rs_status ep_predict(void *state, rs_ctx *ctx, rs_net *net, const rs_real *x, uint32_t n,
                            rs_real *out)
{
    return er_predict(&((ep_state *)state)->c, ctx, net, x, n, out);
}

static const rs_rule_desc eqprop = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "eqprop",
    .head.version = "1.0.0",
    .head.summary = "equilibrium propagation: free and beta-nudged relaxations (+-, centred)",
    .head.citation = "Scellier & Bengio (2017) Front. Comput. Neurosci. 11:24; Laborieux et al. "
                     "(2021) Front. Neurosci. 15",
    .head.params = ep_params,
    .metric_names = ep_metrics,
    .create = ep_create,
    .step = ep_step,
    .destroy = er_destroy,
    .predict = ep_predict,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &eqprop.head : NULL;
}
