/* oja.c: Oja's normalised Hebbian rule (Oja 1982, "A simplified neuron model as a principal
 * component analyzer", J. Math. Biology 15:267; docs/RULES.md), with Sanger's (1989,
 * Neural Networks 2:459) and Oja's subspace (1989) multi-unit forms.
 *
 * Every hidden layer (and the output layer with readout=none), post y = a_l, pre x = a_{l-1}:
 *   single    Δw_ij = η y_i (x_j - y_i w_ij)                 each unit alone: the top PC
 *   sanger    Δw_ij = η y_i (x_j - sum_{k<=i} y_k w_kj)      ordered PCs
 *   subspace  Δw_ij = η y_i (x_j - sum_k y_k w_kj)           spans the top-k subspace
 * as the batch mean, i.e. ΔW = (η/n) (Y X^T - C W) with C = Y Y^T masked to its diagonal,
 * lower triangle or nothing. The bias is the weight from an input clamped to 1 and learns by
 * the same formula (Δb = (η/n)(sum_b y - C b)). For a linear unit (act identity) on centred
 * inputs and small η the weight vector converges to the unit-norm top eigenvector of E[x x^T]
 * (the test); with another f it is "Oja on f(z)" and no longer exact PCA.
 * Oja's rule is unsupervised: on a task the output layer learns by `readout` (docs/RULES.md
 * 1.3: a feature learner under a supervised readout): the delta rule on the task loss (plain
 * SGD on the last layer), clamped Hebb, or none. Optional hard clip as in hebbian.c. */
#include "local_rules.h"

enum { FORM_SINGLE, FORM_SANGER, FORM_SUBSPACE };

typedef struct oja_state {
    rs_rule_base base;
    int form, readout;
    rs_real lr, readout_lr, clip;
    rs_real *c;        /* single: (n_l) diag Y Y^T; sanger: (n_l, n_l) lower triangle of Y Y^T;
                        * subspace: (n, n_{l-1} + 1) Y^T [W b] */
    rs_real *d_pred;   /* (n_L, max_batch) */
    rs_real *delta;    /* (n_L, max_batch) */
} oja_state;

static const rs_param_spec oja_params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 100,
      .help = "learning rate η; keep well below 1/lambda_max of the input covariance" },
    { .name = "form", .type = RS_PARAM_CHOICE, .def_str = "single",
      .choices = "single|sanger|subspace",
      .help = "each unit alone (Oja 1982), Sanger's ordered PCs, or Oja's subspace rule" },
    LR_READOUT_PARAMS,
    { .name = "clip", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6,
      .help = "clip every Oja-learning weight to [-c, c]; 0 = none" },
    { 0 }
};

static rs_status oja_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)task;
    *state_out = NULL;
    rs_status st = rs_rule_layered_only(host, ctx, net, "oja", 0);
    if (st != RS_OK)
        return st;
    const char *form = host->param_str(p, "form");
    oja_state t = {
        .base.host = host,
        .form = form[1] == 'i' ? FORM_SINGLE : form[1] == 'a' ? FORM_SANGER : FORM_SUBSPACE,
        .readout = lr_readout_kind(host, p),
        .lr = (rs_real)host->param_real(p, "lr"),
        .readout_lr = (rs_real)host->param_real(p, "readout_lr"),
        .clip = (rs_real)host->param_real(p, "clip"),
    };
    const size_t w = lr_max_width(net), nb = net->max_batch;
    const size_t out = (size_t)net->sizes[net->n_layers] * nb;
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.c, w * w > nb * (w + 1) ? w * w : nb * (w + 1));
    rs_block_reals(&b, &t.d_pred, out);
    rs_block_reals(&b, &t.delta, out);
    *state_out = rs_block_alloc(host, ctx, &b, &t, sizeof t, "oja");
    return *state_out ? RS_OK : RS_ERR_NOMEM;
}

