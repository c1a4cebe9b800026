/* lstm_explore.h: lstm_synapse's exploratory error (explore > 0), a perturbation estimate of
 * every hidden unit's gradient added to the feedback error the synapses read.
 *
 * Simultaneous perturbation (Spall 1992, "Multivariate stochastic approximation using a
 * simultaneous perturbation gradient approximation", IEEE TAC 37:332) on the hidden units' net
 * inputs, node perturbation's setting (Williams 1992; Fiete & Seung 2006): one draw of signs
 * xi_l = ±sigma on every hidden unit of the batch, two noisy passes with z_l + xi_l and z_l -
 * xi_l, l = 1..L-1 (the output is not perturbed: its error is exact), per-example losses C+_b
 * and C-_b, and
 *   e_l[i,b] = (C+_b - C-_b) xi_l[i,b] / (2 sigma^2),
 * an estimate of dC_b/dz_l[i] whose second-order term cancels (antithetic), so it vanishes
 * with the gradient as the feedback error does. It is local in node perturbation's sense: a
 * unit needs its own noise and one broadcast scalar per example. lstm_synapse reads
 * m_l + w gamma e_l at hidden units, w = explore / (the net's hidden units: the estimate's
 * variance grows with them) and gamma = (output error RMS / its largest so far)^fade (the
 * exploration fades as the task is solved): the random-feedback error follows a fixed
 * direction and stops where it stops, the perturbation estimate follows the true gradient of a
 * loss smoothed over sigma and can leave minima the feedback error cannot (docs/RULES.md). Signs instead of
 * Gaussian noise: the same estimate (E[xi xi^T] = sigma^2 I), one uniform draw a unit, and
 * exactly ±sigma, so no draw is an outlier.
 *
 * Everything runs in float on caller weights, so step and dstep (which passes the tape's
 * values) compute the same estimate; in the meta-gradient it is a constant input. */
#ifndef RS_RULES_LSTM_EXPLORE_H
#define RS_RULES_LSTM_EXPLORE_H

#include "local_rules.h"

typedef struct lx_state {
    double weight, sigma, fade;     /* explore, explore_sigma, explore_fade */
    double err_max;                 /* the largest RMS of the output error so far in the run */
    rs_real *xi[LR_MAX_LAYERS];     /* xi_l (n_l, max_batch), hidden layers l = 1..L-1 */
    rs_real *z, *a[2];              /* one layer's noisy z (widest, batch); a ping-pong */
    double *c2;                     /* (2 max_batch) C+_b, then C-_b */
    double *coef;                   /* (max_batch) explore (C+_b - C-_b) / (2 sigma^2) */
    rs_real *col;                   /* (2 n_L) one example's loss */
} lx_state;

static inline void lx_declare(rs_block *b, lx_state *x, const rs_net *net)
{
    const size_t nb = net->max_batch, wide = (size_t)rs_net_widest(net) * nb;
    for (uint32_t l = 1; l < net->n_layers; l++)
        rs_block_reals(b, &x->xi[l], (size_t)net->sizes[l] * nb);
    rs_block_reals(b, &x->z, 2 * wide); /* the + pass's layer, then the - pass's */
    rs_block_reals(b, &x->a[0], 2 * wide);
    rs_block_reals(b, &x->a[1], 2 * wide);
    rs_block_doubles(b, &x->c2, 2 * nb);
    rs_block_doubles(b, &x->coef, nb);
    rs_block_reals(b, &x->col, 2 * (size_t)net->sizes[net->n_layers]);
}

/* The signs of one step: xi_l = ±sigma from one uniform draw per hidden unit and example. */
static inline void lx_draw(lx_state *x, const rs_host *h, rs_ctx *ctx, const rs_net *net,
                           uint32_t n)
{
    const rs_real sg = (rs_real)x->sigma;
    for (uint32_t l = 1; l < net->n_layers; l++) {
        const size_t len = (size_t)net->sizes[l] * n;
        h->rng_fill_uniform(ctx, x->xi[l], len, -1, 1);
        for (size_t k = 0; k < len; k++)
            x->xi[l][k] = x->xi[l][k] < 0 ? -sg : sg;
    }
}

/* z (rows, n) = W (rows, cols) in (cols, n) + bias (NULL: none): one example in a loop (a call
 * into the host's gemm costs more than the product of a small net), a batch through the
 * host's gemm. Also lstm_synapse's feedback product B m. */
static inline void lx_affine(const rs_host *h, uint32_t rows, uint32_t cols, uint32_t n,
                             const rs_real *w, const rs_real *bias, const rs_real *in,
                             rs_real *z)
{
    if (n > 1) {
        for (uint32_t i = 0; bias && i < rows; i++)
            for (uint32_t b = 0; b < n; b++)
                z[(size_t)i * n + b] = bias[i];
        h->gemm(0, 0, rows, n, cols, 1, w, cols, in, n, bias ? 1 : 0, z, n);
        return;
    }
    for (uint32_t i = 0; i < rows; i++) {
        rs_real acc = bias ? bias[i] : 0;
        for (uint32_t k = 0; k < cols; k++)
            acc += w[(size_t)i * cols + k] * in[k];
        z[i] = acc;
    }
}

/* Example b's loss for pred (n_out, n): the host's, squared error inline (the host's own sum
 * in the same order: the mean over the outputs of ((double)pred - y)^2, so the same bits). */
static inline void lx_losses(lx_state *x, const rs_host *h, uint32_t loss, const rs_real *pred,
                             const rs_real *y, uint32_t n_out, uint32_t n, double *out)
{
    if (loss != RS_LOSS_MSE) {
        lr_example_losses(h, loss, pred, y, n_out, n, x->col, out);
        return;
    }
    for (uint32_t b = 0; b < n; b++) {
        double ss = 0;
        for (uint32_t i = 0; i < n_out; i++) {
            const double e = (double)pred[(size_t)i * n + b] - y[(size_t)i * n + b];
            ss += e * e;
        }
        out[b] = ss / (double)n_out;
    }
}

/* The noisy passes, layer by layer: k = 2 passes with every hidden net input moved by +xi_l
 * and by -xi_l (k = 1: the clean pass, unmoved), each pass's layer a block of len values,
 * side by side so that one activation call serves both; example b's loss of pass q into
 * out[q n + b]. z1 (n_1, n): the clean first layer's net input, which the noise only shifts.
 * Each pass's arithmetic is that of a pass on its own. */
static inline void lx_passes(lx_state *x, const rs_host *h, const rs_net *net,
                             const rs_real *const *w, const rs_real *const *bias,
                             const rs_real *z1, const rs_real *y, uint32_t n, uint32_t loss,
                             uint32_t k, double *out)
{
    const uint32_t L = net->n_layers;
    const rs_real *in = NULL;
    size_t len_in = 0;
    for (uint32_t l = 1; l <= L; l++) {
        const size_t len = (size_t)net->sizes[l] * n;
        for (uint32_t q = 0; q < k; q++) {
            rs_real *restrict z = x->z + q * len;
            const rs_real *restrict xi = x->xi[l];
            const rs_real sgn = k == 1 ? 0 : q == 0 ? 1 : -1;
            if (l == 1) { /* z1 + sgn xi in one loop: a copy, then the sum, cost a call more */
                for (size_t e = 0; e < len; e++)
                    z[e] = z1[e] + sgn * xi[e];
                continue;
            }
            lx_affine(h, net->sizes[l], net->sizes[l - 1], n, w[l - 1], bias[l - 1],
                      in + q * len_in, z);
            if (l < L)
                for (size_t e = 0; e < len; e++)
                    z[e] += sgn * xi[e];
        }
        rs_real *a = x->a[l & 1];
        h->act_forward(net->layers[l - 1].act, x->z, a, k * len);
        in = a;
        len_in = len;
    }
    for (uint32_t q = 0; q < k; q++)
        lx_losses(x, h, loss, in + q * len_in, y, net->sizes[L], n, out + q * n);
}

/* Both passes and coef[b]; then layer l's estimate times explore is coef[b] xi_l[i,b]. out
 * (n_L, n): the clean pass's output, or NULL to compute it. An example whose clean loss is
 * zero sits at the minimum of its loss, where the gradient is zero: its coef is zero, not
 * the third-order remainder the passes would leave, so no error still means no step. */
static inline void lx_estimate(lx_state *x, const rs_host *h, const rs_net *net,
                               const rs_real *const *w, const rs_real *const *bias,
                               const rs_real *z1, const rs_real *out, const rs_real *y,
                               uint32_t n, uint32_t loss)
{
    const uint32_t n_out = net->sizes[net->n_layers];
    if (out)
        lx_losses(x, h, loss, out, y, n_out, n, x->coef);
    else {
        lx_passes(x, h, net, w, bias, z1, y, n, loss, 1, x->coef);
        out = x->a[net->n_layers & 1];
    }
    /* explore's gate: the output error left relative to the largest it has been, ^fade */
    double ss = 0;
    for (size_t k = 0; k < (size_t)n_out * n; k++)
        ss += ((double)out[k] - y[k]) * ((double)out[k] - y[k]);
    const double r = sqrt(ss / ((double)n_out * n));
    x->err_max = r > x->err_max ? r : x->err_max;
    const double gate = x->err_max > 0 ? pow(r / x->err_max, x->fade) : 0;
    lx_passes(x, h, net, w, bias, z1, y, n, loss, 2, x->c2);
    const double f = gate * x->weight / (2 * x->sigma * x->sigma);
    for (uint32_t b = 0; b < n; b++)
        x->coef[b] = x->coef[b] > 0 ? f * (x->c2[b] - x->c2[n + b]) : 0;
}

/* e (n_l, n) = coef_b xi_l[i,b]: hidden layer l's estimate, times explore and the gate. */
static inline void lx_layer(const lx_state *x, uint32_t l, uint32_t rows, uint32_t n,
                            rs_real *e)
{
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t b = 0; b < n; b++)
            e[(size_t)i * n + b] = (rs_real)(x->coef[b] * x->xi[l][(size_t)i * n + b]);
}

#endif
