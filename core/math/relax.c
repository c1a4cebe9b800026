/* relax.c: the relaxation engine behind host->relax_* (see include/ruleset/host.h for the
 * model and the contract, docs/RULES.md for the equations).
 *
 * Layers l = 1..L; states u[l], s[l] (n_l, n) feature-major, caller-owned; s_0 = x. The
 * scratch holds, per layer, eight (n_l, max_n) buffers whose roles depend on the energy:
 *   HOPFIELD    d = the drive d_l;  t = f_l(u_l) before it replaces s_l, or F_l(u_l)
 *   PREDICTIVE  d = z~_l (the pre-activation behind mu_l), then dF/ds_l;  e = (s_l - mu_l)/var_l;
 *               p = f_l(s_l) for hidden l, mu_L for the output;  t = f_l'(s_l), f_L'(z~_L);
 *               v = the velocity of the heavy-ball steps (cfg->momentum > 0 only);
 *               with cfg->fixed_prediction, the run's starting mu_l, slopes t and p are kept
 *               in m, k, q for the whole run and for relax_grad after it
 * Sums over examples are accumulated in double; states stay rs_real like every activation.
 *
 * A batch relaxes as one set of (n_l, n) matrices, each iteration a few products through the
 * host's gemm, and gives what each example relaxed alone would (tests/unit/test_energy.c):
 *   - the input is clamped, so the bottom-up drive of layer 1, W_1 x + b_1 (the largest product
 *     on an image-sized input), is computed once a run (in1), not once an iteration;
 *   - every example stops on its own: once the largest change of its states in one iteration
 *     falls below tol, its columns are frozen (no longer written) while the others go on, and
 *     the run ends when every example has stopped or after max_iters. A frozen column is still
 *     computed with the others (the products stay whole-batch); it is only not replaced. */
#include "relax.h"

#include <math.h>
#include <string.h>

#include "act_fn.h"
#include "ctx.h"
#include "kernels.h"

struct rs_relax {
    uint32_t n_layers, max_n;
    rs_real **d, **e, **p, **t, **v, **m, **k, **q; /* (L + 1) each, index 0 unused */
    rs_real *in1;               /* (n_1, max_n) W_1 x + b_1 of the current run */
    double *col;                /* (max_n) each example's largest change in its last iteration */
    unsigned char *live;        /* (max_n) 1 while the example still relaxes */
};

/* ---- scratch --------------------------------------------------------------------------- */

#define N_ROLES 8 /* d, e, p, t, v, m, k, q */

rs_relax *rs_relax_create(rs_ctx *ctx, const rs_net *net, uint32_t max_n)
{
    const uint32_t L = net->n_layers;
    size_t reals = 0;
    for (uint32_t l = 1; l <= L; l++)
        reals += N_ROLES * (((size_t)net->sizes[l] * max_n + 15) & ~(size_t)15);
    const size_t in1_len = ((size_t)net->sizes[1] * max_n + 15) & ~(size_t)15;
    reals += in1_len; /* a multiple of 16 reals: the doubles after it stay aligned */
    size_t head = (sizeof(rs_relax) + N_ROLES * (L + 1) * sizeof(rs_real *) + 63) & ~(size_t)63;
    char *mem = rs_alloc(ctx, head + reals * sizeof(rs_real) + max_n * (sizeof(double) + 1));
    if (!mem)
        return NULL;
    rs_relax *r = (rs_relax *)mem;
    r->n_layers = L;
    r->max_n = max_n;
    rs_real **ptr = (rs_real **)(mem + sizeof(rs_relax));
    rs_real ***roles[N_ROLES] = { &r->d, &r->e, &r->p, &r->t, &r->v, &r->m, &r->k, &r->q };
    for (int k = 0; k < N_ROLES; k++)
        *roles[k] = ptr + (size_t)k * (L + 1);
    rs_real *buf = (rs_real *)(mem + head);
    for (uint32_t l = 1; l <= L; l++) {
        size_t len = ((size_t)net->sizes[l] * max_n + 15) & ~(size_t)15;
        for (int k = 0; k < N_ROLES; k++) {
            (*roles[k])[l] = buf;
            buf += len;
        }
    }
    r->in1 = buf;
    r->col = (double *)(buf + in1_len);
    r->live = (unsigned char *)(r->col + max_n);
    return r;
}

void rs_relax_destroy(rs_ctx *ctx, rs_relax *r) { rs_free(ctx, r); }

/* ---- shared pieces ------------------------------------------------------------------------ */

