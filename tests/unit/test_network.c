/* test_network.c: layered networks and the math under them (core/math/network.c, kernels.c,
 * rng.c): a forward pass worked by hand, backward gradients against central finite
 * differences of the host's loss, the init schemes, the CBLAS path against the loops and a
 * double reference, and the random streams.
 *
 * Finite differences: the loss is the host's rs_loss (double accumulation over the float
 * network output); the step is h = 2^-7 in float, and the divisor is the difference of the two
 * float weights actually used. Float rounding of a loss of order 1 is ~1e-7, so the quotient
 * carries ~1e-5 of noise; truncation is O(h^2) ~ 1e-5 too. Tolerance: 2e-2 relative plus 2e-4
 * absolute. A weight whose perturbation moves any pre-activation across a ReLU kink is
 * skipped (counted, and few may be). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "ctx.h"
#include "feedback.h"
#include "kernels.h"
#include "network.h"
#include "testutil.h"

static rs_registry *reg;

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

/* A network with activations from text; acts[] owned by the caller's struct. */
typedef struct test_net {
    rs_net *net;
    rs_act *acts[8];
    uint32_t n_layers;
} test_net;

static void tn_open(test_net *t, const uint32_t *sizes, uint32_t n_layers,
                    const char *const *act_text, int bias, uint32_t max_batch)
{
    memset(t, 0, sizeof *t);
    t->n_layers = n_layers;
    char err[256];
    for (uint32_t l = 0; l < n_layers; l++) {
        t->acts[l] = rs_act_create(reg, act_text[l], err, sizeof err);
        ck_assert_msg(t->acts[l] != NULL, "%s", err);
    }
    t->net = rs_net_create(sizes, n_layers, (const rs_act *const *)t->acts, bias, max_batch);
    ck_assert_ptr_nonnull(t->net);
}

static void tn_close(test_net *t)
{
    rs_net_destroy(t->net);
    for (uint32_t l = 0; l < t->n_layers; l++)
        rs_act_destroy(t->acts[l]);
}

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* ---- forward by hand ------------------------------------------------------------------------- */

START_TEST(test_forward_by_hand)
{
    const uint32_t sizes[] = { 2, 2, 1 };
    const char *const acts[] = { "relu", "sigmoid" };
    test_net t;
    tn_open(&t, sizes, 2, acts, 1, 4);
    rs_net *net = t.net;
    ck_assert_uint_eq(net->n_params, 2 * 2 + 2 + 1 * 2 + 1);
    /* params layout: W1 (2x2) b1 (2) W2 (1x2) b2 (1), layer by layer, W then b */
    ck_assert_ptr_eq(net->layers[0].w, net->params);
    ck_assert_ptr_eq(net->layers[0].b, net->params + 4);
    ck_assert_ptr_eq(net->layers[1].w, net->params + 6);
    ck_assert_ptr_eq(net->layers[1].b, net->params + 8);
    ck_assert_ptr_eq(net->layers[1].dw, net->grads + 6);
    const rs_real w1[] = { 1, -1, 0.5f, 2 }, b1[] = { 0, -1 }, w2[] = { 1, -2 }, b2[] = { 0.5f };
    memcpy(net->layers[0].w, w1, sizeof w1);
    memcpy(net->layers[0].b, b1, sizeof b1);
    memcpy(net->layers[1].w, w2, sizeof w2);
    memcpy(net->layers[1].b, b2, sizeof b2);
    /* three examples, feature-major: (1, 2), (-1, 0.5), (2, 0) */
    const rs_real x[] = { 1, -1, 2, /* x0 */ 2, 0.5f, 0 /* x1 */ };
    ck_assert_int_eq(rs_net_forward(net, x, 3), RS_OK);
    ck_assert_uint_eq(net->n, 3);
    /* z1 = W1 x + b1:  ex0 (1-2, 0.5+4-1) = (-1, 3.5);  ex1 (-1-0.5, -0.5+1-1) = (-1.5, -0.5);
     *                  ex2 (2, 1-1) = (2, 0) */
    const rs_real z1[] = { -1, -1.5f, 2, 3.5f, -0.5f, 0 };
    const rs_real a1[] = { 0, 0, 2, 3.5f, 0, 0 };
    /* z2 = W2 a1 + b2:  ex0 0 - 7 + 0.5 = -6.5;  ex1 0.5;  ex2 2 - 0 + 0.5 = 2.5 */
    const double z2[] = { -6.5, 0.5, 2.5 };
    for (int i = 0; i < 6; i++) {
        ck_assert_float_eq(net->a[0][i], x[i]);
        ck_assert_float_eq_tol(net->z[1][i], z1[i], 1e-6);
        ck_assert_float_eq_tol(net->a[1][i], a1[i], 1e-6);
    }
    for (int b = 0; b < 3; b++) {
        ck_assert_double_eq_tol(net->z[2][b], z2[b], 1e-6);
        ck_assert_double_eq_tol(net->a[2][b], sigmoid(z2[b]), 1e-6);
    }
    ck_assert_ptr_null(net->z[0]);
    /* the one-example path gives the same numbers */
    const rs_real x2[] = { 2, 0 };
    ck_assert_int_eq(rs_net_forward(net, x2, 1), RS_OK);
    ck_assert_double_eq_tol(net->a[2][0], sigmoid(2.5), 1e-6);
    /* more than max_batch is refused, and the host says so */
    rs_real big[2 * 5] = { 0 };
    ck_assert_int_eq(rs_net_forward(net, big, 5), RS_ERR_SHAPE);
    rs_ctx *ctx = rs_ctx_create(1, 1);
    ck_assert_int_eq(rs_host_get()->net_forward(ctx, net, big, 5), RS_ERR_SHAPE);
    ck_assert_ptr_nonnull(strstr(rs_ctx_error(ctx), "capacity 4"));
    rs_ctx_destroy(ctx);
    /* no bias: b and db are NULL and n_params counts weights only */
    test_net u;
    tn_open(&u, sizes, 2, acts, 0, 4);
    ck_assert_uint_eq(u.net->n_params, 6);
    ck_assert_ptr_null(u.net->layers[0].b);
    ck_assert_ptr_null(u.net->layers[1].db);
    ck_assert_ptr_eq(u.net->layers[1].w, u.net->params + 4);
    tn_close(&u);
    tn_close(&t);
}
END_TEST

