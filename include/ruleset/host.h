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
#include "tape.h"

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

/* ---- energy-based relaxation: the types of host->relax_* (since 1.0) -------------------- *
 *
 * A layered network seen as a dynamical system whose weights serve both directions: states
 * s_l (n_l, n) for l = 1..L settle with the input s_0 = x clamped. Two energies:
 *
 * RS_RELAX_HOPFIELD (Movellan 1991; Xie & Seung 2003; Scellier & Bengio 2017), per example
 *   E = sum_l c_l [ sum_i G_l(s_l,i) - s_l . (W_l s_{l-1} + b_l) ],   c_l = gamma^(l - L)
 *   s_l = f_l(u_l): u_l are the potentials, G_l(a) = u a - F_l(u) with F_l' = f_l (so that
 *   dE/ds_l = c_l (u_l - d_l)), and the drive of layer l is
 *   d_l = W_l s_{l-1} + b_l + gamma W_{l+1}^T s_{l+1}    (no top-down term for l = L).
 *   gamma = 1 is the symmetric Hopfield energy of CHL and EP; gamma < 1 is Xie & Seung's weak
 *   feedback (the c_l keep the dynamics the gradient flow of one energy).
 * RS_RELAX_PREDICTIVE (Whittington & Bogacz 2017), per example
 *   F = sum_l |s_l - mu_l|^2 / (2 var_l),
 *   mu_l = W_l p_{l-1} + b_l (l < L),  mu_L = f_L(W_L p_{L-1} + b_L),
 *   p_0 = x, p_l = f_l(s_l): hidden value nodes hold pre-activations as in the paper; the
 *   output node holds the output itself, so a sigmoid output meets 0/1 targets (with an
 *   identity output this is the paper's network exactly). u is not used.
 *
 * The output layer is free, NUDGED (the energy gains beta * |s_L - y|^2 / 2, beta of any sign:
 * EP's weak clamping, PC's soft clamp) or CLAMPED (s_L := y; its constant self term is left
 * out of E). The input is always clamped.
 *
 * Methods. RS_RELAX_FIXED_POINT (Hopfield only): sweeps l = 1..L setting u_l = d_l,
 * s_l = f_l(u_l) with the freshest neighbours (Gauss-Seidel). Each layer's update is the exact
 * minimiser of E over that layer, so free and clamped sweeps never raise E; a nudged output
 * uses its previous value in beta (y - s_L) (Laborieux et al. 2021's form). The step size is
 * not used. RS_RELAX_GRADIENT: synchronous Euler steps of the gradient flow,
 * Hopfield u_l += step (d_l - u_l) (Movellan's du/dt = -u + d, a descent direction of E
 * because ds = f'(u) du), predictive s_l -= step dF/ds_l; E falls at every iteration when
 * the step is small enough. Predictive with momentum mu (since 1.3): v_l = mu v_l + dF/ds_l,
 * s_l -= step v_l, Polyak's heavy ball as torch.optim.SGD and optax.sgd take it (PCX's state
 * optimiser); E need not fall at every iteration then. With fixed_prediction (since 1.3) the
 * predictive dynamics keep the predictions of the starting states, the fixed-prediction
 * assumption of Millidge, Tschantz & Buckley 2022: from the feedforward pass, with the output
 * clamped, the relaxed errors are backprop's deltas. Both stop after max_iters iterations,
 * or as soon as the largest change of any s in one iteration is below tol (tol = 0: always
 * max_iters).
 *
 * States are caller-owned arrays of pointers indexed by layer, u[l], s[l] (n_l, n)
 * feature-major with stride n, l = 1..L (index 0 is not read). The caller chooses where a
 * relaxation starts: relax_init puts the feedforward pass there; any other start (persistent
 * states, the free fixed point for a nudged phase) is the caller's copy. */
typedef struct rs_relax rs_relax; /* scratch for one network size (opaque) */