static const rs_real *below(const rs_real *x, rs_real *const *s, uint32_t l)
{
    return l == 1 ? x : s[l - 1];
}

static size_t w_offset(const rs_net *net, uint32_t l) /* of W_l in params */
{
    return (size_t)(net->layers[l - 1].w - net->params);
}

/* gamma^(l - L): the weight of layer l's terms in the Hopfield energy */
static double layer_weight(const rs_relax_config *cfg, uint32_t l, uint32_t L)
{
    return pow(cfg->feedback, (double)l - (double)L);
}

static double var_of(const rs_relax_config *cfg, uint32_t l)
{
    return cfg->variance ? cfg->variance[l - 1] : 1.0;
}

/* cfg->momentum and cfg->fixed_prediction, or 0 from a config of ABI 1.0-1.2 whose
 * struct_size ends before them */
static double momentum_of(const rs_relax_config *cfg)
{
    return cfg->struct_size >= offsetof(rs_relax_config, momentum) + sizeof(double)
               ? cfg->momentum
               : 0;
}

static int fixed_of(const rs_relax_config *cfg)
{
    return cfg->struct_size >= offsetof(rs_relax_config, fixed_prediction) + sizeof(uint32_t)
           && cfg->fixed_prediction;
}

/* Replace the live columns of s (rows, n) by next, raising r->col[b] to the largest |change|
 * of column b. */
static void replace(rs_relax *r, rs_real *s, const rs_real *next, uint32_t rows, uint32_t n)
{
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t b = 0; b < n; b++) {
            size_t k = (size_t)i * n + b;
            if (!r->live[b])
                continue;
            double c = fabs((double)next[k] - (double)s[k]);
            if (c > r->col[b] || c != c)
                r->col[b] = c; /* a NaN is kept, so it is never taken for convergence */
            s[k] = next[k];
        }
}

/* Start a run: every example live, in1 = W_1 x + b_1. */
static void run_begin(rs_relax *r, const rs_net *net, const rs_real *x, uint32_t n)
{
    const rs_layer *ly = &net->layers[0];
    rs_dense_forward(r->in1, ly->w, ly->b, x, ly->n_out, ly->n_in, n);
    memset(r->live, 1, n);
    for (uint32_t b = 0; b < n; b++)
        r->col[b] = INFINITY;
}

/* Open an iteration: the live examples' changes restart from 0. */
static void iter_begin(rs_relax *r, uint32_t n)
{
    for (uint32_t b = 0; b < n; b++)
        if (r->live[b])
            r->col[b] = 0;
}

/* Close an iteration: an example whose largest change fell below tol stops. Returns how many
 * examples still relax. */
static uint32_t iter_end(rs_relax *r, const rs_relax_config *cfg, uint32_t n)
{
    uint32_t live = 0;
    for (uint32_t b = 0; b < n; b++) {
        if (r->live[b] && r->col[b] < cfg->tol)
            r->live[b] = 0;
        live += r->live[b];
    }
    return live;
}

/* The largest last change over the examples (INFINITY before any iteration). */
static double run_change(const rs_relax *r, uint32_t n)
{
    double change = 0;
    for (uint32_t b = 0; b < n; b++)
        if (r->col[b] > change || r->col[b] != r->col[b])
            change = r->col[b];
    return change;
}

/* ---- Hopfield energy ---------------------------------------------------------------------- */

/* d = W_l s_{l-1} + b_l + gamma W_{l+1}^T s_{l+1}; at the output, + beta (y - s_L) if nudged.
 * Layer 1's W_1 x + b_1 is the run's in1. */
static void hop_drive(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                      const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *s,
                      uint32_t l, rs_real *d)
{
    const uint32_t L = net->n_layers;
    const rs_layer *ly = &net->layers[l - 1];
    if (l == 1)
        memcpy(d, r->in1, (size_t)ly->n_out * n * sizeof *d);
    else
        rs_dense_forward(d, ly->w, ly->b, below(x, s, l), ly->n_out, ly->n_in, n);
    if (l < L) {
        const rs_layer *up = &net->layers[l];
        rs_gemm(1, 0, ly->n_out, n, up->n_out, (rs_real)cfg->feedback, up->w, up->n_in, s[l + 1],
                n, 1, d, n);
    } else if (cfg->output == RS_RELAX_NUDGED) {
        const rs_real beta = (rs_real)cfg->beta;
        for (size_t k = 0; k < (size_t)ly->n_out * n; k++)
            d[k] += beta * (y[k] - s[L][k]);
    }
}

