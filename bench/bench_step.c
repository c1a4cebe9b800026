/* bench_step.c: microseconds per training step of the gradient rules (backprop, feedback
 * alignment, direct feedback alignment, sign symmetry when built) and of the meta-learned rules
 * (lstm_synapse, meta_hebbian, with their shipped weights; on 2-10-1 also lstm_synapse with
 * explore=0, untrained: the operations of 2.2's trained rule plus the squared gate, so the
 * share of the step its exploration takes, and untrained with explore_every 1 to 4
 * (a weights file accepts only the parameters it was trained with; the operations are the
 * trained rule's): the exploration on every k-th step only), through the path a
 * `ruleset compare` job takes (task.batch -> rule.step via the plugin descriptors), single
 * thread, with the FLOP rate each step implies and that rate as a share of two peaks measured
 * by this same run on this same core (bench/peak.h):
 *
 *   fma_peak    independent 256-bit FMA chains in registers: the core's arithmetic ceiling
 *   sgemm_peak  a 1024 x 1024 x 1024 cblas_sgemm through OpenBLAS, one thread: what the
 *               library the steps use reaches on a large, square product
 *
 *   FLOPs per step (backprop's count, used for every rule so rates compare the same work):
 *   per layer 2 x n_out x n_in x batch for the forward product, as much for dW = delta a^T, and
 *   as much again for dA = W^T delta on every layer but the first (the input needs no
 *   gradient). Biases, activations, the loss and the optimizer are not counted.
 *
 * Each case: a warm-up, then the best of REPEATS timings of seconds / REPEATS, a peak sample
 * before each; the peaks are the best samples of the whole run. Every time here is the CPU
 * time of the process (one thread: the wall time of an idle core), so that on a core shared
 * with other load the others' turns are left out of both the steps and the peaks; bench/epoch.sh
 * gives wall-clock figures beside PyTorch.
 *
 * Usage: bench_step [seconds per case [case name prefix]]   (run from the build folder or with
 * RULESET_PLUGIN_PATH pointing at the built plugins). Pin it: taskset -c 1 bench_step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "bench_util.h"
#include "ctx.h"
#include "network.h"
#include "params.h"
#include "peak.h"
#include "registry.h"

#define REPEATS 5

typedef struct bench_case {
    const char *name;
    uint32_t sizes[5];
    uint32_t n_layers, batch;
    const char *hidden_act, *out_act;
    const char *task; /* "circuits" parameters, or NULL for fixed random data */
    const char *rule; /* plugin name */
    const char *rule_params;
} bench_case;

/* Forward + dW + dA (but the first layer's) multiply-adds, times 2 flops each. */
static double step_flops(const bench_case *bc)
{
    double f = 0;
    for (uint32_t l = 1; l <= bc->n_layers; l++)
        f += (l > 1 ? 6.0 : 4.0) * bc->sizes[l] * bc->sizes[l - 1] * bc->batch;
    return f;
}

/* Microseconds per step over about `seconds` (the batch drawn first when there is a task). */
static double time_steps(const rs_rule_desc *rd, void *rule, const rs_task_desc *td, void *task,
                         rs_ctx *ctx, rs_net *net, const rs_batch *batch, double seconds,
                         double *loss)
{
    rs_step_stats stats;
    long steps = 0, chunk = 4;
    double t0 = bench_cpu_now(), elapsed = 0;
    while (elapsed < seconds) { /* grow the chunk so the clock is read rarely */
        for (long i = 0; i < chunk; i++) {
            if (td)
                td->batch(task, ctx, batch->n, (rs_real *)batch->x, (rs_real *)batch->y);
            memset(&stats, 0, sizeof stats);
            rd->step(rule, ctx, net, batch, &stats);
        }
        steps += chunk;
        if (chunk < (1 << 20))
            chunk *= 2;
        elapsed = bench_cpu_now() - t0;
    }
    *loss = stats.loss;
    return elapsed / steps * 1e6;
}

/* Microseconds per step of one case, the best of REPEATS timings with a peak sample before
 * each (into pk); NAN when its rule plugin is not built. */
