/* align.c: see align.h. */
#include "align.h"

#include <math.h>
#include <string.h>

#include "kernels.h"
#include "network.h"

int rs_align_open(rs_align *al, rs_ctx *ctx, const rs_net *net)
{
    memset(al, 0, sizeof *al);
    size_t np = net->n_params ? net->n_params : 1;
    uint32_t n_out = net->sizes[net->n_layers];
    al->before = rs_alloc(ctx, np * sizeof(rs_real));
    al->after = rs_alloc(ctx, np * sizeof(rs_real));
    al->grads = rs_alloc(ctx, np * sizeof(rs_real));
    al->d_out = rs_alloc(ctx, (size_t)n_out * net->max_batch * sizeof(rs_real));
    if (!al->before || !al->after || !al->grads || !al->d_out)
        return -1;
    /* a layered net's blocks lie layer after layer in params (W then b); a recurrent net's
     * one matrix P is one segment */
    al->n_seg = net->layers && net->n_layers <= RS_MAX_ALIGN ? net->n_layers : 1;
    for (uint32_t l = 0; l < al->n_seg; l++)
        al->seg[l] = net->layers && al->n_seg > 1 ? (size_t)(net->layers[l].w - net->params) : 0;
    al->seg[al->n_seg] = net->n_params;
    return 0;
}

void rs_align_close(rs_align *al, rs_ctx *ctx)
{
    rs_free(ctx, al->before);
    rs_free(ctx, al->after);
    rs_free(ctx, al->grads);
    rs_free(ctx, al->d_out);
    memset(al, 0, sizeof *al);
}

void rs_align_before(rs_align *al, const rs_net *net)
{
    memcpy(al->before, net->params, net->n_params * sizeof(rs_real));
}

/* cos(dW, -g) over one segment, in double; clamped to [-1, 1], which rounding can pass by
 * 1e-14 when dW is a multiple of g (backprop's own step) */
static double cosine(const rs_real *before, const rs_real *after, const rs_real *g, size_t n)
{
    double dg = 0, dd = 0, gg = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)after[i] - (double)before[i];
        dg -= d * g[i];
        dd += d * d;
        gg += (double)g[i] * g[i];
    }
    if (!(dd > 0 && gg > 0))
        return NAN;
    double c = dg / sqrt(dd * gg);
    return c > 1 ? 1 : c < -1 ? -1 : c;
}

void rs_align_after(rs_align *al, rs_net *net, const rs_batch *b, double *cos)
{
    size_t bytes = net->n_params * sizeof(rs_real);
    memcpy(al->after, net->params, bytes);
    memcpy(al->grads, net->grads, bytes); /* the rule's, put back below */
    memcpy(net->params, al->before, bytes);
    /* the evaluation pass: a recurrent net's training noise would draw from the job's
     * stream and change the rule's numbers */
    rs_status st = rs_net_forward(net, b->x, b->n);
    if (st == RS_OK) {
        rs_loss(b->loss, net->a[net->n_layers], b->y, b->n_out, b->n, al->d_out);
        st = rs_net_backward(net, al->d_out);
    }
    for (uint32_t l = 0; l < al->n_seg; l++)
        cos[l] = st == RS_OK ? cosine(al->before + al->seg[l], al->after + al->seg[l],
                                      net->grads + al->seg[l], al->seg[l + 1] - al->seg[l])
                             : NAN;
    memcpy(net->params, al->after, bytes);
    memcpy(net->grads, al->grads, bytes);
}