/* ---- losses by hand -------------------------------------------------------------------------- */

START_TEST(test_losses_by_hand)
{
    /* two outputs, two examples, feature-major */
    const rs_real p[] = { 0.5f, 1, /* unit 0 */ 0, 2 /* unit 1 */ };
    const rs_real y[] = { 1, 1, 0, 0 };
    rs_real d[4];
    /* MSE: mean of (e^2) = (0.25 + 0 + 0 + 4) / 4; d = 2 e / 4 */
    ck_assert_double_eq_tol(rs_loss(RS_LOSS_MSE, p, y, 2, 2, d), 4.25 / 4, 1e-7);
    ck_assert_float_eq_tol(d[0], -0.25f, 1e-7);
    ck_assert_float_eq_tol(d[3], 1.0f, 1e-7);
    /* softmax CE, class = argmax y = unit 0 for both examples:
     * ex0 logits (0.5, 0): log(e^.5 + 1) - 0.5;  ex1 (1, 2): log(e + e^2) - 1 */
    double want = (log(exp(0.5) + 1) - 0.5 + log(exp(1.0) + exp(2.0)) - 1) / 2;
    ck_assert_double_eq_tol(rs_loss(RS_LOSS_SOFTMAX_CE, p, y, 2, 2, d), want, 1e-6);
    /* d = (softmax - onehot) / n */
    ck_assert_double_eq_tol(d[0], (exp(0.5) / (exp(0.5) + 1) - 1) / 2, 1e-6);
    ck_assert_double_eq_tol(d[3], (exp(2.0) / (exp(1.0) + exp(2.0))) / 2, 1e-6);
    /* BCE, with torch's clamp of log at -100 */
    const rs_real q[] = { 0.25f, 0, 1, 0.5f };
    const rs_real t[] = { 1, 1, 0, 0 };
    want = (-log(0.25) + 100 + 100 - log(0.5)) / 4;
    ck_assert_double_eq_tol(rs_loss(RS_LOSS_BCE, q, t, 1, 4, NULL), want, 1e-6);
    ck_assert_double_eq_tol(rs_host_get()->loss(RS_LOSS_BCE, q, t, 4, 1, d), want, 1e-6);
    ck_assert_double_eq_tol(d[0], (0.25 - 1) / (0.25 * 0.75) / 4, 1e-6);
    ck_assert(isfinite(d[1]) && isfinite(d[2]));
}
END_TEST

/* ---- backward against finite differences ----------------------------------------------------- */

typedef struct grad_case {
    uint32_t loss, n_layers, batch;
    uint32_t sizes[5];
    const char *acts[4];
    int bias;
} grad_case;

static const grad_case grad_cases[] = {
    { RS_LOSS_MSE, 2, 5, { 2, 3, 2 }, { "tanh", "identity" }, 1 },
    { RS_LOSS_MSE, 2, 1, { 2, 3, 2 }, { "sigmoid", "tanh" }, 1 },
    { RS_LOSS_MSE, 3, 4, { 3, 4, 3, 2 }, { "sigmoid", "softplus", "tanh" }, 0 },
    { RS_LOSS_MSE, 3, 7, { 3, 4, 3, 2 }, { "leaky_relu:slope=0.2", "relu", "identity" }, 1 },
    { RS_LOSS_BCE, 2, 6, { 2, 3, 2 }, { "tanh", "sigmoid" }, 1 },
    { RS_LOSS_BCE, 3, 3, { 3, 4, 3, 2 }, { "relu", "tanh", "sigmoid" }, 0 },
    { RS_LOSS_BCE, 3, 9, { 3, 4, 3, 1 }, { "softplus", "leaky_relu", "sigmoid" }, 1 },
    { RS_LOSS_SOFTMAX_CE, 2, 5, { 2, 3, 2 }, { "softplus", "identity" }, 1 },
    { RS_LOSS_SOFTMAX_CE, 3, 8, { 3, 4, 3, 2 }, { "tanh", "sigmoid", "identity" }, 1 },
    { RS_LOSS_SOFTMAX_CE, 3, 1, { 3, 4, 3, 2 }, { "leaky_relu:slope=0.1", "tanh", "identity" }, 0 },
    { RS_LOSS_MSE, 3, 12, { 3, 4, 3, 2 }, { "relu", "relu", "sigmoid" }, 1 },
    { RS_LOSS_SOFTMAX_CE, 3, 6, { 3, 4, 3, 2 }, { "tanh", "tanh", "identity" }, 0 },
};
#define N_GRAD_CASES (sizeof grad_cases / sizeof grad_cases[0])

