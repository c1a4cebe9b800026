/* meta_rules.h: what the meta-trainable rules of this folder (lstm_synapse, meta_hebbian) share,
 * included by each so that every rule stays one self-contained .so. Everything is static
 * inline.
 *
 * Both rules write their update as a function on the autodiff tape from the current weights
 * (tape tensors) to the new ones; dstep runs it on the meta-trainer's recording tape. `step`
 * runs the same arithmetic again in float without the tape (the host's forward pass, then the
 * update written out directly: lstm_kernel.h for lstm_synapse), so `ruleset compare` pays
 * neither the tape's bookkeeping nor a copy of the meta-parameters per step;
 * tests/unit/test_meta.c checks that both give the same weights within float tolerance. The
 * state's tape is kept for `explain` (local_update). */
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

/* The first member of a meta-trainable rule's one-block state: the host and a values-only
 * tape (NULL for a rule that never runs its update outside dstep's tape). */
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

/* The meta-parameters as constants on t (explain's tape). */
static inline void mr_enter_meta(const rs_host *h, rs_tape *t, const rs_meta_shape *shapes,
                                 uint32_t n, const double *values, rs_tv *out)
{
    size_t off = 0;
    for (uint32_t k = 0; k < n; k++) {
        out[k] = h->tape_const(t, shapes[k].rows, shapes[k].cols, values + off);
        off += (size_t)shapes[k].rows * shapes[k].cols;
    }
}

/* A tape failure as the rule's error. */
static inline rs_status mr_tape_status(const rs_host *h, rs_ctx *ctx, rs_tape *t)
{
    const char *e = h->tape_error(t);
    return e ? h->fail(ctx, RS_ERR_INTERNAL, "tape: %s", e) : RS_OK;
}

#endif
