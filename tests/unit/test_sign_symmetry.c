/* test_sign_symmetry.c: the sign_symmetry rule (plugins/rules/sign_symmetry.c).
 *
 *   1. One step on a hand-set 2-2-2-1 tanh network with biases equals the update computed here
 *      in double precision from docs/RULES.md, for each mode: usf (one magnitude per layer),
 *      frsf (fixed magnitudes, replayed from the create-time draws, following W's current
 *      signs even after they flip), brsf (magnitudes redrawn every step, replayed from the job
 *      stream in the documented order).
 *   2. mode=symmetric is backprop, parameter for parameter (Adam, SGD with momentum and
 *      softmax cross-entropy on minibatches).
 *   3. It learns XOR over many seeds at the rate measured beforehand (Wilson intervals overlap).
 *   4. A recurrent network is refused with the standard message; no allocation leaks. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "network.h"
#include "report.h"
#include "runner.h"
#include "testutil.h"

static rs_registry *reg; /* loaded once before the forked tests run */

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

#define SEED 11
#define STREAM 5

/* ---- a rule on a hand-set network ------------------------------------------------------- */

typedef struct hand {
    rs_net *net;
    rs_act *acts[3];
    const rs_rule_desc *d;
    rs_params *p;
    rs_ctx *ctx;
    void *s;
} hand;

static const uint32_t S2221[] = { 2, 2, 2, 1 };
static const double W1[] = { 0.5, -0.3, 0.2, -0.4 }, B1[] = { 0.1, -0.2 };
static const double W2[] = { 0.3, 0.5, -0.2, 0.9 }, B2[] = { 0.05, 0.15 };
static const double W3[] = { 0.7, -0.6 }, B3[] = { 0.05 };

/* A network of sizes (L weight layers, activations act[l] by name), biases on, max batch 4,
 * weights from w[l] and b[l] (or left at zero when w is NULL); then rule `params`. */
static void hand_open(hand *h, const uint32_t *sizes, uint32_t L, const char *const *act,
                      const double *const *w, const double *const *b, const char *rule,
                      const char *params, uint32_t task_loss)
{
    memset(h, 0, sizeof *h);
    char err[256];
    for (uint32_t l = 0; l < L; l++) {
        h->acts[l] = rs_act_create(reg, act[l], err, sizeof err);
        ck_assert_msg(h->acts[l] != NULL, "%s", err);
    }
    h->net = rs_net_create(sizes, L, (const rs_act *const *)h->acts, 1, 4);
    ck_assert_ptr_nonnull(h->net);
    for (uint32_t l = 0; w && l < L; l++) {
        rs_layer *ly = &h->net->layers[l];
        for (uint32_t k = 0; k < ly->n_out * ly->n_in; k++)
            ly->w[k] = (rs_real)w[l][k];
        for (uint32_t i = 0; i < ly->n_out; i++)
            ly->b[i] = (rs_real)b[l][i];
    }
    h->d = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, rule);
    h->p = rs_test_params(&h->d->head, params);
    h->ctx = rs_ctx_create(SEED, STREAM);
    rs_task_info info = { .struct_size = sizeof info, .n_in = sizes[0], .n_out = sizes[L],
                          .n_full = 4, .loss = task_loss, .lo = -1, .hi = 1 };
    rs_status st = h->d->create(rs_host_get(), h->ctx, h->p, h->net, &info, &h->s);
    ck_assert_msg(st == RS_OK, "%s(%s): %s", rule, params, rs_ctx_error(h->ctx));
}

static void hand_step(hand *h, const rs_real *x, const rs_real *y, uint32_t n, uint32_t loss)
{
    const uint32_t L = h->net->n_layers;
    rs_batch b = { .n = n, .n_in = h->net->sizes[0], .n_out = h->net->sizes[L], .loss = loss,
                   .x = x, .y = y };
    rs_step_stats stats = { 0 };
    rs_status st = h->d->step(h->s, h->ctx, h->net, &b, &stats);
    ck_assert_msg(st == RS_OK, "%s step: %s", h->d->head.name, rs_ctx_error(h->ctx));
    ck_assert(stats.has_loss && isfinite(stats.loss));
}

static void hand_close(hand *h)
{
    h->d->destroy(h->s, h->ctx);
    ck_assert_msg(h->ctx->n_alloc == 0, "%ld allocations leaked", h->ctx->n_alloc);
    rs_ctx_destroy(h->ctx);
    rs_params_destroy(h->p);
    rs_net_destroy(h->net);
    for (int l = 0; l < 3; l++)
        rs_act_destroy(h->acts[l]);
}

