/* network.c: see network.h. */
#include "network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_fn.h"
#include "kernels.h"
#include "recurrent.h"

/* The net, its layer table, sizes, pointer arrays and every buffer carved from one block. */
typedef struct net_block {
    rs_net net;
    void *mem;
    rs_real *scratch; /* (max layer size, max_batch): f'(z) during backward */
} net_block;

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; } /* 64-byte rows of floats */

rs_net *rs_net_create(const uint32_t *sizes, uint32_t n_layers, const rs_act *const *acts,
                      int bias, uint32_t max_batch)
{
    size_t n_params = 0, n_units = 0, widest = 0;
    for (uint32_t l = 1; l <= n_layers; l++)
        n_params += (size_t)sizes[l] * sizes[l - 1] + (bias ? sizes[l] : 0);
    for (uint32_t l = 0; l <= n_layers; l++) {
        n_units += align16((size_t)sizes[l] * max_batch);
        if (sizes[l] > widest)
            widest = sizes[l];
    }
    size_t reals = 2 * align16(n_params) + 3 * n_units + align16(widest * max_batch);
    size_t bytes = sizeof(net_block) + (n_layers + 1) * sizeof(uint32_t)
                 + n_layers * sizeof(rs_layer) + 3 * (n_layers + 1) * sizeof(rs_real *) + 64
                 + reals * sizeof(rs_real);
    char *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!mem)
        return NULL;
    memset(mem, 0, bytes);
    net_block *blk = (net_block *)mem;
    char *p = mem + sizeof(net_block);
    uint32_t *sz = (uint32_t *)p;
    p += (n_layers + 1) * sizeof(uint32_t);
    p = (char *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
    rs_layer *layers = (rs_layer *)p;
    p += n_layers * sizeof(rs_layer);
    rs_real **ptrs = (rs_real **)p;
    p += 3 * (n_layers + 1) * sizeof(rs_real *);
    rs_real *r = (rs_real *)(((uintptr_t)p + 63) & ~(uintptr_t)63);

    rs_net *net = &blk->net;
    blk->mem = mem;
    memcpy(sz, sizes, (n_layers + 1) * sizeof(uint32_t));
    net->struct_size = sizeof(rs_net);
    net->kind = RS_NET_LAYERED;
    net->n_layers = n_layers;
    net->max_batch = max_batch;
    net->sizes = sz;
    net->layers = layers;
    net->n_params = n_params;
    net->params = r;
    net->grads = r + align16(n_params);
    net->z = ptrs;
    net->a = ptrs + (n_layers + 1);
    net->delta = ptrs + 2 * (n_layers + 1);
    rs_real *buf = net->grads + align16(n_params);
    size_t off = 0;
    for (uint32_t l = 1; l <= n_layers; l++) {
        rs_layer *ly = &layers[l - 1];
        ly->n_in = sizes[l - 1];
        ly->n_out = sizes[l];
        ly->w = net->params + off;
        ly->dw = net->grads + off;
        off += (size_t)ly->n_out * ly->n_in;
        if (bias) {
            ly->b = net->params + off;
            ly->db = net->grads + off;
            off += ly->n_out;
        }
        ly->act = acts[l - 1];
    }
    for (uint32_t l = 0; l <= n_layers; l++) {
        size_t len = align16((size_t)sizes[l] * max_batch);
        net->a[l] = buf;
        buf += len;
        net->z[l] = l ? buf : NULL;
        buf += len;
        net->delta[l] = l ? buf : NULL;
        buf += len;
    }
    blk->scratch = buf;
    return net;
}

void rs_net_destroy(rs_net *net)
{
    if (net && net->kind == RS_NET_RECURRENT)
        rs_rnet_destroy(net);
    else if (net)
        free(((net_block *)net)->mem);
}

void rs_net_init(rs_net *net, const rs_init *init, rs_rng *rng)
{
    rs_net_init_layers(net, init, 1, rng);
}

void rs_net_init_layers(rs_net *net, const rs_init *inits, uint32_t n_inits, rs_rng *rng)
{
    if (net->kind == RS_NET_RECURRENT) { /* one matrix: one scheme */
        rs_rnet_init(net, inits, rng);
        return;
    }
    for (uint32_t l = 0; l < net->n_layers; l++) {
        const rs_init *init = &inits[n_inits == 1 ? 0 : l];
        rs_layer *ly = &net->layers[l];
        size_t nw = (size_t)ly->n_out * ly->n_in;
        double bound;
        switch (init->kind) {
        case RS_INIT_XAVIER:
            bound = sqrt(6.0 / (ly->n_in + ly->n_out));
            for (size_t i = 0; i < nw; i++)
                ly->w[i] = (rs_real)((2 * rs_rng_uniform(rng) - 1) * bound);
            if (ly->b)
                memset(ly->b, 0, ly->n_out * sizeof(rs_real));
            break;
        case RS_INIT_NORMAL:
            for (size_t i = 0; i < nw; i++)
                ly->w[i] = (rs_real)(init->sigma * rs_rng_normal(rng));
            if (ly->b)
                memset(ly->b, 0, ly->n_out * sizeof(rs_real));
            break;
        case RS_INIT_CONSTANT:
            for (size_t i = 0; i < nw; i++)
                ly->w[i] = (rs_real)init->w;
            for (uint32_t i = 0; ly->b && i < ly->n_out; i++)
                ly->b[i] = (rs_real)init->b;
            break;
        default: /* PyTorch: kaiming_uniform(a=sqrt(5)) gives exactly U(+-1/sqrt(fan_in)) */
            bound = 1.0 / sqrt((double)ly->n_in);
            for (size_t i = 0; i < nw; i++)
                ly->w[i] = (rs_real)((2 * rs_rng_uniform(rng) - 1) * bound);
            for (uint32_t i = 0; ly->b && i < ly->n_out; i++)
                ly->b[i] = (rs_real)((2 * rs_rng_uniform(rng) - 1) * bound);
            break;
        }
    }
}

