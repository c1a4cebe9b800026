/* feedback.c: the backward pass of the feedback-alignment family (host->net_backward_feedback,
 * host.h): backprop's pass with the error carried down through matrices the rule gives instead
 * of W^T — fixed random ones (Lillicrap et al. 2016, feedback alignment), from the output error
 * straight to each layer (Nøkland 2016, direct feedback alignment), or sign-concordant ones
 * (Liao, Leibo & Poggio 2016). Every product is the same rs_gemm call, with the same
 * arguments, that those rules made themselves before the pass moved here, so their numbers
 * did not change by a bit. */
#include "feedback.h"

#include "act_fn.h"
#include "kernels.h"
#include "network.h"

/* dW_l = delta_l a_{l-1}^T and db_l = the batch sum of delta_l, for weight layer l. */
static void layer_grads(rs_net *net, uint32_t l, uint32_t n)
{
    rs_layer *ly = &net->layers[l - 1];
    const rs_real *d = net->delta[l];
    rs_gemm(0, 1, ly->n_out, ly->n_in, n, 1, d, n, net->a[l - 1], n, 0, ly->dw, ly->n_in);
    if (!ly->db)
        return;
    for (uint32_t i = 0; i < ly->n_out; i++) {
        rs_real s = 0;
        for (uint32_t b = 0; b < n; b++)
            s += d[(size_t)i * n + b];
        ly->db[i] = s;
    }
}

/* delta (rows, n) *= f'(z) of unit layer u, the derivative through the net's scratch. */
static void times_derivative(rs_net *net, uint32_t u, uint32_t rows, uint32_t n, rs_real *delta)
{
    const size_t m = (size_t)rows * n;
    rs_real *fp = rs_net_scratch(net);
    rs_act_derivative(net->layers[u - 1].act, net->z[u], net->a[u], fp, m);
    for (size_t k = 0; k < m; k++)
        delta[k] *= fp[k];
}

/* The feedback matrix of layer l, or the failure the pass returns. */
static const rs_real *ask(rs_ctx *ctx, const rs_net *net, uint32_t l, rs_feedback_fn feedback,
                          void *user, rs_status *st)
{
    const rs_real *B = feedback(user, ctx, net, l);
    if (!B)
        *st = ctx->err_code != RS_OK ? ctx->err_code
                                     : rs_fail(ctx, RS_ERR_INTERNAL, "net_backward_feedback: "
                                               "the feedback callback gave no matrix for "
                                               "layer %u", l);
    return B;
}

rs_status rs_net_backward_feedback(rs_ctx *ctx, rs_net *net, const rs_real *d_out,
                                   uint32_t flags, rs_feedback_fn feedback, void *user)
{
    if (net->kind != RS_NET_LAYERED || !net->layers)
        return rs_fail(ctx, RS_ERR_UNSUPPORTED, "net_backward_feedback: layered networks only");
    const uint32_t L = net->n_layers, n = net->n, n_out = net->sizes[L];
    const int transpose = (flags & RS_FEEDBACK_TRANSPOSE) != 0;
    rs_real *e = net->delta[L]; /* delta_L = dLoss/da_L * f_L'(z_L) */
    rs_act_derivative(net->layers[L - 1].act, net->z[L], net->a[L], e, (size_t)n_out * n);
    for (size_t k = 0; k < (size_t)n_out * n; k++)
        e[k] *= d_out[k];
    rs_status st = RS_OK;
    for (uint32_t l = L; l >= 1; l--) {
        if (flags & RS_FEEDBACK_DIRECT) {
            if (l < L) { /* delta_l = (B_l e) * f_l'(z_l) */
                const uint32_t rows = net->sizes[l];
                const rs_real *B = ask(ctx, net, l, feedback, user, &st);
                if (!B)
                    return st;
                rs_gemm(transpose, 0, rows, n, n_out, 1, B, transpose ? rows : n_out, e, n, 0,
                        net->delta[l], n);
                times_derivative(net, l, rows, n, net->delta[l]);
            }
            layer_grads(net, l, n);
            continue;
        }
        if (l >= 2) { /* delta_{l-1} = (B_l delta_l) * f_{l-1}'(z_{l-1}) */
            const uint32_t rows = net->sizes[l - 1], cols = net->sizes[l];
            const rs_real *B = ask(ctx, net, l, feedback, user, &st);
            if (!B)
                return st;
            rs_gemm(transpose, 0, rows, n, cols, 1, B, transpose ? rows : cols, net->delta[l], n,
                    0, net->delta[l - 1], n);
            times_derivative(net, l - 1, rows, n, net->delta[l - 1]);
        }
        layer_grads(net, l, n);
    }
    return RS_OK;
}
