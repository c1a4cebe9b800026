/* ruleset/rule_util.h: lifecycle helpers for rule plugins (optional; header-only, as LV2 ships
 * lv2_util.h). Everything here is static inline over the rs_host table, so a plugin that
 * includes it still links nothing of the host.
 *
 * 1. One allocation for a rule's state and all its buffers. The state struct is filled on the
 *    stack as a template; each buffer is declared with the address of the template's pointer
 *    that will hold it; rs_block_alloc makes ONE host->alloc'd block (the state first, then
 *    every buffer aligned to RS_BLOCK_ALIGN bytes), points the slots at their buffers and
 *    copies the template into the block's head. destroy is then one host->free (after
 *    whatever the state holds from other constructors: an optimizer, a relaxation).
 *
 *        my_state t = { .host = host };
 *        rs_block b;
 *        rs_block_init(&b, sizeof t);
 *        rs_block_reals(&b, &t.delta, (size_t)n_out * net->max_batch);
 *        for (uint32_t l = 1; l <= L; l++)
 *            rs_block_reals(&b, &t.g[l], net->sizes[l]);
 *        my_state *s = rs_block_alloc(host, ctx, &b, &t, sizeof t,
 *                                       "my_rule");
 *        if (!s)
 *            return RS_ERR_NOMEM;   (rs_block_alloc has recorded the message)
 *
 *    The block is zeroed before the template is copied in, so every buffer starts at 0.
 *
 * 2. rs_rule_base and rs_rule_destroy: a state whose FIRST member is an rs_rule_base (the
 *    host, and the optimizer if the rule has one) needs no destroy of its own:
 *    `.destroy = rs_rule_destroy` destroys the optimizer and frees the block.
 *
 * 3. rs_rule_layered_only: the one check (and message) of a rule that needs a layered
 *    network with at most a given number of weight layers.
 */
#ifndef RULESET_RULE_UTIL_H
#define RULESET_RULE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every buffer of a block starts on this boundary (a cache line; host->alloc aligns the block's
 * start at least this far). */
#define RS_BLOCK_ALIGN 64
/* Buffers one block can hold: a rule with k buffers per layer needs k * 17 + a few on the
 * deepest network a spec allows (16 hidden layers). The builder lives on the stack (24 bytes a
 * buffer). A plugin may define it larger before the #include. */
#ifndef RS_BLOCK_MAX_PARTS
#define RS_BLOCK_MAX_PARTS 256
#endif

enum { RS_BLOCK_REAL, RS_BLOCK_DOUBLE, RS_BLOCK_BYTES };

typedef struct rs_block_part {
    void *slot;    /* rs_real **, double ** or void **, as kind says */
    size_t offset; /* from the block's start */
    int kind;
} rs_block_part;

typedef struct rs_block {
    size_t size;     /* bytes so far */
    uint32_t n_parts;
    int overflow;    /* more than RS_BLOCK_MAX_PARTS parts were declared */
    rs_block_part part[RS_BLOCK_MAX_PARTS];
} rs_block;

static inline size_t rs_block_round_(size_t bytes)
{
    return (bytes + (RS_BLOCK_ALIGN - 1)) / RS_BLOCK_ALIGN * RS_BLOCK_ALIGN;
}

/* Start a block whose head is a state struct of state_size bytes. */
static inline void rs_block_init(rs_block *b, size_t state_size)
{
    b->size = rs_block_round_(state_size);
    b->n_parts = 0;
    b->overflow = 0;
}

static inline void rs_block_part_(rs_block *b, void *slot, size_t bytes, int kind)
{
    if (b->n_parts == RS_BLOCK_MAX_PARTS) {
        b->overflow = 1;
        return;
    }
    rs_block_part *p = &b->part[b->n_parts++];
    p->slot = slot;
    p->offset = b->size;
    p->kind = kind;
    b->size += rs_block_round_(bytes);
}

/* Declare a buffer of count rs_real values; *slot will point at it. */
static inline void rs_block_reals(rs_block *b, rs_real **slot, size_t count)
{
    rs_block_part_(b, slot, count * sizeof(rs_real), RS_BLOCK_REAL);
}