static double net_loss(rs_net *net, uint32_t kind, const rs_real *x, const rs_real *y,
                       uint32_t n)
{
    ck_assert_int_eq(rs_net_forward(net, x, n), RS_OK);
    return rs_loss(kind, net->a[net->n_layers], y, net->sizes[net->n_layers], n, NULL);
}

/* Signs of every pre-activation, to notice a perturbation that crosses a kink. */
static void z_signs(const rs_net *net, unsigned char *out)
{
    size_t k = 0;
    for (uint32_t l = 1; l <= net->n_layers; l++)
        for (size_t i = 0; i < (size_t)net->sizes[l] * net->n; i++)
            out[k++] = net->z[l][i] > 0;
}

START_TEST(test_backward_matches_finite_differences)
{
    const grad_case *gc = &grad_cases[_i];
    test_net t;
    tn_open(&t, gc->sizes, gc->n_layers, gc->acts, gc->bias, gc->batch);
    rs_net *net = t.net;
    rs_rng rng;
    rs_rng_init(&rng, 1234 + (uint64_t)_i, 7);
    rs_init init = { .kind = RS_INIT_XAVIER };
    rs_net_init(net, &init, &rng);
    /* non-zero biases, so their gradients are tested away from the init's zeros */
    for (uint32_t l = 0; gc->bias && l < gc->n_layers; l++)
        rs_rng_fill_uniform(&rng, net->layers[l].b, net->layers[l].n_out, -0.5f, 0.5f);
    const uint32_t n = gc->batch, n_in = gc->sizes[0], n_out = gc->sizes[gc->n_layers];
    rs_real x[8 * 16], y[8 * 16], d_out[8 * 16];
    rs_rng_fill_uniform(&rng, x, (size_t)n_in * n, -1.5f, 1.5f);
    for (uint32_t b = 0; b < n; b++) {
        uint32_t cls = (uint32_t)(rs_rng_u64(&rng) % n_out);
        for (uint32_t i = 0; i < n_out; i++) {
            rs_real *yi = &y[(size_t)i * n + b];
            if (gc->loss == RS_LOSS_MSE)
                *yi = (rs_real)(2 * rs_rng_uniform(&rng) - 1);
            else if (gc->loss == RS_LOSS_BCE)
                *yi = (rs_real)(rs_rng_u64(&rng) & 1);
            else
                *yi = i == cls;
        }
    }

    /* analytic gradients */
    net_loss(net, gc->loss, x, y, n);
    rs_loss(gc->loss, net->a[net->n_layers], y, n_out, n, d_out);
    ck_assert_int_eq(rs_net_backward(net, d_out), RS_OK);
    const size_t np = net->n_params;
    rs_real *g = malloc(np * sizeof *g);
    memcpy(g, net->grads, np * sizeof *g);
    /* backward OVERWRITES: a second call gives the same, not twice */
    ck_assert_int_eq(rs_net_backward(net, d_out), RS_OK);
    for (size_t i = 0; i < np; i++)
        ck_assert_float_eq(net->grads[i], g[i]);

    size_t n_z = 0;
    for (uint32_t l = 1; l <= net->n_layers; l++)
        n_z += (size_t)net->sizes[l] * n;
    unsigned char *s0 = malloc(n_z), *s1 = malloc(n_z);
    z_signs(net, s0);
    const rs_real h = 0.0078125f;
    size_t skipped = 0, nonzero = 0;
    double gmax = 0;
    for (size_t i = 0; i < np; i++) {
        const rs_real w0 = net->params[i];
        const rs_real wp = w0 + h, wm = w0 - h;
        net->params[i] = wp;
        double lp = net_loss(net, gc->loss, x, y, n);
        z_signs(net, s1);
        int kink = memcmp(s0, s1, n_z) != 0;
        net->params[i] = wm;
        double lm = net_loss(net, gc->loss, x, y, n);
        z_signs(net, s1);
        kink |= memcmp(s0, s1, n_z) != 0;
        net->params[i] = w0;
        if (kink && (strstr(gc->acts[0], "relu") || strstr(gc->acts[1], "relu")
                     || (gc->n_layers > 2 && strstr(gc->acts[2], "relu")))) {
            skipped++;
            continue;
        }
        const double fd = (lp - lm) / ((double)wp - (double)wm);
        const double tol = 2e-2 * fmax(fabs(fd), fabs(g[i])) + 2e-4;
        ck_assert_msg(fabs(fd - g[i]) <= tol,
                      "case %d (loss %u, %u layers, batch %u, bias %d): param %zu of %zu: "
                      "backward %.7g, finite difference %.7g",
                      _i, gc->loss, gc->n_layers, n, gc->bias, i, np, (double)g[i], fd);
        nonzero += fabs(g[i]) > 1e-4;
        gmax = fmax(gmax, fabs(g[i]));
    }
    /* guard: a backward that returned zeros would pass the comparison on a flat loss */
    ck_assert_msg(gmax > 1e-2, "case %d: largest gradient %g", _i, gmax);
    ck_assert_msg(nonzero * 2 >= np - skipped, "case %d: only %zu of %zu gradients non-zero", _i,
                  nonzero, np);
    ck_assert_msg(skipped * 5 <= np, "case %d: %zu of %zu parameters sat on a kink", _i, skipped,
                  np);
    free(s0);
    free(s1);
    free(g);
    tn_close(&t);
}
END_TEST

