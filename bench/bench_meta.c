/* bench_meta.c: what meta-training and the meta-learned rules cost, single thread.
 *
 *   1. One meta-training episode of lstm_synapse (hidden 10) and meta_hebbian on a 2-10-1
 *      network (004's gate setting), 400 online inner steps, forward and backward on the tape:
 *      with truncation every 50 steps and with the whole unroll, and forward only.
 *   2. One `step` of the shipped lstm_synapse in `compare` (float, vectorised across synapses,
 *      no tape: plugins/rules/lstm_kernel.h), beside the same LSTM synapse written by hand in
 *      plain C (double, the same meta-parameters, scalar loops and libm calls). The hand
 *      version's output-layer update (which needs no random feedback) is checked against the
 *      plugin's.
 *
 * Usage: bench_meta [seconds per case]   (from the build folder, or with RULESET_PLUGIN_PATH
 * set; the shipped weights are found through the source tree). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "ctx.h"
#include "meta.h"
#include "network.h"
#include "params.h"
#include "registry.h"
#include "weights.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- 1. episodes --------------------------------------------------------------------------- */

static void bench_episode(rs_registry *reg, const char *rule, long truncation, int grad,
                          double seconds)
{
    char text[2048], err[1024];
    snprintf(text, sizeof text,
             "{ \"seed\": 1, \"steps\": 400, \"batch\": 1, \"rules\": [{\"plugin\": \"%s\"}],"
             "  \"tasks\": [{\"plugin\": \"gates\", \"params\": {\"gate\": \"and\", "
             "\"coding\": \"pm1\"}}],"
             "  \"networks\": [{\"hidden\": [10], \"act\": [\"relu\", \"tanh\"], "
             "\"bias\": false}] }", rule);
    rs_spec *spec = rs_spec_parse(text, "bench", reg, err, sizeof err);
    rs_meta m;
    rs_meta_cfg cfg = { .episodes = 1, .truncation = truncation, .normalize = 1 };
    if (!spec || rs_meta_open(&m, spec, reg, &cfg, 1, err, sizeof err)) {
        fprintf(stderr, "bench_meta: %s\n", err);
        exit(2);
    }
    double *g = calloc(m.n_phi, sizeof *g);
    long n = 0;
    double t0 = now_s(), el = 0;
    while (el < seconds || n < 3) {
        rs_episode ep = { .stream = rs_meta_stream(0, n), .task = -1 };
        if (rs_meta_episode(&m, m.phi, &ep, grad ? g : NULL)) {
            fprintf(stderr, "bench_meta: %s\n", ep.err);
            exit(3);
        }
        n++;
        el = now_s() - t0;
    }
    const double ms = el / n * 1e3;
    printf("episode %s, 400 steps, %s%s\t%.3g ms\t%.3g us per inner step\n", rule,
           grad ? "forward+backward, " : "forward only", grad ? (truncation ? "truncation 50"
                                                                            : "whole unroll")
                                                          : "",
           ms, ms * 1e3 / 400);
    free(g);
    rs_meta_close(&m);
    rs_spec_destroy(spec);
}

/* ---- 2. the step: plugin vs by hand ----------------------------------------------------------- */

enum { H = 10, F = 5, NI = 2, NH = 10, NO = 1 };

typedef struct hand {
    const double *wx, *wh, *b, *v, *c0, *skip; /* into phi */
    double scale, clip;
    double w1[NH * NI], w2[NO * NH], fb[NH * NO];
    double h1[NH * NI * H], c1[NH * NI * H], h2[NO * NH * H], c2[NO * NH * H];
} hand;

