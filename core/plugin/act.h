/* act.h: activation functions resolved from text ("relu", "leaky_relu:slope=0.2") into an
 * activation plugin plus its parameter values (act_fn.h applies them). */
#ifndef RS_ACT_H
#define RS_ACT_H

#include "act_fn.h"
#include "registry.h"

/* NULL on error, with one line in err (unknown activation with the known ones, bad param). */
rs_act *rs_act_create(const rs_registry *reg, const char *text, char *err, size_t err_size);

#endif
