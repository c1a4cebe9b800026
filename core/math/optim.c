/* optim.c: see optim.h. Both follow torch.optim's update order exactly (weight decay into the
 * gradient; SGD's first momentum buffer is the gradient itself; Adam's bias corrections). */
#include "optim.h"

#include <math.h>

#include "ctx.h"

struct rs_optim {
    rs_optim_config cfg;
    size_t n;
    long t;         /* steps taken */
    rs_real *m, *v; /* (n) moments: momentum buffer / Adam's first and second */
};

rs_optim *rs_optim_create(rs_ctx *ctx, const rs_optim_config *cfg, size_t n)
{
    rs_optim *o = rs_alloc(ctx, sizeof *o + 2 * (n + 16) * sizeof(rs_real));
    if (!o)
        return NULL;
    o->cfg = *cfg;
    o->n = n;
    o->m = (rs_real *)(((uintptr_t)(o + 1) + 63) & ~(uintptr_t)63);
    o->v = o->m + n;
    return o;
}

void rs_optim_destroy(rs_ctx *ctx, rs_optim *opt) { rs_free(ctx, opt); }

void rs_optim_step(rs_optim *o, rs_real *restrict w, const rs_real *restrict g, size_t n)
{
    const rs_optim_config *c = &o->cfg;
    const rs_real lr = (rs_real)c->lr, wd = (rs_real)c->weight_decay;
    o->t++;
    if (c->kind == RS_OPTIM_ADAM) {
        const rs_real b1 = (rs_real)c->beta1, b2 = (rs_real)c->beta2;
        const double bc1 = 1 - pow(c->beta1, (double)o->t), bc2 = 1 - pow(c->beta2, (double)o->t);
        const rs_real step = (rs_real)(c->lr / bc1), rbc2 = (rs_real)(1 / sqrt(bc2));
        const rs_real eps = (rs_real)c->eps;
        for (size_t i = 0; i < n; i++) {
            rs_real gi = g[i] + wd * w[i];
            o->m[i] = b1 * o->m[i] + (1 - b1) * gi;
            o->v[i] = b2 * o->v[i] + (1 - b2) * gi * gi;
            w[i] -= step * o->m[i] / (sqrtf(o->v[i]) * rbc2 + eps);
        }
        return;
    }
    if (c->momentum != 0) {
        const rs_real mu = (rs_real)c->momentum;
        if (o->t == 1)
            for (size_t i = 0; i < n; i++)
                o->m[i] = g[i] + wd * w[i];
        else
            for (size_t i = 0; i < n; i++)
                o->m[i] = mu * o->m[i] + g[i] + wd * w[i];
        for (size_t i = 0; i < n; i++)
            w[i] -= lr * o->m[i];
        return;
    }
    if (wd != 0)
        for (size_t i = 0; i < n; i++)
            w[i] -= lr * (g[i] + wd * w[i]);
    else
        for (size_t i = 0; i < n; i++)
            w[i] -= lr * g[i];
}
