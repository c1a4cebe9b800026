/* test_tape.c: the autodiff tape (core/math/tape.c, tape_net.c): every op's backward against
 * central finite differences, the fused LSTM cell against the same cell composed of plain
 * ops, errors, the no-record mode, and the arena's promise of no allocation in steady state.
 *
 * The finite-difference checker (docs/ARCHITECTURE.md) builds a computation from parameter
 * leaves, reduces it to loss = sum(out * R) with a fixed random R (so every output entry
 * matters with its own weight), and compares each leaf entry's tape gradient with
 * (loss(x + h) - loss(x - h)) / 2h, h = 1e-6, in double: truncation error O(h^2) ~ 1e-12 and
 * rounding ~ 1e-16 / h ~ 1e-10, so |tape - fd| <= 1e-7 * max(1, |tape|) is a tight bound
 * that still never fails by chance. Inputs are kept away from kinks (relu, clip). It also
 * asserts that some gradient is non-zero, so a backward that does nothing cannot pass.
 *
 * Every check then runs the same computation on a float tape (RS_TAPE_FLOAT) and compares its
 * loss and gradients with the double tape's (check_float below), so each op's float forward
 * and backward kernel is tested against the double one that finite differences just checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "kernels.h"
#include "network.h"
#include "tape.h"
#include "testutil.h"

#define MAX_LEAVES 4
#define FD_H 1e-6
#define FD_TOL 1e-7

typedef rs_tv (*build_fn)(rs_tape *t, const rs_tv *x, const void *arg);

typedef struct leafset {
    uint32_t n;
    uint32_t rows[MAX_LEAVES], cols[MAX_LEAVES];
    double *v[MAX_LEAVES];
} leafset;

static uint64_t lcg = 12345;
static double urand(double lo, double hi)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * (double)(lcg >> 11) / 9007199254740992.0;
}

static void ls_add(leafset *ls, uint32_t rows, uint32_t cols, double lo, double hi)
{
    uint32_t k = ls->n++;
    ls->rows[k] = rows;
    ls->cols[k] = cols;
    ls->v[k] = malloc((size_t)rows * cols * sizeof(double));
    for (size_t i = 0; i < (size_t)rows * cols; i++) {
        double u = urand(lo, hi);
        ls->v[k][i] = u;
    }
}

static void ls_free(leafset *ls)
{
    for (uint32_t k = 0; k < ls->n; k++)
        free(ls->v[k]);
}

/* loss = sum(f(x) * R); R drawn once per check (weights[] of the output's size). */
static double run(rs_tape *t, build_fn f, const void *arg, const leafset *ls, const double *r,
                  size_t r_len, rs_tv *leaves, int backward)
{
    rs_tape_reset(t);
    for (uint32_t k = 0; k < ls->n; k++)
        leaves[k] = rs_tape_param(t, ls->rows[k], ls->cols[k], ls->v[k]);
    rs_tv out = f(t, leaves, arg);
    uint32_t rows, cols;
    rs_tape_shape(t, out, &rows, &cols);
    ck_assert_msg(out != RS_TV_NONE, "op failed: %s", rs_tape_error(t));
    ck_assert_uint_le((size_t)rows * cols, r_len);
    rs_tv rr = rs_tape_const(t, rows, cols, r);
    rs_tv loss = rs_tape_sum(t, rs_tape_mul(t, out, rr), -1);
    ck_assert_msg(loss != RS_TV_NONE, "%s", rs_tape_error(t));
    if (backward)
        ck_assert_int_eq(rs_tape_backward(t, loss), RS_OK);
    return rs_tape_value(t, loss)[0];
}

