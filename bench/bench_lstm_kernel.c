/* bench_lstm_kernel.c: nanoseconds of lstm_synapse's float cell alone (plugins/rules/
 * lstm_kernel.h: lk_step and the bounded output, lk_out_bounded), per tile and per block of
 * LK_LANES synapses, with everything in L1: the arithmetic floor under a `step`, apart from the
 * forward pass, the batch means and scales, and filling and writing the tiles. 2.0's shape
 * (H = 4, five inputs), random meta-parameters of Xavier's size, inputs in [-2, 2]; tiles of
 * 16 (a layer narrower than a vector: 2-10-1's output layer), 32 (its hidden layer) and 256
 * (the largest tile, as in 784-256-10). CPU time, the best of 5 timings each.
 *
 * Usage: bench_lstm_kernel [seconds per tile size (1)]. Pin it: taskset -c 1. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

#include "../plugins/rules/lstm_kernel.h"

enum { H = 4, F = 5, K = F + H, LANES_MAX = 256 };

/* A fixed stream of uniforms in [-1, 1) (xorshift64*), so every run times the same values. */
static float uniform(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (float)((*s * 2685821657736338717ull) >> 40) / (float)(1 << 23) - 1;
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    static rs_real w[4 * H * K], b[4 * H], v[H], x[F * LANES_MAX], h[H * LANES_MAX];
    static rs_real c[H * LANES_MAX], z[4 * H * LK_LANES], r[LANES_MAX], pm[LANES_MAX];
    uint64_t seed = 42;
    for (int k = 0; k < 4 * H * K; k++) /* as fast_prepare stores them: times lk_scale_of */
        w[k] = (rs_real)(lk_scale_of((uint32_t)(k / K), H) * 0.6 * uniform(&seed));
    for (int k = 0; k < 4 * H; k++)
        b[k] = (rs_real)(lk_scale_of((uint32_t)k, H) * (k / H == 1 ? 1.0 : 0.0));
    for (int k = 0; k < H; k++)
        v[k] = 0.05f * uniform(&seed);
    for (int k = 0; k < F * LANES_MAX; k++)
        x[k] = 2 * uniform(&seed);
    for (int k = 0; k < LANES_MAX; k++)
        pm[k] = uniform(&seed);
    const lk_lstm p = { .hid = H, .n_feat = F, .w = w, .b = b, .v = v, .c0 = 0, .skip = 1,
                        .scale = 0.3f };
    printf("tile\tns_per_tile\tns_per_block\n");
    static const uint32_t tiles[] = { 16, 32, 256 };
    for (size_t q = 0; q < sizeof tiles / sizeof *tiles; q++) {
        const uint32_t T = tiles[q];
        double best = INFINITY;
        for (int rep = 0; rep <= 5; rep++) { /* rep 0 warms up */
            long calls = 0;
            const double t0 = bench_cpu_now();
            double elapsed = 0;
            while (elapsed < seconds / 5) {
                for (int k = 0; k < 1000; k++) {
                    lk_step(&p, T, x, z, h, c, r);
                    lk_out_bounded(&p, T, pm, x + 3 * T, 0.01f, r); /* 2.1: the gate on the m row */
                }
                calls += 1000;
                elapsed = bench_cpu_now() - t0;
            }
            if (rep > 0 && elapsed / calls < best)
                best = elapsed / calls;
        }
        printf("%u\t%.1f\t%.1f\n", T, best * 1e9, best * 1e9 / (T / LK_LANES));
    }
    return r[0] != r[0]; /* uses the result: the loop cannot be dropped */
}
