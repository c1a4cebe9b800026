/* lstm_kernel.h: one step of an LSTM applied to many synapses at once, in float, with no tape
 * (the fast path of lstm_synapse's `step`; the same cell as core/tape.c's lstm_cell and the
 * rule's update, docs/RULES.md). Private to the rules of this folder; static inline.
 *
 * Synapses are processed in tiles of T (a multiple of LK_LANES) laid out synapse-minor: a
 * tile's inputs are x (F, T) and its state h, c (H, T), row k holding value k of every synapse
 * of the tile, so every loop below runs along the synapses and compiles to vector code. A tile
 * is done LK_LANES synapses at a time, all of the step for them before the next: the
 * pre-activations Z (4H, LK_LANES) = [W_x | W_h] (4H, K) [x; h] (K, LK_LANES) + b as a small
 * matrix product whose accumulators stay in registers, then the cell on Z while it is in L1.
 * Five exponentials (fast_math.h) and two divisions per unit and synapse. */
#ifndef RS_RULES_LSTM_KERNEL_H
#define RS_RULES_LSTM_KERNEL_H

#include <math.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <ruleset/abi.h>

#include "fast_math.h"

#define LK_LANES 16 /* synapses per register block: one AVX-512 vector of floats */

/* One LSTM's parameters as float, prepared once when the rule is created. The rows of w and b
 * are pre-multiplied by the factor that makes each gate's product the exponent of 2 its
 * nonlinearity needs (fast_math.h): -log2 e for i, f and o (sigma(z) = 1 / (1 + 2^{-z log2 e})),
 * -2 log2 e for g (tanh(z) = (1 - e) / (1 + e), e = e^{-2z}); lk_scale_of gives the factor. */
typedef struct lk_lstm {
    uint32_t hid, n_feat;  /* H; F inputs (K = F + H columns of w) */
    const rs_real *w;      /* (4H, K) row-major: [W_x | W_h] times lk_scale_of, gates i f g o */
    const rs_real *b;      /* (4H) times lk_scale_of */
    const rs_real *v;      /* (H) the read-out */
    rs_real c0, skip, scale;
    uint32_t gate_power;   /* rho's power in lk_out_bounded */
} lk_lstm;

/* The factor row r of 4H gates (i f g o, as PyTorch) is stored times. */
static inline double lk_scale_of(uint32_t r, uint32_t hid)
{
    return r / hid == 2 ? -2 * FM_LOG2E : -FM_LOG2E;
}

/* LK_LANES floats as one value (GCC's and Clang's vector extension: one AVX-512 register, or
 * two or four narrower ones on other CPUs); loads and stores go through memcpy, so rows of
 * x, h and z need no particular alignment. No function takes or returns one: without AVX-512
 * that would be an ABI the compiler warns about. */
typedef rs_real lk_vec __attribute__((vector_size(LK_LANES * sizeof(rs_real))));

/* The exponents' clamp, 20 nats in base 2: sigma and tanh are within a float ulp of 0 or +-1
 * beyond, and the products of three 1 + 2^x below stay under 2^87. */
#define LK_ZMAX ((float)(20 * FM_LOG2E))

/* *a clamped to [-LK_ZMAX, LK_ZMAX] (NaN stays NaN) as a whole vector: a compare and a masked
 * move per side. (fm_clamp in the loop of an exponential let the compiler compute 2^x under a
 * mask and blend in 2^{+-LK_ZMAX}, three times the work.) */
typedef int32_t lk_ivec __attribute__((vector_size(LK_LANES * sizeof(int32_t))));
static inline void lk_clamp(lk_vec *a)
{
    const lk_vec lo = (lk_vec){ 0 } - LK_ZMAX, hi = (lk_vec){ 0 } + LK_ZMAX;
    lk_vec x = *a;
    lk_ivec out = x < lo;
    x = (lk_vec)(((lk_ivec)x & ~out) | ((lk_ivec)lo & out));
    out = x > hi;
    *a = (lk_vec)(((lk_ivec)x & ~out) | ((lk_ivec)hi & out));
}

/* Rows r..r+3 of z (4H, LK_LANES) = w [x; h] + b, clamped to +-LK_ZMAX, for the LK_LANES
 * synapses from lane t0 (four accumulators share every load of x and h). */