typedef enum rs_relax_energy_kind {
    RS_RELAX_HOPFIELD = 0,
    RS_RELAX_PREDICTIVE = 1
} rs_relax_energy_kind;
typedef enum rs_relax_method_kind {
    RS_RELAX_FIXED_POINT = 0, /* Gauss-Seidel sweeps, Hopfield only */
    RS_RELAX_GRADIENT = 1     /* synchronous Euler steps */
} rs_relax_method_kind;
typedef enum rs_relax_output_kind {
    RS_RELAX_FREE = 0,    /* no target anywhere: the phase a prediction is read from */
    RS_RELAX_NUDGED = 1,  /* + beta |s_L - y|^2 / 2 */
    RS_RELAX_CLAMPED = 2  /* s_L = y */
} rs_relax_output_kind;

typedef struct rs_relax_config {
    uint32_t struct_size;     /* sizeof(rs_relax_config) */
    uint32_t energy;          /* rs_relax_energy_kind */
    uint32_t method;          /* rs_relax_method_kind */
    uint32_t output;          /* rs_relax_output_kind */
    uint32_t max_iters;       /* iterations at most (0: states are left as given) */
    double step;              /* GRADIENT: Euler step / inference rate, > 0 */
    double tol;               /* stop when max |change of s| < tol; 0 = never early */
    double beta;              /* NUDGED: strength, any sign */
    double feedback;          /* HOPFIELD: top-down gain gamma > 0; 1 = symmetric */
    const rs_real *variance;  /* PREDICTIVE: var_l at [l - 1], l = 1..L, > 0; NULL = all 1 */
    double momentum;          /* since 1.3. PREDICTIVE: heavy-ball momentum mu in [0, 1) of the
                               * state steps, v = mu v + dF/ds, s -= step v, v = 0 at the start
                               * of every relax_run; 0 = plain steps (a config whose struct_size
                               * ends before this member reads as 0) */
    uint32_t fixed_prediction; /* since 1.3. PREDICTIVE: non-zero holds mu_l, f'(s_l) and
                               * p_l at the run's starting states for the whole run, and
                               * relax_grad then uses those of the last relax_run on this
                               * scratch (call it right after, on the same states) */
} rs_relax_config;

typedef struct rs_relax_stats {
    uint32_t iters;      /* iterations run */
    uint32_t converged;  /* non-zero when it stopped because the change fell below tol */
    double change;       /* the largest change of any s in the last iteration */
} rs_relax_stats;

/* The backward pass through feedback matrices (host->net_backward_feedback, since 1.2): the
 * matrix that carries the error down to layer l in place of W^T, asked for once per layer and
 * step, in the order the pass needs them (l = L..2 layered, L-1..1 direct), so a rule may
 * draw or build it on the spot from ctx's stream. It stays the rule's: valid until the next
 * call. NULL fails the pass (after host->fail with the rule's own message, or with the
 * host's). */
typedef const rs_real *(*rs_feedback_fn)(void *user, rs_ctx *ctx, const rs_net *net,
                                          uint32_t l);
