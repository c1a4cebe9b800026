/* esc_fail_rule.c: runner fixture: create fails with a message holding ESC and CR, which
 * would clear the terminal; the host shows them as '?' (tests/cli/trust.sh). */
#include "fixture.h"

static rs_status esc_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                            const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)p;
    (void)net;
    (void)task;
    *state_out = NULL;
    return host->fail(ctx, RS_ERR_PARAM, "bad\033[2J\rnews\tand\nmore");
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("esc_fail_rule"),
    .head.summary = "test fixture: create fails with control characters in its message",
    .create = esc_create,
};

FX_ENTRY(desc)
