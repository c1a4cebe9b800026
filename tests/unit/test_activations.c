/* test_activations.c: the built-in activations (plugins/activations/standard.c), loaded from
 * the build's plugin folder and applied through the host table as the networks apply them.
 *
 * Derivatives are checked against central finite differences of the float forward, taken in
 * double from float samples: with h = 2^-7 the truncation error is O(h^2 f''') ~ 1e-4 and the
 * rounding error at most eps * |f| / h ~ 1e-3 for |f| = 100, both well inside the 1e-2
 * relative tolerance; points within h of a kink are skipped. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "act.h"
#include "testutil.h"

static rs_registry *reg; /* loaded once before the forked tests run */

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

static const char *const all_acts[] = {
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "leaky_relu:slope=0.2",
    "hard_sigmoid",
};
#define N_ACTS (sizeof all_acts / sizeof all_acts[0])

/* Sample points: large |x|, both sides of softplus's threshold, kinks, and non-dyadic values. */
static const rs_real points[] = {
    -100, -30, -20.5f, -10, -5, -2.3f, -1, -0.5f, -0.3f, -0.0078125f, 0, 0.0078125f, 0.01f,
    0.125f, 0.3f, 0.55f, 0.7f, 0.9f, 1, 1.9f, 3, 5, 10, 19.5f, 20.5f, 30, 100,
};
#define N_POINTS (sizeof points / sizeof points[0])

static rs_act *act_open(const char *text)
{
    char err[256] = "";
    rs_act *a = rs_act_create(reg, text, err, sizeof err);
    ck_assert_msg(a != NULL, "activation '%s': %s", text, err);
    return a;
}

static int has_kink_at_zero(const char *text)
{
    return strncmp(text, "relu", 4) == 0 || strncmp(text, "leaky_relu", 10) == 0;
}

static rs_real f1(const rs_act *a, rs_real x)
{
    rs_real y;
    rs_host_get()->act_forward(a, &x, &y, 1);
    return y;
}

/* ---- derivative against finite differences ----------------------------------------------- */

START_TEST(test_derivative_matches_finite_differences)
{
    const char *text = all_acts[_i];
    rs_act *a = act_open(text);
    const rs_host *host = rs_host_get();
    const rs_real h = 0.0078125f; /* 2^-7 */
    rs_real y[N_POINTS], dy[N_POINTS];
    host->act_forward(a, points, y, N_POINTS); /* the whole vector at once, as a layer does */
    host->act_derivative(a, points, y, dy, N_POINTS);
    int nontrivial = 0;
    for (size_t k = 0; k < N_POINTS; k++) {
        const rs_real x = points[k];
        if (has_kink_at_zero(text) && fabsf(x) <= h)
            continue;
        if (!strcmp(text, "hard_sigmoid") && (fabsf(x) <= h || fabsf(x - 1) <= h))
            continue; /* kinks at 0 and 1 */
        const rs_real xp = x + h, xm = x - h; /* float, so the step is the one f sees */
        const double fd = ((double)f1(a, xp) - f1(a, xm)) / ((double)xp - xm);
        const double d = dy[k];
        const double tol = 1e-2 * fmax(fabs(d), fabs(fd)) + 1e-4;
        ck_assert_msg(fabs(fd - d) <= tol, "%s'(%g): derivative %.9g, finite difference %.9g",
                      text, (double)x, d, fd);
        nontrivial += fabs(d) > 0.05;
    }
    /* guard against a derivative that is zero everywhere (and so matches flat stretches) */
    ck_assert_msg(nontrivial >= 5, "%s: derivative non-zero at only %d points", text, nontrivial);
    rs_act_destroy(a);
}
END_TEST

/* ---- finiteness, aliasing, NULL params ---------------------------------------------------- */