/* The float tape against the double one (g_d: the double tape's leaf gradients, loss_d its
 * loss). Float rounds every op to 6e-8 relative (half an ulp); these computations chain under
 * 10 ops with sums of under 200 terms, and the worst difference measured over every check here
 * is 1.8e-7 of the leaf's gradient scale max(1, max |g|) (the 16 x 12 x 10 matmul). The bound,
 * 2e-6 of that scale, leaves a margin of 10 and is still far below what a wrong float kernel
 * gives (a missing or misplaced term: O(|g|)). The float tape must also differ from the double
 * somewhere: otherwise it did not compute in float at all. */
#define FLOAT_TOL 2e-6

static void check_float(const char *name, build_fn f, const void *arg, const leafset *ls,
                        const double *r, double *const *g_d, double loss_d)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create_prec(ctx, 1, RS_TAPE_FLOAT);
    ck_assert_int_eq(rs_tape_precision(t), RS_TAPE_FLOAT);
    rs_tv leaves[MAX_LEAVES];
    double loss_f = run(t, f, arg, ls, r, 4096, leaves, 1);
    ck_assert_msg(fabs(loss_f - loss_d) <= FLOAT_TOL * fmax(1, fabs(loss_d)),
                  "%s: float tape loss %.9g, double %.9g", name, loss_f, loss_d);
    int differs = loss_f != loss_d;
    for (uint32_t k = 0; k < ls->n; k++) {
        const size_t len = (size_t)ls->rows[k] * ls->cols[k];
        const double *gf = rs_tape_grad(t, leaves[k]);
        ck_assert_msg(gf != NULL, "%s: leaf %u has no float gradient", name, k);
        ck_assert_ptr_eq(rs_tape_grad(t, leaves[k]), gf); /* one copy, kept until the reset */
        double scale = 1;
        for (size_t i = 0; i < len; i++)
            scale = fmax(scale, fabs(g_d[k][i]));
        for (size_t i = 0; i < len; i++) {
            const double d = fabs(gf[i] - g_d[k][i]) / scale;
            ck_assert_msg(d <= FLOAT_TOL, "%s: leaf %u entry %zu: float tape %.9g, double %.9g",
                          name, k, i, gf[i], g_d[k][i]);
            differs |= gf[i] != g_d[k][i];
        }
    }
    ck_assert_msg(differs, "%s: the float tape gave the double tape's numbers bit for bit", name);
    rs_tape_destroy(ctx, t);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}

static void check_grad(const char *name, build_fn f, const void *arg, leafset *ls)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create(ctx, 1);
    double r[4096];
    for (int i = 0; i < 4096; i++)
        r[i] = urand(-1, 1);
    rs_tv leaves[MAX_LEAVES];
    const double loss = run(t, f, arg, ls, r, 4096, leaves, 1);
    double *g[MAX_LEAVES];
    double gmax = 0;
    for (uint32_t k = 0; k < ls->n; k++) {
        size_t len = (size_t)ls->rows[k] * ls->cols[k];
        g[k] = malloc(len * sizeof(double));
        const double *tg = rs_tape_grad(t, leaves[k]);
        ck_assert_msg(tg != NULL, "%s: leaf %u has no gradient", name, k);
        memcpy(g[k], tg, len * sizeof(double));
    }
    for (uint32_t k = 0; k < ls->n; k++)
        for (size_t i = 0; i < (size_t)ls->rows[k] * ls->cols[k]; i++) {
            double keep = ls->v[k][i];
            ls->v[k][i] = keep + FD_H;
            double up = run(t, f, arg, ls, r, 4096, leaves, 0);
            ls->v[k][i] = keep - FD_H;
            double down = run(t, f, arg, ls, r, 4096, leaves, 0);
            ls->v[k][i] = keep;
            double fd = (up - down) / (2 * FD_H);
            ck_assert_msg(fabs(g[k][i] - fd) <= FD_TOL * fmax(1, fabs(g[k][i])),
                          "%s: leaf %u entry %zu: tape %.12g, finite differences %.12g", name, k,
                          i, g[k][i], fd);
            gmax = fmax(gmax, fabs(g[k][i]));
        }
    ck_assert_msg(gmax > 1e-3, "%s: every gradient is ~0 (%g): backward did nothing?", name, gmax);
    check_float(name, f, arg, ls, r, g, loss);
    for (uint32_t k = 0; k < ls->n; k++)
        free(g[k]);
    rs_tape_destroy(ctx, t);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
    ls_free(ls);
}

