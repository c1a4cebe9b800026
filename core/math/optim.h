/* optim.h: SGD (with momentum) and Adam over a flat parameter vector, as torch.optim does. */
#ifndef RS_OPTIM_H
#define RS_OPTIM_H

#include <ruleset/host.h>

rs_optim *rs_optim_create(rs_ctx *ctx, const rs_optim_config *cfg, size_t n);
void rs_optim_step(rs_optim *opt, rs_real *w, const rs_real *g, size_t n);
void rs_optim_destroy(rs_ctx *ctx, rs_optim *opt);

#endif