/* ---- the reference: one SGD step of 2-2-2-1 tanh, MSE, one example, given F_2, F_3 -------- */

typedef struct ref {
    double w[3][4], b[3][2]; /* w[l-1] (n_l, n_{l-1}) row-major */
} ref;

static void ref_from(ref *r, const rs_net *net)
{
    for (int l = 0; l < 3; l++) {
        const rs_layer *ly = &net->layers[l];
        for (uint32_t k = 0; k < ly->n_out * ly->n_in; k++)
            r->w[l][k] = ly->w[k];
        for (uint32_t i = 0; i < ly->n_out; i++)
            r->b[l][i] = ly->b[i];
    }
}

/* r -= lr * (the sign-symmetric gradient with feedback F[0] = F_2 (2,2), F[1] = F_3 (1,2)) at
 * x (2), target t. */
static void ref_step(ref *r, const double *x, double t, const double *const F[2], double lr)
{
    static const uint32_t n[] = { 2, 2, 2, 1 };
    double a[4][2] = { { x[0], x[1] } }, z[4][2], d[4][2];
    for (int l = 1; l <= 3; l++)
        for (uint32_t i = 0; i < n[l]; i++) {
            z[l][i] = r->b[l - 1][i];
            for (uint32_t j = 0; j < n[l - 1]; j++)
                z[l][i] += r->w[l - 1][i * n[l - 1] + j] * a[l - 1][j];
            a[l][i] = tanh(z[l][i]);
        }
    d[3][0] = 2 * (a[3][0] - t) * (1 - a[3][0] * a[3][0]);
    for (int l = 3; l >= 2; l--) /* delta_{l-1} = (F_l^T delta_l) * f'(z_{l-1}) */
        for (uint32_t j = 0; j < n[l - 1]; j++) {
            double s = 0;
            for (uint32_t i = 0; i < n[l]; i++)
                s += F[l - 2][i * n[l - 1] + j] * d[l][i];
            d[l - 1][j] = s * (1 - a[l - 1][j] * a[l - 1][j]);
        }
    for (int l = 1; l <= 3; l++)
        for (uint32_t i = 0; i < n[l]; i++) {
            for (uint32_t j = 0; j < n[l - 1]; j++)
                r->w[l - 1][i * n[l - 1] + j] -= lr * d[l][i] * a[l - 1][j];
            r->b[l - 1][i] -= lr * d[l][i];
        }
}

static void check_ref(const rs_net *net, const ref *r, const char *what)
{
    for (int l = 0; l < 3; l++) {
        const rs_layer *ly = &net->layers[l];
        for (uint32_t k = 0; k < ly->n_out * ly->n_in; k++)
            ck_assert_msg(fabs(ly->w[k] - r->w[l][k]) <= 2e-6 * (1 + fabs(r->w[l][k])),
                          "%s: W_%d[%u] = %.9g, want %.9g", what, l + 1, k, (double)ly->w[k],
                          r->w[l][k]);
        for (uint32_t i = 0; i < ly->n_out; i++)
            ck_assert_msg(fabs(ly->b[i] - r->b[l][i]) <= 2e-6 * (1 + fabs(r->b[l][i])),
                          "%s: b_%d[%u] = %.9g, want %.9g", what, l + 1, i, (double)ly->b[i],
                          r->b[l][i]);
    }
}

static double sgn(double v) { return v > 0 ? 1 : v < 0 ? -1 : 0; }

/* F (count) = sign(w) * |mag| (or * m when mag is NULL), in double. */
static void signed_fb(const double *w, const rs_real *mag, double m, int count, double *F)
{
    for (int k = 0; k < count; k++)
        F[k] = sgn(w[k]) * (mag ? fabs((double)mag[k]) : m);
}

static const double *const W_ALL[] = { W1, W2, W3 }, *const B_ALL[] = { B1, B2, B3 };
static const char *const TANH3[] = { "tanh", "tanh", "tanh" };
static const rs_real X1[] = { 1, -1 }, T1[] = { 1 };
static const double XD[] = { 1, -1 };

/* usf: F_l = sign(W_l) / sqrt(3 n_{l-1}), n_{l-1} = 2 for both layers; nothing drawn. */
START_TEST(test_usf_step)
{
    hand h;
    hand_open(&h, S2221, 3, TANH3, W_ALL, B_ALL, "sign_symmetry", "lr=0.5", RS_LOSS_MSE);
    ref r;
    ref_from(&r, h.net);
    double F2[4], F3[2];
    signed_fb(r.w[1], NULL, 1 / sqrt(6.0), 4, F2);
    signed_fb(r.w[2], NULL, 1 / sqrt(6.0), 2, F3);
    ck_assert(F2[2] < 0 && F3[1] < 0); /* the signs of W reach the feedback */
    hand_step(&h, X1, T1, 1, RS_LOSS_MSE);
    ref_step(&r, XD, 1, (const double *const[]){ F2, F3 }, 0.5);
    check_ref(h.net, &r, "usf");
    hand_close(&h);
}
END_TEST