static double run_case(rs_registry *reg, const bench_case *bc, double seconds, bench_peak *pk,
                       double *loss)
{
    const rs_rule_desc *rd = (const rs_rule_desc *)rs_registry_find(reg, RS_KIND_RULE, bc->rule);
    if (!rd)
        return NAN;
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    const rs_act *acts[4];
    rs_net *net = bench_net(reg, bc->sizes, bc->n_layers, bc->hidden_act, bc->out_act,
                            bc->task == NULL, /* the MLPs have biases, 001's small nets none */
                            bc->batch, &ctx->rng, acts);
    uint32_t n_in = bc->sizes[0], n_out = bc->sizes[bc->n_layers];
    rs_real *x = rs_alloc(ctx, (size_t)n_in * bc->batch * sizeof(rs_real));
    rs_real *y = rs_alloc(ctx, (size_t)n_out * bc->batch * sizeof(rs_real));
    const rs_task_desc *td = NULL;
    void *task = NULL;
    rs_params *tp = NULL;
    rs_task_info info = { .struct_size = sizeof info, .loss = RS_LOSS_SOFTMAX_CE };
    if (bc->task) {
        td = (const rs_task_desc *)bench_need(reg, RS_KIND_TASK, "circuits");
        tp = bench_params(&td->head, bc->task);
        td->create(host, ctx, tp, &info, &task);
    } else { /* fixed random inputs and one-hot classes */
        memset(y, 0, (size_t)n_out * bc->batch * sizeof(rs_real));
        rs_rng_fill_uniform(&ctx->rng, x, (size_t)n_in * bc->batch, 0, 1);
        for (uint32_t b = 0; b < bc->batch; b++)
            y[(size_t)(rs_rng_u64(&ctx->rng) % n_out) * bc->batch + b] = 1;
    }
    rs_params *rp = bench_params(&rd->head, bc->rule_params);
    void *rule = NULL;
    if (rd->create(host, ctx, rp, net, &info, &rule) != RS_OK) {
        fprintf(stderr, "bench_step: %s: %s\n", bc->name, ctx->err);
        exit(1);
    }
    rs_batch batch = { .n = bc->batch, .n_in = n_in, .n_out = n_out, .loss = info.loss,
                       .x = x, .y = y };
    double best = INFINITY;
    for (int r = 0; r <= REPEATS; r++) { /* r = 0 warms up: first touches, caches */
        if (r > 0)
            bench_peak_sample(pk, 0.05);
        double us = time_steps(rd, rule, td, task, ctx, net, &batch, seconds / REPEATS, loss);
        if (r > 0 && us < best)
            best = us;
    }
    rd->destroy(rule, ctx);
    if (task)
        td->destroy(task, ctx);
    rs_params_destroy(rp);
    rs_params_destroy(tp);
    rs_free(ctx, x);
    rs_free(ctx, y);
    bench_net_destroy(net, bc->n_layers, acts);
    rs_ctx_destroy(ctx);
    return best;
}

#define MNIST(name, s1, rule, params) \
    { name, { 784, s1, 10 }, 2, 128, "relu", "identity", NULL, rule, params }

