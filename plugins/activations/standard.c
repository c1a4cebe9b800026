/* standard.c: the built-in activation functions, seven plugins in one file (index 0..6).
 *
 *   identity     f(x) = x                              f'(x) = 1
 *   sigmoid      f(x) = 1 / (1 + e^-x)                 f'(x) = y (1 - y)
 *   tanh         f(x) = tanh x                         f'(x) = 1 - y^2
 *   relu         f(x) = max(0, x)                      f'(x) = 1 if x > 0 else 0
 *   leaky_relu   f(x) = x if x >= 0 else slope * x     f'(x) = 1 if x > 0 else slope
 *   softplus     f(x) = log(1 + e^x), x if x > 20      f'(x) = e^x / (1 + e^x), 1 if x > 20
 *   hard_sigmoid f(x) = min(max(x, 0), 1)              f'(x) = 1 if 0 < x < 1 else 0
 *
 * Conventions follow PyTorch, so runs compare with the float32 notebooks: the derivative at a
 * kink is the left one (relu'(0) = 0, leaky_relu'(0) = slope), leaky_relu's slope defaults to
 * 0.01 (torch.nn.LeakyReLU), softplus is torch.nn.Softplus(beta=1, threshold=20), which
 * returns x itself above the threshold. Sigmoid is evaluated from e^-|x|, which never
 * overflows, so it is exact to float precision for any |x|.
 *
 * Integrals F(x) = the integral of f from 0 to x (what energies of relaxing networks need,
 * host->relax_energy): identity x^2/2; sigmoid log(1 + e^x) - log 2; tanh log cosh x; relu
 * max(0, x)^2/2; leaky_relu x^2/2, slope x^2/2 below 0; hard_sigmoid 0 below 0, x^2/2 on
 * [0, 1], x - 1/2 above (the rho of Scellier & Bengio 2017's equilibrium propagation). Softplus has none in closed form (a
 * dilogarithm): the host integrates it numerically.
 *
 * Every function is one simple loop over the n values (y may alias x in forward), so gcc -O3
 * vectorises the ones without transcendental calls; the others call expf/tanhf/log1pf once
 * per element. `p` is the REAL parameter values in table order; functions without parameters
 * never read it. */
#include <math.h>

#include <ruleset/plugin.h>

/* ---- identity ----------------------------------------------------------------------------- */

static void identity_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    if (y != x)
        for (size_t i = 0; i < n; i++)
            y[i] = x[i];
}

static void identity_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                                const rs_real *p)
{
    (void)x, (void)y, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = 1;
}

/* ---- sigmoid ------------------------------------------------------------------------------ */

static void sigmoid_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++) {
        /* e = e^-|x| lies in (0, 1]: no overflow. sigmoid(|x|) = 1 / (1 + e), and
         * sigmoid(-|x|) = e / (1 + e), which keeps the tiny values of very negative x
         * instead of rounding 1 - sigmoid(|x|) to 0. */
        rs_real e = expf(-fabsf(x[i]));
        rs_real r = 1 / (1 + e);
        y[i] = x[i] >= 0 ? r : e * r;
    }
}

static void sigmoid_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                               const rs_real *p)
{
    (void)x, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = y[i] * (1 - y[i]);
}

/* ---- tanh --------------------------------------------------------------------------------- */

static void tanh_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

static void tanh_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                            const rs_real *p)
{
    (void)x, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = 1 - y[i] * y[i];
}

/* ---- relu --------------------------------------------------------------------------------- */

static void relu_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    /* written as "x < 0 ? 0 : x" rather than fmaxf(x, 0) so a NaN passes through, as in
     * torch, and the host's finiteness check sees it */
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i];
}

static void relu_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                            const rs_real *p)
{
    (void)y, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = x[i] > 0 ? 1 : 0;
}

/* ---- leaky_relu --------------------------------------------------------------------------- */

/* p[0] is the slope; a caller that passes no parameters gets torch's default */
static rs_real leaky_slope(const rs_real *p) { return p ? p[0] : (rs_real)0.01; }

static void leaky_relu_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    const rs_real slope = leaky_slope(p);
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? slope * x[i] : x[i];
}