/* u (rows, n) of the live columns: the drive d itself (fixed point), or one Euler step
 * toward it */
static void hop_potential(const rs_relax *r, rs_real *u, const rs_real *d, uint32_t rows,
                          uint32_t n, int euler, rs_real step)
{
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t b = 0; b < n; b++) {
            size_t k = (size_t)i * n + b;
            if (r->live[b])
                u[k] = euler ? u[k] + step * (d[k] - u[k]) : d[k];
        }
}

static void hop_run(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                    const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *u,
                    rs_real *const *s, uint32_t top, uint32_t *iters)
{
    const rs_real step = (rs_real)cfg->step;
    const int euler = cfg->method != RS_RELAX_FIXED_POINT;
    uint32_t live = n;
    for (*iters = 0; *iters < cfg->max_iters && live > 0; ++*iters) {
        iter_begin(r, n);
        if (!euler) { /* Gauss-Seidel: u_l = d_l, in order */
            for (uint32_t l = 1; l <= top; l++) {
                hop_drive(r, net, cfg, x, y, n, s, l, r->d[l]);
                hop_potential(r, u[l], r->d[l], net->sizes[l], n, 0, step);
                rs_act_forward(net->layers[l - 1].act, u[l], r->t[l], (size_t)net->sizes[l] * n);
                replace(r, s[l], r->t[l], net->sizes[l], n);
            }
        } else { /* synchronous Euler: every drive from the old states, then every update */
            for (uint32_t l = 1; l <= top; l++)
                hop_drive(r, net, cfg, x, y, n, s, l, r->d[l]);
            for (uint32_t l = 1; l <= top; l++) {
                hop_potential(r, u[l], r->d[l], net->sizes[l], n, 1, step);
                rs_act_forward(net->layers[l - 1].act, u[l], r->t[l], (size_t)net->sizes[l] * n);
                replace(r, s[l], r->t[l], net->sizes[l], n);
            }
        }
        live = iter_end(r, cfg, n);
    }
}

static double hop_energy(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                         const rs_real *x, uint32_t n, rs_real *const *u, rs_real *const *s)
{
    const uint32_t L = net->n_layers;
    double energy = 0;
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        size_t len = (size_t)ly->n_out * n;
        rs_dense_forward(r->d[l], ly->w, ly->b, below(x, s, l), ly->n_out, ly->n_in, n);
        double term = 0;
        for (size_t k = 0; k < len; k++)
            term -= (double)s[l][k] * r->d[l][k];
        if (!(l == L && cfg->output == RS_RELAX_CLAMPED)) { /* G(s) = u s - F(u) */
            rs_act_integral(ly->act, u[l], r->t[l], len);
            for (size_t k = 0; k < len; k++)
                term += (double)u[l][k] * s[l][k] - r->t[l][k];
        }
        energy += layer_weight(cfg, l, L) * term;
    }
    return energy;
}

static void hop_init(const rs_net *net, const rs_real *x, uint32_t n, rs_real *const *u,
                     rs_real *const *s)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_dense_forward(u[l], ly->w, ly->b, below(x, s, l), ly->n_out, ly->n_in, n);
        rs_act_forward(ly->act, u[l], s[l], (size_t)ly->n_out * n);
    }
}

/* ---- predictive energy -------------------------------------------------------------------- */

/* p, t of hidden layers, z~ into d, mu_L into p[L], f_L'(z~_L) into t[L], errors into e.
 * in_run: inside a run, layer 1's z~ is the run's in1. */
static void pc_errors(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                      const rs_real *x, uint32_t n, rs_real *const *s, int in_run)
{
    const uint32_t L = net->n_layers;
    for (uint32_t l = 1; l < L; l++) {
        size_t len = (size_t)net->sizes[l] * n;
        rs_act_forward(net->layers[l - 1].act, s[l], r->p[l], len);
        rs_act_derivative(net->layers[l - 1].act, s[l], r->p[l], r->t[l], len);
    }
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        size_t len = (size_t)ly->n_out * n;
        const rs_real *in = l == 1 ? x : r->p[l - 1];
        if (l == 1 && in_run)
            memcpy(r->d[1], r->in1, len * sizeof(rs_real));
        else
            rs_dense_forward(r->d[l], ly->w, ly->b, in, ly->n_out, ly->n_in, n);
        const rs_real *mu = r->d[l];
        if (l == L) {
            rs_act_forward(ly->act, r->d[l], r->p[l], len);
            rs_act_derivative(ly->act, r->d[l], r->p[l], r->t[l], len);
            mu = r->p[l];
        }
        const rs_real inv = (rs_real)(1.0 / var_of(cfg, l));
        for (size_t k = 0; k < len; k++)
            r->e[l][k] = (s[l][k] - mu[k]) * inv;
    }
}