/* ---- the ops ---------------------------------------------------------------------------------- */

static rs_tv b_matmul(rs_tape *t, const rs_tv *x, const void *arg)
{
    const int *tr = arg;
    return rs_tape_matmul(t, x[0], tr[0], x[1], tr[1]);
}

START_TEST(test_matmul)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            leafset ls = { 0 };
            ls_add(&ls, ta ? 4 : 3, ta ? 3 : 4, -1, 1); /* op(a) 3 x 4 */
            ls_add(&ls, tb ? 5 : 4, tb ? 4 : 5, -1, 1); /* op(b) 4 x 5 */
            int tr[2] = { ta, tb };
            check_grad("matmul", b_matmul, tr, &ls);
            /* 16 x 12 times 12 x 10, 1920 multiply-adds: the float tape's cblas_sgemm path */
            ls = (leafset){ 0 };
            ls_add(&ls, ta ? 12 : 16, ta ? 16 : 12, -1, 1);
            ls_add(&ls, tb ? 10 : 12, tb ? 12 : 10, -1, 1);
            check_grad("matmul (BLAS in float)", b_matmul, tr, &ls);
        }
}
END_TEST

typedef struct bin_arg { int op; } bin_arg;

static rs_tv b_binary(rs_tape *t, const rs_tv *x, const void *arg)
{
    int op = *(const int *)arg;
    return op == 0 ? rs_tape_add(t, x[0], x[1]) : op == 1 ? rs_tape_sub(t, x[0], x[1])
                                                          : rs_tape_mul(t, x[0], x[1]);
}

START_TEST(test_binary_broadcast)
{
    /* full with full, row, column, scalar; and the broadcast operand first */
    const uint32_t shapes[][4] = { { 3, 4, 3, 4 }, { 3, 4, 1, 4 }, { 3, 4, 3, 1 },
                                   { 3, 4, 1, 1 }, { 1, 4, 3, 4 }, { 3, 1, 1, 4 } };
    for (int op = 0; op < 3; op++)
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            leafset ls = { 0 };
            ls_add(&ls, shapes[s][0], shapes[s][1], -1, 1);
            ls_add(&ls, shapes[s][2], shapes[s][3], -1, 1);
            check_grad(op == 0 ? "add" : op == 1 ? "sub" : "mul", b_binary, &op, &ls);
        }
}
END_TEST

static rs_tv b_unary(rs_tape *t, const rs_tv *x, const void *arg)
{
    switch (*(const int *)arg) {
    case 0: return rs_tape_scale(t, x[0], -2.5);
    case 1: return rs_tape_sigmoid(t, x[0]);
    case 2: return rs_tape_tanh(t, x[0]);
    case 3: return rs_tape_relu(t, x[0]);
    case 4: return rs_tape_exp(t, x[0]);
    case 5: return rs_tape_log(t, x[0]);
    case 6: return rs_tape_square(t, x[0]);
    case 7: return rs_tape_softplus(t, x[0]);
    case 8: return rs_tape_leaky_relu(t, x[0], 0.1);
    case 9: return rs_tape_clip(t, x[0], -0.5, 0.5);
    case 10: return rs_tape_log_softmax(t, x[0]);
    }
    return RS_TV_NONE;
}

