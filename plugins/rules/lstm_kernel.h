/* lstm_kernel.h: one step of an LSTM applied to many synapses at once, in float, with no tape
 * (the fast path of lstm_synapse's `step`; the same cell as core/tape.c's lstm_cell and the
 * rule's update, docs/RULES.md). Private to the rules of this folder; static inline.
 *
 * Synapses are processed in tiles of T (a multiple of LK_LANES) laid out synapse-minor: a
 * tile's inputs are uh (K, T), row k holding input k of every synapse of the tile, so every
 * loop below runs along the T synapses and compiles to vector code. The pre-activations of the
 * whole tile are one small matrix product Z (4H, T) = [W_x | W_h] (4H, K) uh (K, T) + b, done
 * in blocks of LK_LANES synapses whose accumulators stay in registers. */
#ifndef RS_RULES_LSTM_KERNEL_H
#define RS_RULES_LSTM_KERNEL_H

#include <string.h>

#include <ruleset/abi.h>

#include "fast_math.h"

#define LK_LANES 16 /* synapses per register block: one AVX-512 vector of floats */

/* One LSTM's parameters as float, prepared once when the rule is created. */
typedef struct lk_lstm {
    uint32_t hid, n_feat;  /* H; F inputs (K = F + H columns of w) */
    const rs_real *w;      /* (4H, K) row-major: [W_x | W_h], gates i f g o as PyTorch */
    const rs_real *b;      /* (4H) */
    const rs_real *v;      /* (H) the read-out */
    rs_real c0, skip, scale;
} lk_lstm;

/* LK_LANES floats as one value (GCC's and Clang's vector extension: one AVX-512 register, or
 * two or four narrower ones on other CPUs); loads and stores go through memcpy, so rows of
 * uh and z need no particular alignment. No function takes or returns one: without AVX-512
 * that would be an ABI the compiler warns about. */
typedef rs_real lk_vec __attribute__((vector_size(LK_LANES * sizeof(rs_real))));

static inline rs_real lk_clamp20(rs_real x)
{
    return x < -20 ? -20 : x > 20 ? 20 : x;
}

/* z (4H, T) = w uh + b, LK_LANES synapses by four rows at a time (four accumulators share
 * every load of uh; 4H is a multiple of 4). */
static inline void lk_gates(const lk_lstm *p, uint32_t T, const rs_real *uh, rs_real *z)
{
    const uint32_t K = p->n_feat + p->hid, R = 4 * p->hid;
    for (uint32_t t0 = 0; t0 < T; t0 += LK_LANES)
        for (uint32_t r = 0; r < R; r += 4) {
            const rs_real *w = p->w + (size_t)r * K;
            lk_vec a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
            a0 += p->b[r];
            a1 += p->b[r + 1];
            a2 += p->b[r + 2];
            a3 += p->b[r + 3];
            const rs_real *x = uh + t0, *w1 = w + K, *w2 = w1 + K, *w3 = w2 + K;
            for (uint32_t k = 0; k < K; k++, x += T) { /* pointers, not indices: no 32-bit */
                lk_vec xv;                              /* index arithmetic in the loop */
                memcpy(&xv, x, sizeof xv);
                a0 += w[k] * xv;
                a1 += w1[k] * xv;
                a2 += w2[k] * xv;
                a3 += w3[k] * xv;
            }
            memcpy(z + (size_t)r * T + t0, &a0, sizeof a0);
            memcpy(z + (size_t)(r + 1) * T + t0, &a1, sizeof a1);
            memcpy(z + (size_t)(r + 2) * T + t0, &a2, sizeof a2);
            memcpy(z + (size_t)(r + 3) * T + t0, &a3, sizeof a3);
        }
}

/* One step for a tile of T synapses. uh (K, T): rows 0..F-1 the inputs, rows F..K-1 the old
 * state h. c (H, T) the cell state, updated in place; h (H, T) receives the new state, and may
 * be uh's own rows F.. (every read of uh is over before the first write of h). z (4H, T) is
 * scratch. r (T) receives the read-out v.h + c0, which the rule turns into Δw (lk_out_raw,
 * lk_out_bounded). */
