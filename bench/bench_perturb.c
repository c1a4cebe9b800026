/* bench_perturb.c: how the gradient estimates of node_perturbation (Williams 1992; Fiete &
 * Seung 2006) and weight_perturbation (Jabri & Flower 1992) degrade, and what they cost, as a
 * 784-H-10 network widens (Werfel, Xie & Seung 2005: the variance of weight perturbation grows
 * with the number of weights, node perturbation's with the number of units).
 *
 * For each width H: a ReLU/identity network with PyTorch's default init, one fixed batch of 64
 * random inputs U(0, 1) with random one-hot classes, softmax cross-entropy. The true gradient g
 * is backprop's (host net_forward + net_backward). Each rule runs with plain SGD at lr 1, so a
 * step changes the parameters by exactly -g^ (its estimate); the parameters are put back after
 * every draw. Over DRAWS draws it reports the mean cosine between g^ and g, the relative
 * mean squared error E|g^ - g|^2 / |g|^2 of one draw, and the CPU microseconds of one step
 * against one backprop step on the same batch.
 *
 * Usage: bench_perturb [draws (50)]     one thread; pin it: taskset -c 1 */
#include "bench_util.h"
#include "ctx.h"

#define BATCH 64

typedef struct result {
    double cosine, rel_mse, us;
} result;

static result run(rs_registry *reg, const char *rule, const char *params, uint32_t width,
                  int draws)
{
    const rs_rule_desc *rd = (const rs_rule_desc *)bench_need(reg, RS_KIND_RULE, rule);
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    const uint32_t sizes[] = { 784, width, 10 };
    const rs_act *acts[2];
    rs_net *net = bench_net(reg, sizes, 2, "relu", "identity", 1, BATCH, &ctx->rng, acts);
    const size_t np = net->n_params;
    rs_real *x = rs_alloc(ctx, (size_t)784 * BATCH * sizeof(rs_real));
    rs_real *y = rs_alloc(ctx, (size_t)10 * BATCH * sizeof(rs_real));
    rs_real *dpred = rs_alloc(ctx, (size_t)10 * BATCH * sizeof(rs_real));
    rs_real *theta = rs_alloc(ctx, np * sizeof(rs_real)), *g = rs_alloc(ctx, np * sizeof(rs_real));
    rs_rng_fill_uniform(&ctx->rng, x, (size_t)784 * BATCH, 0, 1);
    for (uint32_t b = 0; b < BATCH; b++)
        y[(size_t)(rs_rng_u64(&ctx->rng) % 10) * BATCH + b] = 1;
    memcpy(theta, net->params, np * sizeof(rs_real));
    host->net_forward(ctx, net, x, BATCH);
    host->loss(RS_LOSS_SOFTMAX_CE, net->a[2], y, 10, BATCH, dpred);
    host->net_backward(ctx, net, dpred);
    memcpy(g, net->grads, np * sizeof(rs_real));
    double gg = 0;
    for (size_t k = 0; k < np; k++)
        gg += (double)g[k] * g[k];

    rs_task_info info = { .struct_size = sizeof info, .n_in = 784, .n_out = 10,
                          .loss = RS_LOSS_SOFTMAX_CE };
    rs_params *rp = bench_params(&rd->head, params);
    void *state = NULL;
    if (rd->create(host, ctx, rp, net, &info, &state) != RS_OK) {
        fprintf(stderr, "bench_perturb: %s: %s\n", rule, ctx->err);
        exit(1);
    }
    rs_batch batch = { .n = BATCH, .n_in = 784, .n_out = 10, .loss = RS_LOSS_SOFTMAX_CE,
                       .x = x, .y = y };
    result r = { 0 };
    double cpu = 0;
    for (int d = 0; d < draws; d++) {
        rs_step_stats stats = { 0 };
        double t0 = bench_cpu_now();
        rd->step(state, ctx, net, &batch, &stats);
        cpu += bench_cpu_now() - t0;
        double dot = 0, hh = 0, err = 0;
        for (size_t k = 0; k < np; k++) {
            double est = (double)theta[k] - net->params[k]; /* lr 1: -step = g^ */
            dot += est * g[k];
            hh += est * est;
            err += (est - g[k]) * (est - g[k]);
        }
        r.cosine += dot / sqrt(hh * gg + 1e-300) / draws;
        r.rel_mse += err / gg / draws;
        memcpy(net->params, theta, np * sizeof(rs_real));
    }
    r.us = 1e6 * cpu / draws;
    rd->destroy(state, ctx);
    rs_params_destroy(rp);
    rs_free(ctx, x);
    rs_free(ctx, y);
    rs_free(ctx, dpred);
    rs_free(ctx, theta);
    rs_free(ctx, g);
    bench_net_destroy(net, 2, acts);
    rs_ctx_destroy(ctx);
    return r;
}

int main(int argc, char **argv)
{
    bench_one_blas_thread();
    const int draws = argc > 1 ? atoi(argv[1]) : 50;
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    static const uint32_t widths[] = { 32, 128, 512, 2048 };
    static const char *const rules[][2] = {
        { "backprop", "lr=1,loss=ce" },
        { "node_perturbation", "lr=1,sigma=0.01,samples=1,loss=ce" },
        { "node_perturbation", "lr=1,sigma=0.01,samples=16,loss=ce" },
        { "weight_perturbation", "lr=1,sigma=0.001,samples=1,antithetic=true,loss=ce" },
        { "weight_perturbation", "lr=1,sigma=0.001,samples=16,antithetic=true,loss=ce" },
    };
    printf("# 784-H-10 relu/identity, batch %d, softmax CE, %d draws each\n", BATCH, draws);
    printf("width\trule\tparams\tcosine\trel_mse\tus_per_step\tvs_backprop\n");
    for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
        double bp_us = NAN;
        for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
            result r = run(reg, rules[i][0], rules[i][1], widths[w], draws);
            if (i == 0)
                bp_us = r.us;
            printf("%u\t%s\t%s\t%.4f\t%.4g\t%.4g\t%.2fx\n", widths[w], rules[i][0], rules[i][1],
                   r.cosine, r.rel_mse, r.us, r.us / bp_us);
            fflush(stdout);
        }
    }
    rs_registry_destroy(reg);
    return 0;
}