START_TEST(test_unary)
{
    static const char *names[] = { "scale", "sigmoid", "tanh", "relu", "exp", "log", "square",
                                   "softplus", "leaky_relu", "clip", "log_softmax" };
    for (int op = 0; op <= 10; op++) {
        leafset ls = { 0 };
        if (op == 5)
            ls_add(&ls, 3, 4, 0.2, 2); /* log: positive */
        else
            ls_add(&ls, 3, 4, -3, 3);
        if (op == 3 || op == 8 || op == 9) /* keep a margin from the kinks at 0 and +-0.5 */
            for (int i = 0; i < 12; i++) {
                double *v = &ls.v[0][i];
                if (fabs(*v) < 0.05 || fabs(fabs(*v) - 0.5) < 0.05)
                    *v += 0.2;
            }
        if (op == 7) /* softplus above its threshold 20 too */
            ls.v[0][0] = 25, ls.v[0][1] = -25;
        check_grad(names[op], b_unary, &op, &ls);
    }
}
END_TEST

static rs_tv b_reduce(rs_tape *t, const rs_tv *x, const void *arg)
{
    const int *a = arg; /* op, axis */
    return a[0] ? rs_tape_mean(t, x[0], a[1]) : rs_tape_sum(t, x[0], a[1]);
}

START_TEST(test_reductions)
{
    for (int op = 0; op < 2; op++)
        for (int axis = -1; axis <= 1; axis++) {
            leafset ls = { 0 };
            ls_add(&ls, 3, 5, -1, 1);
            int a[2] = { op, axis };
            check_grad(op ? "mean" : "sum", b_reduce, a, &ls);
        }
}
END_TEST

static rs_tv b_broadcast(rs_tape *t, const rs_tv *x, const void *arg)
{
    (void)arg;
    return rs_tape_broadcast(t, x[0], 4, 3);
}

START_TEST(test_broadcast)
{
    const uint32_t shapes[][2] = { { 1, 3 }, { 4, 1 }, { 1, 1 }, { 4, 3 } };
    for (int s = 0; s < 4; s++) {
        leafset ls = { 0 };
        ls_add(&ls, shapes[s][0], shapes[s][1], -1, 1);
        check_grad("broadcast", b_broadcast, NULL, &ls);
    }
}
END_TEST

static rs_tv b_shapes(rs_tape *t, const rs_tv *x, const void *arg)
{
    switch (*(const int *)arg) {
    case 0: /* reshape aliases: feed it through an op on both sides */
        return rs_tape_tanh(t, rs_tape_reshape(t, rs_tape_scale(t, x[0], 1.5), 2, 6));
    case 1: return rs_tape_concat(t, x, 3, 1); /* 3 x (2 + 1 + 3) */
    case 2: { rs_tv p[3] = { x[0], x[1], x[2] }; return rs_tape_concat(t, p, 3, 0); }
    case 3: return rs_tape_slice(t, x[0], 0, 1, 2);
    case 4: return rs_tape_slice(t, x[0], 1, 2, 2);
    }
    return RS_TV_NONE;
}

START_TEST(test_shape_ops)
{
    leafset ls = { 0 };
    int op = 0;
    ls_add(&ls, 3, 4, -1, 1);
    check_grad("reshape", b_shapes, &op, &ls);
    op = 1;
    ls = (leafset){ 0 };
    ls_add(&ls, 3, 2, -1, 1);
    ls_add(&ls, 3, 1, -1, 1);
    ls_add(&ls, 3, 3, -1, 1);
    check_grad("concat(axis 1)", b_shapes, &op, &ls);
    op = 2;
    ls = (leafset){ 0 };
    ls_add(&ls, 2, 3, -1, 1);
    ls_add(&ls, 1, 3, -1, 1);
    ls_add(&ls, 4, 3, -1, 1);
    check_grad("concat(axis 0)", b_shapes, &op, &ls);
    for (op = 3; op <= 4; op++) {
        ls = (leafset){ 0 };
        ls_add(&ls, 4, 5, -1, 1);
        check_grad("slice", b_shapes, &op, &ls);
    }
}
END_TEST

