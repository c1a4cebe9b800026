/* test_optim.c: the optimizers (core/math/optim.c) against torch.optim's update rules, written out
 * here in double as the reference (torch/optim/sgd.py and adam.py, amsgrad/nesterov off,
 * dampening 0):
 *
 *   SGD:   d = g + wd p;  with momentum mu: buf = d on the first step, else buf = mu buf + d;
 *          d = buf;  p -= lr d
 *   Adam:  g += wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *          p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * The gradients are a fixed sequence (not a function of the weights), so the float optimizer
 * and the double reference see the same inputs; after 15 steps they agree to float
 * precision. A few steps are also worked by hand. */
#include <math.h>
#include <string.h>

#include "optim.h"
#include "testutil.h"

#define N 37 /* not a multiple of any vector width */
#define STEPS 15

typedef struct ref_optim {
    rs_optim_config c;
    long t;
    double m[N], v[N];
} ref_optim;

static void ref_step(ref_optim *o, double *p, const rs_real *g)
{
    const rs_optim_config *c = &o->c;
    o->t++;
    for (int i = 0; i < N; i++) {
        double d = (double)g[i] + c->weight_decay * p[i];
        if (c->kind == RS_OPTIM_ADAM) {
            o->m[i] = c->beta1 * o->m[i] + (1 - c->beta1) * d;
            o->v[i] = c->beta2 * o->v[i] + (1 - c->beta2) * d * d;
            double bc1 = 1 - pow(c->beta1, (double)o->t), bc2 = 1 - pow(c->beta2, (double)o->t);
            p[i] -= c->lr / bc1 * o->m[i] / (sqrt(o->v[i]) / sqrt(bc2) + c->eps);
        } else {
            if (c->momentum != 0) {
                o->m[i] = o->t == 1 ? d : c->momentum * o->m[i] + d;
                d = o->m[i];
            }
            p[i] -= c->lr * d;
        }
    }
}

/* Gradient i at step t: signs and sizes that vary, some exactly zero. */
static rs_real grad(int i, int t)
{
    if ((i + t) % 11 == 0)
        return 0;
    return (rs_real)(sin(0.7 * i + 1.3 * t) * (1 + (i % 4)));
}

static const struct {
    const char *what;
    rs_optim_config c;
} cases[] = {
    { "sgd", { .kind = RS_OPTIM_SGD, .lr = 0.1 } },
    { "sgd+wd", { .kind = RS_OPTIM_SGD, .lr = 0.1, .weight_decay = 0.01 } },
    { "sgd+momentum", { .kind = RS_OPTIM_SGD, .lr = 0.05, .momentum = 0.9 } },
    { "sgd+momentum+wd", { .kind = RS_OPTIM_SGD, .lr = 0.05, .momentum = 0.5,
                           .weight_decay = 0.1 } },
    { "adam", { .kind = RS_OPTIM_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8 } },
    { "adam+wd", { .kind = RS_OPTIM_ADAM, .lr = 0.1, .beta1 = 0.5, .beta2 = 0.9, .eps = 1e-6,
                   .weight_decay = 0.05 } },
    { "adam big eps", { .kind = RS_OPTIM_ADAM, .lr = 0.2, .beta1 = 0.8, .beta2 = 0.99,
                        .eps = 0.5 } },
};
#define N_CASES (sizeof cases / sizeof cases[0])

