/* ruleset/plugin.h: what a plugin is. The only header a plugin includes.
 *
 * A plugin file is a shared object exporting exactly one symbol, rs_plugin_entry. The host calls
 * it with index 0, 1, 2, ... until it returns NULL; each answer is the head of a descriptor of
 * one kind (rule, activation, task). One file may hold several plugins (as LADSPA does).
 *
 *   #include <ruleset/plugin.h>
 *
 *   static const rs_rule_desc my_rule = {
 *       RS_PLUGIN_HEAD(rs_rule_desc, RS_KIND_RULE),
 *       .head.name = "sign_sgd", .head.version = "1.0.0",
 *       .head.summary = "one line", .head.citation = "the paper", .head.params = my_params,
 *       .create = my_create, .step = my_step, .destroy = my_destroy,
 *   };
 *   RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
 *   {
 *       (void)host;
 *       return index == 0 ? &my_rule.head : NULL;
 *   }
 *
 * Contracts (MUST): descriptors, names and parameter tables are static const and live as long
 * as the file is loaded; a plugin keeps no writable statics (all mutable state lives in what
 * create returns); a plugin allocates with host->alloc and frees with host->free; arguments are
 * borrowed for the duration of a call; create either succeeds or leaves *state_out NULL, and
 * the host calls destroy exactly once per successful create. Optional callbacks are NULL.
 * See docs/PLUGINS.md for the whole story and the versioning policy.
 */
#ifndef RULESET_PLUGIN_H
#define RULESET_PLUGIN_H

#include "host.h"
#include "tape.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rs_kind { RS_KIND_RULE = 1, RS_KIND_ACTIVATION = 2, RS_KIND_TASK = 3 } rs_kind;

/* ---- parameter tables ------------------------------------------------------------------- */

typedef enum rs_param_type { /* append only */
    RS_PARAM_REAL = 1,   /* def, lo, hi */
    RS_PARAM_INT = 2,    /* def, lo, hi (whole numbers) */
    RS_PARAM_BOOL = 3,   /* def is 0 or 1 */
    RS_PARAM_CHOICE = 4, /* def_str must be one of choices, "a|b|c" */
    RS_PARAM_STR = 5,    /* free text, def_str */
    /* since 1.2: flags OR'ed into the type of a REAL parameter, excluding an end from its
     * range: .type = RS_PARAM_REAL | RS_PARAM_OPEN_LO, .lo = 0, .hi = 10 is (0, 10], so a
     * learning rate of 0, which would silently train nothing, is refused. The low byte of
     * type is the rs_param_type proper (RS_PARAM_TYPE_MASK). */
    RS_PARAM_OPEN_LO = 0x100,
    RS_PARAM_OPEN_HI = 0x200
} rs_param_type;
#define RS_PARAM_TYPE_MASK 0xffu

/* One entry of a plugin's parameter table; the table ends with a zeroed entry. The host
 * validates every spec against it, fills in defaults, and prints it in `ruleset info`. */
typedef struct rs_param_spec {
    const char *name;    /* [a-z0-9_]+ */
    uint32_t type;       /* rs_param_type, with RS_PARAM_OPEN_* flags for a REAL (since 1.2) */
    double def;          /* REAL, INT, BOOL default */
    double lo, hi;       /* REAL, INT: the valid range, both ends included unless flagged */
    const char *def_str; /* CHOICE, STR default */
    const char *choices; /* CHOICE: "a|b|c" */
    const char *help;    /* one line */
} rs_param_spec;

/* ---- the common head --------------------------------------------------------------------- */

typedef struct rs_plugin_head {
    uint32_t struct_size;       /* sizeof the whole kind descriptor, as compiled */
    uint16_t abi_major, abi_minor;
    uint16_t real_size;         /* sizeof(rs_real) the plugin was built with */
    uint16_t kind;              /* rs_kind */
    const char *name;           /* [a-z0-9_]+, unique among loaded plugins */
    const char *version;        /* the plugin's own version, e.g. "1.0.0" */
    const char *summary;        /* one line for `ruleset list` */
    const char *citation;       /* the paper it implements, or NULL */
    const rs_param_spec *params; /* terminated by a zeroed entry; NULL = no parameters */
} rs_plugin_head;

/* Fills the fields a plugin author must never type by hand. */
#define RS_PLUGIN_HEAD(desc_type, kind_value)                         \
    .head.struct_size = sizeof(desc_type),                            \
    .head.abi_major = RS_ABI_MAJOR, .head.abi_minor = RS_ABI_MINOR,   \
    .head.real_size = sizeof(rs_real), .head.kind = (kind_value)

/* ---- rules -------------------------------------------------------------------------------- */

#define RS_MAX_METRICS 8

/* Zeroed by the host before each step. */
typedef struct rs_step_stats {
    double loss;                     /* training loss on the batch, if the rule computed it */
    uint32_t has_loss;               /* non-zero when loss is set */
    uint32_t n_metrics;              /* how many of metrics[] are set, in metric_names order */
    double metrics[RS_MAX_METRICS];  /* e.g. energy, relaxation iterations */
} rs_step_stats;

