/* recurrent.c: see recurrent.h. The network is one struct with rs_net first (so the rs_net
 * pointer handed to rules is the struct's address) and separately allocated buffers: it is
 * created once per job, so the allocation count does not matter. */
#include "recurrent.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_fn.h"
#include "kernels.h"

typedef struct rnet {
    rs_net net;
    rs_recspec rs;
    uint32_t sizes[2];
    uint32_t *in_nodes, *out_nodes;
    rs_real *mask, *adj, *dadj;
    rs_real *xi;       /* (N, N) the last forward's noise; valid when `noisy` */
    rs_real *q;        /* (N, N) Q of the last forward */
    rs_real *d;        /* (N, N) D of the last forward */
    rs_real *tmp;      /* (N, N) scratch: one round's dLoss/dA */
    rs_real *g, *g2;   /* (N, max_batch) dLoss/ds of the round being undone, and of the one
                        * before */
    rs_real *zs[2], *as[2], *ds[2]; /* net->z, a, delta: [0] and [1] */
    rs_real **s, **u;
    double dof, snorm, k, dk_ds, pen_coef; /* of the last forward: s, k, dk/ds, dPen/ds */
    int noisy;
} rnet;

static rnet *R(rs_net *net) { return (rnet *)net; }
static const rnet *RC(const rs_net *net) { return (const rnet *)net; }

void rs_recspec_default(rs_recspec *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->nodes = 4;
    rs->rounds = 2;
    rs->directed = 1;
    rs->sign = RS_SIGN_FREE;
    rs->strict = 1;
    rs->norm_p = 1;
}

/* ---- layout -------------------------------------------------------------------------- */

static int check_list(const uint32_t *v, uint32_t n, uint32_t nodes, const char *what,
                      char *err, size_t err_size)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] >= nodes) {
            snprintf(err, err_size, "%s node %u does not exist: the nodes are 0..%u", what, v[i],
                     nodes - 1);
            return 1;
        }
        for (uint32_t j = 0; j < i; j++)
            if (v[j] == v[i]) {
                snprintf(err, err_size, "%s node %u is listed twice", what, v[i]);
                return 1;
            }
    }
    return 0;
}

/* The node lists for a task: the spec's, or inputs first and outputs last. */
static void layout(const rs_recspec *rs, uint32_t n_in, uint32_t n_out, uint32_t *in,
                   uint32_t *out)
{
    for (uint32_t k = 0; k < n_in; k++)
        in[k] = rs->n_inputs ? rs->inputs[k] : k;
    for (uint32_t k = 0; k < n_out; k++)
        out[k] = rs->n_outputs ? rs->outputs[k] : rs->nodes - n_out + k;
}

int rs_recspec_check(const rs_recspec *rs, uint32_t n_in, uint32_t n_out, char *err,
                     size_t err_size)
{
    if (rs->n_inputs && rs->n_inputs != n_in) {
        snprintf(err, err_size, "lists %u input nodes, but the task has %u inputs", rs->n_inputs,
                 n_in);
        return 1;
    }
    if (rs->n_outputs && rs->n_outputs != n_out) {
        snprintf(err, err_size, "lists %u output nodes, but the task has %u outputs",
                 rs->n_outputs, n_out);
        return 1;
    }
    if (n_in > RS_REC_MAX_NODES || n_out > RS_REC_MAX_NODES
        || (!rs->n_inputs && n_in > rs->nodes) || (!rs->n_outputs && n_out > rs->nodes)
        || (!rs->n_inputs && !rs->n_outputs && n_in + n_out > rs->nodes)) {
        snprintf(err, err_size, "%u nodes cannot hold the task's %u inputs and %u outputs as "
                 "separate nodes; give more nodes, or list \"inputs\" and \"outputs\"",
                 rs->nodes, n_in, n_out);
        return 1;
    }
    uint32_t *in = malloc((n_in + n_out + 1) * sizeof *in), *out = in ? in + n_in : NULL;
    if (!in) {
        snprintf(err, err_size, "out of memory");
        return 1;
    }
    layout(rs, n_in, n_out, in, out);
    int bad = check_list(in, n_in, rs->nodes, "input", err, err_size)
           || check_list(out, n_out, rs->nodes, "output", err, err_size);
    for (uint32_t i = 0; !bad && i < n_in; i++)
        for (uint32_t o = 0; !bad && o < n_out; o++)
            if (in[i] == out[o]) {
                snprintf(err, err_size, "node %u is both an input and an output; the inputs "
                         "are overwritten in round 1, so read the output elsewhere", in[i]);
                bad = 1;
            }
    free(in);
    return bad;
}