/* frsf: R_2 (2,2) then R_3 (1,2) drawn at create, U(+-1/sqrt(2)); F_l = |R_l| o sign(W_l) with
 * the CURRENT W: after W_2 and W_3 are negated by hand the magnitudes stay, the signs follow. */
START_TEST(test_frsf_fixed_magnitudes_follow_signs)
{
    hand h;
    hand_open(&h, S2221, 3, TANH3, W_ALL, B_ALL, "sign_symmetry", "lr=0.5,mode=frsf",
              RS_LOSS_MSE);
    const rs_host *host = rs_host_get();
    rs_ctx *rc = rs_ctx_create(SEED, STREAM);
    const rs_real bound = (rs_real)(1 / sqrt(2.0));
    rs_real R2[4], R3[2];
    host->rng_fill_uniform(rc, R2, 4, -bound, bound);
    host->rng_fill_uniform(rc, R3, 2, -bound, bound);
    rs_ctx_destroy(rc);
    ref r;
    for (int round = 0; round < 3; round++) {
        if (round == 2) /* flip the signs of W_2 and W_3 */
            for (int l = 1; l < 3; l++) {
                rs_layer *ly = &h.net->layers[l];
                for (uint32_t k = 0; k < ly->n_out * ly->n_in; k++)
                    ly->w[k] = -ly->w[k];
            }
        ref_from(&r, h.net);
        double F2[4], F3[2];
        signed_fb(r.w[1], R2, 0, 4, F2);
        signed_fb(r.w[2], R3, 0, 2, F3);
        hand_step(&h, X1, T1, 1, RS_LOSS_MSE);
        ref_step(&r, XD, 1, (const double *const[]){ F2, F3 }, 0.5);
        check_ref(h.net, &r, round == 2 ? "frsf after the sign flip" : "frsf");
    }
    hand_close(&h);
}
END_TEST

/* brsf: nothing drawn at create; each step draws R_3 (1,2) then R_2 (2,2) from the job stream,
 * U(+-1/sqrt(2)); the next step draws afresh. */
START_TEST(test_brsf_redraws_every_batch)
{
    hand h;
    hand_open(&h, S2221, 3, TANH3, W_ALL, B_ALL, "sign_symmetry", "lr=0.5,mode=brsf",
              RS_LOSS_MSE);
    const rs_host *host = rs_host_get();
    rs_ctx *rc = rs_ctx_create(SEED, STREAM);
    const rs_real bound = (rs_real)(1 / sqrt(2.0));
    rs_real first[6] = { 0 };
    for (int round = 0; round < 2; round++) {
        rs_real R2[4], R3[2];
        host->rng_fill_uniform(rc, R3, 2, -bound, bound);
        host->rng_fill_uniform(rc, R2, 4, -bound, bound);
        if (round == 0)
            memcpy(first, R2, sizeof R2), memcpy(first + 4, R3, sizeof R3);
        else
            ck_assert(R2[0] != first[0] && R3[0] != first[4]); /* a fresh draw */
        ref r;
        ref_from(&r, h.net);
        double F2[4], F3[2];
        signed_fb(r.w[1], R2, 0, 4, F2);
        signed_fb(r.w[2], R3, 0, 2, F3);
        hand_step(&h, X1, T1, 1, RS_LOSS_MSE);
        ref_step(&r, XD, 1, (const double *const[]){ F2, F3 }, 0.5);
        check_ref(h.net, &r, round ? "brsf, second batch" : "brsf, first batch");
    }
    rs_ctx_destroy(rc);
    hand_close(&h);
}
END_TEST

/* mode=symmetric (F_l = W_l) is backprop: the same parameters after 3 steps on a batch of 4,
 * with Adam and MSE on 2-2-2-1, and with SGD + momentum and softmax cross-entropy on 2-3-3
 * (ReLU, identity). */
