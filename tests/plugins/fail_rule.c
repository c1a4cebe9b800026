/* fail_rule.c: runner fixture: a rule whose create always fails with a message. */
#include "fixture.h"

static rs_status fail_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                             const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)p;
    (void)task;
    *state_out = NULL;
    return host->fail(ctx, RS_ERR_PARAM, "fail_rule refuses every network (%u layers)",
                      net->n_layers);
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("fail_rule"),
    .head.summary = "test fixture: create fails with a message",
    .create = fail_create,
};

FX_ENTRY(desc)
