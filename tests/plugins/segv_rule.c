/* segv_rule.c: isolation fixture: a rule that writes into the unmapped first page at its third
 * step (SIGSEGV). Run isolated, it costs its own jobs and nothing else (tests/cli/isolate.sh).
 * Not NULL itself: UBSan would report a null store and end the worker before the fault. */
#include <stdint.h>

#include "fixture.h"

typedef struct segv_state {
    fx_state fx;
    int *nowhere; /* set in create, so the compiler cannot see the crash coming */
} segv_state;

static rs_status segv_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                             const rs_net *net, const rs_task_info *task, void **state_out)
{
    (void)p;
    (void)net;
    (void)task;
    *state_out = host->alloc(ctx, sizeof(segv_state));
    if (!*state_out)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    ((segv_state *)*state_out)->fx.host = host;
    ((segv_state *)*state_out)->nowhere = (int *)(uintptr_t)64;
    return RS_OK;
}

static rs_status segv_step(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                           rs_step_stats *stats)
{
    (void)ctx;
    (void)net;
    (void)batch;
    (void)stats;
    segv_state *s = state;
    if (++s->fx.steps == 3)
        *(volatile int *)s->nowhere = 1;
    return RS_OK;
}

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("segv_rule"),
    .head.summary = "test fixture: SIGSEGV at step 3",
    .create = segv_create,
    .step = segv_step,
};

FX_ENTRY(desc)
