/* bench_lstm_kernel.c: nanoseconds of lstm_synapse's float cell alone (plugins/rules/
 * lstm_kernel.h: lk_step and the bounded output, lk_out_bounded), per tile and per block of
 * LK_LANES synapses, with everything in L1: the arithmetic floor under a `step`, apart from the
 * forward pass, the batch means and scales, and filling and writing the tiles. Five inputs and
 * H = 1 (2.2), 2 and 4 (2.0, 2.1), random meta-parameters
 * of Xavier's size, inputs in [-2, 2]; tiles of
 * 16 (a layer narrower than a vector: 2-10-1's output layer), 32 (its hidden layer) and 256
 * (the largest tile, as in 784-256-10). CPU time, the best of 5 timings each.
 *
 * Usage: bench_lstm_kernel [seconds per tile size (1)]. Pin it: taskset -c 1. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

#include "../plugins/rules/lstm_kernel.h"

enum { H_MAX = 4, F = 5, LANES_MAX = 256 };

/* A fixed stream of uniforms in [-1, 1) (xorshift64*), so every run times the same values. */
static float uniform(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (float)((*s * 2685821657736338717ull) >> 40) / (float)(1 << 23) - 1;
}

/* The best of 5 timings of one step (and the bounded output) of a tile of T synapses. */
static double time_tile(const lk_lstm *p, uint32_t T, double seconds, rs_real *x, rs_real *z,
                        rs_real *h, rs_real *c, rs_real *r, const rs_real *pm)
{
    double best = INFINITY;
    for (int rep = 0; rep <= 5; rep++) { /* rep 0 warms up */
        long calls = 0;
        const double t0 = bench_cpu_now();
        double elapsed = 0;
        while (elapsed < seconds / 5) {
            for (int k = 0; k < 1000; k++) {
                lk_step(p, T, x, z, h, c, r);
                lk_out_bounded(p, T, pm, x + 3 * T, 0.01f, r); /* 2.1: the gate on the m row */
            }
            calls += 1000;
            elapsed = bench_cpu_now() - t0;
        }
        if (rep > 0 && elapsed / calls < best)
            best = elapsed / calls;
    }
    return best;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    static rs_real w[4 * H_MAX * (F + H_MAX)], b[4 * H_MAX], v[H_MAX], x[F * LANES_MAX];
    static rs_real h[H_MAX * LANES_MAX], c[H_MAX * LANES_MAX], z[4 * H_MAX * LK_LANES];
    static rs_real r[LANES_MAX], pm[LANES_MAX];
    printf("H\ttile\tns_per_tile\tns_per_block\n");
    for (uint32_t H = 1; H <= H_MAX; H *= 2) {
        const uint32_t K = F + H;
        uint64_t seed = 42;
        for (uint32_t k = 0; k < 4 * H * K; k++) /* as fast_prepare stores them */
            w[k] = (rs_real)(lk_scale_of(k / K, H) * 0.6 * uniform(&seed));
        for (uint32_t k = 0; k < 4 * H; k++)
            b[k] = (rs_real)(lk_scale_of(k, H) * (k / H == 1 ? 1.0 : 0.0));
        for (uint32_t k = 0; k < H; k++)
            v[k] = 0.05f * uniform(&seed);
        for (int k = 0; k < F * LANES_MAX; k++)
            x[k] = 2 * uniform(&seed);
        for (int k = 0; k < LANES_MAX; k++)
            pm[k] = uniform(&seed);
        memset(h, 0, sizeof h);
        memset(c, 0, sizeof c);
        const lk_lstm p = { .hid = H, .n_feat = F, .w = w, .b = b, .v = v, .c0 = 0, .skip = 1,
                            .scale = 0.3f };
        static const uint32_t tiles[] = { 16, 32, 256 };
        for (size_t q = 0; q < sizeof tiles / sizeof *tiles; q++) {
            const uint32_t T = tiles[q];
            const double best = time_tile(&p, T, seconds, x, z, h, c, r, pm);
            printf("%u\t%u\t%.1f\t%.1f\n", H, T, best * 1e9, best * 1e9 / (T / LK_LANES));
        }
    }
    return r[0] != r[0]; /* uses the result: the loop cannot be dropped */
}
