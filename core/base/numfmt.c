/* numfmt.c: see numfmt.h.
 *
 * %.Pg by exact integer arithmetic: a finite double is m * 2^e (m < 2^53), so its P significant
 * decimal digits are m * 2^e * 10^s for s = P - 1 - X (X its decimal exponent), rounded half to
 * even as glibc rounds (C11 7.21.6.1, "g" style). The fraction num / den is exact in 128 bits
 * for the numbers a run writes (about 1e-7 to 1e21 at P = 17, wider at smaller P); outside
 * that, snprintf writes it. The output is the same either way, only slower. */
#include "numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const uint64_t pow10_64[20] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
    1000000ull, 10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
    1000000000000ull, 10000000000000ull, 100000000000000ull, 1000000000000000ull,
    10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull };

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 u128;

static int bitlen(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    return hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;
}

static u128 pow10_128(int k) /* 0 <= k <= 38 */
{
    return k < 20 ? pow10_64[k] : (u128)pow10_64[19] * pow10_64[k - 19];
}

/* m * 2^e * 10^s, truncated into *q, with *up = 1 when rounding half to even goes up; 0 when
 * the fraction does not fit in 128 bits (or the quotient in 64). */
static int scaled(uint64_t m, int e, int s, uint64_t *q, int *up)
{
    u128 num = m, den = 1;
    if (s > 38 || s < -38)
        return 0;
    if (s >= 0) {
        u128 p = pow10_128(s);
        if (bitlen(num) + bitlen(p) > 127)
            return 0;
        num *= p;
    } else
        den = pow10_128(-s);
    if (e >= 0) {
        if (bitlen(num) + e > 127)
            return 0;
        num <<= e;
    } else {
        if (bitlen(den) - e > 127)
            return 0;
        den <<= -e;
    }
    u128 t, rem;
    if ((den & (den - 1)) == 0) { /* a power of two, the usual case: a shift, not a division */
        int k = bitlen(den) - 1;
        t = num >> k;
        rem = num & (den - 1);
    } else {
        t = num / den;
        rem = num - t * den;
    }
    if (t >> 64)
        return 0;
    *q = (uint64_t)t;
    u128 rest = den - rem; /* rem against den / 2 without overflow */
    *up = rem > rest || (rem == rest && (*q & 1));
    return 1;
}

/* The prec significant digits of v > 0 (finite) as an integer *d in [10^(prec-1), 10^prec)
 * and the decimal exponent *x of the rounded value; 0 when it does not fit. */
static int digits(double v, int prec, uint64_t *d, int *x)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = bits & ((1ull << 52) - 1);
    int be = (int)((bits >> 52) & 0x7ff), e = be ? be - 1075 : -1074;
    if (be)
        m |= 1ull << 52;
    uint64_t lo = pow10_64[prec - 1], hi = pow10_64[prec];
    /* from the binary exponent: X or X - 1, corrected below */
    int X = (int)floor((double)(bitlen(m) - 1 + e) * 0.30102999566398119521);
    for (int tries = 0; tries < 3; tries++) {
        uint64_t q;
        int up;
        if (!scaled(m, e, prec - 1 - X, &q, &up))
            return 0;
        if (q >= hi)
            X++;
        else if (q < lo)
            X--;
        else {
            q += (uint64_t)up;
            if (q == hi) { /* 9.99..95 rounds up to 10.0..0 */
                q = lo;
                X++;
            }
            *d = q;
            *x = X;
            return 1;
        }
    }
    return 0;
}
#else
static int digits(double v, int prec, uint64_t *d, int *x)
{
    (void)v, (void)prec, (void)d, (void)x;
    return 0;
}
#endif

static int put_exponent(char *p, int x)
{
    char *s = p;
    *p++ = 'e';
    *p++ = x < 0 ? '-' : '+';
    unsigned u = (unsigned)(x < 0 ? -x : x);
    if (u < 10)
        *p++ = '0'; /* at least two digits */
    p += rs_fmt_u(p, u);
    return (int)(p - s);
}

/* The "g" style from the digits: fixed for -4 <= x < prec, else scientific; trailing zeros of
 * the fraction and a bare point dropped. */
static int put_g(char *p, uint64_t d, int x, int prec)
{
    char dig[20];
    uint32_t low = (uint32_t)(d % 100000000u), high = (uint32_t)(d / 100000000u);
    int i = prec - 1; /* eight digits at a time in 32 bits: cheaper divisions */
    for (; i >= 0 && i >= prec - 8; i--, low /= 10)
        dig[i] = (char)('0' + low % 10);
    for (; i >= 0; i--, high /= 10)
        dig[i] = (char)('0' + high % 10);
    int n = prec;
    while (n > 1 && dig[n - 1] == '0')
        n--;
    char *s = p;
    if (x < -4 || x >= prec) {
        *p++ = dig[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)n - 1);
            p += n - 1;
        }
        p += put_exponent(p, x);
    } else if (x >= 0) {
        memcpy(p, dig, (size_t)x + 1);
        p += x + 1;
        if (n > x + 1) {
            *p++ = '.';
            memcpy(p, dig + x + 1, (size_t)(n - x - 1));
            p += n - x - 1;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int z = 0; z < -x - 1; z++)
            *p++ = '0';
        memcpy(p, dig, (size_t)n);
        p += n;
    }
    *p = '\0';
    return (int)(p - s);
}

int rs_fmt_g(char *out, double v, int prec)
{
    char *p = out;
    if (prec >= 1 && prec <= 17 && !isnan(v)) {
        double a = fabs(v);
        if (signbit(v))
            *p++ = '-';
        if (isinf(a) || a == 0) {
            memcpy(p, a == 0 ? "0" : "inf", a == 0 ? 2 : 4);
            return (int)(p - out) + (a == 0 ? 1 : 3);
        }
        uint64_t d;
        int x;
        if (digits(a, prec, &d, &x))
            return (int)(p - out) + put_g(p, d, x, prec);
    }
    return snprintf(out, RS_FMT_MAX, "%.*g", prec, v);
}

int rs_fmt_u(char *out, unsigned long long v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while (v /= 10);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

int rs_fmt_i(char *out, long long v)
{
    if (v >= 0)
        return rs_fmt_u(out, (unsigned long long)v);
    out[0] = '-';
    return 1 + rs_fmt_u(out + 1, 0ull - (unsigned long long)v);
}
