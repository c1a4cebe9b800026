/* test_energy.c: the relaxation engine (core/math/relax.c, host->relax_*) and the energy-based
 * rules (chl, eqprop, first_step, predictive_coding), and the honesty of their measurement.
 *
 *   - relaxation lowers the energy at every iteration (Hopfield and predictive energies, every
 *     output mode, small Euler steps; Gauss-Seidel fixed-point sweeps at any size);
 *   - as beta -> 0 eqprop's update approaches the gradient of the loss at the free fixed point
 *     (what recurrent backprop computes), taken here by central differences of a double
 *     reference relaxation written from the equations (not from relax.c): cosine > 0.99;
 *   - CHL's update equals the clamped-minus-free correlations worked out on a 2-2-1 net (the
 *     clamped phase in closed form), for gamma = 1 and Xie & Seung's gamma^(l-L) scaling;
 *   - eqprop with one nudged step trains only the output layer, exactly as first_step;
 *   - predictive coding with the fixed-prediction assumption and the output clamped gives
 *     backprop's gradient itself (to 1e-5; without the assumption, cosine 0.82);
 *   - predictive coding's state momentum (the heavy ball of PCX) is a double reference's,
 *     momentum 0 is the plain steps bit for bit, and on a fixed problem momentum gets lower in
 *     the same few steps;
 *   - batched relaxation is per-example relaxation, for both energies, every output mode,
 *     with and without early stopping and momentum;
 *   - bad settings are refused with a clear message;
 *   - a rule that only copies the target (tests/plugins/target_copy.c) solves nothing in the
 *     runner's evaluation, while 002's way of measuring (its own clamped states) says 0 error;
 *   - each rule's XOR success rate over seeds, at the rate measured in rules/energy-xor.json
 *     with a margin from its Wilson interval (numbers in the test). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "network.h"
#include "relax.h"
#include "report.h"
#include "runner.h"
#include "testutil.h"

static rs_registry *reg;

static void setup(void)
{
    reg = rs_test_registry();
    ck_assert_int_eq(rs_registry_add_file(reg, RS_FIXTURE_DIR "/target_copy.so"), RS_OK);
}
static void teardown(void) { rs_registry_destroy(reg); }

/* ---- a small network with random weights ------------------------------------------------- */

typedef struct test_net {
    rs_net *net;
    rs_act *acts[8];
    uint32_t n_layers;
} test_net;

static void tn_open(test_net *t, const uint32_t *sizes, uint32_t n_layers, const char *act,
                    uint32_t max_batch, double scale, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->n_layers = n_layers;
    char err[256];
    for (uint32_t l = 0; l < n_layers; l++) {
        t->acts[l] = rs_act_create(reg, act, err, sizeof err);
        ck_assert_msg(t->acts[l] != NULL, "%s", err);
    }
    t->net = rs_net_create(sizes, n_layers, (const rs_act *const *)t->acts, 1, max_batch);
    ck_assert_ptr_nonnull(t->net);
    rs_rng rng;
    rs_rng_init(&rng, seed, 17);
    for (size_t i = 0; i < t->net->n_params; i++)
        t->net->params[i] = (rs_real)(scale * (2 * rs_rng_uniform(&rng) - 1));
}

static void tn_close(test_net *t)
{
    rs_net_destroy(t->net);
    for (uint32_t l = 0; l < t->n_layers; l++)
        rs_act_destroy(t->acts[l]);
}

/* states u[l], s[l] (n_l, n) for l = 1..L in one block */
typedef struct states {
    rs_real *u[8], *s[8];
    rs_real mem[2 * 8 * 64];
} states;

static void st_open(states *st, const rs_net *net, uint32_t n)
{
    memset(st, 0, sizeof *st);
    rs_real *p = st->mem;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        st->u[l] = p;
        p += net->sizes[l] * n;
        st->s[l] = p;
        p += net->sizes[l] * n;
    }
    ck_assert(p <= st->mem + sizeof st->mem / sizeof *st->mem);
}

/* the XOR truth table, feature-major, and one-hot targets */
static const rs_real xor_x[] = { 0, 0, 1, 1, /* x0 */ 0, 1, 0, 1 /* x1 */ };
static const rs_real xor_y[] = { 1, 0, 0, 1, /* class 0 */ 0, 1, 1, 0 /* class 1 */ };

/* ---- relaxation lowers the energy ----------------------------------------------------------- */

/* Run `iters` single iterations and assert E never rises by more than float noise (the
 * largest rise over every case of test_energy_falls, measured: 8.3e-8 relative, near
 * convergence; the bound is 2e-6). */
static void assert_monotone(const rs_net *net, const rs_relax_config *cfg0, const rs_real *y,
                            uint32_t iters, const char *what)
{
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_relax *r = h->relax_create(ctx, net, 4);
    ck_assert_ptr_nonnull(r);
    states st;
    st_open(&st, net, 4);
    rs_relax_config cfg = *cfg0;
    h->relax_init(r, net, &cfg, xor_x, 4, st.u, st.s);
    if (cfg.output == RS_RELAX_CLAMPED) /* E is defined with the output at the target */
        memcpy(st.s[net->n_layers], y, (size_t)net->sizes[net->n_layers] * 4 * sizeof(rs_real));
    double e0 = h->relax_energy(r, net, &cfg, xor_x, y, 4, st.u, st.s), prev = e0;
    cfg.max_iters = 1;
    cfg.tol = 0;
    for (uint32_t it = 0; it < iters; it++) {
        ck_assert_int_eq(h->relax_run(r, ctx, net, &cfg, xor_x, y, 4, st.u, st.s, NULL), RS_OK);
        double e = h->relax_energy(r, net, &cfg, xor_x, y, 4, st.u, st.s);
        ck_assert_msg(e <= prev + 2e-6 * (1 + fabs(prev)), "%s: energy rose at iteration %u: "
                      "%.9g -> %.9g", what, it, prev, e);
        prev = e;
    }
    ck_assert_msg(prev < e0 - 1e-6, "%s: the energy did not fall (%.9g -> %.9g)", what, e0, prev);
    h->relax_destroy(ctx, r);
    rs_ctx_destroy(ctx);
}