/* The LSTM cell, fused, and composed of plain ops; loss reads both h and c. */
static rs_tv lstm_composed(rs_tape *t, rs_tv z, rs_tv cp, uint32_t hid, rs_tv *c_out)
{
    rs_tv i = rs_tape_sigmoid(t, rs_tape_slice(t, z, 1, 0, hid));
    rs_tv f = rs_tape_sigmoid(t, rs_tape_slice(t, z, 1, hid, hid));
    rs_tv g = rs_tape_tanh(t, rs_tape_slice(t, z, 1, 2 * hid, hid));
    rs_tv o = rs_tape_sigmoid(t, rs_tape_slice(t, z, 1, 3 * hid, hid));
    *c_out = rs_tape_add(t, rs_tape_mul(t, f, cp), rs_tape_mul(t, i, g));
    return rs_tape_mul(t, o, rs_tape_tanh(t, *c_out));
}

static rs_tv b_lstm(rs_tape *t, const rs_tv *x, const void *arg)
{
    const int composed = *(const int *)arg;
    rs_tv c;
    rs_tv h = composed ? lstm_composed(t, x[0], x[1], 3, &c) : rs_tape_lstm_cell(t, x[0], x[1], &c);
    /* two chained steps, so the c -> c path is exercised too */
    rs_tv z2 = rs_tape_add(t, x[0], rs_tape_matmul(t, h, 0, x[2], 0));
    rs_tv c2;
    rs_tv h2 = composed ? lstm_composed(t, z2, c, 3, &c2) : rs_tape_lstm_cell(t, z2, c, &c2);
    rs_tv parts[2] = { h2, c2 };
    return rs_tape_concat(t, parts, 2, 1);
}

START_TEST(test_lstm_cell)
{
    for (int composed = 0; composed < 2; composed++) {
        leafset ls = { 0 };
        lcg = 777;
        ls_add(&ls, 5, 12, -2, 2); /* z: n = 5 rows, H = 3 */
        ls_add(&ls, 5, 3, -1, 1);  /* c_prev */
        ls_add(&ls, 3, 12, -1, 1); /* a recurrent matrix */
        check_grad(composed ? "lstm (composed)" : "lstm_cell", b_lstm, &composed, &ls);
    }
    /* fused and composed agree on values and gradients */
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create(ctx, 1);
    double z[60], cp[15], w[36];
    for (int i = 0; i < 60; i++) z[i] = urand(-2, 2);
    for (int i = 0; i < 15; i++) cp[i] = urand(-1, 1);
    for (int i = 0; i < 36; i++) w[i] = urand(-1, 1);
    double val[2][30], gz[2][60], gc[2][15];
    for (int composed = 0; composed < 2; composed++) {
        rs_tape_reset(t);
        rs_tv x[3] = { rs_tape_param(t, 5, 12, z), rs_tape_param(t, 5, 3, cp),
                       rs_tape_param(t, 3, 12, w) };
        rs_tv out = b_lstm(t, x, &composed);
        rs_tv loss = rs_tape_sum(t, rs_tape_square(t, out), -1);
        ck_assert_int_eq(rs_tape_backward(t, loss), RS_OK);
        memcpy(val[composed], rs_tape_value(t, out), sizeof val[0]);
        memcpy(gz[composed], rs_tape_grad(t, x[0]), sizeof gz[0]);
        memcpy(gc[composed], rs_tape_grad(t, x[1]), sizeof gc[0]);
    }
    for (int i = 0; i < 30; i++)
        ck_assert_double_eq_tol(val[0][i], val[1][i], 1e-14);
    for (int i = 0; i < 60; i++)
        ck_assert_double_eq_tol(gz[0][i], gz[1][i], 1e-13);
    for (int i = 0; i < 15; i++)
        ck_assert_double_eq_tol(gc[0][i], gc[1][i], 1e-13);
    rs_tape_destroy(ctx, t);
    rs_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_stop_gradient)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create(ctx, 1);
    double av[3] = { 1, 2, 3 }, bv[3] = { -1, 0.5, 2 };
    rs_tv a = rs_tape_param(t, 3, 1, av), b = rs_tape_param(t, 3, 1, bv);
    /* loss = sum(stop(a) * b + a): d/da = 1 (only the direct path), d/db = a */
    rs_tv loss = rs_tape_sum(t, rs_tape_add(t, rs_tape_mul(t, rs_tape_stop_gradient(t, a), b), a), -1);
    ck_assert_int_eq(rs_tape_backward(t, loss), RS_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq(rs_tape_grad(t, a)[i], 1);
        ck_assert_double_eq(rs_tape_grad(t, b)[i], av[i]);
    }
    rs_tape_destroy(ctx, t);
    rs_ctx_destroy(ctx);
}
END_TEST