/* ---- init schemes ---------------------------------------------------------------------------- */

/* min, max, mean and variance of n values */
static void stats(const rs_real *v, size_t n, double *mn, double *mx, double *mean, double *var)
{
    double s = 0, s2 = 0;
    *mn = INFINITY;
    *mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        s += v[i];
        s2 += (double)v[i] * v[i];
        *mn = fmin(*mn, v[i]);
        *mx = fmax(*mx, v[i]);
    }
    *mean = s / n;
    *var = s2 / n - *mean * *mean;
}

static const uint32_t init_sizes[] = { 60, 50, 40 };
static const char *const init_acts[] = { "relu", "identity" };

/* A uniform sample on [-bound, bound]: inside it, reaching near its ends, centred, with the
 * variance bound^2 / 3 and about a quarter in each quarter of the range. */
static void assert_uniform(const rs_real *v, size_t n, double bound, const char *what)
{
    double mn, mx, mean, var;
    stats(v, n, &mn, &mx, &mean, &var);
    ck_assert_msg(mn >= -bound && mx <= bound, "%s: [%g, %g] outside +-%g", what, mn, mx, bound);
    ck_assert_msg(mn < -0.95 * bound && mx > 0.95 * bound, "%s: [%g, %g] does not fill +-%g",
                  what, mn, mx, bound);
    double sd_mean = bound / sqrt(3.0 * n);
    ck_assert_msg(fabs(mean) < 5 * sd_mean, "%s: mean %g", what, mean);
    ck_assert_msg(fabs(var / (bound * bound / 3) - 1) < 0.1, "%s: variance %g, want %g", what,
                  var, bound * bound / 3);
    size_t bins[4] = { 0 };
    for (size_t i = 0; i < n; i++) {
        int k = (int)floor((v[i] + bound) / (2 * bound) * 4);
        bins[k < 0 ? 0 : k > 3 ? 3 : k]++;
    }
    for (int k = 0; k < 4; k++)
        ck_assert_msg(fabs((double)bins[k] / n - 0.25) < 0.04, "%s: quarter %d holds %zu of %zu",
                      what, k, bins[k], n);
}

/* ---- the backward pass through feedback matrices (host->net_backward_feedback) --------- */

/* Feedback callbacks: W_l itself (to be applied transposed: backprop), W_L for the direct
 * pass, and one that fails. */
static const rs_real *fb_own(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    (void)user, (void)ctx;
    return net->layers[l - 1].w;
}
static const rs_real *fb_top(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    (void)user, (void)ctx, (void)l;
    return net->layers[net->n_layers - 1].w;
}
static const rs_real *fb_none(void *user, rs_ctx *ctx, const rs_net *net, uint32_t l)
{
    (void)net;
    *(uint32_t *)user = l;
    rs_fail(ctx, RS_ERR_PARAM, "no feedback for layer %u", l);
    return NULL;
}

/* With W_l^T as the feedback the pass is backprop: the same delta and gradients as
 * rs_net_backward, layered (any depth) and direct (one hidden layer, B_1 = W_2^T). */