/* One layer's Oja update from post y (n_out, n) and pre x (n_in, n). */
static void oja_layer(oja_state *s, rs_layer *ly, const rs_real *y, const rs_real *x, uint32_t n)
{
    const rs_host *h = s->base.host;
    const uint32_t m = ly->n_out;
    const rs_real alpha = s->lr / (rs_real)n;
    if (s->form == FORM_SINGLE) { /* C is diagonal: sum_b y_i^2, no m x m product needed */
        for (uint32_t i = 0; i < m; i++) {
            rs_real yy = 0;
            for (uint32_t b = 0; b < n; b++)
                yy += y[(size_t)i * n + b] * y[(size_t)i * n + b];
            s->c[i] = yy;
        }
    } else if (s->form == FORM_SANGER) {
        h->gemm(0, 1, m, m, n, 1, y, n, y, n, 0, s->c, m); /* C = Y Y^T, lower triangle */
        for (uint32_t i = 0; i < m; i++)
            for (uint32_t k = i + 1; k < m; k++)
                s->c[(size_t)i * m + k] = 0;
    } else { /* subspace: C W = Y (Y^T W), never the m x m product; c holds Y^T [W b] */
        h->gemm(1, 0, n, ly->n_in, m, 1, y, n, ly->w, ly->n_in, 0, s->c, ly->n_in);
        for (uint32_t b = 0; ly->b && b < n; b++) {
            rs_real t = 0;
            for (uint32_t k = 0; k < m; k++)
                t += y[(size_t)k * n + b] * ly->b[k];
            s->c[(size_t)n * ly->n_in + b] = t;
        }
    }
    lr_outer(h, alpha, y, x, m, ly->n_in, n, ly->dw); /* (η/n) Y X^T */
    if (s->form == FORM_SINGLE) {
        for (uint32_t i = 0; i < m; i++)
            for (uint32_t j = 0; j < ly->n_in; j++)
                ly->dw[(size_t)i * ly->n_in + j] -= alpha * s->c[i] * ly->w[(size_t)i * ly->n_in + j];
    } else if (s->form == FORM_SANGER) { /* - (η/n) C W */
        h->gemm(0, 0, m, ly->n_in, m, -alpha, s->c, m, ly->w, ly->n_in, 1, ly->dw, ly->n_in);
    } else { /* - (η/n) Y (Y^T W) */
        h->gemm(0, 0, m, ly->n_in, n, -alpha, y, n, s->c, ly->n_in, 1, ly->dw, ly->n_in);
    }
    if (ly->b) {
        lr_rowsum(alpha, y, m, n, ly->db);
        for (uint32_t i = 0; i < m; i++) {
            rs_real cb = 0;
            if (s->form == FORM_SINGLE)
                cb = s->c[i] * ly->b[i];
            else if (s->form == FORM_SANGER)
                for (uint32_t k = 0; k < m; k++)
                    cb += s->c[(size_t)i * m + k] * ly->b[k];
            else
                for (uint32_t b = 0; b < n; b++)
                    cb += y[(size_t)i * n + b] * s->c[(size_t)n * ly->n_in + b];
            ly->db[i] -= alpha * cb;
        }
    }
    /* every change is computed from the weights before it: apply only now */
    lr_apply(ly->w, ly->dw, (size_t)m * ly->n_in, s->clip, 0);
    if (ly->b)
        lr_apply(ly->b, ly->db, m, s->clip, 0);
}

static rs_status oja_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                          rs_step_stats *stats)
{
    oja_state *s = state;
    const rs_host *h = s->base.host;
    const uint32_t L = net->n_layers, n = batch->n;
    rs_status st = h->net_forward(ctx, net, batch->x, n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(batch->loss, net->a[L], batch->y, batch->n_out, n, NULL);
    stats->has_loss = 1;
    /* the readout first: it reads a_{L-1} and W_L of this forward pass, which the Oja updates
     * below do not touch (they change W_1..W_{L-1}, or W_L itself when readout=none) */
    if (s->readout != LR_READOUT_NONE)
        lr_readout(h, net, batch, s->readout, s->readout_lr, s->clip, s->d_pred, s->delta);
    const uint32_t top = s->readout == LR_READOUT_NONE ? L : L - 1;
    for (uint32_t l = 1; s->lr > 0 && l <= top; l++) /* lr 0: the frozen-features control */
        oja_layer(s, &net->layers[l - 1], net->a[l], net->a[l - 1], n);
    return RS_OK;
}

static const rs_rule_desc oja = {
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
    .head.name = "oja",
    .head.version = "1.0.0",
    .head.summary = "Oja's normalised Hebbian rule (PCA) under a supervised readout",
    .head.citation = "Oja (1982) J. Math. Biology 15:267-273; Sanger (1989) Neural Networks "
                     "2:459-473",
    .head.params = oja_params,
    .create = oja_create,
    .step = oja_step,
    .destroy = rs_rule_destroy,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &oja.head : NULL;
}
