/* meta_rules.h: what the meta-trainable rules of this folder (lstm_synapse, meta_hebbian) share,
 * included by each so that every rule stays one self-contained .so. Everything is static
 * inline.
 *
 * Both rules write their update ONCE, as a function on the autodiff tape from the current
 * weights (tape tensors) to the new ones. dstep runs it on the meta-trainer's recording tape;
 * step runs the very same function on a values-only tape of the rule's own (no recording, no
 * gradients, memory reused every step), entering the network's weights and the loaded
 * meta-parameters as constants and writing the result back into the network. So the rule that
 * `ruleset compare` runs is, operation for operation, the one that was meta-trained. */
#ifndef RS_RULES_META_RULES_H
#define RS_RULES_META_RULES_H

#include <string.h>

#include <ruleset/plugin.h>
#include <ruleset/rule_util.h>

#define MR_MAX_SHAPES 64

/* The parameter-table entry of the weights file. */
#define MR_WEIGHTS_PARAM(default_path)                                                        \
    { .name = "weights", .type = RS_PARAM_STR, .def_str = default_path,                       \
      .help = "meta-trained weights file (ruleset meta-train -o); \"\" = untrained initial "  \
              "values" }

/* The first member of a meta-trainable rule's one-block state: the host and the values-only
 * tape `step` runs on. */
typedef struct mr_base {
    const rs_host *host;
    rs_tape *tape;
} mr_base;

static inline void mr_destroy(void *state, rs_ctx *ctx)
{
    mr_base *b = (mr_base *)state;
    if (!b)
        return;
    b->host->tape_destroy(ctx, b->tape);
    b->host->free(ctx, b);
}

/* The block of the template state (first member mr_base) with its values-only tape, or NULL
 * with the error set. */
static inline void *mr_alloc(const rs_host *host, rs_ctx *ctx, rs_block *b, void *tmpl,
                             size_t state_size, const char *rule)
{
    mr_base *s = (mr_base *)rs_block_alloc(host, ctx, b, tmpl, state_size, rule);
    if (s && !(s->tape = host->tape_create(ctx, 0))) {
        mr_destroy(s, ctx);
        host->fail(ctx, RS_ERR_NOMEM, "no memory for %s's tape", rule);
        return NULL;
    }
    return s;
}

/* A batch of zeros as large as the network takes (x and y in one allocation: free dry->x),
 * for the dry step that sizes the values-only tape in create, so step never allocates. */
static inline rs_status mr_dry_batch(const rs_host *host, rs_ctx *ctx, const rs_net *net,
                                     const rs_task_info *task, const char *rule, rs_batch *dry)
{
    const uint32_t L = net->n_layers, nb = net->max_batch;
    rs_real *zeros = (rs_real *)host->alloc(ctx, ((size_t)net->sizes[0] + net->sizes[L]) * nb
                                                     * sizeof(rs_real));
    if (!zeros)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for %s's first step", rule);
    *dry = (rs_batch){ .n = nb, .n_in = net->sizes[0], .n_out = net->sizes[L],
                       .loss = task->loss, .x = zeros, .y = zeros + (size_t)net->sizes[0] * nb };
    return RS_OK;
}

/* Total number of values of n tensors. */
static inline size_t mr_count(const rs_meta_shape *shapes, uint32_t n)
{
    size_t c = 0;
    for (uint32_t k = 0; k < n; k++)
        c += (size_t)shapes[k].rows * shapes[k].cols;
    return c;
}

/* The meta-parameters for `step`: meta_init's values, replaced by the weights file's unless
 * the "weights" parameter is "" (what the meta-trainer sets: dstep gets them on the tape).
 * Call it FIRST in create: the initial values are always drawn, so whatever the rule draws
 * afterwards (feedback matrices) is the same with or without a file. */
static inline rs_status mr_load(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                                const rs_meta_shape *shapes, uint32_t n, double *values,
                                void (*init)(void *, rs_ctx *, double *), void *state)
{
    const char *path = host->param_str(p, "weights");
    init(state, ctx, values);
    return path[0] ? host->meta_load(ctx, path, p, shapes, n, values) : RS_OK;
}

/* The network's weights and biases as constants on tape t: w[l - 1], b[l - 1]. */
static inline void mr_enter_net(const rs_host *h, rs_tape *t, const rs_net *net, rs_tv *w,
                                rs_tv *b)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        const rs_layer *ly = &net->layers[l - 1];
        w[l - 1] = h->tape_const_real(t, ly->n_out, ly->n_in, ly->w);
        b[l - 1] = ly->b ? h->tape_const_real(t, ly->n_out, 1, ly->b) : RS_TV_NONE;
    }
}

/* Copy the tape's new weights back into the network (double -> float). */
static inline void mr_write_net(const rs_host *h, rs_tape *t, rs_net *net, const rs_tv *w,
                                const rs_tv *b)
{
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        rs_layer *ly = &net->layers[l - 1];
        const double *v = h->tape_value(t, w[l - 1]);
        for (size_t k = 0; k < (size_t)ly->n_out * ly->n_in; k++)
            ly->w[k] = (rs_real)v[k];
        if (ly->b) {
            v = h->tape_value(t, b[l - 1]);
            for (uint32_t k = 0; k < ly->n_out; k++)
                ly->b[k] = (rs_real)v[k];
        }
    }
}

/* The meta-parameters as constants (step) on t. */
static inline void mr_enter_meta(const rs_host *h, rs_tape *t, const rs_meta_shape *shapes,
                                 uint32_t n, const double *values, rs_tv *out)
{
    size_t off = 0;
    for (uint32_t k = 0; k < n; k++) {
        out[k] = h->tape_const(t, shapes[k].rows, shapes[k].cols, values + off);
        off += (size_t)shapes[k].rows * shapes[k].cols;
    }
}

/* Column b of a feature-major (rows, n) batch as a (rows, 1) constant. scratch (rows). */
static inline rs_tv mr_example(const rs_host *h, rs_tape *t, const rs_real *m, uint32_t rows,
                               uint32_t n, uint32_t b, rs_real *scratch)
{
    for (uint32_t i = 0; i < rows; i++)
        scratch[i] = m[(size_t)i * n + b];
    return h->tape_const_real(t, rows, 1, scratch);
}

/* A tape failure as the rule's error. */
static inline rs_status mr_tape_status(const rs_host *h, rs_ctx *ctx, rs_tape *t)
{
    const char *e = h->tape_error(t);
    return e ? h->fail(ctx, RS_ERR_INTERNAL, "tape: %s", e) : RS_OK;
}

#endif