int rs_init_parse(const char *text, rs_init *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    out->sigma = 0.1;
    if (strcmp(text, "pytorch") == 0) {
        out->kind = RS_INIT_PYTORCH;
        return 0;
    }
    if (strcmp(text, "xavier") == 0) {
        out->kind = RS_INIT_XAVIER;
        return 0;
    }
    out->rand = 1; /* GradNet's rand_init_weights=True */
    const char *rest = NULL;
    if (strncmp(text, "normal", 6) == 0 && (text[6] == '\0' || text[6] == ':')) {
        out->kind = RS_INIT_NORMAL;
        rest = text[6] ? text + 7 : "";
    } else if (strncmp(text, "constant", 8) == 0 && (text[8] == '\0' || text[8] == ':')) {
        out->kind = RS_INIT_CONSTANT;
        rest = text[8] ? text + 9 : "";
    } else if (strncmp(text, "gradnet", 7) == 0 && (text[7] == '\0' || text[7] == ':')) {
        out->kind = RS_INIT_GRADNET;
        rest = text[7] ? text + 8 : "";
    } else {
        snprintf(err, err_size, "unknown init '%s'; use pytorch, xavier, normal:sigma=S, "
                                "constant:w=W,b=B or (recurrent) gradnet:rand=A",
                 text);
        return 1;
    }
    while (*rest) {
        char key[16];
        double v;
        int used = 0;
        if (sscanf(rest, "%15[a-z]=%lf%n", key, &v, &used) != 2) {
            snprintf(err, err_size, "init '%s': expected key=number after ':'", text);
            return 1;
        }
        if (out->kind == RS_INIT_NORMAL && strcmp(key, "sigma") == 0 && v >= 0)
            out->sigma = v;
        else if (out->kind == RS_INIT_CONSTANT && strcmp(key, "w") == 0)
            out->w = v;
        else if (out->kind == RS_INIT_CONSTANT && strcmp(key, "b") == 0)
            out->b = v;
        else if (out->kind == RS_INIT_GRADNET && strcmp(key, "rand") == 0 && v >= 0 && v <= 1)
            out->rand = v;
        else {
            snprintf(err, err_size, "init '%s': unknown or invalid '%s'", text, key);
            return 1;
        }
        rest += used;
        if (*rest == ',')
            rest++;
    }
    return 0;
}

rs_status rs_net_forward(rs_net *net, const rs_real *x, uint32_t n)
{
    if (net->kind == RS_NET_RECURRENT)
        return rs_rnet_forward(net, x, n, NULL);
    if (n > net->max_batch)
        return RS_ERR_SHAPE;
    net->n = n;
    memcpy(net->a[0], x, (size_t)net->sizes[0] * n * sizeof(rs_real));
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_dense_forward(net->z[l], ly->w, ly->b, net->a[l - 1], ly->n_out, ly->n_in, n);
        rs_act_forward(ly->act, net->z[l], net->a[l], (size_t)ly->n_out * n);
    }
    return RS_OK;
}

rs_status rs_net_backward(rs_net *net, const rs_real *d_out)
{
    if (net->kind == RS_NET_RECURRENT)
        return rs_rnet_backward(net, d_out);
    uint32_t n = net->n, L = net->n_layers;
    size_t len = (size_t)net->sizes[L] * n;
    /* delta_L = dL/da_L * f'(z_L) */
    rs_real *d = net->delta[L];
    rs_act_derivative(net->layers[L - 1].act, net->z[L], net->a[L], d, len);
    for (size_t i = 0; i < len; i++)
        d[i] *= d_out[i];
    for (uint32_t l = L; l >= 1; l--) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_real *da = l > 1 ? net->delta[l - 1] : NULL;
        rs_dense_backward(ly->dw, ly->db, da, net->delta[l], ly->w, net->a[l - 1], ly->n_out,
                          ly->n_in, n);
        if (da) { /* delta_{l-1} = (W^T delta_l) * f'(z_{l-1}) */
            size_t m = (size_t)ly->n_in * n;
            rs_real *fp = ((net_block *)net)->scratch;
            rs_act_derivative(net->layers[l - 2].act, net->z[l - 1], net->a[l - 1], fp, m);
            for (size_t i = 0; i < m; i++)
                da[i] *= fp[i];
        }
    }
    return RS_OK;
}

rs_real *rs_net_scratch(rs_net *net) { return ((net_block *)net)->scratch; }

void rs_net_post_update(rs_net *net)
{
    if (net->kind == RS_NET_RECURRENT)
        rs_rnet_post_update(net);
}

int rs_net_finite(const rs_net *net)
{
    rs_real acc = 0;
    for (size_t i = 0; i < net->n_params; i++)
        acc += net->params[i] * 0; /* NaN/Inf survive multiplication by zero; finite gives 0 */
    return acc == 0;
}