/* ---- create / destroy ---------------------------------------------------------------- */

void rs_rnet_destroy(rs_net *net)
{
    rnet *rn = R(net);
    if (!rn)
        return;
    free(rn->in_nodes);
    free(rn->mask);
    free(rn->adj);
    free(rn->dadj);
    free(rn->xi);
    free(rn->q);
    free(rn->d);
    free(rn->tmp);
    free(rn->g);
    free(rn->g2);
    free(net->params);
    free(net->grads);
    for (int i = 0; i < 2; i++) {
        free(rn->zs[i]);
        free(rn->as[i]);
        free(rn->ds[i]);
    }
    for (uint32_t r = 0; rn->s && r <= rn->rs.rounds; r++) {
        free(rn->s[r]);
        if (rn->u)
            free(rn->u[r]);
    }
    free(rn->s);
    free(rn->u);
    free(rn);
}

rs_net *rs_rnet_create(const rs_recspec *rs, uint32_t n_in, uint32_t n_out, const rs_act *act,
                       uint32_t max_batch)
{
    rnet *rn = calloc(1, sizeof *rn);
    if (!rn)
        return NULL;
    rn->rs = *rs;
    rs_net *net = &rn->net;
    uint32_t N = rs->nodes + (rs->bias_node ? 1 : 0), R_ = rs->rounds;
    size_t NN = (size_t)N * N, Nb = (size_t)N * max_batch;
    net->struct_size = sizeof(rs_net);
    net->kind = RS_NET_RECURRENT;
    net->n_layers = 1;
    net->max_batch = max_batch;
    rn->sizes[0] = n_in;
    rn->sizes[1] = n_out;
    net->sizes = rn->sizes;
    net->n_nodes = N;
    net->rounds = R_;
    net->bias_node = rs->bias_node ? (int32_t)rs->nodes : -1;
    net->node_act = act;
    net->n_params = NN;
    rn->in_nodes = malloc((n_in + n_out + 1) * sizeof(uint32_t));
    net->params = calloc(NN, sizeof(rs_real));
    net->grads = calloc(NN, sizeof(rs_real));
    rn->mask = calloc(NN, sizeof(rs_real));
    rn->adj = calloc(NN, sizeof(rs_real));
    rn->dadj = calloc(NN, sizeof(rs_real));
    rn->xi = calloc(NN, sizeof(rs_real));
    rn->q = calloc(NN, sizeof(rs_real));
    rn->d = calloc(NN, sizeof(rs_real));
    rn->tmp = calloc(NN, sizeof(rs_real));
    rn->g = calloc(Nb, sizeof(rs_real));
    rn->g2 = calloc(Nb, sizeof(rs_real));
    rn->zs[1] = calloc((size_t)n_out * max_batch, sizeof(rs_real));
    rn->as[0] = calloc((size_t)n_in * max_batch, sizeof(rs_real));
    rn->as[1] = calloc((size_t)n_out * max_batch, sizeof(rs_real));
    rn->ds[1] = calloc((size_t)n_out * max_batch, sizeof(rs_real));
    rn->s = calloc(R_ + 1, sizeof(rs_real *));
    rn->u = calloc(R_ + 1, sizeof(rs_real *));
    int bad = !rn->in_nodes || !net->params || !net->grads || !rn->mask || !rn->adj || !rn->dadj
           || !rn->xi || !rn->q || !rn->d || !rn->tmp || !rn->g || !rn->g2 || !rn->zs[1]
           || !rn->as[0] || !rn->as[1] || !rn->ds[1] || !rn->s || !rn->u;
    for (uint32_t r = 0; !bad && r <= R_; r++) {
        rn->s[r] = calloc(Nb, sizeof(rs_real));
        rn->u[r] = r ? calloc(Nb, sizeof(rs_real)) : NULL;
        bad = !rn->s[r] || (r && !rn->u[r]);
    }
    if (bad) {
        rs_rnet_destroy(net);
        return NULL;
    }
    rn->out_nodes = rn->in_nodes + n_in;
    layout(rs, n_in, n_out, rn->in_nodes, rn->out_nodes);
    net->in_nodes = rn->in_nodes;
    net->out_nodes = rn->out_nodes;
    net->z = rn->zs;
    net->a = rn->as;
    net->delta = rn->ds;
    net->s = rn->s;
    net->u = rn->u;
    net->adj = rn->adj;
    net->dadj = rn->dadj;
    net->mask = rn->mask;
    /* the mask: every edge but self-loops (unless asked) and edges into the bias node */
    double dof = 0;
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            int on = (i != j || rs->self_loops) && (int32_t)i != net->bias_node;
            rn->mask[(size_t)i * N + j] = (rs_real)on;
            dof += on && (rs->directed || j >= i);
        }
    rn->dof = dof;
    return net;
}