/* The proposal t[l] = s_l - step dF/ds_l (dF/ds_l in d[l]), or with momentum mu the heavy
 * ball v_l = mu v_l + dF/ds_l, t[l] = s_l - step v_l. mu = 0 keeps the plain expression so
 * that the default is the plain method bit for bit. */
static void pc_propose(rs_relax *r, const rs_net *net, rs_real *const *s, uint32_t n,
                       uint32_t top, rs_real step, rs_real mu)
{
    for (uint32_t l = 1; l <= top; l++) {
        size_t len = (size_t)net->sizes[l] * n;
        const rs_real *g = r->d[l];
        rs_real *t = r->t[l], *v = r->v[l];
        if (mu == 0)
            for (size_t k = 0; k < len; k++)
                t[k] = s[l][k] - step * g[k];
        else
            for (size_t k = 0; k < len; k++) {
                v[k] = mu * v[k] + g[k];
                t[k] = s[l][k] - step * v[k];
            }
    }
}

/* Fixed-prediction assumption: keep the run's starting mu_l (hidden z~_l, output mu_L),
 * slopes t and activities p (just computed by pc_errors) in m, k, q. */
static void pc_fix(rs_relax *r, const rs_net *net, uint32_t n)
{
    const uint32_t L = net->n_layers;
    for (uint32_t l = 1; l <= L; l++) {
        size_t bytes = (size_t)net->sizes[l] * n * sizeof(rs_real);
        memcpy(r->m[l], l < L ? r->d[l] : r->p[L], bytes);
        memcpy(r->k[l], r->t[l], bytes);
        if (l < L)
            memcpy(r->q[l], r->p[l], bytes);
    }
}

/* e_l = (s_l - m_l) / var_l against the kept predictions */
static void pc_fixed_errors(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                            uint32_t n, rs_real *const *s)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_real inv = (rs_real)(1.0 / var_of(cfg, l));
        for (size_t k = 0; k < (size_t)net->sizes[l] * n; k++)
            r->e[l][k] = (s[l][k] - r->m[l][k]) * inv;
    }
}

/* dF/ds_l = e_l - f_l'(s_l) * W_{l+1}^T e^_{l+1}, e^_L = e_L f_L'(z~_L), into d[l], from the
 * errors in e and the slopes `slope` (t, or the kept k) */
static void pc_state_grad(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                          const rs_real *y, uint32_t n, rs_real *const *s, uint32_t top,
                          rs_real *const *slope)
{
    const uint32_t L = net->n_layers;
    const rs_real beta = (rs_real)cfg->beta;
    for (uint32_t l = 1; l <= top; l++) {
        size_t len = (size_t)net->sizes[l] * n;
        rs_real *g = r->d[l];
        if (l < L) {
            const rs_layer *up = &net->layers[l];
            const rs_real *eu = r->e[l + 1];
            if (l + 1 == L) { /* e^_L into d[L]: z~_L is no longer needed */
                for (size_t k = 0; k < (size_t)up->n_out * n; k++)
                    r->d[L][k] = r->e[L][k] * slope[L][k];
                eu = r->d[L];
            }
            rs_gemm(1, 0, up->n_in, n, up->n_out, 1, up->w, up->n_in, eu, n, 0, g, n);
            for (size_t k = 0; k < len; k++)
                g[k] = r->e[l][k] - slope[l][k] * g[k];
        } else { /* the output, free or nudged */
            for (size_t k = 0; k < len; k++)
                g[k] = r->e[L][k] + (cfg->output == RS_RELAX_NUDGED ? beta * (s[L][k] - y[k]) : 0);
        }
    }
}

static void pc_run(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                   const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *s,
                   uint32_t top, uint32_t *iters)
{
    const rs_real step = (rs_real)cfg->step, mu = (rs_real)momentum_of(cfg);
    const int fixed = fixed_of(cfg);
    for (uint32_t l = 1; mu != 0 && l <= top; l++) /* every run starts at rest */
        memset(r->v[l], 0, (size_t)net->sizes[l] * n * sizeof(rs_real));
    if (fixed) {
        pc_errors(r, net, cfg, x, n, s, 1);
        pc_fix(r, net, n);
    }
    uint32_t live = n;
    for (*iters = 0; *iters < cfg->max_iters && live > 0; ++*iters) {
        if (fixed)
            pc_fixed_errors(r, net, cfg, n, s);
        else
            pc_errors(r, net, cfg, x, n, s, 1);
        pc_state_grad(r, net, cfg, y, n, s, top, fixed ? r->k : r->t);
        pc_propose(r, net, s, n, top, step, mu);
        iter_begin(r, n);
        for (uint32_t l = 1; l <= top; l++)
            replace(r, s[l], r->t[l], net->sizes[l], n);
        live = iter_end(r, cfg, n);
    }
}

