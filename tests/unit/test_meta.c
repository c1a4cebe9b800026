/* test_meta.c: meta-training (core/run/meta.c) and the meta-trainable rules (plugins/rules/
 * meta_hebbian.c, lstm_synapse.c) through it:
 *   - the meta-gradient of a 3-step unroll equals central finite differences of the
 *     episode's meta-loss, for every meta-parameter (docs/RULES.md's first acceptance test);
 *   - with truncation, the gradient is that of the last window only (it differs from the full
 *     one, and equals the full gradient when the window covers the unroll);
 *   - a short meta-training lowers the meta-loss measured on fixed evaluation episodes;
 *   - rediscovery: on a linear one-layer network the learned rule becomes the delta rule;
 *   - meta-training is deterministic and independent of the thread count;
 *   - the float tape (meta.tape "float"): its meta-gradient equals the double tape's to float
 *     precision, its meta-training lowers the meta-loss, independently of the thread count;
 *   - a rule's dstep and its step make the same update;
 *   - weights files: saved and loaded meta-parameters give bit-identical updates, and
 *     missing, corrupt, truncated, wrong-rule, wrong-parameter, wrong-shape files are refused
 *     with a message naming the file and the problem.
 *
 * Finite differences: double throughout (the tape, the meta-parameters); the network starts
 * from float weights, which is the same constant for both sides. h = 1e-6; tolerance
 * 1e-6 * max(1, |g|) — far above the ~1e-10 rounding noise, far below any real error. The
 * networks use tanh hidden units so no kink lies within h of any point. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "meta.h"
#include "network.h"
#include "tape.h"
#include "testutil.h"
#include "weights.h"

static rs_registry *reg;

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

/* A meta-training spec for `rule` (with params text, e.g. "\"hidden\": 4") on the
 * 2-input gates in pm1 coding, XOR and XNOR held out. */