/* Declare a buffer of count doubles. */
static inline void rs_block_doubles(rs_block *b, double **slot, size_t count)
{
    rs_block_part_(b, slot, count * sizeof(double), RS_BLOCK_DOUBLE);
}

/* Declare a buffer of any other type: `void *p; rs_block_bytes(&b, &p, n); t.x = p;` is
 * wrong (p is a copy); declare a void * field in the state, or use the typed forms. */
static inline void rs_block_bytes(rs_block *b, void **slot, size_t bytes)
{
    rs_block_part_(b, slot, bytes, RS_BLOCK_BYTES);
}

/* Allocate the block, point every declared slot at its buffer, copy the template state
 * (state_size bytes, as given to rs_block_init) into the head and return the head. On
 * failure (no memory, or more than RS_BLOCK_MAX_PARTS buffers declared) returns NULL with the
 * job's error set; the caller returns RS_ERR_NOMEM. Free the result with host->free. */
static inline void *rs_block_alloc(const rs_host *host, rs_ctx *ctx, rs_block *b,
                                   void *state, size_t state_size, const char *rule)
{
    if (b->overflow) {
        host->fail(ctx, RS_ERR_NOMEM, "%s declares more than %d buffers in one block; "
                   "define RS_BLOCK_MAX_PARTS larger before including ruleset/rule_util.h", rule,
                   RS_BLOCK_MAX_PARTS);
        return NULL;
    }
    char *base = (char *)host->alloc(ctx, b->size);
    if (!base) {
        host->fail(ctx, RS_ERR_NOMEM, "no memory for %s's state (%zu bytes)", rule, b->size);
        return NULL;
    }
    memset(base, 0, b->size);
    for (uint32_t i = 0; i < b->n_parts; i++) {
        const rs_block_part *p = &b->part[i];
        void *at = base + p->offset;
        if (p->kind == RS_BLOCK_REAL)
            *(rs_real **)p->slot = (rs_real *)at;
        else if (p->kind == RS_BLOCK_DOUBLE)
            *(double **)p->slot = (double *)at;
        else
            *(void **)p->slot = at;
    }
    memcpy(base, state, state_size);
    return base;
}

/* The first member of a state that rs_rule_destroy frees. */
typedef struct rs_rule_base {
    const rs_host *host;
    rs_optim *opt; /* host->optim_create's, or NULL */
} rs_rule_base;

/* A rule's destroy for a one-block state that starts with an rs_rule_base. */
static inline void rs_rule_destroy(void *state, rs_ctx *ctx)
{
    rs_rule_base *b = (rs_rule_base *)state;
    if (!b)
        return;
    if (b->opt)
        b->host->optim_destroy(ctx, b->opt);
    b->host->free(ctx, b);
}

/* The widest layer of a layered network (for scratch sizes). */
static inline uint32_t rs_net_widest(const rs_net *net)
{
    uint32_t w = 0;
    for (uint32_t l = 0; l <= net->n_layers; l++)
        w = net->sizes[l] > w ? net->sizes[l] : w;
    return w;
}

/* RS_OK when net is layered with at most max_layers weight layers (0 = no limit); otherwise
 * the job's error says why and what to do. */
static inline rs_status rs_rule_layered_only(const rs_host *host, rs_ctx *ctx, const rs_net *net,
                                             const char *rule, uint32_t max_layers)
{
    if (net->kind != RS_NET_LAYERED)
        return host->fail(ctx, RS_ERR_UNSUPPORTED, "%s runs on layered networks only: give it "
                          "a network with \"hidden\" sizes, or a rule for recurrent networks "
                          "(backprop, weight_perturbation)", rule);
    if (max_layers && net->n_layers > max_layers)
        return host->fail(ctx, RS_ERR_SHAPE, "%u weight layers; %s handles at most %u",
                          net->n_layers, rule, max_layers);
    return RS_OK;
}

#ifdef __cplusplus
}
#endif

#endif