START_TEST(test_backward_feedback_is_backprop_with_w)
{
    const uint32_t sizes[] = { 3, 5, 4, 2 };
    const char *const acts[] = { "tanh", "sigmoid", "identity" };
    for (int depth = 2; depth <= 3; depth++) {
        test_net t;
        tn_open(&t, sizes + 3 - depth, (uint32_t)depth, acts + 3 - depth, 1, 6);
        rs_net *net = t.net;
        rs_rng rng;
        rs_rng_init(&rng, 99, 1);
        rs_init init = { .kind = RS_INIT_XAVIER };
        rs_net_init(net, &init, &rng);
        rs_real x[5 * 6], d_out[2 * 6], want[128], got[128];
        const uint32_t n_in = net->sizes[0], L = net->n_layers;
        rs_rng_fill_uniform(&rng, x, (size_t)n_in * 6, -1, 1);
        rs_rng_fill_uniform(&rng, d_out, (size_t)net->sizes[L] * 6, -1, 1);
        ck_assert_uint_le(net->n_params, 128);
        rs_net_forward(net, x, 6);
        rs_net_backward(net, d_out);
        memcpy(want, net->grads, net->n_params * sizeof *want);
        rs_ctx *ctx = rs_ctx_create(1, 1);
        for (int direct = 0; direct <= (depth == 2); direct++) {
            memset(net->grads, 0, net->n_params * sizeof *net->grads);
            uint32_t flags = RS_FEEDBACK_TRANSPOSE | (direct ? RS_FEEDBACK_DIRECT : 0);
            ck_assert_int_eq(rs_net_backward_feedback(ctx, net, d_out, flags,
                                                      direct ? fb_top : fb_own, NULL), RS_OK);
            memcpy(got, net->grads, net->n_params * sizeof *got);
            for (size_t k = 0; k < net->n_params; k++)
                ck_assert_msg(fabsf(got[k] - want[k]) <= 1e-6f * (1 + fabsf(want[k])),
                              "depth %d direct %d: grad %zu is %g, backprop %g", depth, direct, k,
                              (double)got[k], (double)want[k]);
        }
        /* a failing callback stops the pass with its own message, at the first layer asked */
        uint32_t asked = 0;
        ck_assert_int_eq(rs_net_backward_feedback(ctx, net, d_out, 0, fb_none, &asked),
                         RS_ERR_PARAM);
        ck_assert_uint_eq(asked, L);
        char msg[64];
        snprintf(msg, sizeof msg, "no feedback for layer %u", L);
        ck_assert_str_eq(rs_ctx_error(ctx), msg);
        rs_ctx_destroy(ctx);
        tn_close(&t);
    }
}
END_TEST

START_TEST(test_init_pytorch)
{
    test_net t;
    tn_open(&t, init_sizes, 2, init_acts, 1, 1);
    rs_rng rng;
    rs_rng_init(&rng, 5, 11);
    rs_init init;
    char err[128];
    ck_assert_int_eq(rs_init_parse("pytorch", &init, err, sizeof err), 0);
    rs_net_init(t.net, &init, &rng);
    const rs_layer *l1 = &t.net->layers[0], *l2 = &t.net->layers[1];
    assert_uniform(l1->w, 50 * 60, 1 / sqrt(60.0), "pytorch W1");
    assert_uniform(l2->w, 40 * 50, 1 / sqrt(50.0), "pytorch W2");
    double mn, mx, mean, var;
    stats(l1->b, 50, &mn, &mx, &mean, &var); /* biases: the same bound, fan_in of the layer */
    ck_assert(mn >= -1 / sqrt(60.0) && mx <= 1 / sqrt(60.0) && mx > mn);
    stats(l2->b, 40, &mn, &mx, &mean, &var);
    ck_assert(mn >= -1 / sqrt(50.0) && mx <= 1 / sqrt(50.0) && mx > mn);
    tn_close(&t);
}
END_TEST

START_TEST(test_init_xavier_normal_constant)
{
    test_net t;
    tn_open(&t, init_sizes, 2, init_acts, 1, 1);
    rs_net *net = t.net;
    rs_rng rng;
    rs_rng_init(&rng, 6, 12);
    rs_init init;
    char err[128];
    ck_assert_int_eq(rs_init_parse("xavier", &init, err, sizeof err), 0);
    rs_net_init(net, &init, &rng);
    assert_uniform(net->layers[0].w, 50 * 60, sqrt(6.0 / (60 + 50)), "xavier W1");
    assert_uniform(net->layers[1].w, 40 * 50, sqrt(6.0 / (50 + 40)), "xavier W2");
    for (int i = 0; i < 50; i++)
        ck_assert_float_eq(net->layers[0].b[i], 0);

    ck_assert_int_eq(rs_init_parse("normal:sigma=0.5", &init, err, sizeof err), 0);
    rs_net_init(net, &init, &rng);
    double mn, mx, mean, var;
    stats(net->layers[0].w, 3000, &mn, &mx, &mean, &var);
    ck_assert_msg(fabs(sqrt(var) - 0.5) < 0.05, "normal sd %g", sqrt(var));
    ck_assert_msg(fabs(mean) < 5 * 0.5 / sqrt(3000.0), "normal mean %g", mean);
    ck_assert(mx > 1.0 && mn < -1.0); /* tails beyond 2 sigma exist in 3000 draws */
    for (int i = 0; i < 40; i++)
        ck_assert_float_eq(net->layers[1].b[i], 0);

    ck_assert_int_eq(rs_init_parse("constant:w=0.25,b=-1", &init, err, sizeof err), 0);
    rs_net_init(net, &init, &rng);
    for (uint32_t l = 0; l < 2; l++) {
        const rs_layer *ly = &net->layers[l];
        for (size_t i = 0; i < (size_t)ly->n_in * ly->n_out; i++)
            ck_assert_float_eq(ly->w[i], 0.25f);
        for (uint32_t i = 0; i < ly->n_out; i++)
            ck_assert_float_eq(ly->b[i], -1.0f);
    }
    tn_close(&t);
}
END_TEST