START_TEST(test_energy_falls)
{
    const uint32_t sizes[] = { 2, 4, 3, 2 };
    static const char *const acts[] = { "sigmoid", "tanh", "softplus" };
    for (int a = 0; a < 3; a++) {
        test_net t;
        tn_open(&t, sizes, 3, acts[a], 4, 1.5, 3 + a);
        static const uint32_t outputs[] = { RS_RELAX_FREE, RS_RELAX_NUDGED, RS_RELAX_CLAMPED };
        for (int o = 0; o < 3; o++) {
            const rs_real *y = outputs[o] == RS_RELAX_FREE ? NULL : xor_y;
            char what[128];
            /* Euler steps of du/dt = -u + d, gamma = 1 and Xie & Seung's 0.5 */
            for (int g = 0; g < 2; g++) {
                rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                                      .method = RS_RELAX_GRADIENT, .output = outputs[o],
                                      .step = 0.05, .beta = 0.5, .feedback = g ? 0.5 : 1 };
                snprintf(what, sizeof what, "hopfield gradient %s output %u gamma %g", acts[a],
                         outputs[o], c.feedback);
                assert_monotone(t.net, &c, y, 200, what);
            }
            /* Gauss-Seidel sweeps: exact minimisation per layer (free, clamped) */
            if (outputs[o] != RS_RELAX_NUDGED) {
                rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                                      .method = RS_RELAX_FIXED_POINT, .output = outputs[o],
                                      .feedback = 1 };
                snprintf(what, sizeof what, "hopfield fixed point %s output %u", acts[a],
                         outputs[o]);
                assert_monotone(t.net, &c, y, 30, what);
            }
            /* predictive coding: the output node away from the forward pass (clamped, nudged) */
            if (outputs[o] != RS_RELAX_FREE) {
                const rs_real var[] = { 1, 2, 4 };
                rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_PREDICTIVE,
                                      .method = RS_RELAX_GRADIENT, .output = outputs[o],
                                      .step = 0.05, .beta = 0.5, .variance = var };
                snprintf(what, sizeof what, "predictive %s output %u", acts[a], outputs[o]);
                assert_monotone(t.net, &c, y, 200, what);
            }
        }
        tn_close(&t);
    }
}
END_TEST

/* The engine's energy is what its equation says: E at a state computed by hand for a 2-2-1
 * sigmoid net (G(s) = s log s + (1 - s) log(1 - s) + log 2 for the sigmoid). */
START_TEST(test_energy_by_hand)
{
    const uint32_t sizes[] = { 2, 2, 1 };
    test_net t;
    tn_open(&t, sizes, 2, "sigmoid", 1, 1, 5);
    rs_net *net = t.net;
    const rs_real w1[] = { 0.5f, -1, 2, 0.25f }, b1[] = { 0.1f, -0.3f }, w2[] = { 1.5f, -0.5f },
                  b2[] = { 0.2f };
    memcpy(net->layers[0].w, w1, sizeof w1);
    memcpy(net->layers[0].b, b1, sizeof b1);
    memcpy(net->layers[1].w, w2, sizeof w2);
    memcpy(net->layers[1].b, b2, sizeof b2);
    const rs_real x[] = { 1, 0.5f }, y[] = { 1 };
    states st;
    st_open(&st, net, 1);
    const double u1[] = { 0.7, -1.2 }, u2 = 0.4;
    double s1[2], s2 = 1 / (1 + exp(-u2));
    for (int i = 0; i < 2; i++) {
        st.u[1][i] = (rs_real)u1[i];
        s1[i] = 1 / (1 + exp(-u1[i]));
        st.s[1][i] = (rs_real)s1[i];
    }
    st.u[2][0] = (rs_real)u2;
    st.s[2][0] = (rs_real)s2;
    double G = 0, inter = 0;
    for (int i = 0; i < 2; i++) {
        G += s1[i] * log(s1[i]) + (1 - s1[i]) * log(1 - s1[i]) + log(2);
        inter += s1[i] * (w1[2 * i] * x[0] + w1[2 * i + 1] * x[1] + b1[i]);
    }
    double G2 = s2 * log(s2) + (1 - s2) * log(1 - s2) + log(2);
    double inter2 = s2 * (w2[0] * s1[0] + w2[1] * s1[1] + b2[0]);
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_relax *r = h->relax_create(ctx, net, 1);
    for (int g = 0; g < 2; g++) { /* gamma = 1, and 0.5: layer 1's terms weigh 0.5^(1-2) = 2 */
        const double gamma = g ? 0.5 : 1;
        rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                              .output = RS_RELAX_NUDGED, .beta = 0.3, .feedback = gamma };
        double want = (G - inter) / gamma + G2 - inter2 + 0.3 * (s2 - 1) * (s2 - 1) / 2;
        ck_assert_double_eq_tol(h->relax_energy(r, net, &c, x, y, 1, st.u, st.s), want, 2e-5);
    }
    h->relax_destroy(ctx, r);
    rs_ctx_destroy(ctx);
    tn_close(&t);
}
END_TEST

/* ---- a double reference of the Hopfield fixed point --------------------------------------- */

#define REF_MAX 16

static double sig(double v) { return 1 / (1 + exp(-v)); }

/* Written from the equations, not from relax.c: s_l = sig(W_l s_{l-1} + b_l + gamma
 * W_{l+1}^T s_{l+1}) (no top-down term at the output), sigmoid units, one example, from the
 * feedforward pass, Gauss-Seidel sweeps until nothing moves by 1e-15. clamp (n_L) or NULL.
 * p: parameters in net->params' layout. */
static void ref_fixed_point(const rs_net *net, const double *p, double gamma, const double *x,
                            const double *clamp, double s[][REF_MAX])
{
    const uint32_t L = net->n_layers;
    for (uint32_t j = 0; j < net->sizes[0]; j++)
        s[0][j] = x[j];
    for (int pass = 0; pass < 100000; pass++) {
        double change = 0;
        for (uint32_t l = 1; l <= L; l++) {
            const uint32_t n_l = net->sizes[l], n_in = net->sizes[l - 1];
            const double *w = p + (net->layers[l - 1].w - net->params), *b = w + n_l * n_in;
            for (uint32_t i = 0; i < n_l; i++) {
                double d = b[i];
                for (uint32_t j = 0; j < n_in; j++)
                    d += w[i * n_in + j] * s[l - 1][j];
                if (l < L && pass > 0) { /* pass 0 is the feedforward pass */
                    const uint32_t n_up = net->sizes[l + 1];
                    const double *wu = p + (net->layers[l].w - net->params);
                    for (uint32_t k = 0; k < n_up; k++)
                        d += gamma * wu[k * n_l + i] * s[l + 1][k];
                }
                double v = l == L && clamp && pass > 0 ? clamp[i] : sig(d);
                if (pass > 0)
                    change = fmax(change, fabs(v - s[l][i]));
                s[l][i] = v;
            }
        }
        if (pass > 0 && change < 1e-15)
            return;
    }
    ck_abort_msg("the reference relaxation did not converge");
}