const rs_recspec *rs_rnet_spec(const rs_net *net) { return &RC(net)->rs; }
double rs_rnet_dof(const rs_net *net) { return RC(net)->dof; }

/* ---- the parameterisation ------------------------------------------------------------ */

static double frob(const rs_real *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s);
}

/* GradNet's renorm_params: ||P||_F -> sqrt(dof), skipped for a (near) zero P. */
static void renorm(rnet *rn)
{
    size_t NN = rn->net.n_params;
    double f = frob(rn->net.params, NN);
    if (f <= 1e-12)
        return;
    rs_real c = (rs_real)(sqrt(rn->dof) / f);
    for (size_t i = 0; i < NN; i++)
        rn->net.params[i] *= c;
}

void rs_rnet_post_update(rs_net *net)
{
    rnet *rn = R(net);
    if (rn->rs.has_budget && rn->rs.strict && rn->rs.penalty <= 0)
        renorm(rn);
}

void rs_rnet_init(rs_net *net, const rs_init *init, rs_rng *rng)
{
    rnet *rn = R(net);
    size_t NN = net->n_params;
    if (init->kind == RS_INIT_NORMAL) {
        for (size_t i = 0; i < NN; i++)
            net->params[i] = (rs_real)(init->sigma * rs_rng_normal(rng));
    } else if (init->kind == RS_INIT_CONSTANT) {
        for (size_t i = 0; i < NN; i++)
            net->params[i] = (rs_real)init->w;
    } else { /* gradnet: _init_raw_weights, then renorm_params */
        double a = init->kind == RS_INIT_GRADNET ? init->rand : 1;
        a = a < 0 ? 0 : a > 1 ? 1 : a;
        double base = rn->rs.strict ? 1 : 0;
        for (size_t i = 0; i < NN; i++)
            net->params[i] = (rs_real)((1 - a) * base + a * rs_rng_uniform(rng));
        renorm(rn);
    }
    rs_rnet_refresh_adj(net);
}

static double sgn(double x) { return (x > 0) - (x < 0); }

/* P -> A (recurrent.h), keeping Q, D, s and k for the backward pass. */
static void compute_adj(rnet *rn, rs_rng *noise)
{
    const rs_recspec *rs = &rn->rs;
    uint32_t N = rn->net.n_nodes;
    size_t NN = (size_t)N * N;
    const rs_real *P = rn->net.params;
    rn->noisy = noise && rs->noise > 0;
    if (rn->noisy) {
        rs_rng_fill_normal(noise, rn->xi, NN, 0, 1);
        double f = frob(rn->xi, NN);
        rs_real c = (rs_real)(f > 0 ? rs->noise * sqrt(rn->dof) / f : 0);
        for (size_t i = 0; i < NN; i++) {
            rn->xi[i] *= c;
            rn->tmp[i] = rs->noise_mult ? P[i] * (1 + rn->xi[i]) : P[i] + rn->xi[i];
        }
        P = rn->tmp;
    }
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            size_t ij = (size_t)i * N + j;
            rn->q[ij] = rs->directed ? P[ij] : (P[ij] + P[(size_t)j * N + i]) / 2;
        }
    double s = 0, p = rs->norm_p;
    for (size_t i = 0; i < NN; i++) {
        rs_real q = rn->q[i];
        rs_real e = rs->sign == RS_SIGN_FREE ? q : rs->sign == RS_SIGN_NONNEG ? q * q : -q * q;
        rn->d[i] = e * rn->mask[i];
        s += p == 1 ? fabs((double)rn->d[i]) : pow(fabs((double)rn->d[i]), p);
    }
    s = p == 1 ? s : pow(s, 1 / p);
    rn->snorm = s;
    rn->k = 1;
    rn->dk_ds = 0;
    rn->pen_coef = 0;
    if (rs->has_budget && rs->penalty > 0) {
        /* soft: d/ds of penalty * max(0, s - B)^2 */
        rn->pen_coef = s > rs->budget ? 2 * rs->penalty * (s - rs->budget) : 0;
    } else if (rs->has_budget) {
        double k = rs->budget / (s > 1e-8 ? s : 1e-8);
        if (rs->strict || k < 1) {
            rn->k = k;
            rn->dk_ds = s > 1e-8 ? -rs->budget / (s * s) : 0;
        }
    }
    for (size_t i = 0; i < NN; i++)
        rn->adj[i] = (rs_real)(rn->k * rn->d[i]);
}