START_TEST(test_init_deterministic)
{
    test_net a, b;
    tn_open(&a, init_sizes, 2, init_acts, 1, 1);
    tn_open(&b, init_sizes, 2, init_acts, 1, 1);
    rs_init init = { .kind = RS_INIT_PYTORCH };
    rs_rng r1, r2;
    rs_rng_init(&r1, 9, 3);
    rs_rng_init(&r2, 9, 3);
    rs_net_init(a.net, &init, &r1);
    rs_net_init(b.net, &init, &r2);
    ck_assert_int_eq(memcmp(a.net->params, b.net->params, a.net->n_params * sizeof(rs_real)), 0);
    rs_rng_init(&r2, 9, 4);
    rs_net_init(b.net, &init, &r2);
    ck_assert_int_ne(memcmp(a.net->params, b.net->params, a.net->n_params * sizeof(rs_real)), 0);
    ck_assert(rs_net_finite(a.net));
    a.net->params[a.net->n_params - 1] = INFINITY;
    ck_assert(!rs_net_finite(a.net));
    a.net->params[0] = NAN;
    a.net->params[a.net->n_params - 1] = 0;
    ck_assert(!rs_net_finite(a.net));
    tn_close(&a);
    tn_close(&b);
}
END_TEST

/* ---- dense kernels: the CBLAS path against the loops and a double reference ------------------- */

static void fill(rs_real *v, size_t n, uint64_t seed)
{
    rs_rng r;
    rs_rng_init(&r, seed, 1);
    rs_rng_fill_uniform(&r, v, n, -1, 1);
}

START_TEST(test_dense_forward_blas_vs_loops)
{
    /* 64 x 96 x 48 multiply-adds: above the CBLAS threshold (64*64*32) */
    const size_t n_out = 64, n_in = 96, n = 48, chunk = 8; /* 64*96*8 is below it */
    rs_real *w = malloc(n_out * n_in * sizeof *w), *b = malloc(n_out * sizeof *b);
    rs_real *a = malloc(n_in * n * sizeof *a), *z = malloc(n_out * n * sizeof *z);
    rs_real *ac = malloc(n_in * chunk * sizeof *ac), *zc = malloc(n_out * chunk * sizeof *zc);
    fill(w, n_out * n_in, 1);
    fill(b, n_out, 2);
    fill(a, n_in * n, 3);
    rs_dense_forward(z, w, b, a, n_out, n_in, n);
    double worst = 0;
    for (size_t c0 = 0; c0 < n; c0 += chunk) {
        for (size_t j = 0; j < n_in; j++) /* columns c0.. of a, as their own (n_in, chunk) */
            memcpy(ac + j * chunk, a + j * n + c0, chunk * sizeof *a);
        rs_dense_forward(zc, w, b, ac, n_out, n_in, chunk);
        for (size_t i = 0; i < n_out; i++)
            for (size_t t = 0; t < chunk; t++) {
                double ref = b[i];
                for (size_t j = 0; j < n_in; j++)
                    ref += (double)w[i * n_in + j] * a[j * n + c0 + t];
                double blas = z[i * n + c0 + t], loop = zc[i * chunk + t];
                ck_assert_msg(fabs(blas - ref) <= 1e-4 * (1 + fabs(ref)), "blas %g ref %g", blas,
                              ref);
                ck_assert_msg(fabs(loop - ref) <= 1e-4 * (1 + fabs(ref)), "loop %g ref %g", loop,
                              ref);
                ck_assert_msg(fabs(blas - loop) <= 1e-4 * (1 + fabs(ref)), "blas %g loop %g",
                              blas, loop);
                worst = fmax(worst, fabs(ref));
            }
    }
    ck_assert(worst > 1); /* the sums are not trivially small */
    /* no bias: the CBLAS path starts from zero */
    rs_dense_forward(z, w, NULL, a, n_out, n_in, n);
    double ref = 0;
    for (size_t j = 0; j < n_in; j++)
        ref += (double)w[5 * n_in + j] * a[j * n + 7];
    ck_assert_double_eq_tol(z[5 * n + 7], ref, 1e-4 * (1 + fabs(ref)));
    free(w);
    free(b);
    free(a);
    free(z);
    free(ac);
    free(zc);
}
END_TEST