START_TEST(test_finite_at_extremes)
{
    const char *text = all_acts[_i];
    rs_act *a = act_open(text);
    const rs_real x[] = { -100, 100, -1e4f, 1e4f, -FLT_MAX, FLT_MAX, -88.5f, 88.5f };
    const size_t n = sizeof x / sizeof x[0];
    rs_real y[sizeof x / sizeof x[0]], dy[sizeof x / sizeof x[0]];
    /* stable means no intermediate overflows either (a naive sigmoid's e^100 = inf gives the
     * right 0 or 1 in the end, but raises the flag; so does e^x in softplus' for large x) */
    feclearexcept(FE_ALL_EXCEPT);
    rs_host_get()->act_forward(a, x, y, n);
    rs_host_get()->act_derivative(a, x, y, dy, n);
    ck_assert_msg(!fetestexcept(FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO),
                  "%s overflowed or raised invalid/divide-by-zero", text);
    for (size_t k = 0; k < n; k++) {
        ck_assert_msg(isfinite(y[k]), "%s(%g) = %g", text, (double)x[k], (double)y[k]);
        ck_assert_msg(isfinite(dy[k]), "%s'(%g) = %g", text, (double)x[k], (double)dy[k]);
    }
    rs_act_destroy(a);
}
END_TEST

START_TEST(test_forward_in_place)
{
    const char *text = all_acts[_i];
    rs_act *a = act_open(text);
    rs_real y[N_POINTS], buf[N_POINTS];
    memcpy(buf, points, sizeof buf);
    rs_host_get()->act_forward(a, points, y, N_POINTS);
    rs_host_get()->act_forward(a, buf, buf, N_POINTS); /* y aliases x */
    for (size_t k = 0; k < N_POINTS; k++)
        ck_assert_msg(buf[k] == y[k], "%s in place differs at x = %g", text, (double)points[k]);
    rs_act_destroy(a);
}
END_TEST

START_TEST(test_descriptors_and_null_params)
{
    /* the six are in the registry, and each accepts p = NULL (leaky_relu uses 0.01) */
    static const char *const names[] = { "identity", "sigmoid", "tanh", "relu", "leaky_relu",
                                         "softplus" };
    for (size_t i = 0; i < 6; i++) {
        const rs_plugin_head *h = rs_test_plugin(reg, RS_KIND_ACTIVATION, names[i]);
        ck_assert_uint_eq(h->struct_size, sizeof(rs_activation_desc));
        ck_assert_ptr_nonnull(h->summary);
        const rs_activation_desc *d = (const rs_activation_desc *)h;
        rs_real x[2] = { -1, 2 }, y[2], dy[2];
        d->forward(x, y, 2, NULL);
        d->derivative(x, y, dy, 2, NULL);
        ck_assert(isfinite(y[0]) && isfinite(y[1]) && isfinite(dy[0]) && isfinite(dy[1]));
        if (i == 4)
            ck_assert_float_eq_tol(y[0], -0.01f, 1e-7f);
    }
}
END_TEST

/* ---- known values ------------------------------------------------------------------------- */

