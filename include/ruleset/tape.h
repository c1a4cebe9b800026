/* ruleset/tape.h: the reverse-mode autodiff tape offered to plugins (through the host->tape_*
 * functions of host.h), and the meta-parameter shapes of meta-trainable rules.
 *
 * A tape records operations on small dense matrices as they run (define-by-run) and sweeps
 * them backwards once to get gradients. A tensor is named by a handle (rs_tv) valid
 * until the tape is reset. Usage, e.g. the gradient of sum(tanh(W x)) with respect to W:
 *
 *   rs_tape *t = host->tape_create(ctx, 1);            // 1: record for backward
 *   rs_tv w = host->tape_param(t, 3, 2, w_values);     // a leaf that gets a gradient
 *   rs_tv x = host->tape_const(t, 2, 1, x_values);     // a leaf without one
 *   rs_tv y = host->tape_tanh(t, host->tape_matmul(t, w, 0, x, 0));
 *   rs_tv loss = host->tape_sum(t, y, -1);             // 1 x 1
 *   if (host->tape_backward(t, loss) != RS_OK) ...      // host->tape_error(t) says why
 *   const double *dw = host->tape_grad(t, w);          // (3, 2), row-major
 *   host->tape_reset(t);                               // forget everything, keep the memory
 *   host->tape_destroy(ctx, t);
 *
 * Shapes: every tensor is (rows, cols), row-major; a vector is (n, 1) or (1, n); a scalar is
 * (1, 1). Elementwise binary ops broadcast: each dimension of each operand equals the
 * result's or is 1 (so a (1, cols) row, a (rows, 1) column or a (1, 1) scalar combines with a
 * (rows, cols) matrix), and the backward pass sums over the broadcast dimensions.
 *
 * Errors: an op given a bad handle or mismatched shapes records ONE message (the first; read
 * it with tape_error) and returns RS_TV_NONE; every later op given RS_TV_NONE returns
 * RS_TV_NONE quietly, and tape_backward then fails. So a whole computation can be written
 * without checking each call, and checked once at the end.
 *
 * Memory: values live in an arena owned by the tape (gradients in a parallel one). The arena
 * grows while a computation is recorded for the first time; tape_reset keeps (and coalesces)
 * the memory, so repeating a computation of the same shape allocates nothing. Pointers from
 * tape_value / tape_grad stay valid until the next reset.
 *
 * Precision: every value crosses this interface as double. A tape from host->tape_create
 * stores and computes in double. Meta-training may instead run a rule's dstep on a FLOAT tape
 * (the spec's "meta": {"tape": "float"}; the host creates it, a rule cannot tell but by the
 * numbers): leaves are rounded to float on the way in, every op computes in float (sums and
 * log-softmax accumulate in double), and tape_value / tape_grad return a double copy of the
 * float tensor, made on the first call in the tape's arena, valid until the next reset (a
 * gradient's until the next backward pass too). So a rule needs no change for either tape, but
 * must not write through those pointers nor expect more than float's 7 digits from a float
 * tape.
 *
 * Recording: a tape created with record = 0 computes values with the same kernels but keeps
 * nothing for a backward pass (no gradient arena, tape_backward fails): rules use one to run
 * their dstep computation forward-only in step, where the weights are not meta-trained.
 *
 * Threads: a tape belongs to one thread at a time, as the rule state that holds it. */
#ifndef RULESET_TAPE_H
#define RULESET_TAPE_H

#include "net.h"

typedef struct rs_tape rs_tape; /* opaque */

/* A tensor on a tape: its index in the recording, >= 0; RS_TV_NONE for "none" or "error". */
typedef int32_t rs_tv;
#define RS_TV_NONE ((rs_tv)-1)

/* One meta-parameter tensor of a meta-trainable rule (rs_rule_desc.meta_shapes). The values of
 * all tensors are handled as one vector: each tensor row-major, tensors in declared order. */
typedef struct rs_meta_shape {
    char name[32];   /* [a-z0-9_.]+, unique within the rule: "w_x", "coef.1" */
    uint32_t rows, cols;
} rs_meta_shape;

/* Limits of rs_dstep_io (plugin.h). */
#define RS_TAPE_MAX_LAYERS 17  /* weight layers of a network a dstep sees */
#define RS_TAPE_MAX_CARRY 64   /* recurrent state tensors a rule keeps across dsteps */

#endif