/* What the rule is told about the task it will learn. */
typedef struct rs_task_info {
    uint32_t struct_size;
    uint32_t n_in, n_out;
    uint32_t n_full;   /* size of the task's finite example set (a truth table, a data set's
                        * training examples); 0 = unbounded */
    uint32_t loss;     /* rs_loss_kind the task is scored with */
    rs_real lo, hi;    /* the target coding: {0,1} gives 0, 1; {-1,+1} gives -1, 1; since 1.1,
                        * lo == hi says the targets are no class coding (regression): the host
                        * reports no accuracy */
} rs_task_info;

/* What the meta-trainer hands a rule's dstep: the network's current weights and the rule's
 * recurrent state as tensors on the tape, to be replaced by the updated ones.
 *
 * THE dstep CONTRACT (a rule that provides dstep MUST also provide meta_shapes and
 * meta_init; the loader refuses it otherwise):
 *   - dstep records ONE learning step on io->batch on io->tape: the same update `step` makes,
 *     but with every weight, activity and piece of recurrent state a tape tensor, so the
 *     meta-gradient flows from the task loss back to the meta-parameters io->meta.
 *   - It reads the current weights from io->w / io->b and writes the updated ones back into
 *     them (new handles); it MUST NOT touch net->params: the network given is for shapes and
 *     activations only (host->tape_net_forward runs its forward pass on the tape).
 *   - State that must carry over to the next step AND be differentiated through (an LSTM's
 *     h and c) goes in io->carry[0 .. io->n_carry), which the rule sets and the host keeps:
 *     all RS_TV_NONE at the start of an episode (the rule substitutes zeros). At a truncation
 *     boundary the host replaces w, b and carry by constants with the same values (a detach)
 *     on a fresh tape, so a rule MUST NOT keep tape handles in its own state between calls.
 *     Fixed per-episode quantities (random feedback matrices) live in the rule's state and are
 *     entered with tape_const at each call.
 *   - The meta-parameters io->meta[k] have the shapes meta_shapes declared, in that order.
 *   - Randomness, if any, from the ctx stream; errors via host->fail (tape errors are read by
 *     the host afterwards).
 *   - When the meta-trainer creates the rule it sets the STR parameter "weights" (a rule with
 *     dstep declares it: the file `step` loads its meta-parameters from) to "", which means
 *     "do not load": the meta-parameters come through dstep. With weights = "" outside
 *     meta-training the rule runs with meta_init's values (an untrained rule).
 * The core (`ruleset meta-train`) meta-trains any rule that follows this. */
typedef struct rs_dstep_io {
    uint32_t struct_size;
    rs_tape *tape;                 /* recording */
    const rs_net *net;             /* shapes and activations; NOT the current weights */
    const rs_batch *batch;         /* this step's examples */
    const rs_tv *meta;             /* (n_meta) the meta-parameter tensors */
    uint32_t n_meta;
    uint32_t n_layers;             /* L = net->n_layers */
    rs_tv w[RS_TAPE_MAX_LAYERS];   /* in/out: w[l - 1] = W_l (n_l, n_{l-1}), l = 1..L */
    rs_tv b[RS_TAPE_MAX_LAYERS];   /* in/out: b_l (n_l, 1), or RS_TV_NONE without biases */
    uint32_t n_carry;              /* in/out: how many carry slots are in use */
    rs_tv carry[RS_TAPE_MAX_CARRY];
    rs_step_stats *stats;          /* zeroed; the rule MAY report its training loss */
} rs_dstep_io;

typedef struct rs_rule_desc {
    rs_plugin_head head;
    /* Extra per-step metrics the rule reports (NULL-terminated, at most RS_MAX_METRICS), or
     * NULL. They become columns of curves.tsv. */
    const char *const *metric_names;
    /* required (since 1.0) */
    rs_status (*create)(const rs_host *host, rs_ctx *ctx, const rs_params *params,
                        const rs_net *net, const rs_task_info *task, void **state_out);
    /* One learning step on a batch; the rule changes net's weights in place. */
    rs_status (*step)(void *state, rs_ctx *ctx, rs_net *net, const rs_batch *batch,
                      rs_step_stats *stats_out);
    void (*destroy)(void *state, rs_ctx *ctx); /* state may be NULL */
    /* optional (since 1.0): the network's answer to x (n_0, n) into out (n_L, n) when it is
     * not the plain feedforward pass (e.g. the free phase of an energy-based network). NULL =
     * host->net_forward. MUST NOT use any target. */
    rs_status (*predict)(void *state, rs_ctx *ctx, rs_net *net, const rs_real *x, uint32_t n,
                         rs_real *out);

    /* optional (since 1.0): meta-training; see "THE dstep CONTRACT" above. */
    /* The meta-parameter tensors for this state's network and parameters: fills up to cap
     * entries of out, returns how many there are. */
    uint32_t (*meta_shapes)(void *state, rs_meta_shape *out, uint32_t cap);
    /* Initial meta-parameter values (the concatenation, tape.h), drawn from ctx's stream. */
    void (*meta_init)(void *state, rs_ctx *ctx, double *values);
    /* The differentiable step. */
    rs_status (*dstep)(void *state, rs_ctx *ctx, rs_dstep_io *io);

    /* optional (since 1.0): the rule read as a function of local signals (`ruleset explain`).
     * For n independent synapses of weight layer `layer` (1..L), each given the signals
     * signals[k * 4 + 0..3] = (pre, post, w, m) (m: the rule's modulatory signal at the post
     * unit) held fixed for `steps` >= 1 steps from a fresh state, write the weight change of
     * the last step into dw[k]. MUST NOT change the network. */
    rs_status (*local_update)(void *state, rs_ctx *ctx, uint32_t layer, const double *signals,
                              uint32_t n, uint32_t steps, double *dw);
} rs_rule_desc;

