/* energy_rules.h: what the energy-based rules of this folder share (chl, eqprop, first_step,
 * predictive_coding), included by each so that every rule stays one self-contained .so. The
 * relaxation itself is the host's (host->relax_*, documented in ruleset/host.h); this file
 * holds the bookkeeping around it: state buffers, per-layer learning rates, persistent
 * states, the free-phase prediction, and the parameters every relaxing rule takes.
 *
 * Honest measurement: the prediction (er_predict, the rules' `predict` callback) relaxes a
 * FREE phase from the feedforward pass with no target anywhere, and persistent states only
 * ever store free fixed points, so nothing a nudged or clamped phase saw can leak into an
 * answer. (Notebook 002 read its error from states its nudged phase had pulled toward the
 * target.) */
#ifndef RS_RULES_ENERGY_RULES_H
#define RS_RULES_ENERGY_RULES_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ruleset/plugin.h>
#include <ruleset/rule_util.h>

/* Per-layer arrays are indexed by layer 0..L; 18 covers the spec's 16 hidden layers. */
#define ER_MAX_LAYERS 18

/* The parameters of every rule with a Hopfield relaxation (chl, eqprop, first_step). */
#define ER_LR_PARAMS(lr_default)                                                              \
    { .name = "lr", .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .def = (lr_default), .lo = 0,  \
      .hi = 100, .help = "learning rate of every layer (plain SGD)" },                        \
    { .name = "lr_layers", .type = RS_PARAM_STR, .def_str = "",                               \
      .help = "per-layer rates 'a b c', first weight layer to output; overrides lr" },         \
    { .name = "optimizer", .type = RS_PARAM_CHOICE, .def_str = "sgd", .choices = "sgd|adam",  \
      .help = "each layer's step: SGD, or torch.optim.Adam (betas 0.9, 0.999, eps 1e-8)" },   \
    { .name = "momentum", .type = RS_PARAM_REAL, .def = 0, .lo = 0, .hi = 1,                  \
      .help = "SGD heavy-ball momentum (0 = plain SGD)" }
#define ER_FREE_PARAMS                                                                        \
    { .name = "method", .type = RS_PARAM_CHOICE, .def_str = "fixed_point",                    \
      .choices = "fixed_point|gradient",                                                      \
      .help = "relaxation: Gauss-Seidel fixed-point sweeps or Euler steps of du/dt = -u + d" }, \
    { .name = "step", .type = RS_PARAM_REAL, .def = 0.5, .lo = 1e-6, .hi = 1,                 \
      .help = "Euler step of the gradient method" },                                          \
    { .name = "free_iters", .type = RS_PARAM_INT, .def = 50, .lo = 1, .hi = 100000,           \
      .help = "free-phase iterations at most" },                                              \
    { .name = "tol", .type = RS_PARAM_REAL, .def = 1e-5, .lo = 0, .hi = 1,                    \
      .help = "stop a phase when no state moved more than this in one iteration" },           \
    { .name = "feedback", .type = RS_PARAM_REAL, .def = 1, .lo = 1e-6, .hi = 10,              \
      .help = "top-down gain gamma (1 = symmetric energy; < 1 Xie & Seung's weak feedback)" }, \
    { .name = "persistent", .type = RS_PARAM_BOOL, .def = 0,                                  \
      .help = "each distinct input's free phase starts from its last free fixed point" }

/* Parameters of weight layer l (its W, then its b), contiguous in net->params. */
static inline size_t er_layer_count(const rs_net *net, uint32_t l)
{
    const rs_layer *ly = &net->layers[l - 1];
    return (size_t)ly->n_out * ly->n_in + (ly->b ? ly->n_out : 0);
}

/* Caller-owned states u[l], s[l] (n_l, max_n), l = 1..L; index 0 stays NULL. */
typedef struct er_states {
    rs_real *u[ER_MAX_LAYERS];
    rs_real *s[ER_MAX_LAYERS];
} er_states;

/* Free-phase states of each distinct input seen, for persistent particles (Scellier & Bengio
 * 2017 keep one per training example). Keyed by the input itself, so it works for any order
 * of examples; at most `cap` inputs (the task's finite set). */
typedef struct er_persist {
    uint32_t cap, used, n_in, n_units;
    rs_real *key;   /* (cap, n_in) */
    rs_real *u, *s; /* (cap, n_units): layer 1's units first */
} er_persist;

