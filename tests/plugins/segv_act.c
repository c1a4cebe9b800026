/* segv_act.c: blame fixture: an activation whose forward pass writes into the unmapped first
 * page (SIGSEGV). Run isolated, the crash is reported as this activation's, not as the rule's
 * that called the network (tests/cli/trust.sh). */
#include <stdint.h>

#include <ruleset/plugin.h>

static int *volatile nowhere = (int *)(uintptr_t)64;

static void segv_forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)x;
    (void)y;
    (void)n;
    (void)p;
    *nowhere = 1;
}

static void segv_derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                            const rs_real *p)
{
    (void)x;
    (void)y;
    (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = 1;
}

static const rs_activation_desc desc = {
    RS_PLUGIN_HEAD(rs_activation_desc, RS_KIND_ACTIVATION),
    .head.name = "segv_act",
    .head.version = "0.0.1",
    .head.summary = "test fixture: SIGSEGV in forward",
    .forward = segv_forward,
    .derivative = segv_derivative,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &desc.head : NULL;
}