START_TEST(test_symmetric_is_backprop)
{
    static const rs_real x[] = { -1, -1, 1, 1, -1, 1, -1, 1 }, y1[] = { -1, 1, 1, -1 };
    static const rs_real y3[] = { 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0 }; /* one-hot, 3 classes */
    static const uint32_t S233[] = { 2, 3, 3 };
    static const double V1[] = { 0.5, -0.3, 0.2, -0.4, 0.6, 0.1 }, C1[] = { 0.1, -0.2, 0 };
    static const double V2[] = { 0.3, 0.5, -0.2, 0.9, -0.7, 0.4, 0.2, 0.1, -0.5 };
    static const double C2[] = { 0.05, 0.15, -0.1 };
    for (int c = 0; c < 2; c++) {
        const char *const relu_id[] = { "relu", "identity" };
        const char *opt = c ? "lr=0.2,momentum=0.9,loss=ce" : "lr=0.3,optimizer=adam";
        char ss_params[96];
        snprintf(ss_params, sizeof ss_params, "%s,mode=symmetric", opt);
        hand a, bp;
        if (c == 0) {
            hand_open(&a, S2221, 3, TANH3, W_ALL, B_ALL, "sign_symmetry", ss_params, RS_LOSS_MSE);
            hand_open(&bp, S2221, 3, TANH3, W_ALL, B_ALL, "backprop", opt, RS_LOSS_MSE);
        } else {
            const double *w[] = { V1, V2 }, *b[] = { C1, C2 };
            hand_open(&a, S233, 2, relu_id, w, b, "sign_symmetry", ss_params, RS_LOSS_MSE);
            hand_open(&bp, S233, 2, relu_id, w, b, "backprop", opt, RS_LOSS_MSE);
        }
        for (int s = 0; s < 3; s++) {
            hand_step(&a, x, c ? y3 : y1, 4, RS_LOSS_MSE);
            hand_step(&bp, x, c ? y3 : y1, 4, RS_LOSS_MSE);
        }
        for (size_t k = 0; k < a.net->n_params; k++)
            ck_assert_msg(fabsf(a.net->params[k] - bp.net->params[k]) <= 1e-6f,
                          "case %d param %zu: %g vs backprop %g", c, k,
                          (double)a.net->params[k], (double)bp.net->params[k]);
        hand_close(&a);
        hand_close(&bp);
    }
}
END_TEST

/* ---- success rates through the runner ------------------------------------------------------ */

static void assert_overlap(const char *what, size_t k, size_t n, double mlo, double mhi)
{
    double lo, hi;
    rs_wilson(k, n, &lo, &hi);
    ck_assert_msg(hi >= mlo && lo <= mhi,
                  "%s: %zu/%zu = %.3f, Wilson [%.3f, %.3f], does not overlap the measured "
                  "[%.3f, %.3f]", what, k, n, (double)k / n, lo, hi, mlo, mhi);
}

/* XOR on 2-8-1 as test_rules_local.c's xor8 ({-1,+1}, ReLU hidden, tanh output, biases,
 * PyTorch init, the whole table each step, 1000 steps, MSE, lr 0.1). Measured with
 * `ruleset compare rules/sign-symmetry.json` (this spec at seed 1 with 1000 replicates, the
 * labels unchanged, beside backprop and feedback alignment):
 *   usf   989/1000  Wilson [0.980, 0.994]
 *   brsf  990/1000  Wilson [0.982, 0.995]
 *   frsf  993/1000  Wilson [0.986, 0.997]
 * (backprop 995/1000); this test runs seed 2 with 200 replicates. */
static const char xor8_spec[] =
    "{ \"name\": \"ss-xor8\", \"seed\": 2, \"replicates\": 200, \"steps\": 1000,"
    "  \"batch\": \"full\", \"eval_every\": 50,"
    "  \"tasks\": [ { \"plugin\": \"gates\", \"params\": { \"gate\": \"xor\", \"coding\": \"pm1\" } } ],"
    "  \"networks\": [ { \"hidden\": [8], \"act\": [\"relu\", \"tanh\"], \"bias\": true } ],"
    "  \"rules\": ["
    "    { \"plugin\": \"sign_symmetry\", \"label\": \"usf\", \"params\": { \"lr\": 0.1, \"mode\": \"usf\" } },"
    "    { \"plugin\": \"sign_symmetry\", \"label\": \"brsf\", \"params\": { \"lr\": 0.1, \"mode\": \"brsf\" } },"
    "    { \"plugin\": \"sign_symmetry\", \"label\": \"frsf\", \"params\": { \"lr\": 0.1, \"mode\": \"frsf\" } } ] }";

