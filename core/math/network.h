/* network.h: layered networks owned by the host: one block for weights, gradients and
 * activations; seeded initialisation; forward and backward passes. */
#ifndef RS_NETWORK_H
#define RS_NETWORK_H

#include <ruleset/net.h>

#include "rng.h"

typedef enum rs_init_kind {
    RS_INIT_PYTORCH = 0, /* nn.Linear's default: W and b ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in)) */
    RS_INIT_XAVIER = 1,  /* Glorot uniform W ~ U(+-sqrt(6/(fan_in+fan_out))), b = 0 */
    RS_INIT_NORMAL = 2,  /* W ~ N(0, sigma), b = 0 */
    RS_INIT_CONSTANT = 3, /* W = w, b = b */
    RS_INIT_GRADNET = 4   /* recurrent only: GradNet's raw-matrix init, docs/RULES.md */
} rs_init_kind;

typedef struct rs_init {
    int kind;        /* rs_init_kind */
    double sigma;    /* normal */
    double w, b;     /* constant */
    double rand;     /* gradnet: the random share a of P0 = (1 - a) base + a U(0, 1) */
} rs_init;

/* sizes (n_layers + 1); acts (n_layers), borrowed for the network's life. NULL on OOM. */
rs_net *rs_net_create(const uint32_t *sizes, uint32_t n_layers, const rs_act *const *acts,
                      int bias, uint32_t max_batch);
void rs_net_destroy(rs_net *net);
void rs_net_init(rs_net *net, const rs_init *init, rs_rng *rng);
/* Per-layer schemes: weight layer l (1..L) uses inits[l - 1]; n_inits must be 1 (every layer
 * the same, as rs_net_init) or L. Layers draw in order from one stream. */
void rs_net_init_layers(rs_net *net, const rs_init *inits, uint32_t n_inits, rs_rng *rng);
/* "pytorch", "xavier", "normal:sigma=0.1", "constant:w=0,b=1", "gradnet:rand=1e-9".
 * 0 ok, else message in err. */
int rs_init_parse(const char *text, rs_init *out, char *err, size_t err_size);

/* Both kinds (a recurrent net goes to recurrent.c; its forward here draws no noise: this is
 * the evaluation pass). */
rs_status rs_net_forward(rs_net *net, const rs_real *x, uint32_t n);
rs_status rs_net_backward(rs_net *net, const rs_real *d_out);
/* The net's (max layer size, max_batch) scratch: f'(z) during a backward pass (feedback.c). */
rs_real *rs_net_scratch(rs_net *net);
/* After a rule's step: a network's own constraints (a recurrent net's strict budget
 * renormalises P, as GradNet's fit does after every optimizer step). No-op for layered. */
void rs_net_post_update(rs_net *net);
/* Do all parameters hold finite values? */
int rs_net_finite(const rs_net *net);

#endif
