/* feedback.h: backprop's pass through the rule's feedback matrices (host->net_backward_feedback;
 * the contract is host.h's). */
#ifndef RS_FEEDBACK_H
#define RS_FEEDBACK_H

#include <ruleset/host.h>

#include "ctx.h"

rs_status rs_net_backward_feedback(rs_ctx *ctx, rs_net *net, const rs_real *d_out,
                                   uint32_t flags, rs_feedback_fn feedback, void *user);

#endif
