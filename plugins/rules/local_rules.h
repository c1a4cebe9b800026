/* local_rules.h: the machinery shared by the local learning rules of this folder (hebbian, oja,
 * bcm, feedback_alignment, direct_feedback_alignment, sign_symmetry, node_perturbation,
 * weight_perturbation), included by each so that every rule stays one self-contained .so
 * (plugins link nothing but libc/libm; the tasks share truth_table.h the same way).
 * Everything is static inline, so a rule compiles only what it uses.
 *
 * Conventions (docs/RULES.md): layers 0..L, W_l is (n_l, n_{l-1}) row-major, activations and
 * batches are feature-major (unit i of example b at [i * n + b]). A bias is treated as the
 * weight from a unit clamped to 1, so every Hebbian-type rule updates it with pre = 1. */
#ifndef RS_RULES_LOCAL_RULES_H
#define RS_RULES_LOCAL_RULES_H

#include <math.h>
#include <string.h>

#include <ruleset/plugin.h>
#include <ruleset/rule_util.h>

/* Per-layer pointer arrays are indexed by layer 0..L; 18 covers the spec's 16 hidden layers. */
#define LR_MAX_LAYERS 18

/* The parameter-table entries of every rule that descends a loss through an optimizer. */
#define LR_LOSS_PARAM                                                                         \
    { .name = "loss", .type = RS_PARAM_CHOICE, .def_str = "task", .choices = "task|mse|bce|ce", \
      .help = "training loss: the task's own, mean squared error, binary or softmax "         \
              "cross-entropy" }
#define LR_OPTIM_PARAMS                                                                       \
    { .name = "optimizer", .type = RS_PARAM_CHOICE, .def_str = "sgd", .choices = "sgd|adam",  \
      .help = "torch.optim.SGD or torch.optim.Adam (betas 0.9, 0.999, eps 1e-8)" },           \
    { .name = "momentum", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,                  \
      .help = "SGD heavy-ball momentum (0 = plain SGD)" }

/* The readout of the unsupervised rules (oja, bcm): what teaches the output layer. */
#define LR_READOUT_PARAMS                                                                     \
    { .name = "readout", .type = RS_PARAM_CHOICE, .def_str = "delta",                         \
      .choices = "delta|hebbian|none",                                                        \
      .help = "output layer: delta rule on the task loss, clamped Hebb (lr t a^T), or the "   \
              "unsupervised rule like every layer" },                                         \
    { .name = "readout_lr", .type = RS_PARAM_REAL, .def = 0.1, .lo = 0, .hi = 100,            \
      .help = "learning rate of the delta or Hebbian readout" }

/* The loss a rule trains with: the "loss" choice resolved against the task's own. */
static inline uint32_t lr_loss_kind(const rs_host *host, const rs_params *p,
                                    const rs_task_info *task)
{
    const char *loss = host->param_str(p, "loss");
    return loss[0] == 't' ? task->loss : loss[0] == 'm' ? RS_LOSS_MSE
         : loss[0] == 'b' ? RS_LOSS_BCE : RS_LOSS_SOFTMAX_CE;
}

/* An optimizer over the whole parameter vector from the "lr", "optimizer" and "momentum"
 * parameters (Adam with torch's defaults). NULL on no memory. */
static inline rs_optim *lr_optim_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                                        size_t n_params)
{
    rs_optim_config cfg = {
        .kind = host->param_str(p, "optimizer")[0] == 'a' ? RS_OPTIM_ADAM : RS_OPTIM_SGD,
        .lr = host->param_real(p, "lr"),
        .momentum = host->param_real(p, "momentum"),
        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0,
    };
    return host->optim_create(ctx, &cfg, n_params);
}

/* *state_out = state (a one-block state starting with rs_rule_base, or NULL when its
 * allocation failed) with lr_optim_create's optimizer; on failure the state is freed and
 * *state_out is NULL. */