static rs_spec *make_spec(const char *rule, const char *params, const char *net, long steps,
                          const char *extra)
{
    char text[4096], err[1024];
    snprintf(text, sizeof text,
             "{ \"seed\": 3, \"steps\": %ld, \"batch\": 1,\n"
             "  \"rules\": [{\"plugin\": \"%s\", \"params\": {%s}}],\n"
             "  \"tasks\": [{\"plugin\": \"gates\", \"params\": {\"gate\": \"table\", "
             "\"coding\": \"pm1\", \"table\": [\"0001\", \"0111\", \"1110\", \"1000\", \"0011\", "
             "\"0101\", \"0110\", \"1001\"]}}],\n"
             "  \"networks\": [%s]%s }",
             steps, rule, params, net, extra ? extra : "");
    rs_spec *s = rs_spec_parse(text, "test", reg, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

static rs_meta_cfg default_cfg(void)
{
    rs_meta_cfg c = { .iterations = 10, .episodes = 4, .truncation = 0, .lr = 0.01,
                      .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip = 1, .normalize = 1,
                      .checkpoint_every = 10 };
    snprintf(c.held_out[0], sizeof c.held_out[0], "table=0110");
    snprintf(c.held_out[1], sizeof c.held_out[1], "table=1001");
    c.n_held_out = 2;
    return c;
}

static void open_meta(rs_meta *m, rs_spec *s, const rs_meta_cfg *cfg, int threads)
{
    char err[1024];
    int rc = rs_meta_open(m, s, reg, cfg, threads, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
}

/* ---- meta-gradient vs finite differences ---------------------------------------------------- */

/* tol > 0: every component within tol (relative, |g| >= 1 scale); tol = 0: the whole vector
 * at cosine > 0.999 with the finite differences and norms within 10 % (measured: 0.9996 and
 * 1.04) — for lstm_synapse with
 * normalize and derivative, whose divisors and f' enter the tape as constants (docs/RULES.md),
 * so the tape's gradient leaves out their own small dependence on the meta-parameters. */
/* The float tape's meta-gradient of the same episode against the double tape's g_d (which
 * the caller has just checked against finite differences). Finite differences of the float
 * tape's own meta-loss would be noise (float rounding of ~1e-7 over h = 1e-6), so the float
 * gradient is compared with the double one as a vector: |g_f - g_d| / |g_d| < FLOAT_REL.
 * Measured over every check here: at most 2.8e-7 (float's rounding, 6e-8, grown over the
 * 3-step unrolls); FLOAT_REL leaves a margin of 35 and fails on any wrong float kernel.
 * (docs/RESULTS.md compares the two on rules/meta.json's 400-step episodes.) */
#define FLOAT_REL 1e-5
static void check_float_meta_gradient(rs_spec *s, const rs_meta_cfg *cfg_d, const double *phi,
                                      uint64_t stream, const double *g_d, const char *rule,
                                      const char *params)
{
    rs_meta m;
    rs_meta_cfg cfg = *cfg_d;
    cfg.tape_precision = RS_TAPE_FLOAT;
    open_meta(&m, s, &cfg, 1);
    double *g = calloc(m.n_phi, sizeof *g);
    rs_episode ep = { .stream = stream, .task = -1 };
    ck_assert_msg(rs_meta_episode(&m, phi, &ep, g) == 0, "%s", ep.err);
    double diff = 0, dd = 0;
    for (size_t i = 0; i < m.n_phi; i++) {
        diff += (g[i] - g_d[i]) * (g[i] - g_d[i]);
        dd += g_d[i] * g_d[i];
    }
    const double rel = sqrt(diff / dd);
    ck_assert_msg(rel < FLOAT_REL, "%s (%s): the float tape's meta-gradient is %.3g of the "
                  "double tape's norm away from it", rule, params, rel);
    ck_assert_msg(rel > 0, "%s: the float tape gave the double tape's meta-gradient bit for bit",
                  rule);
    free(g);
    rs_meta_close(&m);
}

/* The cosine the meta-gradient must have with finite differences where it leaves out a
 * dependence on purpose (tol 0): 2.x's divisors and f' enter as constants. */
static double cos_floor = 0.999;

static void check_meta_gradient_tol(const char *rule, const char *params, long truncation,
                                    double tol, int log_loss)
{
    rs_spec *s = make_spec(rule, params, "{\"hidden\": [3], \"act\": [\"tanh\", \"tanh\"], "
                                         "\"bias\": true}", 3, NULL);
    rs_meta m;
    rs_meta_cfg cfg = default_cfg();
    cfg.truncation = truncation;
    cfg.log_loss = log_loss;
    cfg.log_floor = 1e-12; /* far below these losses: the floor never binds */
    open_meta(&m, s, &cfg, 1);
    /* move away from the initial values so no coefficient sits at a special point */
    for (size_t i = 0; i < m.n_phi; i++)
        m.phi[i] += 0.05 * sin(3.0 * (double)i + 1);
    double *g = calloc(m.n_phi, sizeof *g), *phi = malloc(m.n_phi * sizeof *phi);
    memcpy(phi, m.phi, m.n_phi * sizeof *phi);
    rs_episode ep = { .stream = rs_meta_stream(5, 1), .task = -1 };
    ck_assert_msg(rs_meta_episode(&m, phi, &ep, g) == 0, "%s", ep.err);
    ck_assert_int_eq(ep.steps, 3);
    const double h = 1e-6;
    double gmax = 0, worst = 0, dot = 0, gg = 0, ff = 0;
    for (size_t i = 0; i < m.n_phi; i++) {
        const double keep = phi[i];
        rs_episode e2 = { .stream = ep.stream, .task = -1 };
        phi[i] = keep + h;
        ck_assert_int_eq(rs_meta_episode(&m, phi, &e2, NULL), 0);
        const double up = e2.meta_loss;
        phi[i] = keep - h;
        ck_assert_int_eq(rs_meta_episode(&m, phi, &e2, NULL), 0);
        const double down = e2.meta_loss;
        phi[i] = keep;
        const double fd = (up - down) / (2 * h), err = fabs(fd - g[i]) / fmax(1, fabs(g[i]));
        worst = fmax(worst, err);
        ck_assert_msg(tol == 0 || err < tol,
                      "%s: meta-parameter %zu: tape %.10g, finite differences %.10g", rule, i,
                      g[i], fd);
        dot += fd * g[i];
        gg += g[i] * g[i];
        ff += fd * fd;
        gmax = fmax(gmax, fabs(g[i]));
    }
    ck_assert_msg(gmax > 1e-4, "%s: meta-gradient ~0 everywhere (%g)", rule, gmax);
    const double cosine = dot / sqrt(gg * ff), ratio = sqrt(gg / ff);
    ck_assert_msg(cosine > cos_floor && fabs(ratio - 1) < 0.1,
                  "%s (%s): cosine %.6f with finite differences, norm ratio %.4f", rule, params,
                  cosine, ratio);
    check_float_meta_gradient(s, &cfg, phi, ep.stream, g, rule, params);
    free(g);
    free(phi);
    rs_meta_close(&m);
    rs_spec_destroy(s);
}

static void check_meta_gradient(const char *rule, const char *params, long truncation)
{
    check_meta_gradient_tol(rule, params, truncation, 1e-6, 0);
}

START_TEST(test_meta_gradient_meta_hebbian)
{
    check_meta_gradient("meta_hebbian", "", 0);
}
END_TEST

START_TEST(test_meta_gradient_lstm_synapse)
{
#define V1 "\"normalize\": false, \"derivative\": false, \"scale\": 0.1, \"skip_init\": 0, " \
           "\"clip\": 4, \"explore\": 0, "
    check_meta_gradient("lstm_synapse", V1 "\"hidden\": 4", 0);
    check_meta_gradient("lstm_synapse", V1 "\"hidden\": 3, \"modulator\": \"global\"", 0);
    check_meta_gradient_tol("lstm_synapse", "\"hidden\": 4, \"explore\": 0", 0, 0, 0);
    check_meta_gradient_tol("lstm_synapse", "\"hidden\": 3, \"derivative\": false, "
                                            "\"explore\": 0", 0, 0, 0);
    /* 2.3's explore enters as a constant too (its noisy passes are not on the tape): the
     * meta-gradient still points where finite differences do (measured cosine 0.9986) */
    cos_floor = 0.98;
    check_meta_gradient_tol("lstm_synapse", "\"hidden\": 4", 0, 0, 0);
    cos_floor = 0.999;
    /* meta.log_loss: the mean of log(loss / loss before training), exact for 1.x */
    check_meta_gradient_tol("lstm_synapse", V1 "\"hidden\": 4", 0, 1e-6, 1);
    check_meta_gradient_tol("lstm_synapse", "\"hidden\": 4, \"explore\": 0", 0, 0, 1);
    check_meta_gradient("lstm_synapse", V1 "\"hidden\": 3, \"modulator\": \"none\", "
                                        "\"per_layer\": true", 0);
}
END_TEST

/* Truncation at 2 of 3 steps: the gradient differs from the full unroll's, the meta-loss
 * value does not; truncation 3 (one window) gives the full gradient bit for bit. */
START_TEST(test_truncation)
{
    rs_spec *s = make_spec("lstm_synapse", "\"hidden\": 4",
                           "{\"hidden\": [3], \"act\": [\"tanh\", \"tanh\"], \"bias\": false}",
                           3, NULL);
    double loss[3], *g[3];
    const long trunc[3] = { 0, 3, 2 };
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        rs_meta m;
        rs_meta_cfg cfg = default_cfg();
        cfg.truncation = trunc[k];
        open_meta(&m, s, &cfg, 1);
        n = m.n_phi;
        g[k] = calloc(n, sizeof(double));
        rs_episode ep = { .stream = rs_meta_stream(2, 0), .task = -1 };
        ck_assert_int_eq(rs_meta_episode(&m, m.phi, &ep, g[k]), 0);
        loss[k] = ep.meta_loss;
        rs_meta_close(&m);
    }
    ck_assert(loss[0] == loss[1] && loss[0] == loss[2]);
    ck_assert_mem_eq(g[0], g[1], n * sizeof(double));
    double diff = 0;
    for (size_t i = 0; i < n; i++)
        diff = fmax(diff, fabs(g[0][i] - g[2][i]));
    ck_assert_msg(diff > 1e-6, "a truncated gradient equal to the full one: no truncation?");
    for (int k = 0; k < 3; k++)
        free(g[k]);
    rs_spec_destroy(s);
}
END_TEST

/* ---- meta-training lowers the meta-loss; determinism ------------------------------------------- */

static void check_lowers(const char *rule, const char *params, double lr, long iters,
                         double factor, int precision)
{
    rs_spec *s = make_spec(rule, params, "{\"hidden\": [4], \"act\": [\"relu\", \"tanh\"], "
                                         "\"bias\": false}", 30, NULL);
    rs_meta m;
    rs_meta_cfg cfg = default_cfg();
    cfg.lr = lr;
    cfg.episodes = 8;
    cfg.truncation = 10;
    cfg.tape_precision = precision;
    open_meta(&m, s, &cfg, 2);
    double before = rs_test_meta_loss(&m, 1000000, 32);
    rs_meta_step_stats st;
    for (long i = 0; i < iters; i++) {
        rs_meta_step(&m, &st);
        ck_assert(!st.skipped);
    }
    double after = rs_test_meta_loss(&m, 1000000, 32);
    ck_assert_msg(after < factor * before, "%s (%s tape): meta-loss %g before, %g after %ld "
                  "meta-steps (wanted below %g)", rule, precision ? "float" : "double", before,
                  after, iters, factor * before);
    rs_meta_close(&m);
    rs_spec_destroy(s);
}

START_TEST(test_meta_training_lowers_loss)
{
    check_lowers("meta_hebbian", "", 0.05, 40, 0.9, RS_TAPE_DOUBLE);
    /* lstm_synapse 2.3: measured 0.4862 -> 0.4038 (0.831), float tape 0.3996 (0.822) */
    check_lowers("lstm_synapse", "\"hidden\": 6", 0.01, 60, 0.9, RS_TAPE_DOUBLE);
    /* the float tape's meta-gradient trains as well */
    check_lowers("meta_hebbian", "", 0.05, 40, 0.9, RS_TAPE_FLOAT);
    check_lowers("lstm_synapse", "\"hidden\": 6", 0.01, 60, 0.9, RS_TAPE_FLOAT);
}
END_TEST

START_TEST(test_deterministic_across_threads)
{
    rs_spec *s = make_spec("lstm_synapse", "\"hidden\": 4",
                           "{\"hidden\": [4], \"act\": [\"relu\", \"tanh\"], \"bias\": false}", 12,
                           NULL);
    static const int threads[3] = { 1, 2, 3 }; /* 5 episodes: shares of 5, 3 + 2, 2 + 2 + 1 */
    for (int prec = RS_TAPE_DOUBLE; prec <= RS_TAPE_FLOAT; prec++) {
        double *phi[3];
        double losses[3][5];
        size_t n = 0;
        for (int k = 0; k < 3; k++) {
            rs_meta m;
            rs_meta_cfg cfg = default_cfg();
            cfg.truncation = 5;
            cfg.episodes = 5;
            cfg.tape_precision = prec;
            open_meta(&m, s, &cfg, threads[k]);
            for (int i = 0; i < 5; i++) {
                rs_meta_step_stats st;
                rs_meta_step(&m, &st);
                losses[k][i] = st.meta_loss;
            }
            n = m.n_phi;
            phi[k] = malloc(n * sizeof(double));
            memcpy(phi[k], m.phi, n * sizeof(double));
            rs_meta_close(&m);
        }
        for (int k = 1; k < 3; k++) {
            ck_assert_mem_eq(losses[0], losses[k], sizeof losses[0]);
            ck_assert_mem_eq(phi[0], phi[k], n * sizeof(double));
        }
        for (int k = 0; k < 3; k++)
            free(phi[k]);
    }
    rs_spec_destroy(s);
}
END_TEST

/* Rediscovery (docs/RULES.md): on a one-layer linear network (2-1, identity output, MSE)
 * the best local rule is the delta rule Δw = -η pre·m, m = ŷ - t. After a short
 * meta-training from a random LSTM the emitted Δw, over random local signals, correlates with
 * -pre·m at r > 0.9 (from below 0.5 before; measured: -0.56 -> 0.998). */
static double delta_rule_correlation(const rs_meta *m, rs_spec *s)
{
    char path[] = "/tmp/rs_test_rediscovery_XXXXXX", err[512];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_msg(rs_weights_write(path, s->rules[0].head, s->rules[0].params, m->shapes,
                                   m->n_shapes, m->phi, NULL, err, sizeof err) == 0, "%s", err);
    rs_act *act = rs_act_create(reg, "identity", err, sizeof err);
    uint32_t sizes[2] = { 2, 1 };
    rs_net *net = rs_net_create(sizes, 1, (const rs_act *const *)&act, 0, 1);
    const rs_rule_desc *rd = (const rs_rule_desc *)s->rules[0].head;
    char text[600];
    snprintf(text, sizeof text, "normalize=false,derivative=false,scale=0.1,skip_init=0,clip=4,"
                                "explore=0,hidden=4,weights=%s", path);
    rs_params *p = rs_test_params(&rd->head, text);
    rs_task_info info = { .struct_size = sizeof info, .n_in = 2, .n_out = 1, .n_full = 4,
                          .loss = RS_LOSS_MSE, .lo = -1, .hi = 1 };
    rs_ctx *ctx = rs_ctx_create(1, 2);
    void *state = NULL;
    ck_assert_msg(rd->create(rs_host_get(), ctx, p, net, &info, &state) == RS_OK, "%s", ctx->err);
    enum { N = 400 };
    double sig[4 * N], dw[N], x[N];
    for (int k = 0; k < N; k++) {
        for (int c = 0; c < 4; c++)
            sig[4 * k + c] = 2 * rs_rng_uniform(&ctx->rng) - 1;
        x[k] = -sig[4 * k] * sig[4 * k + 3];
    }
    ck_assert_int_eq(rd->local_update(state, ctx, 1, sig, N, 1, dw), RS_OK);
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int k = 0; k < N; k++)
        mx += x[k] / N, my += dw[k] / N;
    for (int k = 0; k < N; k++) {
        sxx += (x[k] - mx) * (x[k] - mx);
        syy += (dw[k] - my) * (dw[k] - my);
        sxy += (x[k] - mx) * (dw[k] - my);
    }
    rd->destroy(state, ctx);
    rs_ctx_destroy(ctx);
    rs_params_destroy(p);
    rs_net_destroy(net);
    rs_act_destroy(act);
    remove(path);
    return sxy / sqrt(sxx * syy);
}

START_TEST(test_rediscovers_delta_rule)
{
    rs_spec *s = make_spec("lstm_synapse", V1 "\"hidden\": 4",
                           "{\"hidden\": [], \"act\": \"identity\", \"bias\": false}", 20, NULL);
    rs_meta m;
    rs_meta_cfg cfg = default_cfg();
    cfg.episodes = 8;
    cfg.lr = 0.01;
    open_meta(&m, s, &cfg, 2);
    double before = delta_rule_correlation(&m, s);
    rs_meta_step_stats st;
    for (int i = 0; i < 80; i++)
        rs_meta_step(&m, &st);
    double after = delta_rule_correlation(&m, s);
    ck_assert_msg(before < 0.5, "the random LSTM is already the delta rule? r = %g", before);
    ck_assert_msg(after > 0.9, "after meta-training r(Δw, -pre·m) = %g (was %g)", after, before);
    rs_meta_close(&m);
    rs_spec_destroy(s);
}
END_TEST

/* ---- the rules: step == dstep; weights files ---------------------------------------------------- */

typedef struct rig {
    rs_ctx *ctx;
    rs_act *acts[2];
    rs_net *net;
    const rs_rule_desc *rd;
    rs_params *p;
    void *state;
    rs_task_info info;
} rig;

/* A 2-3-1 relu/tanh network with biases, weights from seed, and the rule created on it with
 * params text (e.g. "hidden=4,weights=") and rule stream `stream`. */
static void rig_open(rig *r, const char *rule, const char *params, uint64_t stream)
{
    memset(r, 0, sizeof *r);
    char err[512];
    r->acts[0] = rs_act_create(reg, "relu", err, sizeof err);
    r->acts[1] = rs_act_create(reg, "tanh", err, sizeof err);
    uint32_t sizes[3] = { 2, 3, 1 };
    r->net = rs_net_create(sizes, 2, (const rs_act *const *)r->acts, 1, 4);
    rs_rng rng;
    rs_rng_init(&rng, 9, 1);
    rs_net_init(r->net, &(rs_init){ .kind = RS_INIT_PYTORCH }, &rng);
    r->rd = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, rule);
    r->p = rs_test_params(&r->rd->head, params);
    r->info = (rs_task_info){ .struct_size = sizeof r->info, .n_in = 2, .n_out = 1, .n_full = 4,
                              .loss = RS_LOSS_MSE, .lo = -1, .hi = 1 };
    r->ctx = rs_ctx_create(4, stream);
}