/* What every relaxing rule keeps. */
typedef struct er_common {
    const rs_host *host;
    uint32_t n_layers, task_loss;
    rs_relax *relax;
    rs_relax_config free_cfg;
    er_states free;           /* the free phase of the current batch */
    er_states pred;           /* er_predict's own states (the evaluation set may be larger) */
    rs_real *g;               /* (n_params) dE/dtheta */
    rs_real lr[ER_MAX_LAYERS];  /* lr[l] for weight layer l = 1..L */
    rs_optim_config optim;      /* kind and momentum; lr per layer */
    rs_optim *opt[ER_MAX_LAYERS]; /* opt[l] over layer l's W and b; all NULL for plain SGD */
    int persistent;
    er_persist keep;
} er_common;

/* Declare st's buffers u[l], s[l] (n_l, max_batch), l = 1..L, in the state's block. */
static inline void er_states_declare(rs_block *b, const rs_net *net, er_states *st)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        rs_block_reals(b, &st->u[l], (size_t)net->sizes[l] * net->max_batch);
        rs_block_reals(b, &st->s[l], (size_t)net->sizes[l] * net->max_batch);
    }
}

static inline void er_states_copy(const rs_net *net, uint32_t n, const er_states *src,
                                  er_states *dst)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        size_t bytes = (size_t)net->sizes[l] * n * sizeof(rs_real);
        memcpy(dst->u[l], src->u[l], bytes);
        memcpy(dst->s[l], src->s[l], bytes);
    }
}

/* Parse "a b c" (separated by spaces, commas or semicolons: a comma would split an inline
 * "--rule name:k=v,k=v" item) into exactly `count` values out[1..count]. */
static inline rs_status er_parse_list(const rs_host *h, rs_ctx *ctx, const char *name,
                                      const char *text, uint32_t count, int allow_zero,
                                      rs_real *out)
{
    const char *p = text;
    for (uint32_t l = 1; l <= count; l++) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || (!allow_zero && v == 0))
            return h->fail(ctx, RS_ERR_PARAM, "%s='%s': expected %u %s numbers, one per "
                           "weight layer from the input side, separated by spaces, commas or "
                           "semicolons", name, text, count,
                           allow_zero ? "non-negative" : "positive");
        out[l] = (rs_real)v;
        p = end;
        const char *sep = p;
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (l < count && (p == sep || !*p))
            return h->fail(ctx, RS_ERR_PARAM, "%s='%s' has fewer than %u values: the network "
                           "has %u weight layers", name, text, count, count);
    }
    if (*p)
        return h->fail(ctx, RS_ERR_PARAM, "%s='%s' has more than %u values: the network has %u "
                       "weight layers", name, text, count, count);
    return RS_OK;
}

/* A relaxing rule's state is a struct whose FIRST member is er_common, built in one block:
 *   rule_state t = { 0 };  rs_block b;
 *   er_declare(&t.c, ..., &b, sizeof t)   c's parameters and buffers (refuses bad ones)
 *   ... the rule's own fields of t, its own buffers declared in b ...
 *   er_finish(..., &b, &t, sizeof t, ...)  the block, and the host's relaxation
 * and destroyed by er_destroy. */
static inline void er_destroy(void *state, rs_ctx *ctx)
{
    er_common *c = (er_common *)state;
    if (!c)
        return;
    for (uint32_t l = 1; l <= c->n_layers; l++)
        c->host->optim_destroy(ctx, c->opt[l]);
    c->host->relax_destroy(ctx, c->relax);
    c->host->free(ctx, c);
}

/* Fill c (in the rule's template) from the common parameters (those of ER_LR_PARAMS(), and
 * ER_FREE_PARAMS when `hopfield`), start the block b with the template's size and declare
 * c's buffers in it. Nothing is allocated. */