static inline void lk_gates4(const lk_lstm *p, uint32_t T, uint32_t t0, const rs_real *x,
                             const rs_real *h, uint32_t r, rs_real *z)
{
    const uint32_t F = p->n_feat, K = F + p->hid;
    const rs_real *w = p->w + (size_t)r * K, *w1 = w + K, *w2 = w1 + K, *w3 = w2 + K;
    lk_vec a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
    a0 += p->b[r];
    a1 += p->b[r + 1];
    a2 += p->b[r + 2];
    a3 += p->b[r + 3];
    const rs_real *u = x + t0;
    for (uint32_t k = 0; k < K; k++, u += T) { /* pointers, not indices: no 32-bit */
        if (k == F)                            /* index arithmetic in the loop */
            u = h + t0;
        lk_vec uv;
        memcpy(&uv, u, sizeof uv);
        a0 += w[k] * uv;
        a1 += w1[k] * uv;
        a2 += w2[k] * uv;
        a3 += w3[k] * uv;
    }
    lk_clamp(&a0);
    lk_clamp(&a1);
    lk_clamp(&a2);
    lk_clamp(&a3);
    memcpy(z + (size_t)r * LK_LANES, &a0, sizeof a0);
    memcpy(z + (size_t)(r + 1) * LK_LANES, &a1, sizeof a1);
    memcpy(z + (size_t)(r + 2) * LK_LANES, &a2, sizeof a2);
    memcpy(z + (size_t)(r + 3) * LK_LANES, &a3, sizeof a3);
}

/* The gates' exponentials for one block, in place in z (4H, LK_LANES): rows i, f, o become the
 * denominators 1 + e of their sigmoids, e = 2^z = e^{-z_gate} (lk_lstm); rows g become e_g - 1
 * (fm_pow2m1: tanh's numerator 1 - e_g keeps its precision; its denominator is 2 + (e_g - 1)).
 * Every row is independent of the others: done apart from the cell's chains of divisions, they
 * keep the vector units busy instead of waiting on them. */
static inline void lk_sigmoid_dens(rs_real *z, uint32_t rows)
{
    for (uint32_t k = 0; k < rows * LK_LANES; k++)
        z[k] = 1 + fm_pow2(z[k]);
}

static inline void lk_gate_exps(rs_real *z, uint32_t H)
{
    lk_sigmoid_dens(z, 2 * H); /* i and f */
    rs_real *zg = z + (size_t)2 * H * LK_LANES;
    for (uint32_t k = 0; k < H * LK_LANES; k++) {
        rs_real e;
        zg[k] = fm_pow2m1(zg[k], &e);
    }
    lk_sigmoid_dens(z + (size_t)3 * H * LK_LANES, H); /* o */
}

/* Unit k of the cell for LK_LANES synapses, from lk_gate_exps' rows: c' = sigma(z_f) c +
 * sigma(z_i) tanh(z_g) and h = sigma(z_o) tanh(c') over common denominators, two divisions
 * instead of five (division is the slowest vector op); tanh(c') = -(e_c - 1) / (1 + e_c),
 * e_c = e^{-2c'}. */
static inline void lk_unit(const rs_real *z, uint32_t H, uint32_t k, rs_real *c, rs_real *h)
{
    const rs_real *di = z + (size_t)k * LK_LANES, *df = z + (size_t)(H + k) * LK_LANES;
    const rs_real *egm1 = z + (size_t)(2 * H + k) * LK_LANES;
    const rs_real *dout = z + (size_t)(3 * H + k) * LK_LANES;
    for (int t = 0; t < LK_LANES; t++) {
        const rs_real dg = 2 + egm1[t];
        const rs_real cn = (c[t] * di[t] * dg - egm1[t] * df[t]) / (df[t] * di[t] * dg);
        rs_real ec;
        const rs_real ecm1 = fm_pow2m1(fm_clamp(cn * (float)(-2 * FM_LOG2E), LK_ZMAX), &ec);
        c[t] = cn;
        h[t] = -ecm1 / ((1 + ec) * dout[t]);
    }
}

/* One step for a tile of T synapses (T a multiple of LK_LANES), LK_LANES at a time: x (F, T) the
 * inputs; h and c (H, T) the state, updated in place (a block's gates read its h before its
 * cell writes it). z is scratch for one block, (4H, LK_LANES). r (T) receives the read-out
 * v.h + c0, which the rule turns into Δw (lk_out_raw, lk_out_bounded). */
