/* fast_math.h: 2^x, 2^x - 1 and tanh in float, written branch-free so that a loop over an array
 * of them compiles to vector code (libm's expf is a call per element, which no compiler
 * vectorises without -ffast-math). Private to the rules of this folder; everything is static
 * inline and links nothing.
 *
 * Base 2, not e: the LSTM kernel folds the factor log2(e) of every gate into its float copy of
 * the weights, so an exponential costs no multiplication and no Cody & Waite reduction: x = n + r
 * with n = round(x) and r = x - n exact, |r| <= 1/2; 2^r = 1 + r q(r) with q of degree 4; 2^n put
 * into the exponent bits. Returning r q(r) scaled as well gives 2^x - 1 without the cancellation
 * of 2^x - 1 near 0 (tanh of a small argument keeps its relative precision with no series).
 * q is the minimax fit of (2^r - 1) / r on [-1/2, 1/2] (relative error 4.3e-7 in exact
 * arithmetic, found by Lawson's iteration, C. L. Lawson 1961); in float, 2^x is within 2.5e-7
 * relative and 2^x - 1 within 6.1e-7 (tests/unit/test_fast_step.c measures both against libm).
 * The rounding uses the 1.5 * 2^23 trick: x + 1.5 * 2^23 holds n in its low mantissa bits, so
 * no libm call or float-to-int conversion is left in the loop. */
#ifndef RS_RULES_FAST_MATH_H
#define RS_RULES_FAST_MATH_H

#include <stdint.h>
#include <string.h>

#define FM_LOG2E 1.44269504088896341 /* log2(e): e^x = 2^(x log2 e) */
#define FM_POW2_MAX 126.0f           /* |x| of fm_pow2m1: 2^n stays a normal float */

/* 2^x - 1, and 2^x in *pow2, for |x| <= FM_POW2_MAX (the caller clamps; every caller here
 * clamps much tighter). */
static inline float fm_pow2m1(float x, float *pow2)
{
    const float shifter = 12582912.0f; /* 1.5 * 2^23 */
    const float t = x + shifter, n = t - shifter, r = x - n;
    float q = 1.3333538081e-3f;
    q = q * r + 9.6662454307e-3f;
    q = q * r + 5.5505003780e-2f;
    q = q * r + 2.4022351205e-1f;
    q = q * r + 6.9314712286e-1f;
    const float rq = r * q; /* 2^r - 1 */
    uint32_t bits; /* t's bits are those of 1.5 * 2^23, plus n; unsigned: no overflow for NaN */
    memcpy(&bits, &t, sizeof bits);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    *pow2 = scale * rq + scale;
    return scale * rq + (scale - 1.0f);
}

static inline float fm_pow2(float x)
{
    float p;
    (void)fm_pow2m1(x, &p);
    return p;
}

/* x clamped to [-lim, lim] (NaN stays NaN), as two selects the compiler turns into one vector
 * max and one min. */
static inline float fm_clamp(float x, float lim)
{
    x = x < -lim ? -lim : x;
    return x > lim ? lim : x;
}

/* tanh(x) = (1 - e) / (1 + e), e = e^{-2x} = 2^{-2 x log2 e}, the numerator as -(e - 1) from
 * fm_pow2m1: accurate near 0 as well. |2x log2 e| is clamped to 40 log2 e (|x| <= 20), where
 * tanh is +-1 to float precision and 1 + e cannot overflow. */
static inline float fm_tanh(float x)
{
    float e;
    const float em1 = fm_pow2m1(fm_clamp(x * (float)(-2 * FM_LOG2E), (float)(40 * FM_LOG2E)),
                                &e);
    return -em1 / (1.0f + e);
}

#endif