/* dense_backward and gemm (with every transpose) against double references, on both paths. */
START_TEST(test_dense_backward_and_gemm)
{
    const size_t sizes[][3] = { { 3, 5, 4 }, { 4, 6, 1 }, { 64, 80, 40 } }; /* n_out, n_in, n */
    for (size_t s = 0; s < 3; s++) {
        const size_t n_out = sizes[s][0], n_in = sizes[s][1], n = sizes[s][2];
        rs_real *w = malloc(n_out * n_in * sizeof *w), *a = malloc(n_in * n * sizeof *a);
        rs_real *delta = malloc(n_out * n * sizeof *delta), *dw = malloc(n_out * n_in * sizeof *dw);
        rs_real *db = malloc(n_out * sizeof *db), *da = malloc(n_in * n * sizeof *da);
        fill(w, n_out * n_in, 10 + s);
        fill(a, n_in * n, 20 + s);
        fill(delta, n_out * n, 30 + s);
        for (size_t i = 0; i < n_out * n_in; i++)
            dw[i] = 99; /* must be overwritten */
        rs_dense_backward(dw, db, da, delta, w, a, n_out, n_in, n);
        for (size_t i = 0; i < n_out; i++) {
            double rb = 0;
            for (size_t t = 0; t < n; t++)
                rb += delta[i * n + t];
            ck_assert_double_eq_tol(db[i], rb, 1e-4 * (1 + fabs(rb)));
            for (size_t j = 0; j < n_in; j++) {
                double r = 0;
                for (size_t t = 0; t < n; t++)
                    r += (double)delta[i * n + t] * a[j * n + t];
                ck_assert_double_eq_tol(dw[i * n_in + j], r, 1e-4 * (1 + fabs(r)));
            }
        }
        for (size_t j = 0; j < n_in; j++)
            for (size_t t = 0; t < n; t++) {
                double r = 0;
                for (size_t i = 0; i < n_out; i++)
                    r += (double)w[i * n_in + j] * delta[i * n + t];
                ck_assert_double_eq_tol(da[j * n + t], r, 1e-4 * (1 + fabs(r)));
            }
        /* gemm: C (m x k') = alpha op(A) op(B) + beta C with every transpose; A = w or w^T */
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                /* op(A) is (n_out, n_in), op(B) is (n_in, n) */
                const size_t m = n_out, k = n_in, nn = n;
                rs_real *A = malloc(m * k * sizeof *A), *B = malloc(k * nn * sizeof *B);
                rs_real *C = malloc(m * nn * sizeof *C), *C0 = malloc(m * nn * sizeof *C0);
                fill(A, m * k, 40 + s);
                fill(B, k * nn, 50 + s);
                fill(C0, m * nn, 60 + s);
                memcpy(C, C0, m * nn * sizeof *C);
                size_t lda = ta ? m : k, ldb = tb ? k : nn;
                rs_host_get()->gemm(ta, tb, m, nn, k, 0.5f, A, lda, B, ldb, -2.0f, C, nn);
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < nn; j++) {
                        double r = 0;
                        for (size_t p = 0; p < k; p++)
                            r += (double)(ta ? A[p * lda + i] : A[i * lda + p])
                               * (tb ? B[j * ldb + p] : B[p * ldb + j]);
                        r = 0.5 * r - 2.0 * C0[i * nn + j];
                        ck_assert_msg(fabs(C[i * nn + j] - r) <= 1e-4 * (1 + fabs(r)),
                                      "gemm %zu ta %d tb %d [%zu,%zu]: %g vs %g", s, ta, tb, i, j,
                                      (double)C[i * nn + j], r);
                    }
                free(A);
                free(B);
                free(C);
                free(C0);
            }
        free(w);
        free(a);
        free(delta);
        free(dw);
        free(db);
        free(da);
    }
}
END_TEST

START_TEST(test_dot_sum_axpy)
{
    rs_real x[37], y[37];
    double rd = 0, rs = 0;
    for (int i = 0; i < 37; i++) {
        x[i] = (rs_real)(i - 18) / 4;
        y[i] = (rs_real)(i % 5) - 2;
        rd += (double)x[i] * y[i];
        rs += x[i];
    }
    ck_assert_double_eq_tol(rs_dot(x, y, 37), rd, 1e-5);
    ck_assert_double_eq_tol(rs_sum(x, 37), rs, 1e-5);
    ck_assert_float_eq(rs_dot(x, y, 0), 0);
    rs_axpy(37, 2, x, y);
    ck_assert_float_eq(y[0], (rs_real)(0 % 5) - 2 + 2 * x[0]);
    ck_assert_float_eq(y[36], (rs_real)(36 % 5) - 2 + 2 * x[36]);
}
END_TEST

/* ---- random streams ------------------------------------------------------------------------ */

