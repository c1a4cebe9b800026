/* test_fast_step.c: the meta-trainable rules (plugins/rules/lstm_synapse.c, meta_hebbian.c) run
 * their update twice, on the autodiff tape in double for dstep (meta-training) and directly in
 * float for step (compare). Here:
 *   - fast_math.h's float 2^x, 2^x - 1 and tanh against libm over their whole useful range;
 *   - step and dstep, started from the same weights and meta-parameters, give the same weights
 *     and the same losses after several steps, within float tolerance, on networks that
 *     exercise every path: biases or none, one to three weight layers (random feedback), a
 *     layer of more synapses than one tile (lstm_kernel.h's tiles, the last one partial),
 *     batches of several examples (the batch means both rules read), every modulator,
 *     pre_mod off, one LSTM per layer, clamp off, explore on and off, gate_power 1, 2, 3.
 *
 * Tolerance: |step - dstep| <= W_TOL max(1, |w|) for every weight after 4 steps, and 1e-4
 * relative for the losses. Float rounding of the step path is ~1e-7 relative per operation, and
 * the two paths differ by at most 2.1e-7 on these networks; a wrong input, gate, tile or layer
 * index moves weights by a good part of an update: 2.0's largest step is kappa scale, 7e-3 on
 * a 41-input unit at scale 0.5, its typical ones 1e-3 and less, so W_TOL is a thousandth of
 * them (the test also asserts the weights moved by 1e-3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "network.h"
#include "tape.h"
#include "testutil.h"

#include "../../plugins/rules/fast_math.h"

#define W_TOL 2e-6

static rs_registry *reg;

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

/* fast_math.h against libm: 2^x over the whole range its callers may pass, 2^x - 1 relative
 * to itself near 0 too (the tanh numerators), tanh relative to itself down to the smallest
 * arguments (no cancellation left to hide behind a floor), and the saturated ends exact. */
START_TEST(test_fast_math)
{
    double e_pow2 = 0, e_pow2m1 = 0, e_tanh = 0;
    for (int k = -1260000; k <= 1260000; k++) {
        const float x = (float)k * 1e-4f; /* [-126, 126] */
        float p;
        const float m = fm_pow2m1(x, &p);
        const double ex = exp2((double)x), xm = expm1((double)x * log(2.0));
        e_pow2 = fmax(e_pow2, fabs(p - ex) / ex);
        if (fabs(x) <= 60 && xm != 0)
            e_pow2m1 = fmax(e_pow2m1, fabs(m - xm) / fabs(xm));
        if (fabs(x) <= 80) {
            const double t = tanh((double)x);
            if (t != 0)
                e_tanh = fmax(e_tanh, fabs(fm_tanh(x) - t) / fabs(t));
        }
    }
    for (int k = -120; k <= 0; k++) /* tiny arguments, both signs, results still normal */
        for (int sg = -1; sg <= 1; sg += 2) {
            const float x = (float)sg * ldexpf(1.0f, k);
            float p;
            const double xm = expm1((double)x * log(2.0)), t = tanh((double)x);
            e_pow2m1 = fmax(e_pow2m1, fabs(fm_pow2m1(x, &p) - xm) / fabs(xm));
            e_tanh = fmax(e_tanh, fabs(fm_tanh(x) - t) / fabs(t));
        }
    ck_assert_msg(e_pow2 < 3e-7, "2^x relative error %g", e_pow2);
    ck_assert_msg(e_pow2m1 < 8e-7, "2^x - 1 relative error %g", e_pow2m1);
    ck_assert_msg(e_tanh < 8e-7, "tanh relative error %g", e_tanh);
    ck_assert(fm_pow2(-FM_POW2_MAX) > 0 && isfinite(fm_pow2(FM_POW2_MAX)));
    ck_assert(fm_tanh(-1000) == -1 && fm_tanh(1000) == 1 && fm_tanh(0) == 0);
    ck_assert(fm_clamp(-1e30f, 3) == -3 && fm_clamp(1e30f, 3) == 3 && fm_clamp(0.5f, 3) == 0.5f);
}
END_TEST

typedef struct net_case {
    const char *rule, *params;
    uint32_t sizes[4], n_layers, batch;
    int bias;
    const char *hidden_act, *out_act;
} net_case;

typedef struct side {
    rs_ctx *ctx;
    const rs_act *acts[3];
    rs_net *net;
    rs_params *p;
    void *state;
} side;

static const rs_rule_desc *rule_of(const net_case *c)
{
    return (const rs_rule_desc *)rs_test_plugin(reg, RS_KIND_RULE, c->rule);
}