/* C = mean over the 4 XOR examples of |s_L - y|^2 / 2 at the free fixed point */
static double ref_cost(const rs_net *net, const double *p)
{
    const uint32_t L = net->n_layers;
    double c = 0, s[8][REF_MAX];
    for (int b = 0; b < 4; b++) {
        double x[2] = { xor_x[b], xor_x[4 + b] };
        ref_fixed_point(net, p, 1, x, NULL, s);
        for (uint32_t i = 0; i < net->sizes[L]; i++) {
            double e = s[L][i] - xor_y[i * 4 + b];
            c += e * e / 2;
        }
    }
    return c / 4;
}

static double cosine(const double *a, const double *b, size_t n, double *ratio)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (ratio)
        *ratio = sqrt(aa / bb);
    return ab / sqrt(aa * bb);
}

/* One step of a rule on the XOR table; dtheta = params after - before. */
static void one_step(const char *rule, const char *params, rs_net *net, double *dtheta)
{
    const rs_rule_desc *rd = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, rule);
    rs_params *p = rs_test_params(&rd->head, params);
    rs_ctx *ctx = rs_ctx_create(7, 7);
    rs_task_info info = { .struct_size = sizeof info, .n_in = net->sizes[0],
                          .n_out = net->sizes[net->n_layers], .n_full = 4, .loss = RS_LOSS_MSE,
                          .lo = 0, .hi = 1 };
    void *state = NULL;
    rs_status st = rd->create(rs_host_get(), ctx, p, net, &info, &state);
    ck_assert_msg(st == RS_OK, "%s: %s", rule, rs_ctx_error(ctx));
    double *before = malloc(net->n_params * sizeof *before);
    for (size_t i = 0; i < net->n_params; i++)
        before[i] = net->params[i];
    rs_batch b = { .n = 4, .n_in = 2, .n_out = net->sizes[net->n_layers], .loss = RS_LOSS_MSE,
                   .x = xor_x, .y = xor_y };
    rs_step_stats stats = { 0 };
    ck_assert_int_eq(rd->step(state, ctx, net, &b, &stats), RS_OK);
    for (size_t i = 0; i < net->n_params; i++) {
        dtheta[i] = net->params[i] - before[i];
        net->params[i] = (rs_real)before[i];
    }
    free(before);
    rd->destroy(state, ctx);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
    rs_params_destroy(p);
}

/* ---- eqprop -> the gradient as beta -> 0 ------------------------------------------------- */

START_TEST(test_eqprop_gradient)
{
    const uint32_t sizes[] = { 2, 3, 2 };
    test_net t;
    tn_open(&t, sizes, 2, "sigmoid", 4, 1.0, 11);
    rs_net *net = t.net;
    const size_t np = net->n_params;
    double p[64], grad[64], d[64];
    ck_assert_uint_le(np, 64);
    for (size_t i = 0; i < np; i++)
        p[i] = net->params[i];
    for (size_t i = 0; i < np; i++) { /* -dC/dtheta by central differences, double */
        const double hstep = 1e-5, keep = p[i];
        p[i] = keep + hstep;
        double cp = ref_cost(net, p);
        p[i] = keep - hstep;
        double cm = ref_cost(net, p);
        p[i] = keep;
        grad[i] = -(cp - cm) / (2 * hstep);
    }
    /* lr = 1: the update itself is the estimate of -dC/dtheta, on the batch of 4 (measured:
     * cosine 1.000000 and norm ratio 1.0000 centred, 0.999999 and 1.0002 one-sided) */
    static const struct { const char *params; double min_cos; } cases[] = {
        { "lr=1,beta=0.01,nudge=centered,free_iters=5000,nudged_iters=5000,tol=0", 0.999 },
        { "lr=1,beta=0.01,nudge=pos,free_iters=5000,nudged_iters=5000,tol=0", 0.99 },
        { "lr=1,beta=0.01,nudge=pos,method=gradient,step=0.5,free_iters=5000,"
          "nudged_iters=5000,tol=0", 0.99 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        one_step("eqprop", cases[c].params, net, d);
        double ratio, cs = cosine(d, grad, np, &ratio);
        ck_assert_msg(cs > cases[c].min_cos, "%s: cosine %.6f", cases[c].params, cs);
        ck_assert_msg(fabs(ratio - 1) < 0.05, "%s: |update| / |gradient| = %.4f",
                      cases[c].params, ratio);
    }
    /* ... and "approaches": a large one-sided beta is worse than a small one, and the centred
     * estimate at a large beta is better than the one-sided one (error O(beta^2)) */
    one_step("eqprop", "lr=1,beta=1,nudge=pos,free_iters=5000,nudged_iters=5000,tol=0", net, d);
    double cos_big = cosine(d, grad, np, NULL);
    one_step("eqprop", "lr=1,beta=1,nudge=centered,free_iters=5000,nudged_iters=5000,tol=0", net,
             d);
    double cos_big_centred = cosine(d, grad, np, NULL);
    one_step("eqprop", "lr=1,beta=0.01,nudge=pos,free_iters=5000,nudged_iters=5000,tol=0", net,
             d);
    double cos_small = cosine(d, grad, np, NULL);
    ck_assert_msg(cos_small > cos_big && cos_big_centred > cos_big,
                  "cosines: beta 1 one-sided %.5f, centred %.5f; beta 0.01 one-sided %.5f",
                  cos_big, cos_big_centred, cos_small);
    tn_close(&t);
}
END_TEST

/* ---- the batch: relaxing n examples at once is relaxing each alone -------------------------- */

/* Relax the 4 XOR examples as one (n_l, 4) batch and each example alone (n = 1), from the
 * feedforward pass, with cfg; every state of every example must agree to float rounding. */
static void assert_batch_is_per_example(const rs_net *net, const rs_relax_config *cfg,
                                        const char *what)
{
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_relax *r = h->relax_create(ctx, net, 4);
    const uint32_t L = net->n_layers, n_out = net->sizes[L];
    const rs_real *y = cfg->output == RS_RELAX_FREE ? NULL : xor_y;
    states all, one;
    st_open(&all, net, 4);
    st_open(&one, net, 1);
    h->relax_init(r, net, cfg, xor_x, 4, all.u, all.s);
    ck_assert_int_eq(h->relax_run(r, ctx, net, cfg, xor_x, y, 4, all.u, all.s, NULL), RS_OK);
    for (uint32_t b = 0; b < 4; b++) {
        const rs_real x1[2] = { xor_x[b], xor_x[4 + b] };
        rs_real y1[8];
        for (uint32_t i = 0; i < n_out; i++)
            y1[i] = xor_y[i * 4 + b];
        h->relax_init(r, net, cfg, x1, 1, one.u, one.s);
        ck_assert_int_eq(h->relax_run(r, ctx, net, cfg, x1, y ? y1 : NULL, 1, one.u, one.s,
                                      NULL), RS_OK);
        for (uint32_t l = 1; l <= L; l++)
            for (uint32_t i = 0; i < net->sizes[l]; i++) {
                double got = all.s[l][i * 4 + b], want = one.s[l][i];
                ck_assert_msg(fabs(got - want) <= 1e-5 * (1 + fabs(want)), "%s: example %u, "
                              "layer %u unit %u: batched %.9g, alone %.9g", what, b, l, i, got,
                              want);
            }
    }
    h->relax_destroy(ctx, r);
    rs_ctx_destroy(ctx);
}

START_TEST(test_batch_equals_per_example)
{
    const uint32_t sizes[] = { 2, 4, 3, 2 };
    test_net t;
    tn_open(&t, sizes, 3, "sigmoid", 4, 1.5, 5);
    static const uint32_t outputs[] = { RS_RELAX_FREE, RS_RELAX_NUDGED, RS_RELAX_CLAMPED };
    static const double tols[] = { 0, 1e-3 };
    const rs_real var[] = { 1, 2, 4 };
    for (int o = 0; o < 3; o++)
        for (int k = 0; k < 2; k++) {
            char what[128];
            rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                                  .method = RS_RELAX_FIXED_POINT, .output = outputs[o],
                                  .max_iters = 40, .tol = tols[k], .beta = 0.5, .feedback = 1 };
            snprintf(what, sizeof what, "hopfield fixed point, output %u, tol %g", outputs[o],
                     tols[k]);
            assert_batch_is_per_example(t.net, &c, what);
            c.method = RS_RELAX_GRADIENT;
            c.step = 0.2;
            snprintf(what, sizeof what, "hopfield gradient, output %u, tol %g", outputs[o],
                     tols[k]);
            assert_batch_is_per_example(t.net, &c, what);
            c = (rs_relax_config){ .struct_size = sizeof c, .energy = RS_RELAX_PREDICTIVE,
                                   .method = RS_RELAX_GRADIENT, .output = outputs[o],
                                   .max_iters = 40, .step = 0.1, .tol = tols[k], .beta = 0.5,
                                   .variance = var };
            snprintf(what, sizeof what, "predictive, output %u, tol %g", outputs[o], tols[k]);
            assert_batch_is_per_example(t.net, &c, what);
            c.momentum = 0.6; /* the heavy ball is per state, so per example too */
            snprintf(what, sizeof what, "predictive, momentum 0.6, output %u, tol %g",
                     outputs[o], tols[k]);
            assert_batch_is_per_example(t.net, &c, what);
            c.fixed_prediction = 1;
            snprintf(what, sizeof what, "predictive, momentum 0.6, fixed prediction, output %u, "
                     "tol %g", outputs[o], tols[k]);
            assert_batch_is_per_example(t.net, &c, what);
        }
    tn_close(&t);
}
END_TEST

