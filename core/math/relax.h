/* relax.h: the relaxation engine of energy-based rules (CHL, EP, predictive coding), offered
 * to plugins as host->relax_*. The model, the energies, the methods and the contract are
 * documented in include/ruleset/host.h; docs/RULES.md has the equations. */
#ifndef RS_RELAX_H
#define RS_RELAX_H

#include <ruleset/host.h>

rs_relax *rs_relax_create(rs_ctx *ctx, const rs_net *net, uint32_t max_n);
void rs_relax_destroy(rs_ctx *ctx, rs_relax *r);
void rs_relax_init(rs_relax *r, const rs_net *net, const rs_relax_config *cfg, const rs_real *x,
                   uint32_t n, rs_real *const *u, rs_real *const *s);
rs_status rs_relax_run(rs_relax *r, rs_ctx *ctx, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *u,
                       rs_real *const *s, rs_relax_stats *stats);
double rs_relax_energy(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, const rs_real *y, uint32_t n, rs_real *const *u,
                       rs_real *const *s);
void rs_relax_grad(rs_relax *r, const rs_net *net, const rs_relax_config *cfg, const rs_real *x,
                   uint32_t n, rs_real *const *s, rs_real alpha, rs_real *g);

#endif