static void side_open(side *s, const net_case *c)
{
    char err[512];
    for (uint32_t l = 0; l < c->n_layers; l++) {
        s->acts[l] = rs_act_create(reg, l + 1 == c->n_layers ? c->out_act : c->hidden_act, err,
                                   sizeof err);
        ck_assert_msg(s->acts[l] != NULL, "%s", err);
    }
    s->net = rs_net_create(c->sizes, c->n_layers, s->acts, c->bias, c->batch);
    rs_rng rng;
    rs_rng_init(&rng, 5, 1);
    rs_net_init(s->net, &(rs_init){ .kind = RS_INIT_PYTORCH }, &rng);
    s->p = rs_test_params(&rule_of(c)->head, c->params);
    s->ctx = rs_ctx_create(4, 11);
    rs_task_info info = { .struct_size = sizeof info, .n_in = c->sizes[0],
                          .n_out = c->sizes[c->n_layers], .n_full = 0, .loss = RS_LOSS_MSE,
                          .lo = -1, .hi = 1 };
    ck_assert_int_eq(rule_of(c)->create(rs_host_get(), s->ctx, s->p, s->net, &info, &s->state),
                     RS_OK);
}

static void side_close(side *s, const net_case *c)
{
    rule_of(c)->destroy(s->state, s->ctx);
    ck_assert_int_eq(s->ctx->n_alloc, 0);
    rs_ctx_destroy(s->ctx);
    rs_params_destroy(s->p);
    rs_net_destroy(s->net);
    for (uint32_t l = 0; l < c->n_layers; l++)
        rs_act_destroy((rs_act *)s->acts[l]);
}

/* The meta-parameters meta_init draws from the stream create uses (weights="": the same). */
static double *initial_phi(const net_case *c, side *s, rs_tv *meta, rs_tape *t, uint32_t *n)
{
    const rs_rule_desc *rd = rule_of(c);
    rs_meta_shape shapes[64];
    *n = rd->meta_shapes(s->state, shapes, 64);
    size_t n_phi = 0;
    for (uint32_t k = 0; k < *n; k++)
        n_phi += (size_t)shapes[k].rows * shapes[k].cols;
    double *phi = malloc(n_phi * sizeof *phi);
    rs_ctx *ictx = rs_ctx_create(4, 11);
    rd->meta_init(s->state, ictx, phi);
    rs_ctx_destroy(ictx);
    size_t off = 0;
    for (uint32_t k = 0; k < *n; k++) {
        meta[k] = rs_tape_param(t, shapes[k].rows, shapes[k].cols, phi + off);
        off += (size_t)shapes[k].rows * shapes[k].cols;
    }
    return phi;
}