void rs_rnet_refresh_adj(rs_net *net) { compute_adj(R(net), NULL); }

double rs_rnet_norm_d(const rs_net *net) { return RC(net)->snorm; }

double rs_rnet_norm_a(const rs_net *net) { return RC(net)->snorm * RC(net)->k; }

double rs_rnet_penalty(const rs_net *net)
{
    const rnet *rn = RC(net);
    double over = rn->snorm - rn->rs.budget;
    return rn->rs.has_budget && rn->rs.penalty > 0 && over > 0 ? rn->rs.penalty * over * over
                                                               : 0;
}

/* dLoss/dA (net->dadj) -> dLoss/dP (net->grads), the chain of compute_adj backwards. */
static void adj_backward(rnet *rn)
{
    const rs_recspec *rs = &rn->rs;
    uint32_t N = rn->net.n_nodes;
    size_t NN = (size_t)N * N;
    const rs_real *G = rn->dadj;
    rs_real *dq = rn->tmp, *dp = rn->net.grads;
    double gd = 0, p = rs->norm_p, s = rn->snorm;
    for (size_t i = 0; i < NN; i++)
        gd += (double)G[i] * rn->d[i];
    /* dLoss/dD = k G + (dk/ds (G . D) + dPen/ds) ds/dD, ds/dD = sign(D) (|D| / s)^(p-1) */
    double c = rn->dk_ds * gd + rn->pen_coef;
    for (size_t i = 0; i < NN; i++) {
        double dd = rn->k * G[i];
        if (c != 0 && rn->d[i] != 0)
            dd += c * sgn(rn->d[i]) * (p == 1 ? 1 : pow(fabs((double)rn->d[i]) / s, p - 1));
        dd *= rn->mask[i];
        rs_real q = rn->q[i];
        dq[i] = (rs_real)(rs->sign == RS_SIGN_FREE ? dd : rs->sign == RS_SIGN_NONNEG ? 2 * q * dd
                                                                                    : -2 * q * dd);
    }
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t j = 0; j < N; j++) {
            size_t ij = (size_t)i * N + j;
            dp[ij] = rs->directed ? dq[ij] : (dq[ij] + dq[(size_t)j * N + i]) / 2;
        }
    if (rn->noisy && rs->noise_mult)
        for (size_t i = 0; i < NN; i++)
            dp[i] *= 1 + rn->xi[i];
}

/* ---- forward and backward through the rounds ----------------------------------------- */