/* ---- activations ------------------------------------------------------------------------ */

typedef struct rs_activation_desc {
    rs_plugin_head head;
    /* y = f(x) over n values (y may alias x). p: the activation's parameters. A plugin built
     * against ABI 1.2 or later gets every parameter, in table order, as an rs_real: REAL and
     * INT their value, BOOL 0 or 1, CHOICE the index of the chosen word in "a|b|c" (0-based),
     * STR 0 (an activation has no use for text). Before 1.2 p held the REAL parameters only,
     * in table order (e.g. leaky_relu's slope), which is what the host still passes to a
     * plugin whose head says abi_minor < 2. Required. */
    void (*forward)(const rs_real *x, rs_real *y, size_t n, const rs_real *p);
    /* dy = f'(x), given x and y = f(x). Required. */
    void (*derivative)(const rs_real *x, const rs_real *y, rs_real *dy, size_t n,
                       const rs_real *p);
    /* optional (since 1.0): y = F(x) = the integral of f from 0 to x, over n values (y may
     * alias x). Energies of relaxing networks need it (host->relax_energy: the Hopfield self
     * term G(a) = u a - F(u) for a = f(u)). NULL: the host integrates f numerically. */
    void (*integral)(const rs_real *x, rs_real *y, size_t n, const rs_real *p);
} rs_activation_desc;

/* ---- tasks -------------------------------------------------------------------------------- */

typedef struct rs_task_desc {
    rs_plugin_head head;
    /* required (since 1.0) */
    rs_status (*create)(const rs_host *host, rs_ctx *ctx, const rs_params *params,
                        rs_task_info *info_out, void **state_out);
    /* Fill x (n_in, n) and y (n_out, n) with a training batch of n examples. When the task is
     * finite and n == info.n_full, the batch is the whole set in order; otherwise examples are
     * drawn with the job's random stream. */
    rs_status (*batch)(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y);
    /* The fixed evaluation set: task-owned arrays, (n_in, n) and (n_out, n), valid until
     * destroy. */
    rs_status (*eval_set)(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                          uint32_t *n);
    /* Non-zero when pred (n_out, n) on the evaluation set counts as solved; loss is the
     * evaluation loss the host computed. */
    int (*solved)(void *state, const rs_real *pred, const rs_real *y, uint32_t n, double loss);
    void (*destroy)(void *state, rs_ctx *ctx);

    /* optional (since 1.1): data read once per process and shared read-only by every job.
     * load reads and validates what the parameters name (files) and sets *shared_out and
     * *bytes_out (the memory it holds, for the run's first lines); on bad data it fails
     * through host->fail with one line naming the file and what is wrong, and leaves
     * *shared_out NULL. The host calls it at most once per process for each distinct set of
     * resolved parameter values, before any job starts (so bad data stops the run up front);
     * create reaches the result with host->task_shared(ctx, params). Allocate with
     * host->alloc(ctx, ...); ctx lives for this call only. */
    rs_status (*load)(const rs_host *host, rs_ctx *ctx, const rs_params *params,
                      void **shared_out, uint64_t *bytes_out);
    /* Free what load made (host->free(NULL, p)); called once, when the host is done. */
    void (*unload)(const rs_host *host, void *shared);
    /* optional (since 1.1): the training examples idx[0..n) (each < info.n_full) into x
     * (n_in, n) and y (n_out, n), feature-major, in that order: the host draws epochs with it
     * (every example once per epoch). MUST NOT allocate. */
    rs_status (*gather)(void *state, rs_ctx *ctx, const uint32_t *idx, uint32_t n, rs_real *x,
                        rs_real *y);
} rs_task_desc;

/* ---- the one exported symbol -------------------------------------------------------------- */

typedef const rs_plugin_head *(*rs_plugin_entry_fn)(const rs_host *host, uint32_t index);

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif
