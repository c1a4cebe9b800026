/* act_fn.h: applying an activation: an activation plugin's descriptor plus its parameter
 * values. Resolving one from its text ("leaky_relu:slope=0.2") needs the registry, a layer up
 * (plugin/act.h). */
#ifndef RS_ACT_FN_H
#define RS_ACT_FN_H

#include <ruleset/plugin.h>

struct rs_act {
    const rs_activation_desc *desc;
    rs_real p[64];   /* REAL parameters in table order */
    char label[192]; /* as written, normalised */
};

void rs_act_destroy(rs_act *act);

void rs_act_forward(const rs_act *act, const rs_real *x, rs_real *y, size_t n);
void rs_act_derivative(const rs_act *act, const rs_real *x, const rs_real *y, rs_real *dy,
                       size_t n);
const char *rs_act_name(const rs_act *act);
/* y = F(x), the integral of f from 0 to x: the plugin's own `integral`, or else composite
 * 4-point Gauss-Legendre quadrature of f over panels at most 1/4 wide (exact to float
 * precision for smooth f; a kink inside (0, x) costs accuracy). y may alias x. */
void rs_act_integral(const rs_act *act, const rs_real *x, rs_real *y, size_t n);

#endif
