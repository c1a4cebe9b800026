/* abort_rule.c: isolation fixture: a rule that calls abort() at its third step (SIGABRT), as a
 * failed assert in a plugin would. */
#include <stdlib.h>

#include "fixture.h"

static rs_status abort_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                            rs_step_stats *stats)
{
    (void)ctx;
    (void)net;
    (void)batch;
    (void)stats;
    fx_state *s = state;
    if (++s->steps == 3)
        abort();
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("abort_rule"),
    .head.summary = "test fixture: abort() at step 3",
    .step = abort_step,
};

FX_ENTRY(desc)