/* ---- the network's forward pass and the losses ------------------------------------------------ */

typedef struct net_arg {
    rs_net *net;
    uint32_t loss;
    const double *x, *y;
} net_arg;

static rs_tv b_net(rs_tape *t, const rs_tv *v, const void *arg)
{
    const net_arg *na = arg;
    rs_tv w[2] = { v[0], v[2] }, b[2] = { v[1], v[3] }, a[3];
    rs_tv x = rs_tape_const(t, 2, 4, na->x);
    if (rs_tape_net_forward(t, na->net, w, b, x, a) != RS_OK)
        return RS_TV_NONE;
    if (na->loss == 99)
        return a[2];
    return rs_tape_loss(t, na->loss, a[2], rs_tape_const(t, 2, 4, na->y));
}

START_TEST(test_net_forward_and_losses)
{
    rs_registry *reg = rs_test_registry();
    const char *hidden[] = { "tanh", "relu", "leaky_relu:slope=0.2", "softplus", "sigmoid",
                             "identity" };
    const double x[8] = { 0, 0, 1, 1, 0, 1, 0, 1 };
    const double y01[8] = { 1, 0, 0, 1, 0, 1, 1, 0 }; /* two outputs, one-hot */
    for (size_t h = 0; h < sizeof hidden / sizeof *hidden; h++)
        for (uint32_t loss = 0; loss <= 3; loss++) { /* MSE, BCE, CE, plain output (99) */
            char err[256];
            rs_act *acts[2] = { rs_act_create(reg, hidden[h], err, sizeof err),
                                rs_act_create(reg, loss == 1 ? "sigmoid" : "tanh", err,
                                              sizeof err) };
            ck_assert_ptr_nonnull(acts[0]);
            uint32_t sizes[3] = { 2, 3, 2 };
            rs_net *net = rs_net_create(sizes, 2, (const rs_act *const *)acts, 1, 4);
            net_arg na = { net, loss == 3 ? 99 : loss, x, y01 };
            leafset ls = { 0 };
            ls_add(&ls, 3, 2, -1, 1);
            ls_add(&ls, 3, 1, -1, 1);
            ls_add(&ls, 2, 3, -1, 1);
            ls_add(&ls, 2, 1, -1, 1);
            if (strncmp(hidden[h], "relu", 4) == 0 || hidden[h][0] == 'l') {
                /* no hidden pre-activation within 0.05 of the kink over the 4 examples */
                for (int tries = 0; tries < 100; tries++) {
                    int near = 0;
                    for (int i = 0; i < 3; i++)
                        for (int e = 0; e < 4; e++) {
                            double z = ls.v[1][i] + ls.v[0][2 * i] * x[e] + ls.v[0][2 * i + 1] * x[4 + e];
                            near |= fabs(z) < 0.05;
                        }
                    if (!near)
                        break;
                    ls.v[1][0] += 0.1, ls.v[1][1] -= 0.13, ls.v[1][2] += 0.07;
                }
            }
            check_grad(hidden[h], b_net, &na, &ls);
            rs_net_destroy(net);
            rs_act_destroy(acts[0]);
            rs_act_destroy(acts[1]);
        }
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_losses_match_host)
{
    /* the tape's losses give rs_loss's numbers (float inputs: to 1e-12 on the double tape, to
     * float's 1e-6 on the float one) */
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_real pred[6] = { 0.2f, 0.9f, 0.4f, 0.7f, 0.1f, 0.5f }, y[6] = { 0, 1, 1, 1, 0, 0 };
    for (int prec = RS_TAPE_DOUBLE; prec <= RS_TAPE_FLOAT; prec++) {
        rs_tape *t = rs_tape_create_prec(ctx, 0, prec);
        for (uint32_t kind = 0; kind <= 2; kind++) {
            rs_tape_reset(t);
            rs_tv l = rs_tape_loss(t, kind, rs_tape_const_real(t, 2, 3, pred),
                                   rs_tape_const_real(t, 2, 3, y));
            ck_assert_msg(l != RS_TV_NONE, "%s", rs_tape_error(t));
            ck_assert_double_eq_tol(rs_tape_value(t, l)[0], rs_loss(kind, pred, y, 2, 3, NULL),
                                    prec == RS_TAPE_FLOAT ? 1e-6 : 1e-12);
        }
        rs_tape_destroy(ctx, t);
    }
    rs_ctx_destroy(ctx);
}
END_TEST

