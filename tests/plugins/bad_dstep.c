/* bad_dstep.c: loader fixture: a rule with a dstep but no meta_shapes or meta_init (a
 * meta-trainable rule needs all three). */
#include "fixture.h"

static rs_status fx_dstep(void *state, rs_ctx *ctx, rs_dstep_io *io)
{
    (void)state, (void)ctx, (void)io;
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_dstep"),
    .dstep = fx_dstep,
};

FX_ENTRY(desc)
