/* recurrent.h: learnable-adjacency recurrent networks (kind RS_NET_RECURRENT; net.h has the
 * dynamics) with the GradNet parameterisation of A (docs/RULES.md, package gradnet v0.4.1):
 *
 *   P' = P + xi  or  P (1 + xi)   training forwards only, xi Gaussian rescaled to
 *                                 Frobenius norm noise * sqrt(dof), fresh every forward
 *   Q  = P'  or  (P' + P'^T) / 2  directed or not
 *   D  = mask (.) g(Q)            g: free Q, nonnegative Q^2, nonpositive -Q^2
 *   s  = (sum |D|^p)^(1/p)        p = norm (GradNet's cost_aggr_norm; costs are all 1)
 *   A  = k D,  k = B / max(s, 1e-8), and min(k, 1) when not strict     (hard budget)
 *   A  = D,    loss += penalty * max(0, s - B)^2                        (soft budget, ours)
 *   A  = D                                                              (no budget)
 *
 * P is initialised GradNet's way ("gradnet:rand=a": P0 = (1 - a) base + a U(0,1), base 1 when
 * strict else 0, then rescaled to ||P||_F = sqrt(dof)) or as normal / constant values; after
 * every update a strict budget rescales P back to ||P||_F = sqrt(dof) (GradNet's fit does the
 * same; the output does not depend on P's scale, only the noise's relative size does). dof is
 * the number of free entries of the mask (directed) or of its upper triangle (undirected). */
#ifndef RS_RECURRENT_H
#define RS_RECURRENT_H

#include <ruleset/net.h>

#include "network.h"
#include "rng.h"

#define RS_REC_MAX_IO 64     /* explicit input/output node lists and labels */
#define RS_REC_MAX_NODES 4096

typedef enum rs_sign { RS_SIGN_FREE = 0, RS_SIGN_NONNEG = 1, RS_SIGN_NONPOS = 2 } rs_sign;

typedef struct rs_recspec {
    uint32_t nodes;          /* ordinary nodes: inputs, hidden, outputs (the bias node is extra) */
    uint32_t rounds;
    int bias_node;           /* add node `nodes`, held at 1, with no incoming edges */
    int self_loops;          /* keep the mask's diagonal (GradNet always zeroes it) */
    int directed;            /* 0: Q = (P' + P'^T) / 2, so A is symmetric */
    int sign;                /* rs_sign */
    int has_budget;
    double budget;           /* B */
    int strict;              /* hard budget onto ||A|| = B (1) or only down to it (0) */
    double penalty;          /* > 0: the soft budget instead of the rescaling */
    double norm_p;           /* p >= 1 of the budget norm */
    double noise;            /* sigma of the training-forward noise; 0 = none */
    int noise_mult;          /* 0 additive, 1 multiplicative */
    uint32_t n_inputs, n_outputs; /* 0 = the default layout: the first and the last nodes */
    uint32_t inputs[RS_REC_MAX_IO], outputs[RS_REC_MAX_IO];
    uint32_t n_labels;       /* 0 = A, B, ... for inputs, H, H1, ... hidden, O, O1, ... out */
    char labels[RS_REC_MAX_IO][16];
} rs_recspec;

/* GradNet's defaults: directed, free sign, strict, p = 1, no budget, no noise, 2 rounds. */
void rs_recspec_default(rs_recspec *rs);
/* Can it run a task of n_in inputs and n_out outputs? 0, or one line in err. */
int rs_recspec_check(const rs_recspec *rs, uint32_t n_in, uint32_t n_out, char *err,
                     size_t err_size);
/* The net (kind RS_NET_RECURRENT) for a task; rs is copied; act is borrowed for the net's
 * life. P = 0. NULL on no memory (the spec must have passed rs_recspec_check). */
rs_net *rs_rnet_create(const rs_recspec *rs, uint32_t n_in, uint32_t n_out, const rs_act *act,
                       uint32_t max_batch);
void rs_rnet_destroy(rs_net *net);
const rs_recspec *rs_rnet_spec(const rs_net *net);
/* gradnet, normal (P ~ N(0, sigma)) or constant (P = w); pytorch and xavier act like gradnet
 * (the spec refuses them). */
void rs_rnet_init(rs_net *net, const rs_init *init, rs_rng *rng);
/* The forward of net.h; `noise` is the stream the training noise is drawn from, or NULL for a
 * noise-free (evaluation) pass. RS_ERR_SHAPE when n > max_batch. */
rs_status rs_rnet_forward(rs_net *net, const rs_real *x, uint32_t n, rs_rng *noise);
/* dLoss/dA into net->dadj and dLoss/dP (plus the soft penalty's gradient) into net->grads. */
rs_status rs_rnet_backward(rs_net *net, const rs_real *d_out);
void rs_rnet_post_update(rs_net *net);
/* Recompute net->adj from params without noise (as an evaluation forward would). */
void rs_rnet_refresh_adj(rs_net *net);
/* Of the last forward: the budget norm s = ||D||_p of the unscaled matrix, ||A||_p, and the
 * soft penalty's value (0 without one). */
double rs_rnet_norm_d(const rs_net *net);
double rs_rnet_norm_a(const rs_net *net);
double rs_rnet_penalty(const rs_net *net);
/* Free entries of the mask (directed) or of its upper triangle and diagonal (undirected). */
double rs_rnet_dof(const rs_net *net);
/* The label of node i: the spec's, or the default scheme ("1" for the bias node). */
void rs_rnet_label(const rs_net *net, uint32_t node, char *buf, size_t size);
/* "recurrent" role of node i: 'i'nput, 'h'idden, 'o'utput, 'b'ias. */
char rs_rnet_role(const rs_net *net, uint32_t node);

#endif