/* A float tape's boundaries: leaves round to float, tape_value hands out a double copy (the
 * same pointer on every call until the reset), a reset forgets it. */
START_TEST(test_float_boundaries)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create_prec(ctx, 1, RS_TAPE_FLOAT);
    const double x[3] = { 0.1, -1.0 / 3, 1e-3 };
    rs_tv a = rs_tape_param(t, 3, 1, x);
    const double *v = rs_tape_value(t, a);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_eq(rs_tape_value(t, a), v);
    for (int i = 0; i < 3; i++) {
        ck_assert(v[i] == (double)(float)x[i]);
        ck_assert(v[i] != x[i]); /* none of these is a float */
    }
    rs_tv loss = rs_tape_sum(t, rs_tape_square(t, a), -1);
    ck_assert_int_eq(rs_tape_backward(t, loss), RS_OK);
    for (int i = 0; i < 3; i++)
        ck_assert(rs_tape_grad(t, a)[i] == (double)(2 * (float)x[i]));
    ck_assert_ptr_null(rs_tape_grad(t, rs_tape_fill(t, 1, 1, 2.0))); /* no gradient: none */
    rs_tape_destroy(ctx, t);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

/* ---- errors, recording, memory --------------------------------------------------------------- */

START_TEST(test_errors)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_tape *t = rs_tape_create(ctx, 1);
    rs_tv a = rs_tape_fill(t, 2, 3, 1.0), b = rs_tape_fill(t, 4, 2, 1.0);
    ck_assert_ptr_null(rs_tape_error(t));
    rs_tv c = rs_tape_matmul(t, a, 0, b, 0); /* 2x3 times 4x2 */
    ck_assert_int_eq(c, RS_TV_NONE);
    ck_assert_str_eq(rs_tape_error(t), "matmul: op(a) is 2 x 3 but op(b) is 4 x 2");
    /* later ops pass NONE along quietly; the first message stays */
    rs_tv d = rs_tape_tanh(t, c);
    ck_assert_int_eq(d, RS_TV_NONE);
    ck_assert_str_eq(rs_tape_error(t), "matmul: op(a) is 2 x 3 but op(b) is 4 x 2");
    ck_assert_int_ne(rs_tape_backward(t, d), RS_OK);
    rs_tape_reset(t);
    ck_assert_ptr_null(rs_tape_error(t));
    a = rs_tape_fill(t, 2, 3, 1.0);
    b = rs_tape_fill(t, 3, 2, 1.0);
    ck_assert_int_eq(rs_tape_add(t, a, b), RS_TV_NONE);
    ck_assert_str_eq(rs_tape_error(t), "add: shapes 2 x 3 and 3 x 2 do not broadcast");
    rs_tape_reset(t);
    ck_assert_int_eq(rs_tape_tanh(t, 42), RS_TV_NONE);
    ck_assert_str_eq(rs_tape_error(t), "tanh: invalid tensor handle 42");
    rs_tape_reset(t);
    a = rs_tape_param(t, 2, 2, NULL);
    ck_assert_int_eq(rs_tape_backward(t, a), RS_ERR_SHAPE); /* not a scalar */
    rs_tape_reset(t);
    a = rs_tape_fill(t, 2, 2, 1.0);
    ck_assert_int_eq(rs_tape_slice(t, a, 1, 1, 2), RS_TV_NONE);
    ck_assert_str_eq(rs_tape_error(t), "slice: [1, 3) along axis 1 of a 2 x 2 tensor");
    rs_tape_destroy(ctx, t);
    /* a values-only tape computes but refuses backward */
    t = rs_tape_create(ctx, 0);
    a = rs_tape_fill(t, 1, 1, 0.5);
    rs_tv s = rs_tape_sigmoid(t, a);
    ck_assert_double_eq_tol(rs_tape_value(t, s)[0], 1 / (1 + exp(-0.5)), 1e-15);
    ck_assert_int_eq(rs_tape_backward(t, s), RS_ERR_UNSUPPORTED);
    rs_tape_destroy(ctx, t);
    ck_assert_int_eq(ctx->n_alloc, 0);
    rs_ctx_destroy(ctx);
}
END_TEST

