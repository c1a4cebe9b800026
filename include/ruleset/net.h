/* ruleset/net.h: the networks the host owns and lends to rules, and the batches tasks fill.
 *
 * Layout conventions (docs/RULES.md):
 *   - layers 0..L; a_0 = x; z_l = W_l a_{l-1} + b_l; a_l = f_l(z_l); output a_L.
 *   - W_l is row-major (n_l, n_{l-1}), out x in.
 *   - activations and batches are FEATURE-MAJOR: unit i of example b is at [i * n + b], so a
 *     whole layer over a batch is one (units, n) matrix and every kernel runs along the batch.
 *
 * The host allocates one block per network: every layer's W and b lie in `params` (n_params
 * values, layer by layer, W then b) and their gradients at the same offsets in `grads`, so an
 * optimizer steps the whole network as one vector.
 */
#ifndef RULESET_NET_H
#define RULESET_NET_H

#include "abi.h"

/* An activation function resolved by the host (descriptor + its parameter values). Opaque:
 * apply it with host->act_forward / host->act_derivative. */
typedef struct rs_act rs_act;

typedef enum rs_net_kind {
    RS_NET_LAYERED = 1,
    RS_NET_RECURRENT = 2 /* learnable adjacency: N nodes, state <- f(A state) for R rounds */
} rs_net_kind;

typedef enum rs_loss_kind { /* append only */
    RS_LOSS_MSE = 0,        /* mean over units and examples of (a_L - y)^2, as torch.nn.MSELoss */
    RS_LOSS_BCE = 1,        /* mean binary cross-entropy; a_L must lie in (0, 1) */
    RS_LOSS_SOFTMAX_CE = 2  /* mean over examples of -log softmax(a_L)[class], a_L are logits */
} rs_loss_kind;

typedef struct rs_layer {
    uint32_t n_in, n_out;
    rs_real *w;        /* (n_out, n_in) row-major, inside net->params */
    rs_real *b;        /* (n_out), or NULL when the layer has no bias */
    rs_real *dw;       /* (n_out, n_in) gradient, inside net->grads */
    rs_real *db;       /* (n_out) or NULL */
    const rs_act *act; /* f_l */
} rs_layer;

/* THE LAYER INDEXING (the usual trap). Units are numbered by layer, 0 (inputs) to L (outputs);
 * weight layers by the layer they feed. Arrays of units (sizes, z, a, delta) are indexed by
 * the unit layer l = 0..L; `layers`, a C array of the L weight layers, starts at 0, so weight
 * layer l (from l-1 to l) is layers[l - 1]:
 *
 *     units:    a[0] ----W_1----> z[1], a[1] ----W_2----> z[2], a[2]  ...  z[L], a[L]
 *     sizes:    sizes[0]          sizes[1]                sizes[2]          sizes[L]
 *     weights:       layers[0]               layers[1]         ...  layers[L - 1]
 *                    (n_out = sizes[1],      (sizes[2], sizes[1])
 *                     n_in = sizes[0])
 *
 *     z[l] = layers[l - 1].w * a[l - 1] + layers[l - 1].b,   a[l] = f_l(z[l]) (layers[l-1].act)
 *     delta[l] = dLoss/dz[l];   layers[l - 1].dw = delta[l] * a[l - 1]^T
 *
 * So a loop over weight layers reads `for (l = 1; l <= L; l++) { rs_layer *W = &layers[l - 1];
 * ... a[l - 1] ... z[l] ... }`. The dstep tensors io->w[l - 1], io->b[l - 1] follow layers. */
typedef struct rs_net {
    uint32_t struct_size;
    uint32_t kind;         /* rs_net_kind */
    uint32_t n_layers;     /* L: number of weight layers */
    uint32_t max_batch;    /* the largest n the activation buffers hold */
    const uint32_t *sizes; /* (L + 1): n_0 (inputs) .. n_L (outputs) */
    rs_layer *layers;      /* (L): layers[l - 1] maps layer l-1 to layer l */
    rs_real *params;       /* (n_params): every W and b, layer by layer */
    rs_real *grads;        /* (n_params): same layout as params */
    size_t n_params;
    /* Filled by host->net_forward / net_backward for the last batch of n examples.
     * z[l], a[l], delta[l] are (sizes[l], n) feature-major; z[0] and delta[0] are NULL;
     * a[0] is a copy of the input. Valid until the next forward. */
    rs_real **z;
    rs_real **a;
    rs_real **delta;       /* dLoss/dz_l after net_backward */
    uint32_t n;            /* examples in the last forward */

    /* ---- recurrent networks (kind RS_NET_RECURRENT; since 1.0) ---------------------------
     * N nodes (inputs, hidden, outputs, and an optional bias node held at 1) and a directed
     * adjacency A, row i holding the edges INTO node i: A[i * N + j] is the edge j -> i. The
     * state starts at zero with the inputs loaded into their nodes, s_0; each round
     * u_r = A s_{r-1}, s_r = f(u_r) (the bias node is put back to 1); the outputs are read from
     * their nodes after round R. Inputs are not clamped: round 1 overwrites them.
     *
     * A recurrent net ALSO fills the layered fields above as one layer, so a rule that only
     * uses params/grads, host->net_forward/net_backward and a[n_layers] runs on it unchanged:
     * n_layers = 1, sizes = {n_in, n_out}, layers = NULL (a rule that walks layers must refuse
     * the kind in create), a[0] is the input, z[1] and a[1] are u_R and s_R at the output
     * nodes, delta[1] is dLoss/dz there. `params` is the RAW matrix P (N, N) that the network's
     * parameterisation (sign map, mask, budget; docs/RULES.md) turns into A at every forward,
     * and `grads` is dLoss/dP. All of these are 0 / NULL in layered networks. */
    uint32_t n_nodes;          /* N, the bias node included */
    uint32_t rounds;           /* R >= 1 */
    const uint32_t *in_nodes;  /* (sizes[0]) the node input k is loaded into */
    const uint32_t *out_nodes; /* (sizes[1]) the node output k is read from */
    int32_t bias_node;         /* the node held at 1, or -1 */
    const rs_act *node_act;    /* f, the same for every node */
    const rs_real *mask;       /* (N, N) 1 where an edge may exist; the diagonal is 0 by default */
    rs_real *adj;              /* (N, N) A as the last forward computed it (read only: a rule
                                * changes A by changing params) */
    rs_real *dadj;             /* (N, N) dLoss/dA after net_backward */
    rs_real **s;               /* (R + 1): s[r] is the state after round r, (N, n) */
    rs_real **u;               /* (R + 1): u[r] = A s[r-1], (N, n); u[0] is NULL */
} rs_net;

typedef struct rs_batch {
    uint32_t n;        /* examples */
    uint32_t n_in;     /* = net->sizes[0] */
    uint32_t n_out;    /* = net->sizes[L] */
    uint32_t loss;     /* rs_loss_kind the task is scored with */
    const rs_real *x;  /* (n_in, n) feature-major */
    const rs_real *y;  /* (n_out, n) feature-major targets */
} rs_batch;

#endif
