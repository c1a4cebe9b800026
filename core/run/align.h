/* align.h: gradient alignment of any rule: on the batch a rule just learned from, the cosine
 * between its weight change dW = W_after - W_before and the negative backprop gradient -g of
 * the same batch at W_before, per weight layer (W and b together). 1 is backprop's own
 * direction, 0 orthogonal, -1 ascent. It needs only the network before and after the step,
 * so it measures third-party rules as well. Lillicrap et al. 2016, "Random synaptic feedback
 * weights support error backpropagation for deep learning", Nat. Commun. 7:13276, follow
 * feedback alignment by the angle between its hidden-layer update and backprop's. */
#ifndef RS_ALIGN_H
#define RS_ALIGN_H

#include <ruleset/net.h>

#include "ctx.h"

#define RS_MAX_ALIGN 17 /* weight layers of the deepest network (RS_MAX_LAYERS + 1) */

typedef struct rs_align {
    rs_real *before, *after, *grads, *d_out; /* (n_params) x 3 and (n_out, max_batch) */
    uint32_t n_seg;                           /* cosines: one per weight layer */
    size_t seg[RS_MAX_ALIGN + 1];             /* layer l's W and b: params[seg[l] .. seg[l+1]) */
} rs_align;

/* Buffers for `net`, allocated once per job. 0, or -1 on no memory. */
int rs_align_open(rs_align *al, rs_ctx *ctx, const rs_net *net);
void rs_align_close(rs_align *al, rs_ctx *ctx);
/* Before the rule's step: keep W_before. */
void rs_align_before(rs_align *al, const rs_net *net);
/* After the step, on the batch it learned from: cos[l] for each weight layer (NaN when dW or
 * g is zero). The weights are put back as the rule left them, net->grads too; the activations
 * are those of the batch at W_before (the evaluation that follows overwrites them anyway). */
void rs_align_after(rs_align *al, rs_net *net, const rs_batch *b, double *cos);

#endif