static rs_status rig_create(rig *r)
{
    return r->rd->create(rs_host_get(), r->ctx, r->p, r->net, &r->info, &r->state);
}

static void rig_close(rig *r)
{
    if (r->state)
        r->rd->destroy(r->state, r->ctx);
    ck_assert_int_eq(r->ctx->n_alloc, 0);
    rs_ctx_destroy(r->ctx);
    rs_params_destroy(r->p);
    rs_net_destroy(r->net);
    rs_act_destroy(r->acts[0]);
    rs_act_destroy(r->acts[1]);
}

static const rs_real ex_x[2][2] = { { 1, -1 }, { -1, -1 } }, ex_y[2] = { 1, -1 };

/* n steps of the rule on alternating examples; the network's parameters after them. */
static void rig_steps(rig *r, int n, rs_real *params_out)
{
    for (int k = 0; k < n; k++) {
        rs_batch b = { .n = 1, .n_in = 2, .n_out = 1, .loss = RS_LOSS_MSE, .x = ex_x[k % 2],
                       .y = &ex_y[k % 2] };
        rs_step_stats st = { 0 };
        ck_assert_int_eq(r->rd->step(r->state, r->ctx, r->net, &b, &st), RS_OK);
        ck_assert(st.has_loss && isfinite(st.loss));
    }
    memcpy(params_out, r->net->params, r->net->n_params * sizeof(rs_real));
}

