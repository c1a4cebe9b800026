/* hang_rule.c: isolation fixture: a rule whose third step never returns (a busy loop), to be
 * stopped by --job-timeout. */
#include "fixture.h"

static rs_status hang_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                           rs_step_stats *stats)
{
    (void)ctx;
    (void)net;
    (void)batch;
    (void)stats;
    fx_state *s = state;
    if (++s->steps == 3)
        for (volatile unsigned long spin = 0;; spin++) /* volatile: the loop is not optimised */
            ;
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("hang_rule"),
    .head.summary = "test fixture: its third step never returns",
    .step = hang_step,
};

FX_ENTRY(desc)