/* ---- predictive coding -> backprop's gradient as the nudge vanishes ----------------------- */

/* Millidge, Song, Salvatori, Lukasiewicz & Bogacz (2022): with the output pulled toward the
 * target with a small beta and inference run to equilibrium, PC's update (scaled by 1/beta)
 * tends to -dC/dtheta of the feedforward network, C = mean_b |a_L - y|^2 / 2. */
/* -dC/dtheta by backprop on the XOR batch, C = mean over the 4 examples of |a_L - y|^2 / 2 */
static void backprop_descent(rs_net *net, double *grad)
{
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    const uint32_t L = net->n_layers, n_out = net->sizes[L];
    rs_real dpred[4 * 8];
    ck_assert_uint_le(n_out, 8);
    ck_assert_int_eq(h->net_forward(ctx, net, xor_x, 4), RS_OK);
    for (uint32_t k = 0; k < 4 * n_out; k++) /* dC/da_L */
        dpred[k] = (net->a[L][k] - xor_y[k]) / 4;
    ck_assert_int_eq(h->net_backward(ctx, net, dpred), RS_OK);
    for (size_t i = 0; i < net->n_params; i++)
        grad[i] = -net->grads[i];
    rs_ctx_destroy(ctx);
}

START_TEST(test_pc_nudge_is_backprop)
{
    const uint32_t sizes[] = { 2, 4, 3, 2 };
    test_net t;
    tn_open(&t, sizes, 3, "tanh", 4, 1.0, 9);
    rs_net *net = t.net;
    const size_t np = net->n_params;
    double grad[64], d[64];
    ck_assert_uint_le(np, 64);
    backprop_descent(net, grad);
    one_step("predictive_coding", "lr=1,clamp=nudge,beta=0.001,iters=4000,step=0.1", net, d);
    double ratio, cs = cosine(d, grad, np, &ratio);
    ck_assert_msg(cs > 0.999, "PC nudged update against backprop's gradient: cosine %.6f", cs);
    ck_assert_msg(fabs(ratio - 1) < 0.01, "|update| / |gradient| = %.5f", ratio);
    tn_close(&t);
}
END_TEST

/* Millidge, Tschantz & Buckley (2022): with every prediction held at the feedforward pass
 * during inference (the fixed-prediction assumption) and the output clamped to the target,
 * the relaxed errors are backprop's deltas, so PC's update is -dC/dtheta itself, at any
 * clamp strength; without the assumption the hard clamp gives another update (prospective
 * configuration), which is measured here so that the comparison can fail. */