static void check_fast_equals_tape(const net_case *c)
{
    enum { STEPS = 4 };
    const rs_rule_desc *rd = rule_of(c);
    side a, b;
    side_open(&a, c);
    side_open(&b, c);
    const uint32_t L = c->n_layers, n_in = c->sizes[0], n_out = c->sizes[L], n = c->batch;
    rs_real *x = malloc((size_t)n_in * n * sizeof *x), *y = malloc((size_t)n_out * n * sizeof *y);
    rs_rng data;
    rs_rng_init(&data, 3, 1);
    rs_tape *t = rs_tape_create(b.ctx, 1);
    rs_dstep_io io = { .struct_size = sizeof io, .tape = t, .net = b.net, .n_layers = L };
    rs_tv meta[64];
    double *phi = initial_phi(c, &b, meta, t, &io.n_meta);
    io.meta = meta;
    for (uint32_t l = 0; l < L; l++) {
        const rs_layer *ly = &b.net->layers[l];
        io.w[l] = rs_tape_const_real(t, ly->n_out, ly->n_in, ly->w);
        io.b[l] = c->bias ? rs_tape_const_real(t, ly->n_out, 1, ly->b) : RS_TV_NONE;
    }
    for (int k = 0; k < STEPS; k++) {
        rs_rng_fill_uniform(&data, x, (size_t)n_in * n, -1, 1);
        rs_rng_fill_uniform(&data, y, (size_t)n_out * n, -1, 1);
        rs_batch bt = { .n = n, .n_in = n_in, .n_out = n_out, .loss = RS_LOSS_MSE, .x = x,
                        .y = y };
        rs_step_stats sa = { 0 }, sb = { 0 };
        ck_assert_int_eq(rd->step(a.state, a.ctx, a.net, &bt, &sa), RS_OK);
        io.batch = &bt;
        io.stats = &sb;
        ck_assert_int_eq(rd->dstep(b.state, b.ctx, &io), RS_OK);
        ck_assert_ptr_null(rs_tape_error(t));
        ck_assert(sa.has_loss && sb.has_loss);
        ck_assert_msg(fabs(sa.loss - sb.loss) <= 1e-4 * fmax(1, fabs(sb.loss)),
                      "%s %s: step %d loss %g (step) vs %g (dstep)", c->rule, c->params, k,
                      sa.loss, sb.loss);
    }
    double moved = 0;
    for (uint32_t l = 0; l < L; l++) {
        const rs_layer *la = &a.net->layers[l], *lb = &b.net->layers[l];
        const double *wv = rs_tape_value(t, io.w[l]);
        for (size_t k = 0; k < (size_t)la->n_out * la->n_in; k++) {
            ck_assert_msg(fabs(la->w[k] - wv[k]) <= W_TOL * fmax(1, fabs(wv[k])),
                          "%s %s: layer %u weight %zu: %.8g (step) vs %.8g (dstep)", c->rule,
                          c->params, l + 1, k, la->w[k], wv[k]);
            moved = fmax(moved, fabs(wv[k] - lb->w[k]));
        }
        if (!c->bias)
            continue;
        const double *bv = rs_tape_value(t, io.b[l]);
        for (uint32_t k = 0; k < la->n_out; k++)
            ck_assert_msg(fabs(la->b[k] - bv[k]) <= W_TOL * fmax(1, fabs(bv[k])),
                          "%s %s: layer %u bias %u: %.8g (step) vs %.8g (dstep)", c->rule,
                          c->params, l + 1, k, la->b[k], bv[k]);
    }
    ck_assert_msg(moved > 1e-3, "%s %s: the weights hardly moved (%g)", c->rule, c->params,
                  moved);
    rs_tape_destroy(b.ctx, t);
    free(phi);
    free(x);
    free(y);
    side_close(&a, c);
    side_close(&b, c);
}

