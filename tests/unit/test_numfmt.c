/* test_numfmt.c: core/base/numfmt.c writes what printf writes, byte for byte, and what it
 * writes reads back as the same number. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "strbuf.h"
#include "testutil.h"

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* v at prec as printf writes it; a failure names the value and both texts. */
static void same_as_printf(double v, int prec)
{
    char ours[RS_FMT_MAX], theirs[64];
    int n = rs_fmt_g(ours, v, prec);
    int m = snprintf(theirs, sizeof theirs, "%.*g", prec, v);
    ck_assert_msg(n == m && strcmp(ours, theirs) == 0, "%a at %%.%dg: \"%s\" (%d), printf \"%s\"",
                  v, prec, ours, n, theirs);
}

static double from_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

START_TEST(fmt_g_special_values)
{
    const double v[] = { 0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, DBL_MAX, -DBL_MAX, DBL_MIN,
                         DBL_TRUE_MIN, -DBL_TRUE_MIN, from_bits(0x000fffffffffffffull), FLT_MAX,
                         FLT_MIN, FLT_TRUE_MIN, 1, -1, 0.1, 0.5, 1e-4, 9.9999e-5, 1e-5, 1e16,
                         1e17, 1e21, 1e22, 1e23, 123456789012345678.0, 0.30000000000000004,
                         /* ties of the decimal rounding: half to even, as glibc rounds */
                         0.125, 0.375, 2.5, 3.5, 1.5, 0.0625, 1024.5, 9.5, 99.5,
                         /* rounding up across a power of ten: 9.99.. becomes 10 */
                         9.9999999999999995, 0.99999999999999989, 999999999.5, 99999.99 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (int prec = 1; prec <= 17; prec++)
            same_as_printf(v[i], prec);
    for (int k = -330; k <= 310; k++) { /* every power of ten and its neighbours */
        double p = pow(10, k);
        for (int prec = 1; prec <= 17; prec++) {
            same_as_printf(p, prec);
            same_as_printf(nextafter(p, 0), prec);
            same_as_printf(nextafter(p, INFINITY), prec);
        }
    }
}
END_TEST

/* Random bit patterns (every exponent, subnormals, NaNs), doubles of moderate size (what runs
 * write) and floats widened to double, at every precision. */
START_TEST(fmt_g_matches_printf_on_random_values)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (long i = 0; i < 600000; i++) {
        uint64_t bits = xorshift(&s);
        double v;
        switch (i % 3) {
        case 0:
            v = from_bits(bits);
            break;
        case 1: /* |v| in about [1e-9, 1e9] */
            v = from_bits((bits & 0x800fffffffffffffull)
                          | (uint64_t)(1023 - 30 + (int)(xorshift(&s) % 60)) << 52);
            break;
        default: {
            uint32_t fb = (uint32_t)bits;
            float f;
            memcpy(&f, &fb, sizeof f);
            v = f;
        }
        }
        same_as_printf(v, 1 + (int)(i % 17));
    }
}
END_TEST

/* %.17g reads back as the same double, %.9g of a float as the same float, bit for bit. */
START_TEST(fmt_g_round_trips)
{
    uint64_t s = 12345;
    for (long i = 0; i < 400000; i++) {
        uint64_t bits = xorshift(&s);
        char buf[RS_FMT_MAX];
        double d = from_bits(bits);
        rs_fmt_g(buf, d, 17);
        double back = strtod(buf, NULL);
        ck_assert_msg(memcmp(&back, &d, sizeof d) == 0 || (isnan(d) && isnan(back)),
                      "%a wrote \"%s\", read back %a", d, buf, back);
        uint32_t fb = (uint32_t)bits;
        float f, fback;
        memcpy(&f, &fb, sizeof f);
        rs_fmt_g(buf, f, 9);
        fback = strtof(buf, NULL);
        ck_assert_msg(memcmp(&fback, &f, sizeof f) == 0 || (isnan(f) && isnan(fback)),
                      "float %a wrote \"%s\", read back %a", (double)f, buf, (double)fback);
    }
}
END_TEST

START_TEST(fmt_whole_numbers)
{
    const long long v[] = { 0, 1, -1, 9, 10, -10, 123456789, LLONG_MAX, LLONG_MIN, INT_MIN };
    char ours[RS_FMT_MAX], theirs[64];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        rs_fmt_i(ours, v[i]);
        snprintf(theirs, sizeof theirs, "%lld", v[i]);
        ck_assert_str_eq(ours, theirs);
    }
    ck_assert_int_eq(rs_fmt_u(ours, ULLONG_MAX), 20);
    ck_assert_str_eq(ours, "18446744073709551615");
    rs_strbuf b = { 0 };
    rs_sb_i(&b, -42);
    rs_sb_puts(&b, " ");
    rs_sb_u(&b, 7);
    rs_sb_puts(&b, " ");
    rs_sb_g(&b, 0.1, 17);
    ck_assert_str_eq(b.s, "-42 7 0.10000000000000001");
    ck_assert_uint_eq(b.len, strlen(b.s));
    rs_sb_free(&b);
}
END_TEST

static Suite *numfmt_suite(void)
{
    Suite *s = suite_create("numfmt");
    TCase *tc = tcase_create("numfmt");
    tcase_add_test(tc, fmt_g_special_values);
    tcase_add_test(tc, fmt_g_matches_printf_on_random_values);
    tcase_add_test(tc, fmt_g_round_trips);
    tcase_add_test(tc, fmt_whole_numbers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(numfmt_suite()); }