static double sigm(double x)
{
    double e = exp(-fabs(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

static double tanh1(double x) /* the tape's tanh (core/math/tape.c) */
{
    const double ax = fabs(x);
    if (ax < 0.01) {
        const double x2 = x * x;
        return x * (1 - x2 * (1.0 / 3 - x2 * (2.0 / 15)));
    }
    const double r = 1 - 2 / (exp(2 * ax) + 1);
    return x < 0 ? -r : r;
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* One LSTM step for synapse (w, pre, post, m) with state (hs, cs); returns the new weight. */
static double hand_synapse(const hand *s, double w, double pre, double post, double m, double *hs,
                           double *cs)
{
    const double u[F] = { clip(pre, -5, 5), clip(post, -5, 5), clip(w, -5, 5), clip(m, -5, 5),
                          clip(pre * m, -5, 5) };
    double z[4 * H], hn[H];
    for (int r = 0; r < 4 * H; r++) {
        double a = 0, c = 0;
        for (int k = 0; k < F; k++)
            a += u[k] * s->wx[r * F + k];
        for (int k = 0; k < H; k++)
            c += hs[k] * s->wh[r * H + k];
        z[r] = a + c + s->b[r];
    }
    double d = 0;
    for (int k = 0; k < H; k++) {
        double ig = sigm(z[k]), fg = sigm(z[H + k]), gg = tanh1(z[2 * H + k]);
        double og = sigm(z[3 * H + k]);
        cs[k] = fg * cs[k] + ig * gg;
        hn[k] = og * tanh1(cs[k]);
        d += hn[k] * s->v[k];
    }
    memcpy(hs, hn, sizeof hn);
    double dw = s->scale * tanh1(d + s->c0[0]) - s->skip[0] * (pre * m);
    return clip(w + dw, -s->clip, s->clip);
}

static void hand_step(hand *s, const double *x, double t)
{
    double a1[NH], a2 = 0, m2, m1[NH];
    for (int i = 0; i < NH; i++) {
        double z = 0;
        for (int j = 0; j < NI; j++)
            z += s->w1[i * NI + j] * x[j];
        a1[i] = z > 0 ? z : 0;
    }
    for (int j = 0; j < NH; j++)
        a2 += s->w2[j] * a1[j];
    a2 = tanh1(a2);
    m2 = a2 - t;
    for (int i = 0; i < NH; i++)
        m1[i] = s->fb[i] * m2;
    for (int i = 0; i < NH; i++)
        for (int j = 0; j < NI; j++) {
            int k = i * NI + j;
            s->w1[k] = hand_synapse(s, s->w1[k], x[j], a1[i], m1[i], s->h1 + k * H, s->c1 + k * H);
        }
    for (int j = 0; j < NH; j++)
        s->w2[j] = hand_synapse(s, s->w2[j], a1[j], a2, m2, s->h2 + j * H, s->c2 + j * H);
}

static void bench_step_vs_hand(rs_registry *reg, double seconds)
{
    const rs_host *host = rs_host_get();
    const rs_rule_desc *rd = (const rs_rule_desc *)rs_registry_find(reg, RS_KIND_RULE,
                                                                     "lstm_synapse");
    if (!rd) {
        fprintf(stderr, "bench_meta: lstm_synapse not found\n");
        exit(2);
    }
    rs_params *p = rs_params_create(rd->head.params, rd->head.name);
    rs_ctx *ctx = rs_ctx_create(1, 1);
    char err[512];
    const rs_act *acts[2] = { rs_act_create(reg, "relu", err, sizeof err),
                              rs_act_create(reg, "tanh", err, sizeof err) };
    uint32_t sizes[3] = { NI, NH, NO };
    rs_net *net = rs_net_create(sizes, 2, acts, 0, 1);
    rs_net_init(net, &(rs_init){ .kind = RS_INIT_PYTORCH }, &ctx->rng);
    rs_task_info info = { .struct_size = sizeof info, .n_in = NI, .n_out = NO, .n_full = 4,
                          .loss = RS_LOSS_MSE, .lo = -1, .hi = 1 };
    void *state = NULL;
    if (rd->create(host, ctx, p, net, &info, &state) != RS_OK) {
        fprintf(stderr, "bench_meta: %s\n", ctx->err);
        exit(2);
    }
    /* the hand version: the same file's values, the same starting weights */
    rs_meta_shape shapes[8];
    uint32_t ns = rd->meta_shapes(state, shapes, 8);
    double *phi = malloc(1000 * sizeof *phi);
    if (rs_weights_load(ctx, rs_param_str(p, "weights"), p, shapes, ns, phi) != RS_OK) {
        fprintf(stderr, "bench_meta: %s\n", ctx->err);
        exit(2);
    }
    hand *hs = calloc(1, sizeof *hs);
    hs->wx = phi;
    hs->wh = hs->wx + 4 * H * F;
    hs->b = hs->wh + 4 * H * H;
    hs->v = hs->b + 4 * H;
    hs->c0 = hs->v + H;
    hs->skip = hs->c0 + 1;
    hs->scale = rs_param_real(p, "scale");
    hs->clip = rs_param_real(p, "clip");
    for (int k = 0; k < NH * NI; k++)
        hs->w1[k] = net->layers[0].w[k];
    for (int k = 0; k < NH; k++) {
        hs->w2[k] = net->layers[1].w[k];
        hs->fb[k] = 0.3; /* timing only: the hidden layers' feedback is not compared */
    }
    static const rs_real xs[4][2] = { { -1, -1 }, { -1, 1 }, { 1, -1 }, { 1, 1 } };
    static const rs_real ts[4] = { -1, 1, 1, -1 };
    /* one step each from the same weights: the output layer's new weights agree */
    rs_batch b = { .n = 1, .n_in = NI, .n_out = NO, .loss = RS_LOSS_MSE, .x = xs[1], .y = &ts[1] };
    rs_step_stats st = { 0 };
    rd->step(state, ctx, net, &b, &st);
    const double xd[2] = { xs[1][0], xs[1][1] };
    hand_step(hs, xd, ts[1]);
    double diff = 0;
    for (int k = 0; k < NH; k++)
        diff = fmax(diff, fabs(hs->w2[k] - net->layers[1].w[k]));
    long n = 0, chunk = 64;
    double t0 = now_s(), el = 0;
    while (el < seconds) {
        for (long i = 0; i < chunk; i++, n++) {
            b.x = xs[n % 4];
            b.y = &ts[n % 4];
            memset(&st, 0, sizeof st);
            rd->step(state, ctx, net, &b, &st);
        }
        el = now_s() - t0;
    }
    const double us_plugin = el / n * 1e6;
    n = 0;
    t0 = now_s();
    el = 0;
    while (el < seconds) {
        for (long i = 0; i < chunk; i++, n++) {
            const double x[2] = { xs[n % 4][0], xs[n % 4][1] };
            hand_step(hs, x, ts[n % 4]);
        }
        el = now_s() - t0;
    }
    const double us_hand = el / n * 1e6;
    printf("step lstm_synapse 2-10-1 (30 synapses, H 10), float kernel\t%.3g us\n", us_plugin);
    printf("step the same LSTM synapse by hand in C (double, scalar)\t%.3g us\t(plugin/hand %.2f; "
           "first step's output weights agree to %.1e)\n", us_hand, us_plugin / us_hand, diff);
    free(hs);
    free(phi);
    rd->destroy(state, ctx);
    rs_net_destroy(net);
    rs_act_destroy((rs_act *)acts[0]);
    rs_act_destroy((rs_act *)acts[1]);
    rs_params_destroy(p);
    rs_ctx_destroy(ctx);
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    bench_episode(reg, "lstm_synapse", 50, 1, seconds);
    bench_episode(reg, "lstm_synapse", 0, 1, seconds);
    bench_episode(reg, "lstm_synapse", 50, 0, seconds);
    bench_episode(reg, "meta_hebbian", 50, 1, seconds);
    bench_step_vs_hand(reg, seconds);
    rs_registry_destroy(reg);
    return 0;
}
