/* host.c: the one rs_host table handed to every plugin: thin wrappers over the core. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "act.h"
#include "ctx.h"
#include "feedback.h"
#include "kernels.h"
#include "network.h"
#include "optim.h"
#include "params.h"
#include "registry.h"
#include "relax.h"
#include "recurrent.h"
#include "tape.h"
#include "task_data.h"
#include "weights.h"

static void host_log(rs_ctx *ctx, int level, const char *fmt, ...) RS_PRINTF(3, 4);
static void host_log(rs_ctx *ctx, int level, const char *fmt, ...)
{
    if (ctx && level > ctx->log_level)
        return;
    static const char *const names[] = { "error", "warning", "info", "debug" };
    /* One write(2) per line, no stdio: lines of parallel jobs do not interleave, and a job in
     * an isolated worker process (forked from a threaded parent, see isolate.c) never waits on
     * a stdio lock another thread held at fork time. */
    char line[1024];
    int n = snprintf(line, sizeof line, "ruleset: %s%s%s: ", ctx && ctx->who ? ctx->who : "",
                     ctx && ctx->who ? ": " : "", names[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w; /* nowhere to report a failed log write */
}

static uint64_t host_rng_u64(rs_ctx *ctx) { return rs_rng_u64(&ctx->rng); }
static double host_rng_uniform(rs_ctx *ctx) { return rs_rng_uniform(&ctx->rng); }
static double host_rng_normal(rs_ctx *ctx) { return rs_rng_normal(&ctx->rng); }
static void host_fill_uniform(rs_ctx *ctx, rs_real *dst, size_t n, rs_real lo, rs_real hi)
{
    rs_rng_fill_uniform(&ctx->rng, dst, n, lo, hi);
}
static void host_fill_normal(rs_ctx *ctx, rs_real *dst, size_t n, rs_real mean, rs_real sd)
{
    rs_rng_fill_normal(&ctx->rng, dst, n, mean, sd);
}

static rs_status host_net_forward(rs_ctx *ctx, rs_net *net, const rs_real *x, uint32_t n)
{
    /* a recurrent net's training noise (if any) comes from the job's stream; the runner's
     * evaluation calls rs_net_forward, which draws none */
    rs_status st = net->kind == RS_NET_RECURRENT ? rs_rnet_forward(net, x, n, &ctx->rng)
                                                 : rs_net_forward(net, x, n);
    if (st != RS_OK)
        return rs_fail(ctx, st, "forward pass of %u examples, more than the network's batch "
                                "capacity %u", n, net->max_batch);
    return RS_OK;
}

static rs_status host_net_backward(rs_ctx *ctx, rs_net *net, const rs_real *d_out)
{
    (void)ctx;
    return rs_net_backward(net, d_out);
}

static const rs_host host_table = {
    .struct_size = sizeof(rs_host),
    .abi_major = RS_ABI_MAJOR,
    .abi_minor = RS_ABI_MINOR,
    .alloc = rs_alloc,
    .free = rs_free,
    .fail = rs_fail,
    .log = host_log,
    .status_str = rs_status_str,
    .rng_u64 = host_rng_u64,
    .rng_uniform = host_rng_uniform,
    .rng_normal = host_rng_normal,
    .rng_fill_uniform = host_fill_uniform,
    .rng_fill_normal = host_fill_normal,
    .param_real = rs_param_real,
    .param_int = rs_param_int,
    .param_bool = rs_param_bool,
    .param_str = rs_param_str,
    .gemm = rs_gemm,
    .axpy = rs_axpy,
    .act_forward = rs_act_forward,
    .act_derivative = rs_act_derivative,
    .act_name = rs_act_name,
    .net_forward = host_net_forward,
    .net_backward = host_net_backward,
    .loss = rs_loss,
    .optim_create = rs_optim_create,
    .optim_step = rs_optim_step,
    .optim_destroy = rs_optim_destroy,
    .relax_create = rs_relax_create,
    .relax_destroy = rs_relax_destroy,
    .relax_init = rs_relax_init,
    .relax_run = rs_relax_run,
    .relax_energy = rs_relax_energy,
    .relax_grad = rs_relax_grad,
    .tape_create = rs_tape_create,
    .tape_destroy = rs_tape_destroy,
    .tape_reset = rs_tape_reset,
    .tape_error = rs_tape_error,
    .tape_shape = rs_tape_shape,
    .tape_value = rs_tape_value,
    .tape_grad = rs_tape_grad,
    .tape_param = rs_tape_param,
    .tape_const = rs_tape_const,
    .tape_const_real = rs_tape_const_real,
    .tape_fill = rs_tape_fill,
    .tape_matmul = rs_tape_matmul,
    .tape_add = rs_tape_add,
    .tape_sub = rs_tape_sub,
    .tape_mul = rs_tape_mul,
    .tape_scale = rs_tape_scale,
    .tape_sigmoid = rs_tape_sigmoid,
    .tape_tanh = rs_tape_tanh,
    .tape_relu = rs_tape_relu,
    .tape_exp = rs_tape_exp,
    .tape_log = rs_tape_log,
    .tape_square = rs_tape_square,
    .tape_clip = rs_tape_clip,
    .tape_sum = rs_tape_sum,
    .tape_mean = rs_tape_mean,
    .tape_broadcast = rs_tape_broadcast,
    .tape_reshape = rs_tape_reshape,
    .tape_concat = rs_tape_concat,
    .tape_slice = rs_tape_slice,
    .tape_stop_gradient = rs_tape_stop_gradient,
    .tape_lstm_cell = rs_tape_lstm_cell,
    .tape_backward = rs_tape_backward,
    .tape_net_forward = rs_tape_net_forward,
    .tape_loss = rs_tape_loss,
    .meta_load = rs_weights_load,
    .task_shared = rs_task_data_shared, /* since 1.1: task_data.c */
    .net_backward_feedback = rs_net_backward_feedback, /* since 1.2: feedback.c */
};

const rs_host *rs_host_get(void) { return &host_table; }

rs_registry *rs_registry_create(void) { return rs_registry_create_for(&host_table); }