rs_status rs_rnet_forward(rs_net *net, const rs_real *x, uint32_t n, rs_rng *noise)
{
    rnet *rn = R(net);
    if (n > net->max_batch)
        return RS_ERR_SHAPE;
    uint32_t N = net->n_nodes, n_in = net->sizes[0], n_out = net->sizes[1];
    net->n = n;
    compute_adj(rn, noise);
    memcpy(net->a[0], x, (size_t)n_in * n * sizeof(rs_real));
    rs_real *s0 = net->s[0];
    memset(s0, 0, (size_t)N * n * sizeof(rs_real));
    for (uint32_t k = 0; k < n_in; k++)
        memcpy(s0 + (size_t)net->in_nodes[k] * n, x + (size_t)k * n, n * sizeof(rs_real));
    for (uint32_t r = 0; r <= net->rounds; r++) {
        if (r > 0) {
            rs_dense_forward(net->u[r], net->adj, NULL, net->s[r - 1], N, N, n);
            rs_act_forward(net->node_act, net->u[r], net->s[r], (size_t)N * n);
        }
        if (net->bias_node >= 0)
            for (uint32_t b = 0; b < n; b++)
                net->s[r][(size_t)net->bias_node * n + b] = 1;
    }
    for (uint32_t k = 0; k < n_out; k++) {
        size_t o = (size_t)net->out_nodes[k] * n;
        memcpy(net->z[1] + (size_t)k * n, net->u[net->rounds] + o, n * sizeof(rs_real));
        memcpy(net->a[1] + (size_t)k * n, net->s[net->rounds] + o, n * sizeof(rs_real));
    }
    return RS_OK;
}

rs_status rs_rnet_backward(rs_net *net, const rs_real *d_out)
{
    rnet *rn = R(net);
    uint32_t N = net->n_nodes, n = net->n, n_out = net->sizes[1];
    size_t Nn = (size_t)N * n, NN = (size_t)N * N;
    rs_real *g = rn->g, *gp = rn->g2;
    memset(g, 0, Nn * sizeof(rs_real));
    for (uint32_t k = 0; k < n_out; k++) /* dLoss/ds_R; two outputs may read one node */
        rs_axpy(n, 1, d_out + (size_t)k * n, g + (size_t)net->out_nodes[k] * n);
    memset(net->dadj, 0, NN * sizeof(rs_real));
    for (uint32_t r = net->rounds; r >= 1; r--) {
        /* du_r = ds_r * f'(u_r), in place in g; the bias node's state is held, not computed */
        rs_act_derivative(net->node_act, net->u[r], net->s[r], gp, Nn);
        for (size_t i = 0; i < Nn; i++)
            g[i] *= gp[i];
        if (net->bias_node >= 0)
            memset(g + (size_t)net->bias_node * n, 0, n * sizeof(rs_real));
        if (r == net->rounds)
            for (uint32_t k = 0; k < n_out; k++)
                for (uint32_t b = 0; b < n; b++)
                    net->delta[1][(size_t)k * n + b] = d_out[(size_t)k * n + b]
                        * gp[(size_t)net->out_nodes[k] * n + b];
        /* dA += du_r s_{r-1}^T;  ds_{r-1} = A^T du_r (not needed below round 1) */
        rs_dense_backward(rn->tmp, NULL, r > 1 ? gp : NULL, g, net->adj, net->s[r - 1], N, N, n);
        rs_axpy(NN, 1, rn->tmp, net->dadj);
        rs_real *t = g;
        g = gp;
        gp = t;
    }
    adj_backward(rn);
    return RS_OK;
}

/* ---- labels -------------------------------------------------------------------------- */

char rs_rnet_role(const rs_net *net, uint32_t node)
{
    if ((int32_t)node == net->bias_node)
        return 'b';
    for (uint32_t k = 0; k < net->sizes[0]; k++)
        if (net->in_nodes[k] == node)
            return 'i';
    for (uint32_t k = 0; k < net->sizes[1]; k++)
        if (net->out_nodes[k] == node)
            return 'o';
    return 'h';
}

void rs_rnet_label(const rs_net *net, uint32_t node, char *buf, size_t size)
{
    const rs_recspec *rs = &RC(net)->rs;
    if (node < rs->n_labels) {
        snprintf(buf, size, "%s", rs->labels[node]);
        return;
    }
    char role = rs_rnet_role(net, node);
    uint32_t rank = 0; /* among the nodes of its role, in node order */
    for (uint32_t i = 0; i < node; i++)
        rank += rs_rnet_role(net, i) == role;
    if (role == 'b')
        snprintf(buf, size, "1");
    else if (role == 'i' && net->sizes[0] <= 26)
        snprintf(buf, size, "%c", 'A' + (int)rank);
    else if (role == 'i')
        snprintf(buf, size, "I%u", rank);
    else if (rank == 0)
        snprintf(buf, size, "%s", role == 'h' ? "H" : "O");
    else
        snprintf(buf, size, "%s%u", role == 'h' ? "H" : "O", rank);
}