/* dstep on a recording tape from the same weights and the rule's meta-parameters gives the
 * weights step gives (to float rounding: step's network is float). */
static void check_step_equals_dstep(const char *rule, const char *params)
{
    rig a, b;
    rig_open(&a, rule, params, 11);
    rig_open(&b, rule, params, 11);
    ck_assert_int_eq(rig_create(&a), RS_OK);
    ck_assert_int_eq(rig_create(&b), RS_OK);
    rs_meta_shape shapes[64];
    uint32_t ns = a.rd->meta_shapes(a.state, shapes, 64);
    size_t n_phi = 0;
    for (uint32_t k = 0; k < ns; k++)
        n_phi += (size_t)shapes[k].rows * shapes[k].cols;
    double *phi = malloc(n_phi * sizeof *phi);
    rs_ctx *ictx = rs_ctx_create(4, 11); /* the same draw as create's weights="" init */
    a.rd->meta_init(a.state, ictx, phi);
    rs_ctx_destroy(ictx);
    rs_real after_step[32];
    rig_steps(&a, 3, after_step);
    /* the same 3 steps through dstep */
    rs_tape *t = rs_tape_create(b.ctx, 1);
    rs_dstep_io io = { .struct_size = sizeof io, .tape = t, .net = b.net, .n_layers = 2,
                       .n_meta = ns };
    rs_tv meta[64];
    size_t off = 0;
    for (uint32_t k = 0; k < ns; k++) {
        meta[k] = rs_tape_param(t, shapes[k].rows, shapes[k].cols, phi + off);
        off += (size_t)shapes[k].rows * shapes[k].cols;
    }
    io.meta = meta;
    for (uint32_t l = 0; l < 2; l++) {
        const rs_layer *ly = &b.net->layers[l];
        io.w[l] = rs_tape_const_real(t, ly->n_out, ly->n_in, ly->w);
        io.b[l] = rs_tape_const_real(t, ly->n_out, 1, ly->b);
    }
    for (int k = 0; k < 3; k++) {
        rs_batch bt = { .n = 1, .n_in = 2, .n_out = 1, .loss = RS_LOSS_MSE, .x = ex_x[k % 2],
                        .y = &ex_y[k % 2] };
        rs_step_stats st = { 0 };
        io.batch = &bt;
        io.stats = &st;
        ck_assert_int_eq(b.rd->dstep(b.state, b.ctx, &io), RS_OK);
        ck_assert_ptr_null(rs_tape_error(t));
    }
    size_t i = 0;
    double dmax = 0;
    for (uint32_t l = 0; l < 2; l++) {
        const rs_layer *ly = &b.net->layers[l];
        const double *wv = rs_tape_value(t, io.w[l]), *bv = rs_tape_value(t, io.b[l]);
        for (size_t k = 0; k < (size_t)ly->n_out * ly->n_in; k++, i++) {
            ck_assert_double_eq_tol(wv[k], after_step[i], 2e-5);
            dmax = fmax(dmax, fabs(wv[k] - ly->w[k]));
        }
        for (size_t k = 0; k < ly->n_out; k++, i++)
            ck_assert_double_eq_tol(bv[k], after_step[i], 2e-5);
    }
    ck_assert_msg(dmax > 1e-4, "%s: the weights did not change (%g)", rule, dmax);
    rs_tape_destroy(b.ctx, t);
    free(phi);
    rig_close(&a);
    rig_close(&b);
}