START_TEST(test_learns_xor)
{
    static const struct {
        const char *rule;
        double lo, hi;
    } want[] = { { "usf", 0.9804, 0.9938 }, { "brsf", 0.9817, 0.9946 },
                 { "frsf", 0.9856, 0.9966 } };
    char err[2048];
    rs_spec *spec = rs_spec_parse(xor8_spec, "test.json", reg, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    volatile sig_atomic_t stop = 0;
    rs_run run = { .spec = spec, .reg = reg, .steps_override = -1, .threads = 2, .quiet = 1,
                   .interrupted = &stop };
    ck_assert_msg(rs_run_plan(&run, err, sizeof err) == 0, "plan: %s", err);
    char dir[64] = "/tmp/rs_sign_symmetry_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(run.dir, sizeof run.dir, "%s", dir);
    ck_assert_msg(rs_run_execute(&run) == 0, "execute: %s", run.io_error);
    rs_summary *sums = NULL;
    size_t n = rs_summarise(&run, &sums);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 3; k++)
            if (!strcmp(sums[i].rule, want[k].rule)) {
                ck_assert_uint_eq(sums[i].failed, 0);
                assert_overlap(want[k].rule, sums[i].solved, sums[i].replicates, want[k].lo,
                               want[k].hi);
            }
    char path[128];
    snprintf(path, sizeof path, "%s/journal.tsv", dir);
    unlink(path);
    rmdir(dir);
    free(sums);
    rs_run_free_results(&run);
    rs_spec_destroy(spec);
}
END_TEST

/* ---- failure paths ------------------------------------------------------------------------- */

START_TEST(test_recurrent_refused)
{
    const rs_rule_desc *d = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE,
                                                                 "sign_symmetry");
    rs_params *p = rs_test_params(&d->head, "");
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_net net = { .kind = RS_NET_RECURRENT };
    rs_task_info info = { .struct_size = sizeof info, .n_in = 2, .n_out = 1 };
    void *s = &info;
    ck_assert_int_eq(d->create(rs_host_get(), ctx, p, &net, &info, &s), RS_ERR_UNSUPPORTED);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(rs_ctx_error(ctx), "sign_symmetry runs on layered networks only"),
                  "message: %s", rs_ctx_error(ctx));
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
    rs_params_destroy(p);
}
END_TEST

/* Every create either succeeds or frees all it took, whichever allocation fails. */
START_TEST(test_alloc_failures_leak_nothing)
{
    static const char *const modes[] = { "mode=usf", "mode=brsf", "mode=frsf",
                                         "mode=symmetric" };
    hand h;
    hand_open(&h, S2221, 3, TANH3, W_ALL, B_ALL, "sign_symmetry", "", RS_LOSS_MSE);
    rs_task_info info = { .struct_size = sizeof info, .n_in = 2, .n_out = 1, .n_full = 4,
                          .lo = -1, .hi = 1 };
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        rs_params *p = rs_test_params(&h.d->head, modes[i]);
        for (long k = 0;; k++) {
            rs_ctx *ctx = rs_ctx_create(1, 1);
            ctx->alloc_fail_at = k;
            void *s = NULL;
            rs_status st = h.d->create(rs_host_get(), ctx, p, h.net, &info, &s);
            if (st == RS_OK) {
                h.d->destroy(s, ctx);
                ck_assert_int_eq(ctx->n_alloc, 0);
                rs_ctx_destroy(ctx);
                break;
            }
            ck_assert_int_eq(st, RS_ERR_NOMEM);
            ck_assert_ptr_null(s);
            ck_assert_msg(ctx->n_alloc == 0, "%s: %ld leaked when allocation %ld failed",
                          modes[i], ctx->n_alloc, k);
            rs_ctx_destroy(ctx);
        }
        rs_params_destroy(p);
    }
    hand_close(&h);
}
END_TEST

static Suite *sign_symmetry_suite(void)
{
    Suite *s = suite_create("sign_symmetry");
    TCase *hand_tc = tcase_create("hand-computed steps");
    tcase_add_unchecked_fixture(hand_tc, setup, teardown);
    tcase_add_test(hand_tc, test_usf_step);
    tcase_add_test(hand_tc, test_frsf_fixed_magnitudes_follow_signs);
    tcase_add_test(hand_tc, test_brsf_redraws_every_batch);
    tcase_add_test(hand_tc, test_symmetric_is_backprop);
    tcase_add_test(hand_tc, test_recurrent_refused);
    tcase_add_test(hand_tc, test_alloc_failures_leak_nothing);
    suite_add_tcase(s, hand_tc);

    TCase *rate_tc = tcase_create("behaviour over seeds");
    tcase_add_unchecked_fixture(rate_tc, setup, teardown);
    tcase_set_timeout(rate_tc, 120);
    tcase_add_test(rate_tc, test_learns_xor);
    suite_add_tcase(s, rate_tc);
    return s;
}

int main(void) { return rs_test_run(sign_symmetry_suite()); }