START_TEST(test_pc_fixed_prediction_is_backprop)
{
    const uint32_t sizes[] = { 2, 4, 3, 2 };
    test_net t;
    tn_open(&t, sizes, 3, "tanh", 4, 1.0, 9);
    rs_net *net = t.net;
    const size_t np = net->n_params;
    double grad[64], d[64];
    ck_assert_uint_le(np, 64);
    backprop_descent(net, grad);
    one_step("predictive_coding", "lr=1,fixed_prediction=true,iters=500,step=0.2", net, d);
    double ratio, cs = cosine(d, grad, np, &ratio), worst = 0;
    for (size_t i = 0; i < np; i++)
        worst = fmax(worst, fabs(d[i] - grad[i]));
    /* measured: largest difference 3.7e-7, |update| / |gradient| = 1 - 1.7e-7 (float) */
    ck_assert_msg(worst < 1e-5 && fabs(ratio - 1) < 1e-5 && cs > 0.99999, "fixed prediction "
                  "against backprop: largest difference %.3g, cosine %.9f, ratio %.9f", worst,
                  cs, ratio);
    one_step("predictive_coding", "lr=1,iters=500,step=0.2", net, d);
    double cs_free = cosine(d, grad, np, NULL); /* measured 0.816 */
    ck_assert_msg(cs_free < 0.95, "hard clamp without the assumption: cosine %.6f", cs_free);
    tn_close(&t);
}
END_TEST

/* ---- predictive coding with state momentum ------------------------------------------------- */

/* Written from the equations, not from relax.c: the predictive energy's inference on a tanh
 * net with the output clamped to y, one example, from the feedforward pass, `iters` steps of
 * v_l = mu v_l + dF/ds_l, s_l -= step v_l (mu = 0: plain Euler steps), every variance 1.
 * s[l] holds layer l's value nodes; returns F at the end. p: parameters in net->params'
 * layout. */
static double ref_pc_relax(const rs_net *net, const double *p, const double *x,
                           const double *y, double step, double mu, int iters,
                           double s[][REF_MAX])
{
    const uint32_t L = net->n_layers;
    double v[8][REF_MAX] = { { 0 } }, e[8][REF_MAX], eh[8][REF_MAX], F = 0;
    for (uint32_t j = 0; j < net->sizes[0]; j++)
        s[0][j] = x[j];
    for (int it = 0; it <= iters; it++) {
        F = 0;
        for (uint32_t l = 1; l <= L; l++) { /* errors e_l = s_l - mu_l, e^_l */
            const uint32_t n_l = net->sizes[l], n_in = net->sizes[l - 1];
            const double *w = p + (net->layers[l - 1].w - net->params), *b = w + n_l * n_in;
            for (uint32_t i = 0; i < n_l; i++) {
                double z = b[i];
                for (uint32_t j = 0; j < n_in; j++)
                    z += w[i * n_in + j] * (l == 1 ? s[0][j] : tanh(s[l - 1][j]));
                double mu_i = l == L ? tanh(z) : z;
                if (it == 0) /* the feedforward pass; the output then clamped */
                    s[l][i] = l == L ? y[i] : mu_i;
                e[l][i] = s[l][i] - mu_i;
                eh[l][i] = l == L ? e[l][i] * (1 - tanh(z) * tanh(z)) : e[l][i];
                F += e[l][i] * e[l][i] / 2;
            }
        }
        if (it == iters)
            break;
        for (uint32_t l = 1; l < L; l++) { /* dF/ds_l = e_l - f'(s_l) W_{l+1}^T e^_{l+1} */
            const uint32_t n_l = net->sizes[l], n_up = net->sizes[l + 1];
            const double *wu = p + (net->layers[l].w - net->params);
            for (uint32_t i = 0; i < n_l; i++) {
                double back = 0, t = tanh(s[l][i]);
                for (uint32_t k = 0; k < n_up; k++)
                    back += wu[k * n_l + i] * eh[l + 1][k];
                double g = e[l][i] - (1 - t * t) * back;
                v[l][i] = mu * v[l][i] + g;
                s[l][i] -= step * v[l][i];
            }
        }
    }
    return F;
}

/* The engine's clamped predictive relaxation of the 4 XOR examples with momentum mu; the
 * states are left in st, the mean energy returned. struct_size as given (an older plugin's
 * config ends before `momentum`). */
static double engine_pc_relax(const rs_net *net, uint32_t struct_size, double step, double mu,
                              uint32_t iters, states *st)
{
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_relax *r = h->relax_create(ctx, net, 4);
    ck_assert_ptr_nonnull(r);
    st_open(st, net, 4);
    rs_relax_config c = { .struct_size = struct_size, .energy = RS_RELAX_PREDICTIVE,
                          .method = RS_RELAX_GRADIENT, .output = RS_RELAX_CLAMPED,
                          .max_iters = iters, .step = step, .momentum = mu };
    h->relax_init(r, net, &c, xor_x, 4, st->u, st->s);
    ck_assert_int_eq(h->relax_run(r, ctx, net, &c, xor_x, xor_y, 4, st->u, st->s, NULL), RS_OK);
    double e = h->relax_energy(r, net, &c, xor_x, xor_y, 4, st->u, st->s);
    h->relax_destroy(ctx, r);
    rs_ctx_destroy(ctx);
    return e;
}

/* The heavy ball of the states is the equations' (the double reference above), for mu = 0 and
 * mu > 0, on every state of every example of a batch; mu = 0 is bit for bit what a config
 * without the member (ABI 1.2 and before) gets; and on this fixed problem momentum reaches a
 * lower energy than plain steps in the same few iterations. */
