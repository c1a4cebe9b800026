/* fixture.h: the callbacks every fixture rule shares (the .c files beside it), so that each defect
 * fixture differs from a valid plugin in exactly the one field it is named after.
 *
 * A do-nothing rule: create allocates a small state through the host, step counts, destroy
 * frees. The defect fixtures fill their head with RS_PLUGIN_HEAD like any plugin and then
 * override one field; the override is deliberate, hence -Woverride-init is silenced here. */
#ifndef RS_TEST_FIXTURE_H
#define RS_TEST_FIXTURE_H

#include <ruleset/plugin.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

typedef struct fx_state {
    const rs_host *host;
    long steps;
} fx_state;

__attribute__((unused)) static rs_status fx_create(const rs_host *host, rs_ctx *ctx,
                                                   const rs_params *p, const rs_net *net,
                                                   const rs_task_info *task, void **state_out)
{
    (void)p;
    (void)net;
    (void)task;
    *state_out = NULL;
    fx_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory");
    s->host = host;
    *state_out = s;
    return RS_OK;
}

__attribute__((unused)) static rs_status fx_step(void *state, rs_ctx *ctx, rs_net *net,
                                                 const rs_batch *batch, rs_step_stats *stats)
{
    (void)ctx;
    (void)net;
    (void)batch;
    (void)stats;
    ((fx_state *)state)->steps++;
    return RS_OK;
}

__attribute__((unused)) static void fx_destroy(void *state, rs_ctx *ctx)
{
    fx_state *s = state;
    if (s)
        s->host->free(ctx, s);
}

/* The body of a fixture file holding one descriptor `desc`. */
#define FX_ENTRY(desc)                                                                      \
    RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)    \
    {                                                                                       \
        (void)host;                                                                         \
        return index == 0 ? &(desc).head : NULL;                                            \
    }

#define FX_RULE_FIELDS(nm)                                                                  \
    RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE), .head.name = (nm), .head.version = "0.0.1", \
    .head.summary = "loader test fixture", .create = fx_create, .step = fx_step,             \
    .destroy = fx_destroy

#endif