enum {
    RS_FEEDBACK_DIRECT = 1,   /* every hidden layer from the output error (DFA), else layer by
                               * layer (FA) */
    RS_FEEDBACK_TRANSPOSE = 2 /* the matrix given has the forward shape and is applied
                               * transposed: W_l itself is backprop, sign(W_l) sign symmetry */
};

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

    /* ---- energy-based relaxation (since 1.0; the types and the model are above) ----------- */
    /* Scratch for relaxing `net` with up to max_n examples; NULL on no memory. Create it in a
     * rule's create (never in step) and free it with relax_destroy (r may be NULL). */
    rs_relax *(*relax_create)(rs_ctx *ctx, const rs_net *net, uint32_t max_n);
    void (*relax_destroy)(rs_ctx *ctx, rs_relax *r);
    /* The feedforward pass as states: HOPFIELD u_l = W_l s_{l-1} + b_l, s_l = f_l(u_l);
     * PREDICTIVE s_l = mu_l (every error zero). x (n_0, n). */
    void (*relax_init)(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, uint32_t n, rs_real *const *u, rs_real *const *s);
    /* Relax the states in place from where they are. y (n_L, n) is the target: required for
     * NUDGED and CLAMPED (CLAMPED first copies it into s_L), and MUST be NULL for FREE, so a
     * free phase cannot see a target. stats may be NULL. Fails with a message: RS_ERR_PARAM
     * on a bad config (unknown energy/method/output, FIXED_POINT with PREDICTIVE, step <= 0
     * with GRADIENT, feedback <= 0, a variance <= 0, a missing or a forbidden y),
     * RS_ERR_SHAPE when n > max_n. PREDICTIVE never reads or writes u (it may hold NULLs). */
    rs_status (*relax_run)(rs_relax *r, rs_ctx *ctx, const rs_net *net,
                           const rs_relax_config *cfg, const rs_real *x, const rs_real *y,
                           uint32_t n, rs_real *const *u, rs_real *const *s,
                           rs_relax_stats *stats);
    /* The energy (E, or F; plus the nudge term when NUDGED, which needs y) at the states,
     * averaged over the n examples. */
    double (*relax_energy)(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                           const rs_real *x, const rs_real *y, uint32_t n,
                           rs_real *const *u, rs_real *const *s);
    /* g (net->n_params, the layout of net->params) += alpha * dE/dtheta at the states s,
     * averaged over the n examples (the nudge term does not depend on theta). HOPFIELD:
     * dE/dW_l = -c_l s_l s_{l-1}^T, dE/db_l = -c_l s_l. PREDICTIVE: dF/dW_l = -e_l p_{l-1}^T,
     * dF/db_l = -e_l, e_l = (s_l - mu_l) / var_l (times f_L' at the output). So EP's update is
     * g = (dE(s^beta) - dE(s^0)) / beta, CHL's g = dE(clamped) - dE(free), PC's g = dF, and
     * w -= lr * g in every case. */
    void (*relax_grad)(rs_relax *r, const rs_net *net, const rs_relax_config *cfg,
                       const rs_real *x, uint32_t n, rs_real *const *s, rs_real alpha,
                       rs_real *g);

    /* ---- reverse-mode autodiff tape (since 1.0; tape.h is the manual) -------------------- */
    /* A double tape with its arena; record = 0 computes values only (no backward). NULL on
     * no memory. Destroy with tape_destroy. (The host itself may hand a rule's dstep a float
     * tape, tape.h: the same functions work on it.) */
    rs_tape *(*tape_create)(rs_ctx *ctx, int record);
    void (*tape_destroy)(rs_ctx *ctx, rs_tape *t); /* t may be NULL */
    /* Forget every tensor and the error; keep the memory (coalesced into one block). */
    void (*tape_reset)(rs_tape *t);
    /* The first error recorded since the last reset, or NULL. */
    const char *(*tape_error)(const rs_tape *t);
    /* Shape of v; 0 x 0 for RS_TV_NONE or a bad handle. */
    void (*tape_shape)(const rs_tape *t, rs_tv v, uint32_t *rows, uint32_t *cols);
    /* Values (rows, cols) of v, row-major, valid until the next reset; NULL for a bad handle.
     * On a float tape: a double copy, made on the first call and then the same pointer (NULL
     * on no memory); writing through it changes nothing on the tape. */
    const double *(*tape_value)(const rs_tape *t, rs_tv v);
    /* d loss / d v after tape_backward, for tensors that depend on a tape_param leaf; NULL
     * for the others (constants) and before a backward pass. A double copy on a float tape,
     * as tape_value's, valid until the next reset or backward pass. */
    const double *(*tape_grad)(const rs_tape *t, rs_tv v);

    /* Leaves. values (rows * cols, row-major) are copied; NULL gives zeros. tape_param's
     * leaves get gradients; tape_const's do not (inputs, targets, detached state). */
    rs_tv (*tape_param)(rs_tape *t, uint32_t rows, uint32_t cols, const double *values);
    rs_tv (*tape_const)(rs_tape *t, uint32_t rows, uint32_t cols, const double *values);
    rs_tv (*tape_const_real)(rs_tape *t, uint32_t rows, uint32_t cols, const rs_real *values);
    rs_tv (*tape_fill)(rs_tape *t, uint32_t rows, uint32_t cols, double value); /* constant */

    /* op(a) op(b), op = transpose when trans_* is non-zero; op(a) (m, k), op(b) (k, n). */
    rs_tv (*tape_matmul)(rs_tape *t, rs_tv a, int trans_a, rs_tv b, int trans_b);
    /* Elementwise with broadcasting (tape.h): a + b, a - b, a * b. */
    rs_tv (*tape_add)(rs_tape *t, rs_tv a, rs_tv b);
    rs_tv (*tape_sub)(rs_tape *t, rs_tv a, rs_tv b);
    rs_tv (*tape_mul)(rs_tape *t, rs_tv a, rs_tv b);
    rs_tv (*tape_scale)(rs_tape *t, rs_tv a, double s); /* s a */
    /* Elementwise functions. relu'(0) = 0; log of x <= 0 gives -inf/NaN as C does. */
    rs_tv (*tape_sigmoid)(rs_tape *t, rs_tv a);
    rs_tv (*tape_tanh)(rs_tape *t, rs_tv a);
    rs_tv (*tape_relu)(rs_tape *t, rs_tv a);
    rs_tv (*tape_exp)(rs_tape *t, rs_tv a);
    rs_tv (*tape_log)(rs_tape *t, rs_tv a);
    rs_tv (*tape_square)(rs_tape *t, rs_tv a);
    /* min(max(a, lo), hi); the gradient is 0 where a was clipped (outside [lo, hi]). */
    rs_tv (*tape_clip)(rs_tape *t, rs_tv a, double lo, double hi);
    /* Reductions: axis -1 over everything -> (1, 1); 0 over rows -> (1, cols); 1 over
     * columns -> (rows, 1). */
    rs_tv (*tape_sum)(rs_tape *t, rs_tv a, int axis);
    rs_tv (*tape_mean)(rs_tape *t, rs_tv a, int axis);
    /* a (1 or rows, 1 or cols) repeated to (rows, cols). */
    rs_tv (*tape_broadcast)(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols);
    /* The same values read as (rows, cols); rows * cols must equal a's size. */
    rs_tv (*tape_reshape)(rs_tape *t, rs_tv a, uint32_t rows, uint32_t cols);
    /* n tensors side by side (axis 1: same rows) or stacked (axis 0: same cols). */
    rs_tv (*tape_concat)(rs_tape *t, const rs_tv *parts, uint32_t n, int axis);
    /* len rows (axis 0) or columns (axis 1) of a from start. */
    rs_tv (*tape_slice)(rs_tape *t, rs_tv a, int axis, uint32_t start, uint32_t len);
    /* A copy of a through which no gradient flows. */
    rs_tv (*tape_stop_gradient)(rs_tape *t, rs_tv a);
    /* One LSTM step for n rows at once (PyTorch's gate order i, f, g, o): z (n, 4H) are the
     * pre-activations x W_x^T + h W_h^T + b, c_prev (n, H). i, f, o = sigmoid, g = tanh of
     * their blocks; c = f c_prev + i g; returns h = o tanh(c) (n, H) and sets *c_out = c.
     * Fused: one forward kernel and a hand-written backward. */
    rs_tv (*tape_lstm_cell)(rs_tape *t, rs_tv z, rs_tv c_prev, rs_tv *c_out);

    /* One reverse sweep from the (1, 1) tensor loss: zeroes every gradient, seeds
     * d loss / d loss = 1 and accumulates into every tensor that depends on a param leaf.
     * Fails (with tape_error set) on a recorded error, a non-scalar loss or record = 0. */
    rs_status (*tape_backward)(rs_tape *t, rs_tv loss);

    /* The network's forward pass on the tape with weights w[l - 1] (n_l, n_{l-1}) and biases
     * b[l - 1] (n_l, 1) or RS_TV_NONE, l = 1..L, from x (n_0, n) feature-major: fills
     * a_out[0..L] (a_out[0] = x) with the activations (n_l, n). The activations are the net's
     * own (identity, sigmoid, tanh, relu, leaky_relu, softplus have a tape form; others fail
     * with RS_ERR_UNSUPPORTED). Errors are recorded on the tape too. */
    rs_status (*tape_net_forward)(rs_tape *t, const rs_net *net, const rs_tv *w, const rs_tv *b,
                                  rs_tv x, rs_tv *a_out);
    /* The loss (rs_loss_kind, averaged as host->loss) of pred against y, both (n_out, n):
     * (1, 1). MSE and BCE (clamped at log >= -100 as torch); softmax CE on the columns. */
    rs_tv (*tape_loss)(rs_tape *t, uint32_t kind, rs_tv pred, rs_tv y);

    /* Load a rule's meta-parameters from a weights file written by `ruleset meta-train`.
     * path: absolute, or relative to the working directory, else its file name in ruleset's
     * rules folder (the source tree's or the installed one; $RULESET_RULES_DIR first), so the
     * default "rules/NAME.weights.json" is found from anywhere.
     * The file must be for the rule params->plugin, trained with the same value of every
     * parameter but "weights", and hold exactly the n tensors of `shapes` (names and shapes)
     * with finite values, copied into values (the concatenation, tape.h). Otherwise fails with
     * one message naming the file and what is wrong (missing, not JSON, truncated, another
     * rule, a parameter or shape that differs) and RS_ERR_IO or RS_ERR_PARAM. */
    rs_status (*meta_load)(rs_ctx *ctx, const char *path, const rs_params *params,
                           const rs_meta_shape *shapes, uint32_t n, double *values);

    /* ---- shared task data (since 1.1) ----------------------------------------------------- */
    /* The data the task's load callback made for these parameters (the params given to the
     * task's create), read-only and shared by every job of the process; loaded on first use
     * when the host has not loaded it already. NULL when the task has no load callback or
     * loading failed: the message is then recorded in ctx (return its code from create). */
    const void *(*task_shared)(rs_ctx *ctx, const rs_params *params);

    /* ---- the backward pass of the feedback-alignment family (since 1.2) ------------------- */
    /* net_backward with the error sent down through matrices the rule chooses instead of the
     * transposed forward weights; after net_forward, fills net->delta and net->grads (dw, db)
     * exactly as net_backward's layout, the optimizer step left to the rule. With e = delta_L
     * = d_out * f_L'(z_L) and B = feedback(user, ctx, net, l):
     *   layered (flags without RS_FEEDBACK_DIRECT), l = L..2:
     *     delta_{l-1} = (B delta_l) * f_{l-1}'(z_{l-1}),  B (n_{l-1}, n_l) row-major, or with
     *     RS_FEEDBACK_TRANSPOSE a matrix M (n_l, n_{l-1}) used as M^T  (M = W_l: backprop)
     *   direct (RS_FEEDBACK_DIRECT), l = L-1..1:
     *     delta_l = (B e) * f_l'(z_l),  B (n_l, n_L), or with RS_FEEDBACK_TRANSPOSE M (n_L, n_l)
     *     used as M^T  (M = W_L for l = L-1 with one hidden layer: backprop)
     *   and for every l: dLoss/dW_l = delta_l a_{l-1}^T, dLoss/db_l = the batch sum of delta_l.
     * Layered networks only (RS_ERR_UNSUPPORTED otherwise). feedback_alignment.c,
     * direct_feedback_alignment.c and sign_symmetry.c are ten-line examples. */
    rs_status (*net_backward_feedback)(rs_ctx *ctx, rs_net *net, const rs_real *d_out,
                                       uint32_t flags, rs_feedback_fn feedback, void *user);
} rs_host;

#endif