static inline void lk_step(const lk_lstm *p, uint32_t T, const rs_real *x, rs_real *z,
                           rs_real *h, rs_real *c, rs_real *r)
{
    const uint32_t H = p->hid;
    for (uint32_t t0 = 0; t0 < T; t0 += LK_LANES) {
        for (uint32_t q = 0; q < 4 * H; q += 4)
            lk_gates4(p, T, t0, x, h, q, z);
        lk_gate_exps(z, H);
        lk_vec acc = { 0 };
        acc += p->c0;
        for (uint32_t k = 0; k < H; k++) {
            rs_real *hk = h + (size_t)k * T + t0;
            lk_unit(z, H, k, c + (size_t)k * T + t0, hk);
            lk_vec hv;
            memcpy(&hv, hk, sizeof hv);
            acc += p->v[k] * hv;
        }
        memcpy(r + t0, &acc, sizeof acc);
    }
}

/* Gathers of a block of LK_LANES synapses by unit, for a layer narrower than a vector: one
 * permute of a register where AVX-512 has it (a compiler's gather loop of scalar loads and
 * stores cost more than the block's LSTM cell), plain loops elsewhere; the same values either
 * way. No stack array is involved: ASan's fake stack frames do not keep the 64-byte alignment a
 * compiler gives a local array it vectorises (lk_reduce).
 *   lk_permute:      out[t] = table[idx[t]], every idx[t] < LK_LANES;
 *   lk_permute_unit: out[t] = table[unit[t]], the block's units within LK_LANES of unit[0]
 *                    (a block spans at most LK_LANES units), table readable that far;
 *   lk_unit_product: out[t] = pre1[pre_unit[t]] mod[post_unit[t]], pre1 = pre (n_in of them)
 *                    with a 1 after them (the bias's pre), n_in < LK_LANES. */
static inline void lk_permute(const rs_real *table, const uint32_t *idx, rs_real *out)
{
#if defined(__AVX512F__) && LK_LANES == 16
    _mm512_storeu_ps(out, _mm512_permutexvar_ps(_mm512_loadu_si512(idx), _mm512_loadu_ps(table)));
#else
    for (int t = 0; t < LK_LANES; t++)
        out[t] = table[idx[t]];
#endif
}

#if defined(__AVX512F__) && LK_LANES == 16
static inline __m512 lk_unit_vec(const rs_real *table, const uint32_t *unit)
{
    const __m512i rel = _mm512_sub_epi32(_mm512_loadu_si512(unit), _mm512_set1_epi32((int)unit[0]));
    return _mm512_permutexvar_ps(rel, _mm512_loadu_ps(table + unit[0]));
}
#endif

static inline void lk_permute_unit(const rs_real *table, const uint32_t *unit, rs_real *out)
{
#if defined(__AVX512F__) && LK_LANES == 16
    _mm512_storeu_ps(out, lk_unit_vec(table, unit));
#else
    for (int t = 0; t < LK_LANES; t++)
        out[t] = table[unit[t]];
#endif
}

static inline void lk_unit_product(const rs_real *pre, uint32_t n_in, const uint32_t *pre_unit,
                                   const rs_real *mod, const uint32_t *post_unit, rs_real *out)
{
#if defined(__AVX512F__) && LK_LANES == 16
    const __m512 pre1 = _mm512_mask_blend_ps((__mmask16)(1u << n_in),
                                             _mm512_maskz_loadu_ps((__mmask16)((1u << n_in) - 1),
                                                                   pre),
                                             _mm512_set1_ps(1));
    const __m512 a = _mm512_permutexvar_ps(_mm512_loadu_si512(pre_unit), pre1);
    _mm512_storeu_ps(out, _mm512_mul_ps(a, lk_unit_vec(mod, post_unit)));
#else
    for (int t = 0; t < LK_LANES; t++)
        out[t] = (pre_unit[t] < n_in ? pre[pre_unit[t]] : 1) * mod[post_unit[t]];
#endif
}

/* out[k] = sqrt(ss[k] / cnt[k]) (lk_rms) and out[k] = 1 / d[k] (lk_inverse) for n values, n
 * a multiple of 8: the divisions and square roots of every layer's scales as vector ops where
 * AVX-512 has them (one at a time, a net of two layers queued thirty of them on the divider),
 * loops elsewhere. IEEE rounds each correctly: the same bits either way. */
static inline void lk_rms(const double *ss, const double *cnt, uint32_t n, double *out)
{
#if defined(__AVX512F__)
    for (uint32_t k = 0; k < n; k += 8)
        _mm512_storeu_pd(out + k, _mm512_sqrt_pd(_mm512_div_pd(_mm512_loadu_pd(ss + k),
                                                               _mm512_loadu_pd(cnt + k))));
#else
    for (uint32_t k = 0; k < n; k++)
        out[k] = sqrt(ss[k] / cnt[k]);
#endif
}

