/* nan_rule.c: runner fixture: a valid rule that leaves the weights alone until its fifth step,
 * which writes NaN into the first weight (a diverging rule; the run must go on). */
#include "fixture.h"

static rs_status nan_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                          rs_step_stats *stats)
{
    (void)ctx;
    (void)batch;
    (void)stats;
    fx_state *s = state;
    if (++s->steps == 5)
        net->params[0] = (rs_real)__builtin_nanf("");
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("nan_rule"),
    .head.summary = "test fixture: writes NaN into the weights at step 5",
    .step = nan_step,
};

FX_ENTRY(desc)