static inline rs_status er_declare(er_common *c, const rs_host *h, rs_ctx *ctx,
                                   const rs_params *p, const rs_net *net,
                                   const rs_task_info *task, int hopfield, const char *rule,
                                   rs_block *b, size_t state_size)
{
    c->host = h;
    c->n_layers = net->n_layers;
    c->task_loss = task->loss;
    rs_status st = rs_rule_layered_only(h, ctx, net, rule, ER_MAX_LAYERS - 1);
    if (st != RS_OK)
        return st;
    const char *lrs = h->param_str(p, "lr_layers");
    if (lrs[0] && (st = er_parse_list(h, ctx, "lr_layers", lrs, net->n_layers, 1, c->lr)))
        return st;
    for (uint32_t l = 1; !lrs[0] && l <= net->n_layers; l++)
        c->lr[l] = (rs_real)h->param_real(p, "lr");
    c->optim = (rs_optim_config){
        .kind = h->param_str(p, "optimizer")[0] == 'a' ? RS_OPTIM_ADAM : RS_OPTIM_SGD,
        .momentum = h->param_real(p, "momentum"),
        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
    };
    rs_block_init(b, state_size);
    rs_block_reals(b, &c->g, net->n_params);
    er_states_declare(b, net, &c->free);
    er_states_declare(b, net, &c->pred);
    if (!hopfield)
        return RS_OK;
    c->free_cfg = (rs_relax_config){
        .struct_size = sizeof(rs_relax_config),
        .energy = RS_RELAX_HOPFIELD,
        .method = h->param_str(p, "method")[0] == 'g' ? RS_RELAX_GRADIENT : RS_RELAX_FIXED_POINT,
        .output = RS_RELAX_FREE,
        .max_iters = (uint32_t)h->param_int(p, "free_iters"),
        .step = h->param_real(p, "step"),
        .tol = h->param_real(p, "tol"),
        .feedback = h->param_real(p, "feedback"),
    };
    c->persistent = h->param_bool(p, "persistent");
    if (c->persistent) {
        if (task->n_full == 0 || task->n_full > 65536)
            return h->fail(ctx, RS_ERR_PARAM, "persistent=true keeps one state per distinct "
                           "input, so it needs a task with a finite example set (this one has "
                           "%u); set persistent=false", task->n_full);
        er_persist *k = &c->keep;
        k->cap = task->n_full;
        k->n_in = net->sizes[0];
        for (uint32_t l = 1; l <= net->n_layers; l++)
            k->n_units += net->sizes[l];
        rs_block_reals(b, &k->key, (size_t)k->cap * k->n_in);
        rs_block_reals(b, &k->u, (size_t)k->cap * k->n_units);
        rs_block_reals(b, &k->s, (size_t)k->cap * k->n_units);
    }
    return RS_OK;
}

/* Allocate the block of the template state (whose first member is er_common) and the host's
 * relaxation; *state_out = the state, or NULL with the error set. */
static inline rs_status er_finish(const rs_host *h, rs_ctx *ctx, const rs_net *net, rs_block *b,
                                  void *tmpl, size_t state_size, const char *rule,
                                  void **state_out)
{
    *state_out = NULL;
    er_common *c = (er_common *)rs_block_alloc(h, ctx, b, tmpl, state_size, rule);
    if (!c)
        return RS_ERR_NOMEM;
    if (!(c->relax = h->relax_create(ctx, net, net->max_batch))) {
        er_destroy(c, ctx);
        return h->fail(ctx, RS_ERR_NOMEM, "no memory for %s's relaxation", rule);
    }
    const int plain = c->optim.kind == RS_OPTIM_SGD && c->optim.momentum == 0;
    for (uint32_t l = 1; !plain && l <= net->n_layers; l++) { /* one per layer: its own lr */
        rs_optim_config cfg = c->optim;
        cfg.lr = c->lr[l];
        if (!(c->opt[l] = h->optim_create(ctx, &cfg, er_layer_count(net, l)))) {
            er_destroy(c, ctx);
            return h->fail(ctx, RS_ERR_NOMEM, "no memory for %s's optimizer", rule);
        }
    }
    *state_out = c;
    return RS_OK;
}

/* The whole create of a rule whose state is er_common plus, when `second` is not NULL (a
 * pointer into the template), the states of a second phase (chl's clamped, eqprop's nudged):
 * er_declare, second's buffers, er_finish. The rule then sets its own fields on *state_out. */
static inline rs_status er_create(const rs_host *h, rs_ctx *ctx, const rs_params *p,
                                  const rs_net *net, const rs_task_info *task, int hopfield,
                                  const char *rule, void *tmpl, size_t state_size,
                                  er_states *second, void **state_out)
{
    *state_out = NULL;
    rs_block b;
    rs_status st = er_declare((er_common *)tmpl, h, ctx, p, net, task, hopfield, rule, &b,
                              state_size);
    if (st != RS_OK)
        return st;
    if (second)
        er_states_declare(&b, net, second);
    return er_finish(h, ctx, net, &b, tmpl, state_size, rule, state_out);
}