static inline void lk_inverse(const double *d, uint32_t n, double *out)
{
#if defined(__AVX512F__)
    for (uint32_t k = 0; k < n; k += 8)
        _mm512_storeu_pd(out + k, _mm512_div_pd(_mm512_set1_pd(1), _mm512_loadu_pd(d + k)));
#else
    for (uint32_t k = 0; k < n; k++)
        out[k] = 1 / d[k];
#endif
}

/* The sum (square = 0) or the sum of squares (1) of n floats: LK_LANES lanes, each chunk of
 * 4096 values reduced by a fixed tree of halves and added into a double (fixed order: the same
 * sum whatever the alignment or the caller; a lane-by-lane double sum was a chain of sixteen
 * dependent additions, as long as the whole sum of a short row). */
static inline double lk_reduce(const rs_real *v, size_t n, int square)
{
    /* The tree is shuffles in registers, not a stack array of lanes: ASan moves an
     * address-taken local into its fake stack frames, which do not keep the 64-byte alignment
     * the compiler gives such an array (an aligned store there faulted). */
    _Static_assert(LK_LANES == 16, "lk_reduce's shuffles are written for 16 lanes");
    double acc = 0;
    size_t k = 0;
    while (k < n) {
        const size_t end = n - k > 4096 ? k + 4096 : n;
        const int vectors = end - k >= LK_LANES; /* else the tree would add zeros: skip it */
        lk_vec part = { 0 };
        for (; k + LK_LANES <= end; k += LK_LANES) {
            lk_vec x;
            memcpy(&x, v + k, sizeof x);
            part += square ? x * x : x;
        }
        rs_real tail = 0;
        for (; k < end; k++)
            tail += square ? v[k] * v[k] : v[k];
        if (vectors) { /* the tree: lane q += lane q + w for q < w, w = 8, 4, 2, 1 */
            part += __builtin_shufflevector(part, part, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10,
                                            11, 12, 13, 14, 15);
            part += __builtin_shufflevector(part, part, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4,
                                            5, 6, 7);
            part += __builtin_shufflevector(part, part, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2,
                                            3, 2, 3);
            part += __builtin_shufflevector(part, part, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                            1, 1, 1);
        }
        acc += (double)part[0] + tail;
    }
    return acc;
}

/* Fewer than LK_LANES values: lk_reduce's own tail loop, inline (a call and its set-up cost
 * more than the sum of a small net's row). The same value as lk_reduce. */
static inline double lk_short_sum(const rs_real *v, size_t n, int square)
{
    rs_real tail = 0;
    for (size_t k = 0; k < n; k++)
        tail += square ? v[k] * v[k] : v[k];
    return 0.0 + tail;
}

static inline double lk_sum(const rs_real *v, size_t n)
{
    return n < LK_LANES ? lk_short_sum(v, n, 0) : lk_reduce(v, n, 0);
}

static inline double lk_sumsq(const rs_real *v, size_t n)
{
    return n < LK_LANES ? lk_short_sum(v, n, 1) : lk_reduce(v, n, 1);
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

/* normalize's output, in place: Δw = kappa scale tanh(rho^P r - skip pm), pm the normalised
 * pre m (NULL: none), rho = min(|m|, 1) from the normalised error row m (NULL: rho = 1, 2.0's
 * head), P = gate_power; |Δw| < kappa scale whatever the LSTM does. */
static inline void lk_out_bounded(const lk_lstm *p, uint32_t T, const rs_real *pm,
                                  const rs_real *m, rs_real kappa, rs_real *r)
{
    const rs_real a = kappa * p->scale, k = p->skip;
    const uint32_t P = p->gate_power; /* 1..4 (the parameter's range) */
    if (m) /* g = rho^P, products in the order ((rho rho) rho) rho, chosen by selects the loop
            * does not change, so it vectorises (a loop of P products in every lane did not) */
        for (uint32_t t = 0; t < T; t++) {
            rs_real rho = m[t] < 0 ? -m[t] : m[t];
            rho = rho < 1 ? rho : 1;
            const rs_real g2 = rho * rho, g3 = g2 * rho, g4 = g3 * rho;
            r[t] *= P == 1 ? rho : P == 2 ? g2 : P == 3 ? g3 : g4;
        }
    if (pm)
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t] - k * pm[t]);
    else
        for (uint32_t t = 0; t < T; t++)
            r[t] = a * fm_tanh(r[t]);
}

#endif