static void leaky_relu_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                                  const rs_real *p)
{
    (void)y;
    const rs_real slope = leaky_slope(p);
    for (size_t i = 0; i < n; i++)
        dy[i] = x[i] > 0 ? 1 : slope;
}

/* ---- softplus ----------------------------------------------------------------------------- */

#define SOFTPLUS_THRESHOLD 20.0f /* torch.nn.Softplus: above it, log(1 + e^x) == x in float */

static void softplus_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    /* log1pf keeps the precision of small e^x (very negative x), where logf(1 + e^x) would
     * round to 0 much earlier */
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > SOFTPLUS_THRESHOLD ? x[i] : log1pf(expf(x[i]));
}

static void softplus_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                                const rs_real *p)
{
    (void)y, (void)p;
    /* as torch computes it: e^x / (1 + e^x); e^x cannot overflow below the threshold, and
     * the min keeps expf from even being asked above it */
    for (size_t i = 0; i < n; i++) {
        rs_real e = expf(fminf(x[i], SOFTPLUS_THRESHOLD));
        dy[i] = x[i] > SOFTPLUS_THRESHOLD ? 1 : e / (1 + e);
    }
}

/* ---- integrals (F(x) = the integral of f from 0 to x) ---------------------------------- */

static void identity_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * x[i] / 2;
}

static void sigmoid_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for any x */
    for (size_t i = 0; i < n; i++)
        y[i] = fmaxf(x[i], 0) + log1pf(expf(-fabsf(x[i]))) - 0.69314718f;
}

static void tanh_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    /* log cosh x = |x| + log1p(e^-2|x|) - log 2 */
    for (size_t i = 0; i < n; i++)
        y[i] = fabsf(x[i]) + log1pf(expf(-2 * fabsf(x[i]))) - 0.69314718f;
}

static void relu_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] * x[i] / 2 : 0;
}

static void leaky_relu_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    const rs_real slope = leaky_slope(p);
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] < 0 ? slope : 1) * x[i] * x[i] / 2;
}

#define softplus_integral NULL /* no closed form: the host integrates numerically */

/* ---- descriptors -------------------------------------------------------------------------- */

/* ---- hard_sigmoid: rho(x) = clip(x, 0, 1), Scellier & Bengio (2017)'s activation ---------- */

static void hard_sigmoid_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i] > 1 ? 1 : x[i];
}

static void hard_sigmoid_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                                    const rs_real *p)
{
    (void)y, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = x[i] > 0 && x[i] < 1 ? 1 : 0;
}

static void hard_sigmoid_integral(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i] > 1 ? x[i] - (rs_real)0.5 : x[i] * x[i] / 2;
}

static const rs_param_spec leaky_relu_params[] = {
    { .name = "slope", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 1,
      .help = "slope for x < 0 (torch.nn.LeakyReLU negative_slope)" },
    { 0 }
};

#define ACTIVATION(id, summary_text, params_table)                                  \
    {                                                                               \
        RS_PLUGIN_HEAD(rs_activation_desc, RS_KIND_ACTIVATION),                     \
        .head.name = #id, .head.version = "1.0.0", .head.summary = (summary_text),  \
        .head.citation = NULL, .head.params = (params_table),                       \
        .forward = id##_forward, .derivative = id##_derivative,                     \
        .integral = id##_integral,                                                  \
    }

static const rs_activation_desc activations[] = {
    ACTIVATION(identity, "f(x) = x", NULL),
    ACTIVATION(sigmoid, "logistic 1 / (1 + e^-x), overflow-free", NULL),
    ACTIVATION(tanh, "hyperbolic tangent", NULL),
    ACTIVATION(relu, "max(0, x); derivative 0 at 0 as torch", NULL),
    ACTIVATION(leaky_relu, "x for x >= 0, slope * x below (torch.nn.LeakyReLU)", leaky_relu_params),
    ACTIVATION(softplus, "log(1 + e^x), x above 20 (torch.nn.Softplus)", NULL),
    ACTIVATION(hard_sigmoid, "min(max(x, 0), 1) (Scellier & Bengio 2017's rho)", NULL),
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index < sizeof activations / sizeof activations[0] ? &activations[index].head : NULL;
}