START_TEST(test_known_values)
{
    rs_act *id = act_open("identity"), *sg = act_open("sigmoid"), *th = act_open("tanh");
    rs_act *re = act_open("relu"), *lk = act_open("leaky_relu"), *sp = act_open("softplus");
    rs_act *lk2 = act_open("leaky_relu:slope=0.2");
    const rs_host *host = rs_host_get();

    ck_assert(f1(id, -3.5f) == -3.5f);
    ck_assert(f1(sg, 0) == 0.5f);
    ck_assert(f1(sg, 100) == 1.0f);
    ck_assert(f1(sg, -100) >= 0 && f1(sg, -100) < 1e-40f);
    /* the e^-|x| form keeps relative precision far into the negative tail */
    ck_assert_double_eq_tol(f1(sg, -30) / 9.357622968840175e-14, 1.0, 1e-5);
    ck_assert(f1(th, 0) == 0);
    ck_assert_float_eq_tol(f1(th, 1), 0.7615941559557649f, 1e-6f);
    ck_assert(f1(re, -1) == 0 && f1(re, 2) == 2 && f1(re, 0) == 0);
    ck_assert_float_eq_tol(f1(lk, -1), -0.01f, 1e-8f);
    ck_assert_float_eq_tol(f1(lk2, -1), -0.2f, 1e-7f);
    ck_assert(f1(lk2, 3) == 3);
    ck_assert_float_eq_tol(f1(sp, 0), 0.6931471805599453f, 1e-6f);
    ck_assert(f1(sp, 25) == 25.0f); /* above the threshold softplus is x itself */
    ck_assert_double_eq_tol(f1(sp, -20) / 2.0611536181902037e-09, 1.0, 1e-5);

    /* derivatives at the kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope */
    rs_real x0 = 0, y0, d0;
    host->act_forward(re, &x0, &y0, 1);
    host->act_derivative(re, &x0, &y0, &d0, 1);
    ck_assert(d0 == 0);
    host->act_forward(lk2, &x0, &y0, 1);
    host->act_derivative(lk2, &x0, &y0, &d0, 1);
    ck_assert_float_eq_tol(d0, 0.2f, 1e-7f);
    host->act_forward(sg, &x0, &y0, 1);
    host->act_derivative(sg, &x0, &y0, &d0, 1);
    ck_assert(d0 == 0.25f);
    host->act_forward(sp, &x0, &y0, 1);
    host->act_derivative(sp, &x0, &y0, &d0, 1);
    ck_assert(d0 == 0.5f);

    /* a NaN passes through relu, as torch's does, so the host's finiteness check sees it */
    rs_real nan_in = NAN;
    ck_assert(isnan(f1(re, nan_in)) && isnan(f1(sg, nan_in)) && isnan(f1(sp, nan_in)));

    rs_act *all[] = { id, sg, th, re, lk, sp, lk2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        rs_act_destroy(all[i]);
}
END_TEST

START_TEST(test_slope_range_checked)
{
    char err[256] = "";
    ck_assert_ptr_null(rs_act_create(reg, "leaky_relu:slope=1.5", err, sizeof err));
    ck_assert_msg(err[0] != '\0', "no message for an out-of-range slope");
}
END_TEST

/* Since ABI 1.2 an activation gets every parameter in table order as an rs_real (BOOL 0/1,
 * CHOICE its index); one built against 1.1 still gets its REAL ones only (fixture param_act). */
START_TEST(test_every_parameter_reaches_forward)
{
    ck_assert_int_eq(rs_registry_add_file(reg, RS_FIXTURE_DIR "/param_act.so"), RS_OK);
    rs_act *a = act_open("param_act:flip=true,scale=0.25,power=3,shape=sq");
    ck_assert_float_eq(f1(a, 7), 1 + 10 * 0.25f + 100 * 3 + 1000 * 2);
    rs_act_destroy(a);
    a = act_open("param_act"); /* the defaults: false, 0.5, 2, lin */
    ck_assert_float_eq(f1(a, 7), 0 + 10 * 0.5f + 100 * 2 + 1000 * 0);
    rs_act_destroy(a);
    a = act_open("param_act_old:flip=true,scale=0.25,power=3,shape=sq");
    ck_assert_float_eq(f1(a, 7), 0.25f); /* p[0] is the one REAL, nothing else was passed */
    rs_act_destroy(a);
    char err[256] = "";
    ck_assert_ptr_null(rs_act_create(reg, "param_act:shape=cube", err, sizeof err));
    ck_assert_msg(strstr(err, "'shape' = 'cube' is not one of lin|abs|sq"), "%s", err);
}
END_TEST

static Suite *activations_suite(void)
{
    Suite *s = suite_create("activations");
    TCase *tc = tcase_create("standard");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_derivative_matches_finite_differences, 0, (int)N_ACTS);
    tcase_add_loop_test(tc, test_finite_at_extremes, 0, (int)N_ACTS);
    tcase_add_loop_test(tc, test_forward_in_place, 0, (int)N_ACTS);
    tcase_add_test(tc, test_descriptors_and_null_params);
    tcase_add_test(tc, test_known_values);
    tcase_add_test(tc, test_every_parameter_reaches_forward);
    tcase_add_test(tc, test_slope_range_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(activations_suite()); }
