/* ruleset/host.h: the table of host services handed to every plugin.
 *
 * A plugin links against nothing of ruleset: it calls the host only through the `rs_host`
 * pointer it receives (as SQLite hands sqlite3_api_routines to an extension). The table is
 * append-only: functions added in a later minor are appended with a "since 1.x" comment, and a
 * plugin built against 1.x may call every function its header declares, because the host
 * refuses plugins that need a newer minor than its own.
 *
 * Contexts: every call made on behalf of a job carries that job's `rs_ctx`: its random stream,
 * its error buffer and its allocator. A rule's state is used by one thread at a time.
 *
 * Failing: `return host->fail(ctx, RS_ERR_PARAM, "lr must be > 0, got %g", lr);` records the
 * message in the job's buffer and returns the code; the host adds plugin, job and step.
 */
#ifndef RULESET_HOST_H
#define RULESET_HOST_H

#include "net.h"

typedef struct rs_ctx rs_ctx;       /* a job's context (opaque) */
typedef struct rs_params rs_params; /* validated parameter values (opaque) */
typedef struct rs_optim rs_optim;   /* an optimizer's state (opaque) */

typedef enum rs_log_level { RS_LOG_ERROR = 0, RS_LOG_WARN = 1, RS_LOG_INFO = 2, RS_LOG_DEBUG = 3 } rs_log_level;

typedef enum rs_optim_kind { RS_OPTIM_SGD = 0, RS_OPTIM_ADAM = 1 } rs_optim_kind;

typedef struct rs_optim_config {
    uint32_t kind;       /* rs_optim_kind */
    double lr;
    double momentum;     /* SGD: heavy-ball momentum as torch.optim.SGD (dampening 0); 0 = plain */
    double beta1, beta2; /* Adam: 0.9, 0.999 as torch.optim.Adam */
    double eps;          /* Adam: 1e-8 */
    double weight_decay; /* L2 added to the gradient, as torch */
} rs_optim_config;

typedef struct rs_host {
    uint32_t struct_size;
    uint16_t abi_major, abi_minor; /* what this host speaks */

    /* ---- memory, errors, log (since 1.0) ------------------------------------------------ */
    /* Zeroed memory, aligned for SIMD; NULL on failure. Free with host->free only. */
    void *(*alloc)(rs_ctx *ctx, size_t bytes);
    void (*free)(rs_ctx *ctx, void *p); /* p may be NULL */
    /* Records the message as the job's error and returns code. */
    rs_status (*fail)(rs_ctx *ctx, rs_status code, const char *fmt, ...) RS_PRINTF(3, 4);
    void (*log)(rs_ctx *ctx, int level, const char *fmt, ...) RS_PRINTF(3, 4);
    const char *(*status_str)(rs_status code);

    /* ---- randomness: the job's own stream, derived from (seed, job); never global (1.0) -- */
    uint64_t (*rng_u64)(rs_ctx *ctx);
    double (*rng_uniform)(rs_ctx *ctx);             /* [0, 1) */
    double (*rng_normal)(rs_ctx *ctx);              /* N(0, 1) */
    void (*rng_fill_uniform)(rs_ctx *ctx, rs_real *dst, size_t n, rs_real lo, rs_real hi);
    void (*rng_fill_normal)(rs_ctx *ctx, rs_real *dst, size_t n, rs_real mean, rs_real sd);

    /* ---- parameters, already validated against the plugin's table (since 1.0) ----------- */
    /* Asking for a name the table does not declare is a bug in the plugin: the host prints it
     * and answers NaN, 0 or "". Strings are host-owned and live as long as `p`. */
    double (*param_real)(const rs_params *p, const char *name);
    int64_t (*param_int)(const rs_params *p, const char *name);
    int (*param_bool)(const rs_params *p, const char *name);
    const char *(*param_str)(const rs_params *p, const char *name); /* also for choices */

    /* ---- dense math (since 1.0) ---------------------------------------------------------- */
    /* Row-major C = alpha * op(A) op(B) + beta * C, op = transpose when trans_* is non-zero;
     * op(A) is (m, k), op(B) is (k, n). Small products run inline, large ones on the CBLAS.
     * Deterministic: the result does not depend on thread count. */
    void (*gemm)(int trans_a, int trans_b, size_t m, size_t n, size_t k, rs_real alpha,
                 const rs_real *a, size_t lda, const rs_real *b, size_t ldb, rs_real beta,
                 rs_real *c, size_t ldc);
    void (*axpy)(size_t n, rs_real alpha, const rs_real *x, rs_real *y); /* y += alpha x */

    /* ---- activations (since 1.0) --------------------------------------------------------- */
    /* y = f(x) over n values; dy = f'(x) given x and y = f(x). y may alias x in forward. */
    void (*act_forward)(const rs_act *act, const rs_real *x, rs_real *y, size_t n);
    void (*act_derivative)(const rs_act *act, const rs_real *x, const rs_real *y, rs_real *dy,
                           size_t n);
    const char *(*act_name)(const rs_act *act);

    /* ---- networks (since 1.0) ------------------------------------------------------------ */
    /* Forward pass of n <= net->max_batch examples x (n_0, n): fills net->z, net->a. */
    rs_status (*net_forward)(rs_ctx *ctx, rs_net *net, const rs_real *x, uint32_t n);
    /* Backprop after net_forward: given dL/da_L (n_L, n), fills net->delta and OVERWRITES
     * net->grads with dL/dW, dL/db. */
    rs_status (*net_backward)(rs_ctx *ctx, rs_net *net, const rs_real *d_out);
    /* Loss (rs_loss_kind) of pred (n_out, n) against y (n_out, n), averaged as PyTorch does;
     * if d_pred is not NULL it receives dLoss/dpred (n_out, n). BCE clamps log at -100 as
     * torch.nn.BCELoss does. Returns the loss (NaN or Inf passes through). */
    double (*loss)(uint32_t kind, const rs_real *pred, const rs_real *y, uint32_t n_out,
                   uint32_t n, rs_real *d_pred);

    /* ---- optimizers over a flat vector (since 1.0) ---------------------------------------- */
    rs_optim *(*optim_create)(rs_ctx *ctx, const rs_optim_config *cfg, size_t n);
    /* w -= step(g); the optimizer keeps its moments. */
    void (*optim_step)(rs_optim *opt, rs_real *w, const rs_real *g, size_t n);
    void (*optim_destroy)(rs_ctx *ctx, rs_optim *opt);
} rs_host;

#endif
