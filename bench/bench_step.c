/* bench_step.c: microseconds per training step of `backprop`, through exactly the path a
 * `ruleset compare` job takes (task.batch -> rule.step via the plugin descriptors), single
 * thread, with the FLOP rate each step implies.
 *
 *   FLOPs per step = 6 x (multiply-adds of one forward pass) x batch:
 *   2 for the forward product, 2 for dW = delta a^T, 2 for dA = W^T delta (an upper bound:
 *   the first layer needs no dA). Activations, loss and the optimizer are not counted.
 *
 * Usage: bench_step [seconds per case]   (run from the build folder or with
 * RULESET_PLUGIN_PATH pointing at the built plugins). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "ctx.h"
#include "network.h"
#include "params.h"
#include "registry.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct bench_case {
    const char *name;
    uint32_t sizes[4];
    uint32_t n_layers, batch;
    const char *hidden_act, *out_act;
    const char *task;      /* "circuits:fn=add" style, or NULL for fixed random data */
    const char *rule;      /* backprop params */
} bench_case;

static const rs_plugin_head *need(rs_registry *reg, int kind, const char *name)
{
    const rs_plugin_head *h = rs_registry_find(reg, kind, name);
    if (!h) {
        fprintf(stderr, "bench_step: plugin '%s' not found; run from the build folder or set "
                        "RULESET_PLUGIN_PATH\n", name);
        exit(2);
    }
    return h;
}

static rs_params *params_from(const rs_plugin_head *h, const char *text)
{
    rs_params *p = rs_params_create(h->params, h->name);
    char *copy = strdup(text), *save = NULL, err[256];
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        if (rs_params_set_text(p, kv, eq + 1, err, sizeof err) != RS_OK) {
            fprintf(stderr, "bench_step: %s\n", err);
            exit(2);
        }
    }
    free(copy);
    return p;
}

static void run_case(rs_registry *reg, const bench_case *bc, double seconds)
{
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    char err[256];
    const rs_act *acts[3];
    for (uint32_t l = 0; l < bc->n_layers; l++)
        acts[l] = rs_act_create(reg, l + 1 == bc->n_layers ? bc->out_act : bc->hidden_act, err,
                                sizeof err);
    rs_net *net = rs_net_create(bc->sizes, bc->n_layers, acts, 0, bc->batch);
    rs_init init = { .kind = RS_INIT_PYTORCH };
    rs_net_init(net, &init, &ctx->rng);
    uint32_t n_in = bc->sizes[0], n_out = bc->sizes[bc->n_layers];
    rs_real *x = rs_alloc(ctx, (size_t)n_in * bc->batch * sizeof(rs_real));
    rs_real *y = rs_alloc(ctx, (size_t)n_out * bc->batch * sizeof(rs_real));
    const rs_task_desc *td = NULL;
    void *task = NULL;
    rs_params *tp = NULL;
    rs_task_info info = { .struct_size = sizeof info, .loss = RS_LOSS_SOFTMAX_CE };
    if (bc->task) {
        td = (const rs_task_desc *)need(reg, RS_KIND_TASK, "circuits");
        tp = params_from(&td->head, bc->task);
        td->create(host, ctx, tp, &info, &task);
    } else { /* fixed random inputs and one-hot classes */
        rs_rng_fill_uniform(&ctx->rng, x, (size_t)n_in * bc->batch, 0, 1);
        for (uint32_t b = 0; b < bc->batch; b++)
            y[(size_t)(rs_rng_u64(&ctx->rng) % n_out) * bc->batch + b] = 1;
    }
    const rs_rule_desc *rd = (const rs_rule_desc *)need(reg, RS_KIND_RULE, "backprop");
    rs_params *rp = params_from(&rd->head, bc->rule);
    void *rule = NULL;
    rd->create(host, ctx, rp, net, &info, &rule);
    rs_batch batch = { .n = bc->batch, .n_in = n_in, .n_out = n_out, .loss = info.loss,
                       .x = x, .y = y };
    rs_step_stats stats;
    long steps = 0, chunk = 16;
    double t0 = now_s(), elapsed = 0;
    while (elapsed < seconds) { /* grow the chunk so the clock is read rarely */
        for (long i = 0; i < chunk; i++) {
            if (td)
                td->batch(task, ctx, bc->batch, x, y);
            memset(&stats, 0, sizeof stats);
            rd->step(rule, ctx, net, &batch, &stats);
        }
        steps += chunk;
        if (chunk < (1 << 20))
            chunk *= 2;
        elapsed = now_s() - t0;
    }
    double us = elapsed / steps * 1e6;
    double macs = 0;
    for (uint32_t l = 1; l <= bc->n_layers; l++)
        macs += (double)bc->sizes[l] * bc->sizes[l - 1];
    double gflops = 6 * macs * bc->batch / (us * 1e3);
    printf("%s\t%.4g\t%.3g\t(final loss %.3g)\n", bc->name, us, gflops, stats.loss);
    rd->destroy(rule, ctx);
    if (task)
        td->destroy(task, ctx);
    rs_params_destroy(rp);
    rs_params_destroy(tp);
    rs_free(ctx, x);
    rs_free(ctx, y);
    rs_net_destroy(net);
    for (uint32_t l = 0; l < bc->n_layers; l++)
        rs_act_destroy((rs_act *)acts[l]);
    rs_ctx_destroy(ctx);
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    static const bench_case cases[] = {
        { "2-2-1 batch 1", { 2, 2, 1 }, 2, 1, "relu", "identity", "fn=add",
          "lr=0.0001,loss=mse" },
        { "2-2-1 batch 1000 (+draw)", { 2, 2, 1 }, 2, 1000, "relu", "identity", "fn=add",
          "lr=0.0001,loss=mse" },
        { "2-10-1 batch 1", { 2, 10, 1 }, 2, 1, "relu", "identity", "fn=add",
          "lr=0.0001,loss=mse" },
        { "784-256-10 batch 128", { 784, 256, 10 }, 2, 128, "relu", "identity", NULL,
          "lr=0.01,loss=ce" },
    };
    printf("case\tus_per_step\tgflops\n");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        run_case(reg, &cases[i], seconds);
    rs_registry_destroy(reg);
    return 0;
}
