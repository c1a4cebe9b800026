/* tape.h: the reverse-mode autodiff tape (the manual is include/ruleset/tape.h and the
 * host->tape_* comments in include/ruleset/host.h; these are the functions behind them).
 *
 * A matrix-level Wengert list (docs/ARCHITECTURE.md): every op computes its value at once into an
 * arena and appends one node {op, inputs, value, gradient}; the recording order is already a
 * topological order, so backward is one reverse sweep in which every op ACCUMULATES (+=) into
 * the gradients of its inputs.
 *
 * Precision, chosen when the tape is created: a double tape (what plugins' host->tape_create
 * makes) stores and computes everything in double; a float tape (meta-training's "tape":
 * "float", created by the host only) stores values and gradients in float and runs each op's
 * float kernel (tape_kernels.inc: one source for both), except that reductions and log-softmax
 * accumulate in double. The double-typed boundaries stay: leaves are rounded to float on the
 * way in, and rs_tape_value / rs_tape_grad of a float tape return a double copy made on the
 * first call (in the arena, valid until the next reset). */
#ifndef RS_TAPE_H
#define RS_TAPE_H

#include <ruleset/plugin.h>

enum { RS_TAPE_DOUBLE = 0, RS_TAPE_FLOAT = 1 };

rs_tape *rs_tape_create(rs_ctx *ctx, int record); /* a double tape */
rs_tape *rs_tape_create_prec(rs_ctx *ctx, int record, int precision);
int rs_tape_precision(const rs_tape *t);
void rs_tape_destroy(rs_ctx *ctx, rs_tape *t);
void rs_tape_reset(rs_tape *t);
const char *rs_tape_error(const rs_tape *t);
/* Record an error from outside an op (first one wins); returns RS_TV_NONE. */
rs_tv rs_tape_fail(rs_tape *t, const char *fmt, ...) RS_PRINTF(2, 3);
int rs_tape_recording(const rs_tape *t);
/* Arena blocks allocated since creation: constant across repeats of one computation once the
 * first reset has coalesced them (the "no allocation in steady state" promise; tested). */
long rs_tape_allocations(const rs_tape *t);

void rs_tape_shape(const rs_tape *t, rs_tv v, uint32_t *rows, uint32_t *cols);
const double *rs_tape_value(const rs_tape *t, rs_tv v);
const double *rs_tape_grad(const rs_tape *t, rs_tv v);

rs_tv rs_tape_param(rs_tape *t, uint32_t rows, uint32_t cols, const double *values);
rs_tv rs_tape_const(rs_tape *t, uint32_t rows, uint32_t cols, const double *values);
rs_tv rs_tape_const_real(rs_tape *t, uint32_t rows, uint32_t cols, const rs_real *values);
rs_tv rs_tape_fill(rs_tape *t, uint32_t rows, uint32_t cols, double value);
/* A constant of y's shape: 1 at the largest entry of each column of y (the first on ties), 0
 * elsewhere (the class mask of the softmax cross-entropy loss). */
rs_tv rs_tape_argmax_mask(rs_tape *t, rs_tv y);

rs_tv rs_tape_matmul(rs_tape *t, rs_tv a, int trans_a, rs_tv b, int trans_b);
rs_tv rs_tape_add(rs_tape *t, rs_tv a, rs_tv b);
rs_tv rs_tape_sub(rs_tape *t, rs_tv a, rs_tv b);
rs_tv rs_tape_mul(rs_tape *t, rs_tv a, rs_tv b);
rs_tv rs_tape_scale(rs_tape *t, rs_tv a, double s);
rs_tv rs_tape_sigmoid(rs_tape *t, rs_tv a);
rs_tv rs_tape_tanh(rs_tape *t, rs_tv a);
rs_tv rs_tape_relu(rs_tape *t, rs_tv a);
rs_tv rs_tape_exp(rs_tape *t, rs_tv a);
rs_tv rs_tape_log(rs_tape *t, rs_tv a);
rs_tv rs_tape_square(rs_tape *t, rs_tv a);
/* torch.nn.Softplus (beta 1, threshold 20) and LeakyReLU (the left derivative at 0). */
rs_tv rs_tape_softplus(rs_tape *t, rs_tv a);
rs_tv rs_tape_leaky_relu(rs_tape *t, rs_tv a, double slope);
/* log softmax of every column over its rows (the units of a feature-major batch). */
rs_tv rs_tape_log_softmax(rs_tape *t, rs_tv a);
rs_tv rs_tape_clip(rs_tape *t, rs_tv a, double lo, double hi);
rs_tv rs_tape_sum(rs_tape *t, rs_tv a, int axis);
rs_tv rs_tape_mean(rs_tape *t, rs_tv a, int axis);
rs_tv rs_tape_broadcast(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols);
rs_tv rs_tape_reshape(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols);
rs_tv rs_tape_concat(rs_tape *t, const rs_tv *parts, uint32_t n, int axis);
rs_tv rs_tape_slice(rs_tape *t, rs_tv a, int axis, uint32_t start, uint32_t len);
rs_tv rs_tape_stop_gradient(rs_tape *t, rs_tv a);
rs_tv rs_tape_lstm_cell(rs_tape *t, rs_tv z, rs_tv c_prev, rs_tv *c_out);
rs_status rs_tape_backward(rs_tape *t, rs_tv loss);

/* tape_net.c: the network's forward pass and the task losses on the tape. */
/* Does the activation plugin `name` have a tape form? */
int rs_tape_act_supported(const char *name);
rs_status rs_tape_net_forward(rs_tape *t, const rs_net *net, const rs_tv *w, const rs_tv *b,
                              rs_tv x, rs_tv *a_out);
rs_tv rs_tape_loss(rs_tape *t, uint32_t kind, rs_tv pred, rs_tv y);

#endif
