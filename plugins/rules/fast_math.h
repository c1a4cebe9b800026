/* fast_math.h: exp, sigmoid and tanh in float, written branch-free so that a loop over an array
 * of them compiles to vector code (libm's expf is a call per element, which no compiler
 * vectorises without -ffast-math). Private to the rules of this folder; everything is static
 * inline and links nothing.
 *
 * fm_exp is Cephes' expf (S. L. Moshier, Cephes Math Library 2.2, 1992): x = n ln 2 + r with
 * n = round(x / ln 2), ln 2 split in two parts (Cody & Waite) so r is exact, e^r by a degree-6
 * polynomial on |r| <= ln 2 / 2, and 2^n put into the exponent bits. Relative error about
 * 2e-7 (1.5 float ulp). Rounding uses the 1.5 * 2^23 trick instead of rintf, so no libm call is
 * left in the loop; x is clamped to [-87, 88] so that 2^n stays a normal float. */
#ifndef RS_RULES_FAST_MATH_H
#define RS_RULES_FAST_MATH_H

#include <stdint.h>
#include <string.h>

static inline float fm_exp(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const float n = (x * 1.44269504088896341f + shifter) - shifter;
    const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23; /* 2^n, n in [-126, 127] after the clamp */
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

static inline float fm_sigmoid(float x)
{
    return 1.0f / (1.0f + fm_exp(-x));
}

/* tanh(x) = 2 sigmoid(2x) - 1, and the Taylor series x - x^3/3 + 2x^5/15 - 17x^7/315 for
 * |x| < 0.2, where the subtraction would lose the small result's relative precision (the
 * series' error there is below 6e-8 relative; both are computed and one selected, so the loop
 * stays branch-free). */
static inline float fm_tanh_series(float x)
{
    const float x2 = x * x;
    return x * (1.0f - x2 * (1.0f / 3.0f - x2 * (2.0f / 15.0f - x2 * (17.0f / 315.0f))));
}

static inline float fm_tanh(float x)
{
    const float big = 2.0f / (1.0f + fm_exp(-2.0f * x)) - 1.0f;
    return x > -0.2f && x < 0.2f ? fm_tanh_series(x) : big;
}

#endif