START_TEST(test_step_equals_dstep)
{
    check_step_equals_dstep("meta_hebbian", "weights=");
    check_step_equals_dstep("lstm_synapse", "weights=,hidden=5");
    check_step_equals_dstep("lstm_synapse", "weights=,hidden=5,modulator=global,per_layer=true");
}
END_TEST

/* A rule running on meta-parameters it holds in memory (weights="": meta_init's values, drawn
 * first in create) against the same rule loading those values from a weights file: the
 * updates are bit-identical, so the file round-trips every double exactly. */
static void check_save_load(const char *rule, const char *params)
{
    char path[] = "/tmp/rs_test_weights_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    rig a, b;
    char pa[256], pb[512];
    snprintf(pa, sizeof pa, "%s%sweights=", params, params[0] ? "," : "");
    snprintf(pb, sizeof pb, "%s%sweights=%s", params, params[0] ? "," : "", path);
    rig_open(&a, rule, pa, 21);
    rig_open(&b, rule, pb, 21);
    ck_assert_int_eq(rig_create(&a), RS_OK);
    rs_meta_shape shapes[64];
    uint32_t ns = a.rd->meta_shapes(a.state, shapes, 64);
    size_t n_phi = 0;
    for (uint32_t k = 0; k < ns; k++)
        n_phi += (size_t)shapes[k].rows * shapes[k].cols;
    double *phi = malloc(n_phi * sizeof *phi);
    rs_ctx *ictx = rs_ctx_create(4, 21); /* create's first draws: a's values */
    a.rd->meta_init(a.state, ictx, phi);
    rs_ctx_destroy(ictx);
    char err[512];
    ck_assert_msg(rs_weights_write(path, &a.rd->head, a.p, shapes, ns, phi, NULL, err,
                                   sizeof err) == 0, "%s", err);
    ck_assert_int_eq(rig_create(&b), RS_OK);
    double *back = malloc(n_phi * sizeof *back); /* every double read back exactly */
    rs_ctx *lctx = rs_ctx_create(1, 0);
    ck_assert_int_eq(rs_weights_load(lctx, path, b.p, shapes, ns, back), RS_OK);
    ck_assert_mem_eq(back, phi, n_phi * sizeof *phi);
    rs_ctx_destroy(lctx);
    free(back);
    rs_real pa_out[64], pb_out[64];
    rig_steps(&a, 5, pa_out);
    rig_steps(&b, 5, pb_out);
    ck_assert_mem_eq(pa_out, pb_out, a.net->n_params * sizeof(rs_real));
    free(phi);
    rig_close(&a);
    rig_close(&b);
    remove(path);
}

