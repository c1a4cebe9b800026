/* test_weight_decay.c: the `backprop` rule's weight_decay parameter, through the plugin, against
 * steps worked by hand. torch.optim's SGD and Adam couple the L2 penalty into the gradient,
 * d = g + wd p, for every parameter they are given (biases too, as model.parameters() gives
 * them); AdamW's decoupled decay (p -= lr wd p beside the Adam step) is a different rule, and
 * the Adam case below tells the two apart.
 *
 * The network: one identity unit with two inputs and a bias, z = w1 x1 + w2 x2 + b, trained on
 * MSE (no 1/2, as torch.nn.MSELoss), one example, so dLoss/dz = 2 (z - y) and
 * g_w = 2 (z - y) x, g_b = 2 (z - y). */
#include <math.h>
#include <string.h>

#include "act.h"
#include "network.h"
#include "testutil.h"

typedef struct unit_run {
    rs_real w1, w2, b; /* after the steps */
} unit_run;

/* `steps` backprop steps from w = (0.5, -0.25), b = 0.1 on x = (1, x2), y = 1. */
static unit_run run(const char *rule_params, rs_real x2, int steps)
{
    rs_registry *reg = rs_test_registry();
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    char err[256];
    rs_act *id = rs_act_create(reg, "identity", err, sizeof err);
    ck_assert_msg(id != NULL, "%s", err);
    const uint32_t sizes[2] = { 2, 1 };
    const rs_act *acts[1] = { id };
    rs_net *net = rs_net_create(sizes, 1, acts, 1, 1);
    ck_assert_ptr_nonnull(net);
    net->layers[0].w[0] = 0.5f;
    net->layers[0].w[1] = -0.25f;
    net->layers[0].b[0] = 0.1f;
    const rs_rule_desc *d = (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, "backprop");
    rs_params *p = rs_test_params(&d->head, rule_params);
    rs_task_info info = { .struct_size = sizeof info, .loss = RS_LOSS_MSE };
    void *state = NULL;
    ck_assert_int_eq(d->create(host, ctx, p, net, &info, &state), RS_OK);
    rs_real x[2] = { 1, x2 }, y[1] = { 1 };
    rs_batch batch = { .n = 1, .n_in = 2, .n_out = 1, .loss = RS_LOSS_MSE, .x = x, .y = y };
    for (int t = 0; t < steps; t++) {
        rs_step_stats stats;
        memset(&stats, 0, sizeof stats);
        ck_assert_int_eq(d->step(state, ctx, net, &batch, &stats), RS_OK);
    }
    unit_run r = { net->layers[0].w[0], net->layers[0].w[1], net->layers[0].b[0] };
    d->destroy(state, ctx);
    rs_params_destroy(p);
    rs_net_destroy(net);
    rs_act_destroy(id);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
    rs_registry_destroy(reg);
    return r;
}

/* z = 0.5 - 0.5 + 0.1 = 0.1, dLoss/dz = -1.8: g = (-1.8, -3.6), g_b = -1.8.
 * wd 0:   w1 = 0.5 + 0.18 = 0.68, w2 = -0.25 + 0.36 = 0.11, b = 0.1 + 0.18 = 0.28
 * wd 0.5: d = g + 0.5 p = (-1.55, -3.725), d_b = -1.75:
 *         w1 = 0.5 + 0.155 = 0.655, w2 = -0.25 + 0.3725 = 0.1225, b = 0.1 + 0.175 = 0.275 */
START_TEST(test_sgd_one_step)
{
    unit_run r = run("lr=0.1,loss=mse", 2, 1);
    ck_assert_double_eq_tol(r.w1, 0.68, 1e-6);
    ck_assert_double_eq_tol(r.w2, 0.11, 1e-6);
    ck_assert_double_eq_tol(r.b, 0.28, 1e-6);
    r = run("lr=0.1,loss=mse,weight_decay=0.5", 2, 1);
    ck_assert_double_eq_tol(r.w1, 0.655, 1e-6);
    ck_assert_double_eq_tol(r.w2, 0.1225, 1e-6);
    ck_assert_double_eq_tol(r.b, 0.275, 1e-6);
}
END_TEST

/* Momentum 0.9 with wd 0.5, lr 0.1, x = (1, 2), two steps.
 * step 1: buf = d1 = (-1.55, -3.725, -1.75); p = (0.655, 0.1225, 0.275)
 * step 2: z = 0.655 + 0.245 + 0.275 = 1.175, dLoss/dz = 0.35: g = (0.35, 0.7, 0.35);
 *         d2 = g + 0.5 p = (0.6775, 0.76125, 0.4875);
 *         buf = 0.9 buf + d2 = (-0.7175, -2.59125, -1.0875);
 *         p -= 0.1 buf: (0.72675, 0.381625, 0.38375) */
START_TEST(test_sgd_momentum_two_steps)
{
    unit_run r = run("lr=0.1,loss=mse,momentum=0.9,weight_decay=0.5", 2, 2);
    ck_assert_double_eq_tol(r.w1, 0.72675, 1e-5);
    ck_assert_double_eq_tol(r.w2, 0.381625, 1e-5);
    ck_assert_double_eq_tol(r.b, 0.38375, 1e-5);
}
END_TEST

/* Adam's first step moves each parameter by lr against the sign of d (the bias corrections
 * cancel; eps 1e-8 is negligible here). With x2 = 0 the gradient of w2 is exactly 0, so only the
 * coupled decay moves it: d = 0.5 * -0.25 < 0, w2 = -0.25 + 0.01 = -0.24. Without decay it stays;
 * AdamW's decoupled decay would give -0.25 (1 - 0.01 * 0.5) = -0.24875 instead.
 * z = 0.6, dLoss/dz = -0.8: w1 d = -0.8 + 0.25 < 0 -> 0.51; b d = -0.8 + 0.05 < 0 -> 0.11. */
START_TEST(test_adam_first_step_is_coupled)
{
    unit_run r = run("lr=0.01,loss=mse,optimizer=adam", 0, 1);
    ck_assert_double_eq_tol(r.w2, -0.25, 1e-7);
    r = run("lr=0.01,loss=mse,optimizer=adam,weight_decay=0.5", 0, 1);
    ck_assert_double_eq_tol(r.w1, 0.51, 1e-6);
    ck_assert_double_eq_tol(r.w2, -0.24, 1e-6);
    ck_assert_double_eq_tol(r.b, 0.11, 1e-6);
}
END_TEST

static Suite *weight_decay_suite(void)
{
    Suite *s = suite_create("weight_decay");
    TCase *tc = tcase_create("backprop");
    tcase_add_test(tc, test_sgd_one_step);
    tcase_add_test(tc, test_sgd_momentum_two_steps);
    tcase_add_test(tc, test_adam_first_step_is_coupled);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(weight_decay_suite()); }