START_TEST(test_pc_state_momentum)
{
    const uint32_t sizes[] = { 2, 5, 4, 2 };
    test_net t;
    tn_open(&t, sizes, 3, "tanh", 4, 1.0, 23);
    const rs_net *net = t.net;
    const uint32_t L = net->n_layers;
    double p[128];
    ck_assert_uint_le(net->n_params, 128);
    for (size_t i = 0; i < net->n_params; i++)
        p[i] = net->params[i];
    static const double mus[] = { 0, 0.5, 0.9 };
    const double step = 0.05;
    const uint32_t iters = 10;
    double energy[3];
    for (int m = 0; m < 3; m++) {
        states st;
        energy[m] = engine_pc_relax(net, sizeof(rs_relax_config), step, mus[m], iters, &st);
        double ref_energy = 0;
        for (uint32_t b = 0; b < 4; b++) {
            double x[2] = { xor_x[b], xor_x[4 + b] }, y[2] = { xor_y[b], xor_y[4 + b] };
            double s[8][REF_MAX];
            ref_energy += ref_pc_relax(net, p, x, y, step, mus[m], (int)iters, s) / 4;
            for (uint32_t l = 1; l < L; l++)
                for (uint32_t i = 0; i < net->sizes[l]; i++) {
                    double got = st.s[l][i * 4 + b];
                    ck_assert_msg(fabs(got - s[l][i]) < 1e-5 * (1 + fabs(s[l][i])),
                                  "momentum %g, example %u, layer %u unit %u: engine %.9g, "
                                  "reference %.9g", mus[m], b, l, i, got, s[l][i]);
                }
        }
        ck_assert_msg(fabs(energy[m] - ref_energy) < 1e-5 * (1 + ref_energy),
                      "momentum %g: energy %.9g, reference %.9g", mus[m], energy[m], ref_energy);
    }
    /* Lower in the same 10 steps: the excess over the relaxed energy E* (4000 plain steps)
     * measured 0.0788 plain, 0.0483 with momentum 0.5 (ratio 0.61); 0.9 overshoots in 10
     * steps (0.0632), so only 0.5 is asserted. */
    states rest;
    const double e_star = engine_pc_relax(net, sizeof(rs_relax_config), step, 0, 4000, &rest);
    const double excess_plain = energy[0] - e_star, excess_ball = energy[1] - e_star;
    ck_assert_msg(excess_plain > 0.05 && excess_ball < 0.75 * excess_plain,
                  "energy after %u steps above E* = %.6g: momentum 0 %.6g, 0.5 %.6g", iters,
                  e_star, excess_plain, excess_ball);
    states plain, old;
    double e_plain = engine_pc_relax(net, sizeof(rs_relax_config), step, 0, iters, &plain);
    double e_old = engine_pc_relax(net, (uint32_t)offsetof(rs_relax_config, momentum), step,
                                   0.9 /* not read: beyond the older struct_size */, iters, &old);
    ck_assert(e_plain == e_old);
    ck_assert(memcmp(plain.mem, old.mem, sizeof plain.mem) == 0);
    tn_close(&t);
}
END_TEST

/* ---- CHL: clamped minus free correlations, by hand on 2-2-1 ------------------------------ */

START_TEST(test_chl_by_hand)
{
    const uint32_t sizes[] = { 2, 2, 1 };
    test_net t;
    tn_open(&t, sizes, 2, "sigmoid", 4, 1.5, 13);
    rs_net *net = t.net;
    const size_t np = net->n_params; /* W1 (2x2) b1 (2) W2 (1x2) b2 (1) */
    ck_assert_uint_eq(np, 9);
    static const rs_real y1[] = { 0, 1, 1, 0 }; /* xor, one output */
    double p[9];
    for (size_t i = 0; i < np; i++)
        p[i] = net->params[i];
    const double *W1 = p, *b1 = p + 4, *W2 = p + 6;
    for (int g = 0; g < 2; g++) {
        const double gamma = g ? 0.5 : 1, lr = 0.3;
        double want[9] = { 0 };
        for (int b = 0; b < 4; b++) {
            double x[2] = { xor_x[b], xor_x[4 + b] }, yb = y1[b];
            /* clamped phase in closed form: x2 = y, x1 = sig(W1 x + b1 + gamma W2^T y) */
            double h[2], s[8][REF_MAX];
            for (int i = 0; i < 2; i++)
                h[i] = sig(W1[2 * i] * x[0] + W1[2 * i + 1] * x[1] + b1[i] + gamma * W2[i] * yb);
            ref_fixed_point(net, p, gamma, x, NULL, s); /* the free phase */
            /* dW = lr gamma^(l-L) (clamped corr - free corr), mean over the 4 examples */
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++)
                    want[2 * i + j] += lr / gamma * (h[i] * x[j] - s[1][i] * x[j]) / 4;
                want[4 + i] += lr / gamma * (h[i] - s[1][i]) / 4;
                want[6 + i] += lr * (yb * h[i] - s[2][0] * s[1][i]) / 4;
            }
            want[8] += lr * (yb - s[2][0]) / 4;
        }
        /* a one-output net: build the plugin's batch targets from y1 */
        const rs_rule_desc *rd = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, "chl");
        char text[160];
        snprintf(text, sizeof text, "lr=%g,feedback=%g,free_iters=5000,clamped_iters=5000,"
                 "tol=0", lr, gamma);
        rs_params *prm = rs_test_params(&rd->head, text);
        rs_ctx *ctx = rs_ctx_create(3, 3);
        rs_task_info info = { .struct_size = sizeof info, .n_in = 2, .n_out = 1, .n_full = 4,
                              .loss = RS_LOSS_MSE, .lo = 0, .hi = 1 };
        void *state = NULL;
        ck_assert_int_eq(rd->create(rs_host_get(), ctx, prm, net, &info, &state), RS_OK);
        rs_batch bt = { .n = 4, .n_in = 2, .n_out = 1, .loss = RS_LOSS_MSE, .x = xor_x,
                        .y = y1 };
        rs_step_stats stats = { 0 };
        ck_assert_int_eq(rd->step(state, ctx, net, &bt, &stats), RS_OK);
        for (size_t i = 0; i < np; i++) {
            double got = net->params[i] - p[i];
            ck_assert_msg(fabs(got - want[i]) < 2e-6 + 1e-4 * fabs(want[i]),
                          "gamma %g, parameter %zu: update %.9g, by hand %.9g", gamma, i, got,
                          want[i]);
            net->params[i] = (rs_real)p[i];
        }
        rd->destroy(state, ctx);
        rs_ctx_destroy(ctx);
        rs_params_destroy(prm);
    }
    tn_close(&t);
}
END_TEST

/* ---- one nudged step trains only the output layer, as first_step ----------------------------- */

START_TEST(test_one_nudged_step)
{
    const uint32_t sizes[] = { 2, 3, 2 };
    test_net t;
    tn_open(&t, sizes, 2, "sigmoid", 4, 1.0, 19);
    rs_net *net = t.net;
    double ep[64], fs[64];
    one_step("eqprop", "lr=0.05,beta=0.5,nudge=pos,nudged_iters=1,free_iters=5000,tol=0", net,
             ep);
    one_step("first_step", "lr=0.1,beta=0.5,free_iters=5000,tol=0", net, fs); /* lr/beta */
    const size_t first_out = (size_t)(net->layers[1].w - net->params);
    double out_norm = 0;
    for (size_t i = 0; i < net->n_params; i++) {
        if (i < first_out) { /* hidden: eqprop moves them only by the free phase's residual */
            ck_assert_msg(fabs(ep[i]) < 1e-5, "hidden parameter %zu moved by %g", i, ep[i]);
            ck_assert_double_eq(fs[i], 0);
        } else {
            ck_assert_msg(fabs(ep[i] - fs[i]) < 1e-6 + 1e-4 * fabs(fs[i]),
                          "output parameter %zu: eqprop %g, first_step %g", i, ep[i], fs[i]);
            out_norm += fs[i] * fs[i];
        }
    }
    ck_assert(out_norm > 1e-8);
    tn_close(&t);
}
END_TEST