static inline rs_status lr_with_optim(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                                      const rs_net *net, void *state, const char *rule,
                                      void **state_out)
{
    *state_out = NULL;
    rs_rule_base *b = (rs_rule_base *)state;
    if (!b)
        return RS_ERR_NOMEM;
    if (!(b->opt = lr_optim_create(host, ctx, p, net->n_params))) {
        rs_rule_destroy(b, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for %s's optimizer", rule);
    }
    *state_out = b;
    return RS_OK;
}

/* The widest layer of a network (for scratch sizes). */
static inline uint32_t lr_max_width(const rs_net *net) { return rs_net_widest(net); }

/* Forward pass of n examples x (n_0, n) into caller buffers z[l], a[l] (n_l, n), l = 1..L,
 * adding noise[l] (n_l, n) to z_l before the activation when noise and noise[l] are not NULL
 * (node perturbation's noisy pass). z_l = b_l + W_l a_{l-1} + xi_l, a_l = f_l(z_l). */
static inline void lr_forward(const rs_host *host, const rs_net *net, const rs_real *x,
                              uint32_t n, rs_real *const *noise, rs_real **z, rs_real **a)
{
    const rs_real *in = x;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        rs_real *zl = z[l];
        for (uint32_t i = 0; i < ly->n_out; i++)
            for (uint32_t b = 0; b < n; b++)
                zl[(size_t)i * n + b] = ly->b ? ly->b[i] : 0;
        host->gemm(0, 0, ly->n_out, n, ly->n_in, 1, ly->w, ly->n_in, in, n, 1, zl, n);
        if (noise && noise[l])
            host->axpy((size_t)ly->n_out * n, 1, noise[l], zl);
        host->act_forward(ly->act, zl, a[l], (size_t)ly->n_out * n);
        in = a[l];
    }
}

/* loss_b of each example b of pred, y (n_out, n): the task loss of that column alone, averaged
 * as PyTorch averages it, so the batch loss is their mean. col (2 * n_out) is scratch. */
static inline void lr_example_losses(const rs_host *host, uint32_t kind, const rs_real *pred,
                                     const rs_real *y, uint32_t n_out, uint32_t n, rs_real *col,
                                     double *out)
{
    for (uint32_t b = 0; b < n; b++) {
        for (uint32_t i = 0; i < n_out; i++) {
            col[i] = pred[(size_t)i * n + b];
            col[n_out + i] = y[(size_t)i * n + b];
        }
        out[b] = host->loss(kind, col, col + n_out, n_out, 1, NULL);
    }
}

/* count values ~ U(-scale / sqrt(fan), +scale / sqrt(fan)), drawn with ONE
 * host->rng_fill_uniform call: PyTorch's default init scale for a layer of fan inputs. */
static inline void lr_fill_fan(const rs_host *host, rs_ctx *ctx, rs_real *dst, size_t count,
                               uint32_t fan, double scale)
{
    const rs_real bound = (rs_real)(scale / sqrt((double)fan));
    host->rng_fill_uniform(ctx, dst, count, -bound, bound);
}

/* A fixed random feedback matrix (rows, cols): entries ~ U(+-scale / sqrt(rows)), the
 * PyTorch-default scale of the forward matrix (cols, rows) it stands in for. Tests replay
 * this draw. */
static inline void lr_fill_feedback(const rs_host *host, rs_ctx *ctx, rs_real *dst, uint32_t rows,
                                    uint32_t cols, double scale)
{
    lr_fill_fan(host, ctx, dst, (size_t)rows * cols, rows, scale);
}

/* dst (n_out, n_in) = alpha * post (n_out, n) pre (n_in, n)^T: the batch sum of outer
 * products. */
static inline void lr_outer(const rs_host *host, rs_real alpha, const rs_real *post,
                            const rs_real *pre, uint32_t n_out, uint32_t n_in, uint32_t n,
                            rs_real *dst)
{
    host->gemm(0, 1, n_out, n_in, n, alpha, post, n, pre, n, 0, dst, n_in);
}

/* dst (n_out) = alpha * the batch sum of each row of post (n_out, n): a bias's outer product
 * with the constant input 1. */
static inline void lr_rowsum(rs_real alpha, const rs_real *post, uint32_t n_out, uint32_t n,
                             rs_real *dst)
{
    for (uint32_t i = 0; i < n_out; i++) {
        rs_real s = 0;
        for (uint32_t b = 0; b < n; b++)
            s += post[(size_t)i * n + b];
        dst[i] = alpha * s;
    }
}