static inline void lk_step(const lk_lstm *p, uint32_t T, const rs_real *uh, rs_real *z,
                           rs_real *h, rs_real *c, rs_real *r)
{
    const uint32_t H = p->hid;
    lk_gates(p, T, uh, z);
    for (uint32_t k = 0; k < H; k++) {
        const rs_real *zi = z + (size_t)k * T, *zf = z + (size_t)(H + k) * T;
        const rs_real *zg = z + (size_t)(2 * H + k) * T, *zo = z + (size_t)(3 * H + k) * T;
        rs_real *ck = c + (size_t)k * T, *hk = h + (size_t)k * T;
        for (uint32_t t = 0; t < T; t++) {
            /* c' = σ(z_f) c + σ(z_i) tanh(z_g) and h = σ(z_o) tanh(c') over common
             * denominators: two divisions instead of five (division is the slowest vector op).
             * With e_x = exp(-x) clamped to |x| <= 20, every product stays below 1e27; σ and
             * tanh are then within a float ulp of 0 or 1 already. */
            const rs_real ei = fm_exp(-lk_clamp20(zi[t])), ef = fm_exp(-lk_clamp20(zf[t]));
            const rs_real eg = fm_exp(-lk_clamp20(2 * zg[t])), eo = fm_exp(-lk_clamp20(zo[t]));
            const rs_real di = 1 + ei, df = 1 + ef, dg = 1 + eg;
            const rs_real cn = (ck[t] * di * dg + (1 - eg) * df) / (df * di * dg);
            const rs_real ec = fm_exp(-lk_clamp20(2 * cn)), dc = 1 + ec;
            ck[t] = cn;
            hk[t] = (cn > -0.2f && cn < 0.2f ? fm_tanh_series(cn) * dc : 1 - ec) / ((1 + eo) * dc);
        }
    }
    for (uint32_t t = 0; t < T; t++)
        r[t] = p->c0;
    for (uint32_t k = 0; k < H; k++) {
        const rs_real vk = p->v[k], *hk = h + (size_t)k * T;
        for (uint32_t t = 0; t < T; t++)
            r[t] += vk * hk[t];
    }
}

/* The sum of squares of n floats, in blocks of LK_LANES lanes summed into a double every 4096
 * values (fixed order: the same sum whatever the alignment or the caller). */
static inline double lk_sumsq(const rs_real *v, size_t n)
{
    double acc = 0;
    size_t k = 0;
    while (k < n) {
        const size_t end = n - k > 4096 ? k + 4096 : n;
        lk_vec part = { 0 };
        for (; k + LK_LANES <= end; k += LK_LANES) {
            lk_vec x;
            memcpy(&x, v + k, sizeof x);
            part += x * x;
        }
        for (; k < end; k++)
            part[0] += v[k] * v[k];
        for (int q = 0; q < LK_LANES; q++)
            acc += part[q];
    }
    return acc;
}

/* 1.x's output, in place: Δw = scale tanh(r) - skip pm (pm NULL: no skip term). One loop per
 * case: a test of pm inside the loop would keep it scalar. */
static inline void lk_out_raw(const lk_lstm *p, uint32_t T, const rs_real *pm, rs_real *r)
{
    const rs_real a = p->scale, k = p->skip;
    if (pm)
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t]) - k * pm[t];
    else
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t]);
}

/* normalize's output, in place: Δw = kappa scale tanh(rho r - skip pm), pm the normalised pre m
 * (NULL: none), rho = min(|m|, 1) from the normalised error row m (NULL: rho = 1, 2.0's head);
 * |Δw| < kappa scale whatever the LSTM does. */
static inline void lk_out_bounded(const lk_lstm *p, uint32_t T, const rs_real *pm,
                                  const rs_real *m, rs_real kappa, rs_real *r)
{
    const rs_real a = kappa * p->scale, k = p->skip;
    if (m)
        for (uint32_t t = 0; t < T; t++) {
            const rs_real rho = m[t] < 0 ? -m[t] : m[t];
            r[t] *= rho < 1 ? rho : 1;
        }
    if (pm)
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t] - k * pm[t]);
    else
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t]);
}

#endif