/* ---- bad settings are refused with a message ----------------------------------------------- */

static void assert_refused(const char *rule, const char *params, const uint32_t *sizes,
                           uint32_t n_layers, uint32_t n_full, const char *needle)
{
    test_net t;
    tn_open(&t, sizes, n_layers, "sigmoid", 4, 1, 1);
    const rs_rule_desc *rd = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, rule);
    rs_params *p = rs_test_params(&rd->head, params);
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_task_info info = { .struct_size = sizeof info, .n_in = sizes[0],
                          .n_out = sizes[n_layers], .n_full = n_full, .loss = RS_LOSS_MSE };
    void *state = (void *)1;
    rs_status st = rd->create(rs_host_get(), ctx, p, t.net, &info, &state);
    ck_assert_msg(st != RS_OK, "%s %s was accepted", rule, params);
    ck_assert_ptr_null(state);
    ck_assert_msg(strstr(rs_ctx_error(ctx), needle), "%s: message '%s' lacks '%s'", rule,
                  rs_ctx_error(ctx), needle);
    ck_assert_int_eq(ctx->n_alloc, 0); /* a failed create frees what it took */
    rs_ctx_destroy(ctx);
    rs_params_destroy(p);
    tn_close(&t);
}

START_TEST(test_refusals)
{
    const uint32_t net002[] = { 2, 2, 1, 2 }, net221[] = { 2, 2, 1 };
    assert_refused("first_step", "hidden=identity", net002, 3, 4, "every hidden layer needs 2");
    assert_refused("eqprop", "lr_layers=0.1;0.1", net002, 3, 4, "fewer than 3 values");
    assert_refused("chl", "lr_layers=0.1;0.1;0.1;0.2", net002, 3, 4, "more than 3 values");
    assert_refused("chl", "lr_layers=0.1;x", net221, 2, 4, "separated by spaces");
    assert_refused("eqprop", "persistent=true", net221, 2, 0, "finite example set");
    assert_refused("predictive_coding", "variances=1;0", net221, 2, 4, "positive");
    /* the engine: a free phase cannot take a target; a nudged one needs it; PC is gradient */
    test_net t;
    tn_open(&t, net221, 2, "sigmoid", 4, 1, 1);
    const rs_host *h = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_relax *r = h->relax_create(ctx, t.net, 4);
    states st;
    st_open(&st, t.net, 4);
    rs_relax_config c = { .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                          .output = RS_RELAX_FREE, .max_iters = 5, .feedback = 1 };
    h->relax_init(r, t.net, &c, xor_x, 4, st.u, st.s);
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, xor_y, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "free phase takes no target"));
    c.output = RS_RELAX_NUDGED;
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, NULL, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    c.energy = RS_RELAX_PREDICTIVE;
    rs_ctx_clear_error(ctx); /* the context keeps the first message */
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, xor_y, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "gradient descent only"));
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, xor_y, 5, st.u, st.s, NULL),
                     RS_ERR_PARAM); /* checked first: still the config */
    /* state momentum: predictive only, and below 1 */
    c = (rs_relax_config){ .struct_size = sizeof c, .energy = RS_RELAX_HOPFIELD,
                           .method = RS_RELAX_GRADIENT, .output = RS_RELAX_FREE, .max_iters = 5,
                           .step = 0.1, .feedback = 1, .momentum = 0.5 };
    rs_ctx_clear_error(ctx);
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, NULL, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "momentum applies to the predictive"));
    c.momentum = 0;
    c.fixed_prediction = 1;
    rs_ctx_clear_error(ctx);
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, NULL, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "fixed_prediction applies to the"));
    c.fixed_prediction = 0;
    c.energy = RS_RELAX_PREDICTIVE;
    c.momentum = 1;
    rs_ctx_clear_error(ctx);
    ck_assert_int_eq(h->relax_run(r, ctx, t.net, &c, xor_x, NULL, 4, st.u, st.s, NULL),
                     RS_ERR_PARAM);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "momentum must be in [0, 1), got 1"));
    h->relax_destroy(ctx, r);
    rs_ctx_destroy(ctx);
    tn_close(&t);
}
END_TEST

/* ---- runs through the runner ------------------------------------------------------------- */

/* Parse, plan and run a spec in a fresh temporary folder; the caller frees with run_close. */
static void run_spec(const char *json, rs_run *run, rs_spec **spec_out)
{
    char err[2048];
    rs_spec *spec = rs_spec_parse(json, "test.json", reg, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    static volatile sig_atomic_t never;
    memset(run, 0, sizeof *run);
    run->spec = spec;
    run->reg = reg;
    run->threads = 2;
    run->quiet = 1;
    run->steps_override = -1;
    run->interrupted = &never;
    ck_assert_msg(rs_run_plan(run, err, sizeof err) == 0, "%s", err);
    snprintf(run->dir, sizeof run->dir, "/tmp/rs_energy_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(run->dir));
    ck_assert_int_eq(rs_run_execute(run), 0);
    for (size_t j = 0; j < run->n_jobs; j++)
        ck_assert_msg(run->results[j].status == RS_JOB_OK, "job %zu: %s", j,
                      run->results[j].message);
    *spec_out = spec;
}

static void run_close(rs_run *run, rs_spec *spec)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run->dir);
    unlink(path);
    rmdir(run->dir);
    rs_run_free_results(run);
    rs_spec_destroy(spec);
}

/* A rule that only copies the target: its own (002-style) reading says 0 % error at every
 * step, the runner's evaluation (free phase, no target) solves nothing. On 002's fixed start
 * (first layer's weights 0) an untrained network cannot depend on its input at all, so any
 * success could only have come from the target. */