START_TEST(test_rng_streams)
{
    rs_rng a, b, c, d;
    rs_rng_init(&a, 42, 7);
    rs_rng_init(&b, 42, 7);
    rs_rng_init(&c, 42, 8);
    rs_rng_init(&d, 43, 7);
    int diff_stream = 0, diff_seed = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rs_rng_u64(&a), y = rs_rng_u64(&b);
        ck_assert_uint_eq(x, y);
        diff_stream += x != rs_rng_u64(&c);
        diff_seed += x != rs_rng_u64(&d);
    }
    ck_assert_int_eq(diff_stream, 100);
    ck_assert_int_eq(diff_seed, 100);
    for (int i = 0; i < 50; i++) {
        double u = rs_rng_uniform(&a);
        ck_assert(u >= 0 && u < 1);
        ck_assert_double_eq(u, rs_rng_uniform(&b));
        ck_assert_double_eq(rs_rng_normal(&a), rs_rng_normal(&b));
    }
    /* bulk fills: same stream, same numbers, whatever the length; another stream differs */
    rs_real f1[53], f2[53], f3[53];
    rs_rng_fill_uniform(&a, f1, 53, -2, 3);
    rs_rng_fill_uniform(&b, f2, 53, -2, 3);
    rs_rng_fill_uniform(&c, f3, 53, -2, 3);
    ck_assert_int_eq(memcmp(f1, f2, sizeof f1), 0);
    ck_assert_int_ne(memcmp(f1, f3, sizeof f1), 0);
    rs_rng_fill_normal(&a, f1, 53, 1, 2);
    rs_rng_fill_normal(&b, f2, 53, 1, 2);
    ck_assert_int_eq(memcmp(f1, f2, sizeof f1), 0);
    /* the host's ctx streams are the same generator */
    rs_ctx *ctx = rs_ctx_create(42, 7);
    rs_rng_init(&a, 42, 7);
    ck_assert_uint_eq(rs_host_get()->rng_u64(ctx), rs_rng_u64(&a));
    rs_ctx_reset(ctx, 42, 8);
    rs_rng_init(&a, 42, 8);
    ck_assert_double_eq(rs_host_get()->rng_uniform(ctx), rs_rng_uniform(&a));
    rs_ctx_destroy(ctx);
    /* string hashes tell labels apart */
    ck_assert_uint_ne(rs_hash_str(0, "backprop[lr=0.1]"), rs_hash_str(0, "backprop[lr=0.2]"));
    ck_assert_uint_eq(rs_hash_str(0, "ab"), rs_hash_str(rs_hash_str(0, "a"), "b"));
}
END_TEST

START_TEST(test_rng_distributions)
{
    const size_t n = 100000;
    rs_real *v = malloc(n * sizeof *v);
    rs_rng r;
    rs_rng_init(&r, 2024, 99);
    const rs_real lo = -3, hi = 5;
    rs_rng_fill_uniform(&r, v, n, lo, hi);
    double mn, mx, mean, var;
    stats(v, n, &mn, &mx, &mean, &var);
    ck_assert_msg(mn >= lo && mx < hi, "fill_uniform range [%g, %g]", mn, mx);
    ck_assert(mn < lo + 0.01 && mx > hi - 0.01);
    const double sd = (hi - lo) / sqrt(12.0);
    ck_assert_msg(fabs(mean - (lo + hi) / 2.0) < 5 * sd / sqrt((double)n), "mean %g", mean);
    ck_assert_msg(fabs(sqrt(var) / sd - 1) < 0.02, "sd %g want %g", sqrt(var), sd);
    /* the sixteen lanes are not copies of each other */
    ck_assert_float_ne(v[0], v[1]);
    ck_assert_float_ne(v[0], v[16]);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double u = rs_rng_uniform(&r);
        ck_assert(u >= 0 && u < 1);
        s += u;
        double z = rs_rng_normal(&r);
        s2 += z * z;
        v[i] = (rs_real)z;
    }
    ck_assert_msg(fabs(s / n - 0.5) < 5 * sqrt(1 / 12.0 / n), "uniform mean %g", s / n);
    stats(v, n, &mn, &mx, &mean, &var);
    ck_assert_msg(fabs(mean) < 5 / sqrt((double)n), "normal mean %g", mean);
    ck_assert_msg(fabs(var - 1) < 0.03, "normal variance %g", var);
    free(v);
}
END_TEST

static Suite *network_suite(void)
{
    Suite *s = suite_create("network");
    TCase *tc = tcase_create("network");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_forward_by_hand);
    tcase_add_test(tc, test_losses_by_hand);
    tcase_add_loop_test(tc, test_backward_matches_finite_differences, 0, (int)N_GRAD_CASES);
    tcase_add_test(tc, test_init_pytorch);
    tcase_add_test(tc, test_init_xavier_normal_constant);
    tcase_add_test(tc, test_init_deterministic);
    tcase_add_test(tc, test_backward_feedback_is_backprop_with_w);
    suite_add_tcase(s, tc);
    TCase *tk = tcase_create("kernels");
    tcase_add_test(tk, test_dense_forward_blas_vs_loops);
    tcase_add_test(tk, test_dense_backward_and_gemm);
    tcase_add_test(tk, test_dot_sum_axpy);
    tcase_add_test(tk, test_rng_streams);
    tcase_add_test(tk, test_rng_distributions);
    suite_add_tcase(s, tk);
    return s;
}

int main(void) { return rs_test_run(network_suite()); }
