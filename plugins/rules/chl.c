/* chl.c: contrastive Hebbian learning (Movellan 1991, "Contrastive Hebbian learning in the
 * continuous Hopfield model", Connectionist Models Summer School; Xie & Seung 2003,
 * "Equivalence of backpropagation and contrastive Hebbian learning in a layered network",
 * Neural Computation 15:441). docs/RULES.md.
 *
 * The network relaxes on the host's Hopfield energy (host->relax_*, ruleset/host.h) with
 * top-down gain gamma (feedback):
 *   x_l = f_l(W_l x_{l-1} + b_l + gamma W_{l+1}^T x_{l+1}),  x_0 = input clamped
 * Free ("minus") phase: the output free, x^-. Clamped ("plus") phase, started from the free
 * fixed point (docs/RULES.md): the output held at the target, x^+. Update, mean over the
 * batch (Xie & Seung's form; gamma = 1 is Movellan's):
 *   dW_l = lr_l gamma^(l-L) (x^+_l x^+_{l-1}^T - x^-_l x^-_{l-1}^T),
 *   db_l = lr_l gamma^(l-L) (x^+_l - x^-_l)
 * which is -lr_l (dE/dW_l(x^+) - dE/dW_l(x^-)): gradient descent on the contrastive function
 * E(x^+) - E(x^-), not on the output error. With a linear output and gamma -> 0 the update is
 * proportional to backprop's (Xie & Seung); for larger gamma an approximation. The two phases
 * can settle in different attractors (Galland 1993); then the update is uninformative.
 *
 * Published settings: none for XOR in either paper; docs/RULES.md suggests 2-4-1 or
 * 2-10-1, gamma 0.1-0.5, lr 0.05-0.5, Euler dt 0.1-0.5, 50-200 steps, tol 1e-5, the full
 * truth table per update. Deviations: the free and clamped phases relax by Gauss-Seidel
 * fixed-point sweeps by default (method=gradient gives the Euler dynamics), and stop early at
 * tol. Evaluation (predict) is a free phase from the feedforward pass: no target. */
#include "energy_rules.h"

typedef struct chl_state {
    er_common c;
    rs_relax_config clamp_cfg;
    er_states cl; /* the clamped phase */
} chl_state;

static const char *const chl_metrics[] = { "energy", "free_iters", "clamped_iters",
                                           "free_change", NULL };

static const rs_param_spec chl_params[] = {
    ER_LR_PARAMS(0.5), /* what works on XOR (docs/RESULTS.md) */
    ER_FREE_PARAMS,
    { .name = "clamped_iters", .type = RS_PARAM_INT, .def = 50, .lo = 1, .hi = 100000,
      .help = "clamped-phase iterations at most" },
    { 0 }
};

static rs_status chl_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const rs_net *net, const rs_task_info *task, void **state_out)
{
    chl_state t = { .c.host = host };
    rs_status st = er_create(host, ctx, p, net, task, 1, "chl", &t, sizeof t, &t.cl, state_out);
    if (st != RS_OK)
        return st;
    chl_state *s = *state_out;
    s->clamp_cfg = s->c.free_cfg;
    s->clamp_cfg.output = RS_RELAX_CLAMPED;
    s->clamp_cfg.max_iters = (uint32_t)host->param_int(p, "clamped_iters");
    return RS_OK;
}

static rs_status chl_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *b,
                          rs_step_stats *stats)
{
    chl_state *s = state;
    const rs_host *h = s->c.host;
    rs_relax_stats fs = { 0 }, cs = { 0 };
    rs_status st = er_free_phase(&s->c, ctx, net, b->x, b->n, &fs);
    if (st != RS_OK)
        return st;
    stats->loss = er_free_loss(&s->c, net, b);
    stats->has_loss = 1;
    stats->n_metrics = 4;
    stats->metrics[0] = h->relax_energy(s->c.relax, net, &s->c.free_cfg, b->x, NULL, b->n,
                                        s->c.free.u, s->c.free.s);
    stats->metrics[1] = fs.iters;
    stats->metrics[3] = fs.change;
    er_states_copy(net, b->n, &s->c.free, &s->cl);
    st = h->relax_run(s->c.relax, ctx, net, &s->clamp_cfg, b->x, b->y, b->n, s->cl.u, s->cl.s,
                      &cs);
    if (st != RS_OK)
        return st;
    stats->metrics[2] = cs.iters;
    memset(s->c.g, 0, net->n_params * sizeof(rs_real));
    h->relax_grad(s->c.relax, net, &s->clamp_cfg, b->x, b->n, s->cl.s, 1, s->c.g);
    h->relax_grad(s->c.relax, net, &s->c.free_cfg, b->x, b->n, s->c.free.s, -1, s->c.g);
    er_apply(&s->c, net);
    return RS_OK;
}

static rs_status chl_predict(void *state, rs_ctx *ctx, rs_net *net, const rs_real *x,
                             uint32_t n, rs_real *out)
{
    return er_predict(&((chl_state *)state)->c, ctx, net, x, n, out);
}

static const rs_rule_desc chl = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "chl",
    .head.version = "1.0.0",
    .head.summary = "contrastive Hebbian learning: clamped minus free correlations",
    .head.citation = "Movellan (1991) Connectionist Models Summer School; Xie & Seung (2003) "
                     "Neural Computation 15:441",
    .head.params = chl_params,
    .metric_names = chl_metrics,
    .create = chl_create,
    .step = chl_step,
    .destroy = er_destroy,
    .predict = chl_predict,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &chl.head : NULL;
}