/* A computation that outgrows the first block: after one reset, repeating it allocates
 * nothing, and gives bit-identical numbers, on either tape (the float tape's double copies
 * from tape_value and tape_grad included). */
START_TEST(test_steady_state_no_allocation)
{
    rs_ctx *ctx = rs_ctx_create(1, 0);
    for (int prec = RS_TAPE_DOUBLE; prec <= RS_TAPE_FLOAT; prec++) {
        rs_tape *t = rs_tape_create_prec(ctx, 1, prec);
        double g0 = 0, h0 = 0;
        long allocs = 0;
        for (int rep = 0; rep < 4; rep++) {
            rs_tape_reset(t);
            if (rep == 2)
                allocs = rs_tape_allocations(t);
            rs_tv w = rs_tape_param(t, 40, 40, NULL);
            rs_tv h = rs_tape_fill(t, 40, 1, 0.1);
            for (int k = 0; k < 50; k++) /* 50 steps of a 40-unit tanh RNN: > 4096 doubles */
                h = rs_tape_tanh(t, rs_tape_add(t, rs_tape_matmul(t, w, 0, h, 0),
                                                rs_tape_fill(t, 40, 1, 0.01 * k)));
            rs_tv loss = rs_tape_sum(t, h, -1);
            ck_assert_int_eq(rs_tape_backward(t, loss), RS_OK);
            if (rep == 0) {
                g0 = rs_tape_grad(t, w)[7];
                h0 = rs_tape_value(t, h)[3];
            } else {
                ck_assert(rs_tape_grad(t, w)[7] == g0);
                ck_assert(rs_tape_value(t, h)[3] == h0);
            }
        }
        ck_assert_int_gt(allocs, 1);                     /* it did need several blocks once */
        ck_assert_int_eq(rs_tape_allocations(t), allocs); /* and none after coalescing */
        rs_tape_destroy(ctx, t);
    }
    rs_ctx_destroy(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tape");
    TCase *tc = tcase_create("ops");
    tcase_add_test(tc, test_matmul);
    tcase_add_test(tc, test_binary_broadcast);
    tcase_add_test(tc, test_unary);
    tcase_add_test(tc, test_reductions);
    tcase_add_test(tc, test_broadcast);
    tcase_add_test(tc, test_shape_ops);
    tcase_add_test(tc, test_lstm_cell);
    tcase_add_test(tc, test_stop_gradient);
    tcase_add_test(tc, test_net_forward_and_losses);
    tcase_add_test(tc, test_losses_match_host);
    tcase_add_test(tc, test_float_boundaries);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_steady_state_no_allocation);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