static double pc_energy(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                        const rs_real *x, uint32_t n, rs_real *const *s)
{
    pc_errors(r, net, cfg, x, n, s, 0);
    double energy = 0;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        size_t len = (size_t)net->sizes[l] * n;
        double sum = 0;
        for (size_t k = 0; k < len; k++)
            sum += (double)r->e[l][k] * r->e[l][k];
        energy += var_of(cfg, l) * sum / 2; /* |s - mu|^2 / (2 var) = var e^2 / 2 */
    }
    return energy;
}

static void pc_init(rs_relax *r, const rs_net *net, const rs_real *x, uint32_t n,
                    rs_real *const *s)
{
    const uint32_t L = net->n_layers;
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        size_t len = (size_t)ly->n_out * n;
        const rs_real *in = l == 1 ? x : r->p[l - 1];
        rs_dense_forward(s[l], ly->w, ly->b, in, ly->n_out, ly->n_in, n);
        if (l < L)
            rs_act_forward(ly->act, s[l], r->p[l], len);
        else
            rs_act_forward(ly->act, s[l], s[l], len);
    }
}

/* ---- the host functions ------------------------------------------------------------------- */

static rs_status check(rs_relax *r, rs_ctx *ctx, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *y, uint32_t n)
{
    /* the layout of ABI 1.0 (up to variance) at least; momentum is read only when covered */
    if (!cfg || cfg->struct_size < offsetof(rs_relax_config, momentum))
        return rs_fail(ctx, RS_ERR_PARAM, "relax: config struct_size %u, expected %zu; fill "
                       "struct_size = sizeof(rs_relax_config)", cfg ? cfg->struct_size : 0,
                       sizeof(rs_relax_config));
    if (cfg->energy > RS_RELAX_PREDICTIVE || cfg->method > RS_RELAX_GRADIENT
        || cfg->output > RS_RELAX_CLAMPED)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: unknown energy %u, method %u or output %u",
                       cfg->energy, cfg->method, cfg->output);
    if (cfg->energy == RS_RELAX_PREDICTIVE && cfg->method == RS_RELAX_FIXED_POINT)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: the predictive-coding energy relaxes by "
                       "gradient descent only; use method gradient");
    if (cfg->method == RS_RELAX_GRADIENT && !(cfg->step > 0))
        return rs_fail(ctx, RS_ERR_PARAM, "relax: the gradient method needs a step > 0, got %g",
                       cfg->step);
    if (cfg->energy == RS_RELAX_HOPFIELD && !(cfg->feedback > 0))
        return rs_fail(ctx, RS_ERR_PARAM, "relax: feedback (gamma) must be > 0, got %g",
                       cfg->feedback);
    const double mu = momentum_of(cfg);
    if (!(mu >= 0 && mu < 1))
        return rs_fail(ctx, RS_ERR_PARAM, "relax: momentum must be in [0, 1), got %g", mu);
    if (mu != 0 && cfg->energy != RS_RELAX_PREDICTIVE)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: momentum applies to the predictive-coding "
                       "energy only; set momentum = 0 for the Hopfield energy");
    if (fixed_of(cfg) && cfg->energy != RS_RELAX_PREDICTIVE)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: fixed_prediction applies to the "
                       "predictive-coding energy only; set it to 0 for the Hopfield energy");
    for (uint32_t l = 1; cfg->energy == RS_RELAX_PREDICTIVE && cfg->variance
                         && l <= net->n_layers; l++)
        if (!(cfg->variance[l - 1] > 0))
            return rs_fail(ctx, RS_ERR_PARAM, "relax: variance of layer %u must be > 0, got %g",
                           l, (double)cfg->variance[l - 1]);
    if (n > r->max_n || net->n_layers != r->n_layers)
        return rs_fail(ctx, RS_ERR_SHAPE, "relax: %u examples on %u layers; the scratch was made "
                       "for %u on %u", n, net->n_layers, r->max_n, r->n_layers);
    if (cfg->output == RS_RELAX_FREE && y)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: a free phase takes no target (y must be NULL)");
    if (cfg->output != RS_RELAX_FREE && !y)
        return rs_fail(ctx, RS_ERR_PARAM, "relax: a nudged or clamped phase needs the target y");
    return RS_OK;
}

