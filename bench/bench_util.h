/* bench_util.h: what the C benches share (header-only: each bench/ file is its own program):
 * a monotonic clock and a CPU clock, plugin look-up, parameter tables from "k=v,k=v" text, and a seeded
 * layered network with PyTorch's default init. */
#ifndef RS_BENCH_UTIL_H
#define RS_BENCH_UTIL_H

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "network.h"
#include "params.h"
#include "registry.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: on a core shared with other load, the time it actually ran
 * (what the scheduler gave others is left out; their cache pollution is not). */
static inline double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One BLAS thread, as every job of `ruleset` runs (core/cli/main.c): numbers and timings do not
 * depend on the thread count. */
static inline void bench_one_blas_thread(void) { openblas_set_num_threads(1); }

static inline const rs_plugin_head *bench_need(rs_registry *reg, int kind, const char *name)
{
    const rs_plugin_head *h = rs_registry_find(reg, kind, name);
    if (!h) {
        fprintf(stderr, "bench: plugin '%s' not found; run from the build folder or set "
                        "RULESET_PLUGIN_PATH\n", name);
        exit(2);
    }
    return h;
}

static inline rs_params *bench_params(const rs_plugin_head *h, const char *text)
{
    rs_params *p = rs_params_create(h->params, h->name);
    char *copy = strdup(text), *save = NULL, err[256];
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "bench: %s: expected key=value, got '%s'\n", h->name, kv);
            exit(2);
        }
        *eq = '\0';
        if (rs_params_set_text(p, kv, eq + 1, err, sizeof err) != RS_OK) {
            fprintf(stderr, "bench: %s\n", err);
            exit(2);
        }
    }
    free(copy);
    return p;
}

/* sizes (n_layers + 1), hidden layers hidden_act, the last out_act, PyTorch's default init from
 * rng; acts (n_layers) receives the activations for bench_net_destroy. */
static inline rs_net *bench_net(rs_registry *reg, const uint32_t *sizes, uint32_t n_layers,
                                const char *hidden_act, const char *out_act, int bias,
                                uint32_t batch, rs_rng *rng, const rs_act **acts)
{
    char err[256];
    for (uint32_t l = 0; l < n_layers; l++) {
        acts[l] = rs_act_create(reg, l + 1 == n_layers ? out_act : hidden_act, err, sizeof err);
        if (!acts[l]) {
            fprintf(stderr, "bench: %s\n", err);
            exit(2);
        }
    }
    rs_net *net = rs_net_create(sizes, n_layers, acts, bias, batch);
    if (!net) {
        fprintf(stderr, "bench: no memory for the network\n");
        exit(1);
    }
    rs_init init = { .kind = RS_INIT_PYTORCH };
    rs_net_init(net, &init, rng);
    return net;
}

static inline void bench_net_destroy(rs_net *net, uint32_t n_layers, const rs_act **acts)
{
    rs_net_destroy(net);
    for (uint32_t l = 0; l < n_layers; l++)
        rs_act_destroy((rs_act *)acts[l]);
}

#endif