START_TEST(test_saved_and_loaded_bit_identical)
{
    check_save_load("meta_hebbian", "");
    check_save_load("lstm_synapse", "hidden=5");
}
END_TEST

/* The message of a refused create, with weights=path and extra params. */
static void expect_refused(const char *path, const char *extra, const char *want1,
                           const char *want2)
{
    rig r;
    char pb[1024];
    snprintf(pb, sizeof pb, "weights=%s%s%s", path, extra[0] ? "," : "", extra);
    rig_open(&r, "lstm_synapse", pb, 1);
    rs_status st = rig_create(&r);
    ck_assert_int_ne(st, RS_OK);
    ck_assert_ptr_null(r.state);
    const char *msg = rs_ctx_error(r.ctx);
    ck_assert_msg(strstr(msg, want1) && strstr(msg, want2), "message '%s' lacks '%s' / '%s'",
                  msg, want1, want2);
    rig_close(&r);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_bad_weights_refused)
{
    const char *path = "/tmp/rs_test_bad.weights.json";
    /* a good file for hidden=4 to start from */
    rig r;
    rig_open(&r, "lstm_synapse", "hidden=4,weights=", 1);
    ck_assert_int_eq(rig_create(&r), RS_OK);
    rs_meta_shape shapes[64];
    uint32_t ns = r.rd->meta_shapes(r.state, shapes, 64);
    size_t n_phi = 0;
    for (uint32_t k = 0; k < ns; k++)
        n_phi += (size_t)shapes[k].rows * shapes[k].cols;
    double *phi = calloc(n_phi, sizeof *phi);
    char err[512];
    ck_assert(rs_weights_write(path, &r.rd->head, r.p, shapes, ns, phi, NULL, err, sizeof err) == 0);
    rig_close(&r);
    char *good = rs_read_file(path, err, sizeof err);
    ck_assert_ptr_nonnull(good);

    expect_refused("/tmp/rs_no_such_file.weights.json", "hidden=4", "not found",
                   "ruleset meta-train");
    write_text(path, "this is not json");
    expect_refused(path, "hidden=4", path, "not valid JSON");
    char *cut = strdup(good);
    cut[strlen(cut) / 2] = '\0';
    write_text(path, cut);
    expect_refused(path, "hidden=4", path, "truncated");
    free(cut);
    write_text(path, "{\"format\": \"something-else\", \"version\": 1}");
    expect_refused(path, "hidden=4", path, "not a ruleset weights file");
    write_text(path, good);
    expect_refused(path, "hidden=8", "meta-trained with hidden=4", "this lstm_synapse has hidden=8");
    expect_refused(path, "hidden=4,modulator=none", "modulator=error", "set modulator=error");
    /* another rule's file */
    cJSON *root = cJSON_Parse(good);
    cJSON_ReplaceItemInObjectCaseSensitive(root, "rule", cJSON_CreateString("meta_hebbian"));
    char *t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "weights of rule 'meta_hebbian'", "not 'lstm_synapse'");
    cJSON_Delete(root);
    /* a file older than one of the rule's parameters */
    root = cJSON_Parse(good);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "params"),
                                            "error_gate");
    t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "no value of lstm_synapse's parameter error_gate",
                   "add \"error_gate\": true to its \"params\"");
    cJSON_Delete(root);
    /* a tensor of the wrong shape (its rows edited), a missing value, a non-number */
    root = cJSON_Parse(good);
    cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "tensors"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(t0, "rows", cJSON_CreateNumber(12));
    t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "tensor 'w_x' is 12 x", "expects 16 x");
    cJSON_ReplaceItemInObjectCaseSensitive(t0, "rows", cJSON_CreateNumber(16));
    cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(t0, "values"), 0);
    t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "tensor 'w_x' has", "needs");
    cJSON_InsertItemInArray(cJSON_GetObjectItemCaseSensitive(t0, "values"), 0,
                            cJSON_CreateString("x"));
    t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "tensor 'w_x' value 0", "not a finite number");
    cJSON_Delete(root);
    /* a newer format version */
    root = cJSON_Parse(good);
    cJSON_ReplaceItemInObjectCaseSensitive(root, "version", cJSON_CreateNumber(7));
    t2 = cJSON_Print(root);
    write_text(path, t2);
    free(t2);
    expect_refused(path, "hidden=4", "version 7", "upgrade ruleset");
    cJSON_Delete(root);
    free(good);
    free(phi);
    remove(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("meta");
    TCase *tc = tcase_create("meta");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_meta_gradient_meta_hebbian);
    tcase_add_test(tc, test_meta_gradient_lstm_synapse);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_meta_training_lowers_loss);
    tcase_add_test(tc, test_deterministic_across_threads);
    tcase_add_test(tc, test_rediscovers_delta_rule);
    tcase_add_test(tc, test_step_equals_dstep);
    tcase_add_test(tc, test_saved_and_loaded_bit_identical);
    tcase_add_test(tc, test_bad_weights_refused);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