START_TEST(test_target_copy_scores_zero)
{
    const char *json =
        "{ \"seed\": 3, \"replicates\": 20, \"steps\": 40, \"eval_every\": 10, "
        "  \"batch\": \"full\","
        "  \"tasks\": [ { \"plugin\": \"gates\", \"params\": { \"gate\": \"xor\", "
        "                 \"outputs\": \"onehot\" } } ],"
        "  \"networks\": [ { \"hidden\": [2, 1], \"act\": \"sigmoid\", \"init\": "
        "      [\"constant:w=0,b=0\", \"constant:w=1,b=0\", \"xavier\"] },"
        "    { \"hidden\": [8], \"act\": \"sigmoid\", \"init\": \"constant:w=0.5,b=0\" } ],"
        "  \"rules\": [ { \"plugin\": \"target_copy\" } ] }";
    rs_run run;
    rs_spec *spec;
    run_spec(json, &run, &spec);
    for (size_t j = 0; j < run.n_jobs; j++) {
        const rs_job_result *res = &run.results[j];
        ck_assert_int_eq(res->solved, 0);
        ck_assert_int_eq(res->steps_to_solve, -1);
        ck_assert_double_eq_tol(res->final_acc, 0.5, 1e-9); /* one class for every row */
        ck_assert_uint_eq(res->n_metrics, 1);
        for (uint32_t k = 1; k < res->n_points; k++) /* 002's reading: never an error */
            ck_assert_double_eq(res->points[k].metrics[0], 0);
    }
    rs_summary *sums = NULL;
    size_t n = rs_summarise(&run, &sums);
    for (size_t g = 0; g < n; g++)
        ck_assert_uint_eq(sums[g].solved, 0);
    free(sums);
    run_close(&run, spec);
}
END_TEST

/* ---- success rates on XOR ------------------------------------------------------------------ */

/* Each row: a rule at its rules/energy-xor.json settings on a network where it works, N = 30
 * seeds here (seed 101, so not the replicates the rate was measured on), and the least number
 * of them that must solve XOR at the last step. The rate is the one measured over 100
 * replicates in rules/energy-xor.json at the same step count (curves.tsv, acc = 1 at that
 * step; docs/RESULTS.md); the threshold is the 1 % quantile of Binomial(30, p), p the
 * 95 % Wilson lower bound of that rate, so a rule that still works fails this test about once
 * in a hundred seed sets, and one that lost a tenth of its rate fails it mostly. */
typedef struct xor_case {
    const char *rule;   /* JSON rule item */
    const char *net;    /* JSON network */
    long steps;
    int n, min_solved;
} xor_case;

static void assert_xor_rate(const xor_case *c)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{ \"seed\": 101, \"replicates\": %d, \"steps\": %ld, \"batch\": \"full\","
             "  \"tasks\": [ { \"plugin\": \"gates\", \"params\": { \"gate\": \"xor\", "
             "                 \"outputs\": \"onehot\" } } ],"
             "  \"networks\": [ %s ], \"rules\": [ %s ] }",
             c->n, c->steps, c->net, c->rule);
    rs_run run;
    rs_spec *spec;
    run_spec(json, &run, &spec);
    int solved = 0;
    for (size_t j = 0; j < run.n_jobs; j++)
        solved += run.results[j].solved;
    ck_assert_msg(solved >= c->min_solved, "%s on %s: %d of %d seeds solved XOR, expected at "
                  "least %d", c->rule, c->net, solved, c->n, c->min_solved);
    run_close(&run, spec);
}

#define NET_002 "{ \"hidden\": [2, 1], \"act\": \"sigmoid\", \"init\": \"xavier\" }"
#define NET_2_8_2 "{ \"hidden\": [8], \"act\": \"sigmoid\", \"init\": \"xavier\" }"
#define NET_RF "{ \"hidden\": [32], \"act\": \"sigmoid\", " \
               "\"init\": [\"normal:sigma=3\", \"xavier\"] }"

static const xor_case xor_cases[] = {
    /* 98/100 at step 3000, Wilson low 0.930 */
    { "{ \"plugin\": \"eqprop\", \"params\": { \"lr\": 1, \"beta\": 0.5, "
      "\"nudge\": \"random\" } }", NET_2_8_2, 3000, 30, 24 },
    /* 99/100 at step 2000, Wilson low 0.946 */
    { "{ \"plugin\": \"eqprop\", \"params\": { \"lr\": 1, \"beta\": 0.1, "
      "\"nudge\": \"centered\" } }", NET_2_8_2, 2000, 30, 25 },
    /* 100/100 at step 2000, Wilson low 0.963 */
    { "{ \"plugin\": \"chl\", \"params\": { \"lr\": 0.5 } }", NET_2_8_2, 2000, 30, 26 },
    /* on notebook 002's own 2-2-1-2: 94/100 at step 5000, Wilson low 0.875 */
    { "{ \"plugin\": \"chl\", \"params\": { \"lr\": 0.5 } }", NET_002, 5000, 30, 22 },
    /* 100/100 at step 3000, Wilson low 0.963 */
    { "{ \"plugin\": \"predictive_coding\", \"params\": { \"lr\": 0.5, \"tol\": 1e-5 } }",
      NET_2_8_2, 3000, 30, 26 },
    /* 100/100 at step 3000, Wilson low 0.963 */
    { "{ \"plugin\": \"predictive_coding\", \"params\": { \"lr\": 1, \"clamp\": \"nudge\", "
      "\"beta\": 0.1, \"tol\": 1e-5 } }", NET_2_8_2, 3000, 30, 26 },
    /* a readout of wide random features: 100/100 at step 1000, Wilson low 0.963 */
    { "{ \"plugin\": \"first_step\", \"params\": { \"lr\": 1, \"beta\": 0.5, "
      "\"feedback\": 0.01 } }", NET_RF, 1000, 30, 26 },
};

START_TEST(test_xor_rates)
{
    assert_xor_rate(&xor_cases[_i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("energy");
    TCase *tc = tcase_create("relax");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_energy_falls);
    tcase_add_test(tc, test_energy_by_hand);
    tcase_add_test(tc, test_eqprop_gradient);
    tcase_add_test(tc, test_batch_equals_per_example);
    tcase_add_test(tc, test_pc_nudge_is_backprop);
    tcase_add_test(tc, test_pc_state_momentum);
    tcase_add_test(tc, test_pc_fixed_prediction_is_backprop);
    tcase_add_test(tc, test_chl_by_hand);
    tcase_add_test(tc, test_one_nudged_step);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_target_copy_scores_zero);
    tcase_add_loop_test(tc, test_xor_rates, 0, (int)(sizeof xor_cases / sizeof *xor_cases));
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
