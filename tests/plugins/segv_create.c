/* segv_create.c: isolation fixture: a rule whose create writes into the unmapped first page
 * (SIGSEGV). Planning opens every rule once before any job; for a plugin whose jobs run in
 * worker processes it does so in a child, so this crash is one line naming the rule and the run
 * is refused (exit 2) instead of taking the process down (tests/cli/trust.sh). */
#include <stdint.h>

#include "fixture.h"

static rs_status sc_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                           const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)host;
    (void)ctx;
    (void)p;
    (void)net;
    (void)task;
    (void)state_out;
    volatile uintptr_t where = 64; /* not NULL: UBSan would report a null store first */
    *(volatile int *)where = 1;
    return RS_OK;
}

static rs_status sc_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                         rs_step_stats *stats)
{
    (void)state;
    (void)ctx;
    (void)net;
    (void)batch;
    (void)stats;
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("segv_create"),
    .head.summary = "test fixture: SIGSEGV in create",
    .create = sc_create,
    .step = sc_step,
};

FX_ENTRY(desc)
