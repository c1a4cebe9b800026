/* param_act.c: activation fixture: how parameters reach forward. "param_act" (built against
 * this ABI) declares one parameter of every numeric kind; its forward ignores x and writes
 * y = p[0] + 10 p[1] + 100 p[2] + 1000 p[3], so a test reads back what the host passed: the
 * REAL, the INT, the BOOL as 0/1 and the CHOICE as its index. "param_act_old" has the same
 * table but says ABI 1.1 in its head: it must still get its REAL parameters only, as then. */
#include "fixture.h"

static const rs_param_spec params[] = {
    { .name = "flip", .type = RS_PARAM_BOOL, .def = 0, .help = "a bool" },
    { .name = "scale", .type = RS_PARAM_REAL, .def = 0.5, .lo = 0, .hi = 9, .help = "a real" },
    { .name = "power", .type = RS_PARAM_INT, .def = 2, .lo = 0, .hi = 9, .help = "an int" },
    { .name = "shape", .type = RS_PARAM_CHOICE, .def_str = "lin", .choices = "lin|abs|sq",
      .help = "a choice" },
    { 0 }
};

static void forward(const rs_real *x, rs_real *y, size_t n, const rs_real *p)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        y[i] = p[0] + 10 * p[1] + 100 * p[2] + 1000 * p[3];
}

static void derivative(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                       const rs_real *p)
{
    (void)x, (void)y, (void)p;
    for (size_t i = 0; i < n; i++)
        dy[i] = 0;
}

static const rs_activation_desc now = {
    RS_PLUGIN_HEAD(rs_activation_desc, RS_KIND_ACTIVATION),
    .head.name = "param_act", .head.version = "1.0.0", .head.summary = "parameter passing",
    .head.params = params, .forward = forward, .derivative = derivative,
};

static const rs_activation_desc old = {
    RS_PLUGIN_HEAD(rs_activation_desc, RS_KIND_ACTIVATION),
    .head.abi_minor = 1,
    .head.name = "param_act_old", .head.version = "1.0.0", .head.summary = "as in ABI 1.1",
    .head.params = params, .forward = forward, .derivative = derivative,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &now.head : index == 1 ? &old.head : NULL;
}