void rs_relax_init(rs_relax *r, const rs_net *net, const rs_relax_config *cfg, const rs_real *x,
                   uint32_t n, rs_real *const *u, rs_real *const *s)
{
    if (cfg->energy == RS_RELAX_PREDICTIVE)
        pc_init(r, net, x, n, s);
    else
        hop_init(net, x, n, u, s);
}

rs_status rs_relax_run(rs_relax *r, rs_ctx *ctx, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *u,
                       rs_real *const *s, rs_relax_stats *stats)
{
    rs_status st = check(r, ctx, net, cfg, y, n);
    if (st != RS_OK)
        return st;
    const uint32_t L = net->n_layers;
    uint32_t top = L;
    if (cfg->output == RS_RELAX_CLAMPED) {
        memcpy(s[L], y, (size_t)net->sizes[L] * n * sizeof(rs_real));
        top = L - 1;
    }
    uint32_t iters = 0;
    run_begin(r, net, x, n);
    if (cfg->energy == RS_RELAX_PREDICTIVE)
        pc_run(r, net, cfg, x, y, n, s, top, &iters);
    else
        hop_run(r, net, cfg, x, y, n, u, s, top, &iters);
    const double change = run_change(r, n);
    if (stats) {
        stats->iters = iters;
        stats->change = change;
        stats->converged = change < cfg->tol;
    }
    return RS_OK;
}

double rs_relax_energy(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *u,
                       rs_real *const *s)
{
    if (n == 0 || n > r->max_n)
        return NAN;
    double energy = cfg->energy == RS_RELAX_PREDICTIVE ? pc_energy(r, net, cfg, x, n, s)
                                                       : hop_energy(r, net, cfg, x, n, u, s);
    if (cfg->output == RS_RELAX_NUDGED) {
        if (!y)
            return NAN;
        const uint32_t L = net->n_layers;
        double c = 0;
        for (size_t k = 0; k < (size_t)net->sizes[L] * n; k++)
            c += ((double)s[L][k] - y[k]) * ((double)s[L][k] - y[k]);
        energy += cfg->beta * c / 2;
    }
    return energy / n;
}

void rs_relax_grad(rs_relax *r, const rs_net *net, const rs_relax_config *cfg, const rs_real *x,
                   uint32_t n, rs_real *const *s, rs_real alpha, rs_real *g)
{
    const uint32_t L = net->n_layers;
    if (n == 0 || n > r->max_n)
        return;
    const int fixed = cfg->energy == RS_RELAX_PREDICTIVE && fixed_of(cfg);
    if (cfg->energy == RS_RELAX_PREDICTIVE) { /* fixed: the last run's kept predictions */
        if (fixed)
            pc_fixed_errors(r, net, cfg, n, s);
        else
            pc_errors(r, net, cfg, x, n, s, 0);
        rs_real *const *slope = fixed ? r->k : r->t;
        for (size_t k = 0; k < (size_t)net->sizes[L] * n; k++) /* e^_L = e_L f_L'(z~_L) */
            r->d[L][k] = r->e[L][k] * slope[L][k];
    }
    for (uint32_t l = 1; l <= L; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        const rs_real *post, *pre;
        double c;
        if (cfg->energy == RS_RELAX_PREDICTIVE) { /* dF/dW_l = -e^_l p_{l-1}^T */
            post = l == L ? r->d[L] : r->e[l];
            pre = l == 1 ? x : (fixed ? r->q : r->p)[l - 1];
            c = 1;
        } else { /* dE/dW_l = -c_l s_l s_{l-1}^T */
            post = s[l];
            pre = below(x, s, l);
            c = layer_weight(cfg, l, L);
        }
        const rs_real scale = (rs_real)(-alpha * c / n);
        rs_real *gw = g + w_offset(net, l);
        rs_gemm(0, 1, ly->n_out, ly->n_in, n, scale, post, n, pre, n, 1, gw, ly->n_in);
        if (ly->b) {
            rs_real *gb = gw + (size_t)ly->n_out * ly->n_in;
            for (uint32_t i = 0; i < ly->n_out; i++)
                gb[i] += scale * rs_sum(post + (size_t)i * n, n);
        }
    }
}