START_TEST(test_lstm_fast_equals_tape)
{
    static const net_case cases[] = {
        /* a batch of three: its means, biases */
        { "lstm_synapse", "weights=,hidden=5", { 2, 3, 1 }, 2, 3, 1, "relu", "tanh" },
        /* 160 synapses of 4 inputs each (read one by one) + 41 of a 41-input unit (by row
         * segments), each layer one partial tile */
        { "lstm_synapse", "weights=,hidden=4,scale=0.5", { 3, 40, 1 }, 2, 2, 1, "tanh",
          "identity" },
        /* 280 narrow synapses: a whole tile of 256 and a partial one */
        { "lstm_synapse", "weights=,hidden=4,scale=0.5", { 3, 70, 1 }, 2, 2, 1, "relu",
          "identity" },
        /* 630 synapses of 21-input units: tiles of 256, 256, 118, row segments split across
         * tiles; then 60 of 30-input units; without biases, then 1.x's settings with them */
        { "lstm_synapse", "weights=,hidden=4,scale=0.5", { 21, 30, 2 }, 2, 2, 0, "tanh",
          "identity" },
        { "lstm_synapse", "weights=,normalize=false,derivative=false,hidden=4,scale=0.1,explore=0",
          { 20, 30, 2 }, 2, 3, 1, "tanh", "identity" },
        /* a wide layer with no modulator, and with no pre m */
        { "lstm_synapse", "weights=,hidden=4,modulator=none,scale=0.5", { 20, 6, 1 }, 2, 2, 1,
          "tanh", "identity" },
        { "lstm_synapse", "weights=,hidden=4,pre_mod=false,scale=0.5", { 20, 6, 1 }, 2, 2, 1,
          "tanh", "identity" },
        /* three layers: the error carried down two feedback matrices; no bias; no pre m */
        { "lstm_synapse", "weights=,hidden=3,pre_mod=false,scale=0.5", { 2, 6, 5, 2 }, 3, 2, 0,
          "tanh", "tanh" },
        { "lstm_synapse", "weights=,hidden=6,modulator=global,per_layer=true,scale=0.5",
          { 2, 7, 5, 1 }, 3, 2, 1, "sigmoid", "identity" },
        { "lstm_synapse", "weights=,hidden=4,modulator=none,scale=0.5", { 4, 5, 3 }, 2, 1, 1,
          "relu", "sigmoid" },
        /* a clip that binds */
        { "lstm_synapse", "weights=,hidden=4,scale=1,clip=0.3", { 2, 5, 1 }, 2, 1, 1, "tanh",
          "tanh" },
        /* 1.x's raw signals and unbounded output: a batch, biases, two hidden layers (1.x has
         * no explore: with raw losses of order 10 the float difference C+ - C- would carry
         * rounding of order 1e-5 into its estimate) */
        { "lstm_synapse", "weights=,normalize=false,derivative=false,hidden=5,explore=0",
          { 2, 3, 1 }, 2, 3, 1, "relu", "tanh" },
        { "lstm_synapse", "weights=,normalize=false,derivative=false,hidden=3,scale=0.5,explore=0",
          { 2, 6, 5, 2 }, 3, 2, 0, "tanh", "tanh" },
        /* normalize with the raw error below the output (no f') and a ReLU's f' with it */
        { "lstm_synapse", "weights=,derivative=false,hidden=4,scale=0.5", { 3, 8, 6, 2 }, 3, 4,
          1, "relu", "identity" },
        { "lstm_synapse", "weights=,hidden=4,scale=0.5", { 3, 8, 6, 2 }, 3, 4, 1, "relu",
          "identity" },
        /* explore (on by default in every error-mode case with a hidden layer above): a large
         * weight and sigma through two hidden layers and a batch; off, 2.2's path */
        { "lstm_synapse", "weights=,hidden=2,explore=3,explore_sigma=0.5", { 3, 8, 6, 2 }, 3,
          4, 1, "tanh", "identity" },
        { "lstm_synapse", "weights=,explore=0", { 2, 10, 1 }, 2, 1, 0, "relu", "tanh" },
        /* the error gate's other powers (2 is the default above): 2.2's 1, and 3 */
        { "lstm_synapse", "weights=,explore=0,gate_power=1", { 2, 10, 1 }, 2, 1, 0, "relu",
          "tanh" },
        { "lstm_synapse", "weights=,gate_power=3", { 2, 6, 1 }, 2, 2, 1, "tanh", "tanh" },
        /* explore on every other step only: steps 0 and 2 of the four explore, 1 and 3 not */
        { "lstm_synapse", "weights=,explore_every=2", { 2, 10, 1 }, 2, 1, 1, "relu",
          "identity" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        check_fast_equals_tape(&cases[k]);
}
END_TEST

/* normalize's bounded step: whatever the LSTM emits and however large the task's signals,
 * no weight moves by more than kappa scale = scale / (sqrt(3) n_in1) in one step (n_in1 the
 * unit's inputs, bias included), and the weights stay finite. A skip of 50 saturates the tanh,
 * inputs of 1e3 and targets of 1e4 would blow up an unbounded delta rule at once. */
START_TEST(test_lstm_step_bounded)
{
    const net_case c = { "lstm_synapse", "weights=,hidden=4,scale=1,skip_init=50", { 3, 8, 2 },
                         2, 4, 1, "relu", "identity" };
    side sd;
    side_open(&sd, &c);
    rs_real x[3 * 4], y[2 * 4], before[512];
    rs_rng rng;
    rs_rng_init(&rng, 9, 2);
    ck_assert(sd.net->n_params <= 512);
    double largest = 0;
    for (int k = 0; k < 50; k++) {
        for (int i = 0; i < 12; i++)
            x[i] = (rs_real)(2e3 * rs_rng_uniform(&rng) - 1e3);
        for (int i = 0; i < 8; i++)
            y[i] = (rs_real)(2e4 * rs_rng_uniform(&rng) - 1e4);
        memcpy(before, sd.net->params, sd.net->n_params * sizeof(rs_real));
        rs_batch b = { .n = 4, .n_in = 3, .n_out = 2, .loss = RS_LOSS_MSE, .x = x, .y = y };
        rs_step_stats st = { 0 };
        ck_assert_int_eq(rule_of(&c)->step(sd.state, sd.ctx, sd.net, &b, &st), RS_OK);
        size_t off = 0;
        for (uint32_t l = 0; l < sd.net->n_layers; l++) {
            const rs_layer *ly = &sd.net->layers[l];
            const double bound = 1.0 / (sqrt(3.0) * (ly->n_in + 1));
            const size_t len = (size_t)ly->n_out * (ly->n_in + 1);
            for (size_t q = 0; q < len; q++) {
                const double d = fabs((double)sd.net->params[off + q] - before[off + q]);
                ck_assert_msg(isfinite(sd.net->params[off + q]), "weight %zu not finite", q);
                ck_assert_msg(d <= bound * (1 + 1e-5), "step %d layer %u: |Δw| %g > %g", k,
                              l + 1, d, bound);
                largest = fmax(largest, d / bound);
            }
            off += len;
        }
    }
    ck_assert_msg(largest > 0.9, "the bound was never approached (%g of it): test too weak",
                  largest);
    side_close(&sd, &c);
}
END_TEST

/* 2.1's gate: where the error is zero (targets equal to the outputs) no weight moves, whatever
 * the LSTM's own term; 2.0's head (error_gate=false) moves them by kappa scale tanh(v.h + c0). */
static double step_at_zero_error(const char *params)
{
    const net_case c = { "lstm_synapse", params, { 3, 8, 2 }, 2, 4, 1, "tanh", "identity" };
    side sd;
    side_open(&sd, &c);
    rs_real x[3 * 4], y[2 * 4], before[512];
    for (int i = 0; i < 12; i++)
        x[i] = (rs_real)sin(1.7 * i + 0.3);
    ck_assert_int_eq(rs_net_forward(sd.net, x, 4), RS_OK);
    memcpy(y, sd.net->a[2], sizeof y);
    memcpy(before, sd.net->params, sd.net->n_params * sizeof(rs_real));
    rs_batch b = { .n = 4, .n_in = 3, .n_out = 2, .loss = RS_LOSS_MSE, .x = x, .y = y };
    rs_step_stats st = { 0 };
    ck_assert_int_eq(rule_of(&c)->step(sd.state, sd.ctx, sd.net, &b, &st), RS_OK);
    double largest = 0;
    for (size_t q = 0; q < sd.net->n_params; q++)
        largest = fmax(largest, fabs((double)sd.net->params[q] - before[q]));
    side_close(&sd, &c);
    return largest;
}

START_TEST(test_lstm_gate_no_error_no_step)
{
    /* the untrained LSTM: v.h is non-zero from the first step (its inputs pre, post, w) */
    const double gated = step_at_zero_error("weights=,hidden=4");
    const double open = step_at_zero_error("weights=,hidden=4,error_gate=false");
    ck_assert_msg(gated == 0, "2.1 moved a weight by %g with no error anywhere", gated);
    ck_assert_msg(open > 1e-6, "2.0's head moved nothing (%g): the test cannot tell them apart",
                  open);
}
END_TEST

/* explore changes the step (so the fast = tape cases above compare it, not two copies of a
 * skipped branch): one step of 2-6-1 from the same weights, explore 0 against explore 1. */
static double one_step_weight(const char *params)
{
    const net_case c = { "lstm_synapse", params, { 2, 6, 1 }, 2, 1, 0, "relu", "tanh" };
    side sd;
    side_open(&sd, &c);
    rs_real x[2] = { 0.7f, -0.4f }, y[1] = { 0.9f };
    rs_batch b = { .n = 1, .n_in = 2, .n_out = 1, .loss = RS_LOSS_MSE, .x = x, .y = y };
    rs_step_stats st = { 0 };
    ck_assert_int_eq(rule_of(&c)->step(sd.state, sd.ctx, sd.net, &b, &st), RS_OK);
    double sum = 0;
    for (size_t q = 0; q < sd.net->n_params; q++)
        sum += fabs((double)sd.net->params[q]);
    side_close(&sd, &c);
    return sum;
}

START_TEST(test_lstm_explore_changes_step)
{
    const double off = one_step_weight("weights=,explore=0");
    const double on = one_step_weight("weights=,explore=1");
    ck_assert_msg(fabs(on - off) > 1e-4, "explore=1 gave explore=0's weights (%g, %g)", on, off);
}
END_TEST

START_TEST(test_meta_hebbian_fast_equals_tape)
{
    static const net_case cases[] = {
        { "meta_hebbian", "weights=,lr=0.2", { 3, 7, 2 }, 2, 5, 1, "tanh", "tanh" },
        { "meta_hebbian", "weights=,lr=0.2,clamp=false", { 2, 4, 3, 2 }, 3, 4, 0, "relu",
          "sigmoid" },
        { "meta_hebbian", "weights=,lr=1,clip=0.2", { 4, 6, 1 }, 2, 3, 1, "tanh", "identity" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        check_fast_equals_tape(&cases[k]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fast_step");
    TCase *tc = tcase_create("fast_step");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fast_math);
    tcase_add_test(tc, test_lstm_fast_equals_tape);
    tcase_add_test(tc, test_lstm_step_bounded);
    tcase_add_test(tc, test_lstm_gate_no_error_no_step);
    tcase_add_test(tc, test_lstm_explore_changes_step);
    tcase_add_test(tc, test_meta_hebbian_fast_equals_tape);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