/* Index of input column b of x (n_in, n) in the table, or -1. */
static inline int er_persist_find(const er_persist *k, const rs_real *x, uint32_t n, uint32_t b)
{
    for (uint32_t i = 0; i < k->used; i++) {
        uint32_t j = 0;
        while (j < k->n_in && k->key[(size_t)i * k->n_in + j] == x[(size_t)j * n + b])
            j++;
        if (j == k->n_in)
            return (int)i;
    }
    return -1;
}

/* Copy between column b of the states and entry i of the table (to_table: states -> table). */
static inline void er_persist_copy(er_persist *k, const rs_net *net, er_states *st, uint32_t n,
                                   uint32_t b, uint32_t i, int to_table)
{
    size_t off = (size_t)i * k->n_units;
    for (uint32_t l = 1; l <= net->n_layers; l++)
        for (uint32_t j = 0; j < net->sizes[l]; j++, off++) {
            size_t at = (size_t)j * n + b;
            if (to_table) {
                k->u[off] = st->u[l][at];
                k->s[off] = st->s[l][at];
            } else {
                st->u[l][at] = k->u[off];
                st->s[l][at] = k->s[off];
            }
        }
}

/* The free phase of a batch: from the feedforward pass (or, persistent, each known input's
 * last free fixed point), relaxed with no target. Leaves s^0 in c->free. */
static inline rs_status er_free_phase(er_common *c, rs_ctx *ctx, const rs_net *net,
                                      const rs_real *x, uint32_t n, rs_relax_stats *stats)
{
    const rs_host *h = c->host;
    h->relax_init(c->relax, net, &c->free_cfg, x, n, c->free.u, c->free.s);
    for (uint32_t b = 0; c->persistent && b < n; b++) {
        int i = er_persist_find(&c->keep, x, n, b);
        if (i >= 0)
            er_persist_copy(&c->keep, net, &c->free, n, b, (uint32_t)i, 0);
    }
    rs_status st = h->relax_run(c->relax, ctx, net, &c->free_cfg, x, NULL, n, c->free.u,
                                c->free.s, stats);
    for (uint32_t b = 0; st == RS_OK && c->persistent && b < n; b++) {
        int i = er_persist_find(&c->keep, x, n, b);
        if (i < 0 && c->keep.used < c->keep.cap) {
            i = (int)c->keep.used++;
            for (uint32_t j = 0; j < c->keep.n_in; j++)
                c->keep.key[(size_t)i * c->keep.n_in + j] = x[(size_t)j * n + b];
        }
        if (i >= 0)
            er_persist_copy(&c->keep, net, &c->free, n, b, (uint32_t)i, 1);
    }
    return st;
}

/* The rules' `predict`: a free phase from the feedforward pass, never persistent states, with
 * no target; the output state is the answer. */
static inline rs_status er_predict(er_common *c, rs_ctx *ctx, rs_net *net, const rs_real *x,
                                   uint32_t n, rs_real *out)
{
    const rs_host *h = c->host;
    if (n > net->max_batch)
        return h->fail(ctx, RS_ERR_SHAPE, "predict: %u examples, more than the capacity %u", n,
                       net->max_batch);
    h->relax_init(c->relax, net, &c->free_cfg, x, n, c->pred.u, c->pred.s);
    rs_status st = h->relax_run(c->relax, ctx, net, &c->free_cfg, x, NULL, n, c->pred.u,
                                c->pred.s, NULL);
    if (st == RS_OK)
        memcpy(out, c->pred.s[net->n_layers],
               (size_t)net->sizes[net->n_layers] * n * sizeof(rs_real));
    return st;
}

/* w -= lr_l * g for every layer (plain SGD with per-layer rates), or each layer's optimizer
 * step with its rate (momentum, Adam). */
static inline void er_apply(const er_common *c, rs_net *net)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        size_t off = (size_t)(net->layers[l - 1].w - net->params);
        size_t count = er_layer_count(net, l);
        if (c->opt[l])
            c->host->optim_step(c->opt[l], net->params + off, c->g + off, count);
        else
            c->host->axpy(count, -c->lr[l], c->g + off, net->params + off);
    }
}

/* The training loss of the free phase's output on the batch (honest: no target was in it). */
static inline double er_free_loss(const er_common *c, const rs_net *net, const rs_batch *b)
{
    return c->host->loss(c->task_loss, c->free.s[net->n_layers], b->y, b->n_out, b->n, NULL);
}

#endif
