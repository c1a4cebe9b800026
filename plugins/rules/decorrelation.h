/* decorrelation.h: a learned decorrelating matrix in front of every weight layer, folded into
 * the host's weights (Dalm, van Gerven & Ahmad 2023, arXiv:2310.00965, section "Decorrelation";
 * Ahmad, Schrader & van Gerven 2023, "Constrained parameter inference as a principle for
 * learning", TMLR; docs/RULES.md, node_perturbation).
 *
 * Layer l sees x~_{l-1} = R_l a_{l-1} instead of a_{l-1}: z_l = W_l R_l a_{l-1} + b_l. R_l
 * (n_{l-1}, n_{l-1}) starts at I and follows the anti-Hebbian rule on the batch's decorrelated
 * inputs
 *     R_l <- R_l - eta_R offdiag(C_l) R_l,    C_l = (1/n) sum_b x~_b x~_b^T,
 * whose fixed points have C_l diagonal (the inputs decorrelated, their variances left free).
 *
 * WHY FOLDED. The host owns the network and computes z_l = W_l a_{l-1} + b_l, at evaluation as
 * in training; it has no place for R_l. So the rule keeps W_l (its own copy of the parameter
 * vector, in the host's layout, stepped by the optimizer) and R_l, and after every step writes
 * the product W_l R_l into the host's W_l (and copies b_l). The host's forward pass then IS the
 * decorrelated network's, at evaluation, in saved networks and in the rule's own noisy passes,
 * with no change to the host and no predict hook. The price is one (n_l, n_{l-1}, n_{l-1})
 * gemm a layer a step; the gradient the rule writes into net->grads is the one for its own
 * W_l (dC/dW_l = delta_l x~_{l-1}^T), not for the folded product.
 *
 * COST. offdiag(C) R is computed as (1/n) x~ (x~^T R) - diag(C) R: two (n_{l-1}, n_{l-1}, n)
 * gemms instead of the (n_{l-1})^3 of C R, and one more for x~ = R a. */
#ifndef RS_RULES_DECORRELATION_H
#define RS_RULES_DECORRELATION_H

#include "local_rules.h"

typedef struct lr_decor {
    double lr;                  /* eta_R */
    rs_real *own;               /* (n_params) W_l and b_l, the host's layout */
    rs_real *r[LR_MAX_LAYERS];  /* r[l] (n_{l-1}, n_{l-1}), l = 1..L */
    rs_real *xt[LR_MAX_LAYERS]; /* xt[l] (n_{l-1}, max_batch) x~_{l-1} of the clean pass */
    rs_real *tmp;               /* (max_batch, widest) x~^T R */
} lr_decor;

/* Declare d's buffers in block b for net. */
static inline void lr_decor_declare(rs_block *b, lr_decor *d, const rs_net *net)
{
    const size_t nb = net->max_batch;
    rs_block_reals(b, &d->own, net->n_params);
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const size_t m = net->sizes[l - 1];
        rs_block_reals(b, &d->r[l], m * m);
        rs_block_reals(b, &d->xt[l], m * nb);
    }
    rs_block_reals(b, &d->tmp, nb * rs_net_widest(net));
}

/* R_l = I and W_l = the host's initial weights, so the first folded product is the host's. */
static inline void lr_decor_start(lr_decor *d, const rs_net *net)
{
    memcpy(d->own, net->params, net->n_params * sizeof(rs_real));
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const uint32_t m = net->sizes[l - 1];
        for (uint32_t i = 0; i < m; i++)
            d->r[l][(size_t)i * m + i] = 1;
    }
}

/* xt[l] = R_l a_{l-1} for the clean pass just run (net->a). */
static inline void lr_decor_inputs(const lr_decor *d, const rs_host *h, const rs_net *net,
                                   uint32_t n)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const uint32_t m = net->sizes[l - 1];
        h->gemm(0, 0, m, n, m, 1, d->r[l], m, net->a[l - 1], n, 0, d->xt[l], n);
    }
}

/* dst (m, n) = R_l src (m, n): a layer's input decorrelated (the noisy pass's, for the noise
 * estimate). */
static inline void lr_decor_apply(const lr_decor *d, const rs_host *h, uint32_t l, uint32_t m,
                                  const rs_real *src, uint32_t n, rs_real *dst)
{
    h->gemm(0, 0, m, n, m, 1, d->r[l], m, src, n, 0, dst, n);
}

/* R_l <- R_l - eta_R offdiag(C_l) R_l from xt[l], every layer:
 *   T = x~^T R (old R);  row i of R *= 1 + eta_R C_ii;  R -= (eta_R / n) x~ T. */
static inline void lr_decor_update(lr_decor *d, const rs_host *h, const rs_net *net, uint32_t n)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const uint32_t m = net->sizes[l - 1];
        const rs_real *x = d->xt[l];
        rs_real *r = d->r[l];
        h->gemm(1, 0, n, m, m, 1, x, n, r, m, 0, d->tmp, m);
        for (uint32_t i = 0; i < m; i++) {
            double c = 0;
            for (uint32_t b = 0; b < n; b++)
                c += (double)x[(size_t)i * n + b] * x[(size_t)i * n + b];
            const rs_real grow = (rs_real)(1 + d->lr * c / n);
            for (uint32_t j = 0; j < m; j++)
                r[(size_t)i * m + j] *= grow;
        }
        h->gemm(0, 0, m, m, n, (rs_real)(-d->lr / n), x, n, d->tmp, m, 1, r, m);
    }
}

/* The host's W_l = own W_l R_l and b_l = own b_l, every layer. */
static inline void lr_decor_fold(const lr_decor *d, const rs_host *h, rs_net *net)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        rs_layer *ly = &net->layers[l - 1];
        const rs_real *w = d->own + (ly->w - net->params);
        h->gemm(0, 0, ly->n_out, ly->n_in, ly->n_in, 1, w, ly->n_in, d->r[l], ly->n_in, 0,
                ly->w, ly->n_in);
        if (ly->b)
            memcpy(ly->b, d->own + (ly->b - net->params), ly->n_out * sizeof(rs_real));
    }
}

#endif