/* w += dw over count values with docs/RULES.md's bounds: soft > 0 scales the change by
 * (soft - |w|) (004's hebbian_forward, max_weight - |w|); clip > 0 then clips w to
 * [-clip, clip] (004's clamp). 0 turns either off. */
static inline void lr_apply(rs_real *w, const rs_real *dw, size_t count, rs_real clip,
                            rs_real soft)
{
    for (size_t k = 0; k < count; k++) {
        rs_real v = w[k] + (soft > 0 ? dw[k] * (soft - fabsf(w[k])) : dw[k]);
        if (clip > 0)
            v = v > clip ? clip : v < -clip ? -clip : v;
        w[k] = v;
    }
}

/* delta_L = dLoss/da_L * f_L'(z_L) into d (n_L, n), after a forward pass that left z_L, a_L;
 * d_pred (n_L, n) holds dLoss/da_L. */
static inline void lr_output_delta(const rs_host *host, const rs_net *net, const rs_real *z,
                                   const rs_real *a, const rs_real *d_pred, uint32_t n,
                                   rs_real *d)
{
    const uint32_t L = net->n_layers;
    const size_t len = (size_t)net->sizes[L] * n;
    host->act_derivative(net->layers[L - 1].act, z, a, d, len);
    for (size_t k = 0; k < len; k++)
        d[k] *= d_pred[k];
}

/* ---- the feedback-alignment family (feedback_alignment, direct_feedback_alignment,
 * sign_symmetry): backprop's forward pass and output delta, a different matrix in place of
 * W^T on the way down. They share this state and its lifecycle; the backward pass is the
 * host's (host->net_backward_feedback), each rule's file gives its feedback matrices. ---- */

/* Which feedback matrices a rule keeps: fb[l] (rows[l], cols[l]) for each l with rows[l] > 0,
 * drawn at create when fan[l] > 0 (lr_fill_feedback's U(+-s/sqrt(fan)), s = feedback_scale),
 * in layer order l = 1..L; plus `work` reals of scratch. */
typedef struct lr_fb_shape {
    uint32_t rows[LR_MAX_LAYERS], cols[LR_MAX_LAYERS], fan[LR_MAX_LAYERS];
    size_t work;
} lr_fb_shape;

typedef struct lr_fb_state {
    rs_rule_base base;             /* the host and the optimizer */
    uint32_t loss;                 /* rs_loss_kind */
    int mode;                      /* the rule's own choice (feedback=..., mode=...) */
    double scale;                  /* feedback_scale */
    rs_real *d_pred;               /* (n_L, max_batch) dLoss/da_L */
    rs_real *fb[LR_MAX_LAYERS];    /* as lr_fb_shape says; NULL where rows[l] = 0 */
    rs_real *work;                 /* lr_fb_shape.work reals, or NULL */
} lr_fb_state;

/* The state of a rule of the family on net, in one block; mode is the rule's parsed choice.
 * The parameters read: lr, loss, optimizer, momentum, feedback_scale. */
static inline rs_status lr_fb_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                                     const rs_net *net, const rs_task_info *task,
                                     const char *rule, int mode, const lr_fb_shape *shape,
                                     void **state_out)
{
    *state_out = NULL;
    const uint32_t L = net->n_layers;
    const size_t nb = net->max_batch;
    lr_fb_state t = { .base.host = host, .loss = lr_loss_kind(host, p, task), .mode = mode,
                      .scale = host->param_real(p, "feedback_scale") };
    rs_block b;
    rs_block_init(&b, sizeof t);
    rs_block_reals(&b, &t.d_pred, (size_t)net->sizes[L] * nb);
    for (uint32_t l = 1; l <= L; l++) {
        if (shape->rows[l])
            rs_block_reals(&b, &t.fb[l], (size_t)shape->rows[l] * shape->cols[l]);
    }
    if (shape->work)
        rs_block_reals(&b, &t.work, shape->work);
    rs_status st = lr_with_optim(host, ctx, p, net, rs_block_alloc(host, ctx, &b, &t, sizeof t,
                                                                   rule), rule, state_out);
    if (st != RS_OK)
        return st;
    lr_fb_state *s = (lr_fb_state *)*state_out;
    for (uint32_t l = 1; l <= L; l++)
        if (shape->rows[l] && shape->fan[l])
            lr_fill_fan(host, ctx, s->fb[l], (size_t)shape->rows[l] * shape->cols[l],
                        shape->fan[l], s->scale);
    return RS_OK;
}

