/* act.c: applying an activation plugin (see act_fn.h). */
#include "act_fn.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "ctx.h"

/* While an activation's callback runs, the thread's context names it (ctx.h, `who`): a crash
 * inside it is then blamed on the activation, not on the rule that called the network. */
#define AS_ACTIVATION(act, call)                                                             \
    do {                                                                                     \
        rs_ctx *ctx_ = rs_ctx_current;                                                       \
        const char *was_ = ctx_ ? ctx_->who : NULL;                                          \
        if (ctx_)                                                                            \
            ctx_->who = (act)->desc->head.name;                                              \
        call;                                                                                \
        if (ctx_)                                                                            \
            ctx_->who = was_;                                                                \
    } while (0)

void rs_act_destroy(rs_act *act) { free(act); }

void rs_act_forward(const rs_act *act, const rs_real *x, rs_real *y, size_t n)
{
    AS_ACTIVATION(act, act->desc->forward(x, y, n, act->p));
}

void rs_act_derivative(const rs_act *act, const rs_real *x, const rs_real *y, rs_real *dy,
                       size_t n)
{
    AS_ACTIVATION(act, act->desc->derivative(x, y, dy, n, act->p));
}

const char *rs_act_name(const rs_act *act) { return act->label; }

/* Does the descriptor carry `integral` (a plugin built before it was appended does not)? */
static int has_integral(const rs_activation_desc *d)
{
    return d->head.struct_size >= offsetof(rs_activation_desc, integral) + sizeof d->integral
        && d->integral != NULL;
}

static void integral(const rs_act *act, const rs_real *x, rs_real *y, size_t n)
{
    if (has_integral(act->desc)) {
        act->desc->integral(x, y, n, act->p);
        return;
    }
    /* Gauss-Legendre on [0, 1] mapped to each panel [a, a + h] */
    static const double node[4] = { 0.0694318442029737, 0.3300094782075719,
                                    0.6699905217924281, 0.9305681557970263 };
    static const double weight[4] = { 0.1739274225687269, 0.3260725774312731,
                                      0.3260725774312731, 0.1739274225687269 };
    for (size_t i = 0; i < n; i++) {
        const double u = x[i];
        if (!isfinite(u)) {
            y[i] = (rs_real)u;
            continue;
        }
        const int panels = (int)fmin(ceil(fabs(u) * 4), 4096);
        const double h = panels ? u / panels : 0;
        double sum = 0;
        for (int k = 0; k < panels; k++) {
            rs_real t[4], ft[4];
            for (int q = 0; q < 4; q++)
                t[q] = (rs_real)(h * (k + node[q]));
            act->desc->forward(t, ft, 4, act->p);
            for (int q = 0; q < 4; q++)
                sum += weight[q] * ft[q];
        }
        y[i] = (rs_real)(sum * h);
    }
}

void rs_act_integral(const rs_act *act, const rs_real *x, rs_real *y, size_t n)
{
    AS_ACTIVATION(act, integral(act, x, y, n));
}