int main(int argc, char **argv)
{
    bench_one_blas_thread();
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    const char *only = argc > 2 ? argv[2] : NULL;
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    static const bench_case cases[] = {
        { "2-2-1 batch 1", { 2, 2, 1 }, 2, 1, "relu", "identity", "fn=add", "backprop",
          "lr=0.0001,loss=mse" },
        { "2-2-1 batch 1000 (+draw)", { 2, 2, 1 }, 2, 1000, "relu", "identity", "fn=add",
          "backprop", "lr=0.0001,loss=mse" },
        { "2-10-1 batch 1", { 2, 10, 1 }, 2, 1, "relu", "identity", "fn=add", "backprop",
          "lr=0.0001,loss=mse" },
        { "2-10-1 batch 1 lstm_synapse", { 2, 10, 1 }, 2, 1, "relu", "identity", "fn=add",
          "lstm_synapse", "" },
        { "2-10-1 batch 1 lstm_synapse untrained", { 2, 10, 1 }, 2, 1, "relu", "identity",
          "fn=add", "lstm_synapse", "weights=" },
        { "2-10-1 batch 1 lstm_synapse explore_every=2 untrained", { 2, 10, 1 }, 2, 1, "relu",
          "identity", "fn=add", "lstm_synapse", "explore_every=2,weights=" },
        { "2-10-1 batch 1 lstm_synapse explore_every=3 untrained", { 2, 10, 1 }, 2, 1, "relu",
          "identity", "fn=add", "lstm_synapse", "explore_every=3,weights=" },
        { "2-10-1 batch 1 lstm_synapse explore_every=4 untrained", { 2, 10, 1 }, 2, 1, "relu",
          "identity", "fn=add", "lstm_synapse", "explore_every=4,weights=" },
        { "2-10-1 batch 1 lstm_synapse explore=0 untrained", { 2, 10, 1 }, 2, 1, "relu",
          "identity", "fn=add", "lstm_synapse", "explore=0,weights=" },
        { "2-10-1 batch 1 meta_hebbian", { 2, 10, 1 }, 2, 1, "relu", "identity", "fn=add",
          "meta_hebbian", "" },
        MNIST("784-256-10 batch 128", 256, "backprop", "lr=0.01,loss=ce"),
        MNIST("784-256-10 batch 128 FA", 256, "feedback_alignment", "lr=0.01,loss=ce"),
        MNIST("784-256-10 batch 128 DFA", 256, "direct_feedback_alignment", "lr=0.01,loss=ce"),
        MNIST("784-256-10 batch 128 sign_symmetry", 256, "sign_symmetry", "lr=0.01,loss=ce"),
        MNIST("784-256-10 batch 128 lstm_synapse", 256, "lstm_synapse", ""),
        MNIST("784-256-10 batch 128 meta_hebbian", 256, "meta_hebbian", ""),
        MNIST("784-1000-10 batch 128", 1000, "backprop", "lr=0.01,loss=ce"),
        { "784-1000-1000-10 batch 128", { 784, 1000, 1000, 10 }, 3, 128, "relu", "identity",
          NULL, "backprop", "lr=0.01,loss=ce" },
    };
    enum { N_CASES = sizeof cases / sizeof *cases };
    double us[N_CASES], loss[N_CASES];
    bench_peak pk = { 0 };
    for (size_t i = 0; i < N_CASES; i++) {
        us[i] = NAN;
        if (!only || strncmp(cases[i].name, only, strlen(only)) == 0)
            us[i] = run_case(reg, &cases[i], seconds, &pk, &loss[i]);
    }
    printf("# fma_peak %.1f GFLOP/s, sgemm_peak %.1f GFLOP/s (1024^3, one thread, %s); "
           "best of %d timings each\n", pk.fma_gflops, pk.sgemm_gflops, pk.blas_core, REPEATS);
    printf("case\tus_per_step\tgflops\tpct_fma_peak\tpct_sgemm_peak\tvs_backprop\n");
    double bp_us = NAN;
    for (size_t i = 0; i < N_CASES; i++) {
        const bench_case *bc = &cases[i];
        const int is_bp = strcmp(bc->rule, "backprop") == 0;
        if (only && strncmp(bc->name, only, strlen(only)) != 0)
            continue;
        if (us[i] != us[i]) {
            printf("%s\t-\t-\t-\t-\t-\t(rule %s not built)\n", bc->name, bc->rule);
            continue;
        }
        if (is_bp)
            bp_us = us[i];
        double gf = step_flops(bc) / (us[i] * 1e3);
        printf("%s\t%.4g\t%.3g\t%.0f%%\t%.0f%%\t", bc->name, us[i], gf,
               100 * gf / pk.fma_gflops, 100 * gf / pk.sgemm_gflops);
        if (is_bp)
            printf("-");
        else
            printf("%.2fx", us[i] / bp_us);
        printf("\t(final loss %.3g)\n", loss[i]);
    }
    rs_registry_destroy(reg);
    return 0;
}