/* ---- the readout of the unsupervised rules --------------------------------------------- */

enum { LR_READOUT_DELTA, LR_READOUT_HEBBIAN, LR_READOUT_NONE };

static inline int lr_readout_kind(const rs_host *host, const rs_params *p)
{
    const char *r = host->param_str(p, "readout");
    return r[0] == 'd' ? LR_READOUT_DELTA : r[0] == 'h' ? LR_READOUT_HEBBIAN : LR_READOUT_NONE;
}

/* Teach the output layer W_L after a forward pass of the batch (net->z, net->a):
 *   delta    W_L -= lr delta_L a_{L-1}^T, b_L -= lr sum_b delta_L, with delta_L the task loss's
 *            dLoss/dz_L (plain SGD on the last layer: the delta rule / LMS, Widrow & Hoff 1960)
 *   hebbian  W_L += (lr / n) t a_{L-1}^T, b_L += (lr / n) sum_b t: the output clamped to the
 *            target (docs/RULES.md), then clipped to [-clip, clip] when clip > 0
 * d_pred, delta: (n_L, n) scratch. The change is staged in the layer's gradient slots. */
static inline void lr_readout(const rs_host *h, rs_net *net, const rs_batch *batch, int kind,
                              rs_real lr, rs_real clip, rs_real *d_pred, rs_real *delta)
{
    const uint32_t L = net->n_layers, n = batch->n;
    rs_layer *ly = &net->layers[L - 1];
    const size_t nw = (size_t)ly->n_out * ly->n_in;
    if (kind == LR_READOUT_DELTA) {
        h->loss(batch->loss, net->a[L], batch->y, batch->n_out, n, d_pred);
        lr_output_delta(h, net, net->z[L], net->a[L], d_pred, n, delta);
        lr_outer(h, 1, delta, net->a[L - 1], ly->n_out, ly->n_in, n, ly->dw);
        h->axpy(nw, -lr, ly->dw, ly->w);
        if (ly->b) {
            lr_rowsum(1, delta, ly->n_out, n, ly->db);
            h->axpy(ly->n_out, -lr, ly->db, ly->b);
        }
    } else if (kind == LR_READOUT_HEBBIAN) {
        const rs_real alpha = lr / (rs_real)n;
        lr_outer(h, alpha, batch->y, net->a[L - 1], ly->n_out, ly->n_in, n, ly->dw);
        lr_apply(ly->w, ly->dw, nw, clip, 0);
        if (ly->b) {
            lr_rowsum(alpha, batch->y, ly->n_out, n, ly->db);
            lr_apply(ly->b, ly->db, ly->n_out, clip, 0);
        }
    }
}

/* One step of the family: forward, the loss and its gradient at the output, the error sent
 * down through the rule's feedback by the host (flags and callback: host.h,
 * net_backward_feedback), the optimizer. Only the feedback differs between the rules. */
static inline rs_status lr_fb_step(lr_fb_state *s, rs_ctx *ctx, rs_net *net,
                                   const rs_batch *batch, rs_step_stats *stats, uint32_t flags,
                                   rs_feedback_fn feedback)
{
    const rs_host *h = s->base.host;
    rs_status st = h->net_forward(ctx, net, batch->x, batch->n);
    if (st != RS_OK)
        return st;
    stats->loss = h->loss(s->loss, net->a[net->n_layers], batch->y, batch->n_out, batch->n,
                          s->d_pred);
    stats->has_loss = 1;
    if ((st = h->net_backward_feedback(ctx, net, s->d_pred, flags, feedback, s)) != RS_OK)
        return st;
    h->optim_step(s->base.opt, net->params, net->grads, net->n_params);
    return RS_OK;
}

#endif