START_TEST(test_matches_torch_reference)
{
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_optim *opt = host->optim_create(ctx, &cases[_i].c, N);
    ck_assert_ptr_nonnull(opt);
    ref_optim ref = { .c = cases[_i].c };
    rs_real w[N + 3];
    double p[N];
    for (int i = 0; i < N; i++)
        p[i] = w[i] = (rs_real)(0.5 - 0.03 * i);
    w[N] = w[N + 1] = w[N + 2] = 7; /* past n: never touched */
    double moved = 0;
    for (int t = 1; t <= STEPS; t++) {
        rs_real g[N];
        for (int i = 0; i < N; i++)
            g[i] = grad(i, t);
        host->optim_step(opt, w, g, N);
        ref_step(&ref, p, g);
        for (int i = 0; i < N; i++)
            ck_assert_msg(fabs(w[i] - p[i]) <= 2e-5 * (1 + fabs(p[i])),
                          "%s step %d [%d]: %.9g, reference %.9g", cases[_i].what, t, i,
                          (double)w[i], p[i]);
    }
    for (int i = 0; i < N; i++)
        moved += fabs(p[i] - (0.5 - 0.03 * i));
    ck_assert_msg(moved > 0.01 * N, "%s: the weights hardly moved (%g)", cases[_i].what, moved);
    ck_assert_float_eq(w[N], 7);
    ck_assert_float_eq(w[N + 2], 7);
    host->optim_destroy(ctx, opt);
    ck_assert_int_eq(ctx->n_alloc, 0); /* the moments were the host's and are freed */
    rs_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_by_hand)
{
    rs_ctx *ctx = rs_ctx_create(1, 1);
    const rs_real g = 1;
    /* SGD momentum 0.9, lr 0.1, g = 1: buf 1, 1.9, 2.71; w 0.9, 0.71, 0.439 */
    rs_optim_config c = { .kind = RS_OPTIM_SGD, .lr = 0.1, .momentum = 0.9 };
    rs_optim *o = rs_optim_create(ctx, &c, 1);
    rs_real w = 1;
    const double want_sgd[] = { 0.9, 0.71, 0.439 };
    for (int t = 0; t < 3; t++) {
        rs_optim_step(o, &w, &g, 1);
        ck_assert_double_eq_tol(w, want_sgd[t], 1e-6);
    }
    rs_optim_destroy(ctx, o);
    /* plain SGD with weight decay 0.5, lr 0.1, g = 1: w -= 0.1 (1 + 0.5 w): 1 -> 0.85 -> 0.7075 */
    c = (rs_optim_config){ .kind = RS_OPTIM_SGD, .lr = 0.1, .weight_decay = 0.5 };
    o = rs_optim_create(ctx, &c, 1);
    w = 1;
    rs_optim_step(o, &w, &g, 1);
    ck_assert_double_eq_tol(w, 0.85, 1e-6);
    rs_optim_step(o, &w, &g, 1);
    ck_assert_double_eq_tol(w, 0.7075, 1e-6);
    rs_optim_destroy(ctx, o);
    /* Adam's first step is lr * sign(g) (bias corrections cancel, eps aside); with a constant
     * gradient every step is lr: m_hat = g, v_hat = g^2 */
    c = (rs_optim_config){ .kind = RS_OPTIM_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                           .eps = 1e-8 };
    o = rs_optim_create(ctx, &c, 1);
    w = 1;
    for (int t = 1; t <= 5; t++) {
        rs_real gg = -2;
        rs_optim_step(o, &w, &gg, 1);
        ck_assert_double_eq_tol(w, 1 + 0.01 * t, 1e-5);
    }
    rs_optim_destroy(ctx, o);
    /* a zero gradient from the start leaves the weight alone (0 / (0 + eps)) */
    o = rs_optim_create(ctx, &c, 1);
    w = 3;
    rs_real zero = 0;
    rs_optim_step(o, &w, &zero, 1);
    ck_assert_float_eq(w, 3);
    rs_optim_destroy(ctx, o);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

/* Two optimizers keep their own moments. */
START_TEST(test_independent_states)
{
    rs_ctx *ctx = rs_ctx_create(1, 1);
    rs_optim_config c = { .kind = RS_OPTIM_SGD, .lr = 0.1, .momentum = 0.9 };
    rs_optim *a = rs_optim_create(ctx, &c, 2), *b = rs_optim_create(ctx, &c, 2);
    rs_real wa[2] = { 0, 0 }, wb[2] = { 0, 0 };
    const rs_real g1[2] = { 1, -1 }, g2[2] = { 0, 0 };
    rs_optim_step(a, wa, g1, 2);
    rs_optim_step(b, wb, g2, 2);
    rs_optim_step(a, wa, g1, 2);
    ck_assert_double_eq_tol(wa[0], -0.1 - 0.19, 1e-6);
    ck_assert_double_eq_tol(wa[1], 0.29, 1e-6);
    ck_assert_float_eq(wb[0], 0);
    rs_optim_destroy(ctx, a);
    rs_optim_destroy(ctx, b);
    ck_assert_int_eq(ctx->n_alloc, 0);
    /* the allocator's failure hook: optim_create reports NULL */
    ctx->alloc_fail_at = ctx->alloc_count;
    ck_assert_ptr_null(rs_optim_create(ctx, &c, 4));
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

static Suite *optim_suite(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("optim");
    tcase_add_loop_test(tc, test_matches_torch_reference, 0, (int)N_CASES);
    tcase_add_test(tc, test_by_hand);
    tcase_add_test(tc, test_independent_states);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(optim_suite()); }
