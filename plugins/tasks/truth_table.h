/* truth_table.h: the machinery shared by the boolean tasks (gates.c, parity.c), included by
 * each so that every task stays one self-contained .so (plugins link nothing but libc/libm).
 *
 * A truth-table task has n_in binary inputs and 2^n_in rows in binary counting order, input 0
 * being the most significant bit: for two inputs the rows are (0,0), (0,1), (1,0), (1,1). The
 * caller supplies one target bit per row; this file does the coding and everything else:
 *
 *   coding   "01": inputs and targets are 0 / 1;  "pm1": -1 / +1 (info.lo, info.hi)
 *   outputs  "one": one unit holding the target;  "onehot": two units (class 0, class 1),
 *            the true class's unit hi and the other lo
 *   loss     mse | bce | ce (RS_LOSS_SOFTMAX_CE), what the host scores the task with
 *
 * Batches and the evaluation set are FEATURE-MAJOR: x[j * n + b], y[i * n + b]. A batch of
 * n == 2^n_in is the whole table in order; any other n draws rows uniformly with replacement
 * from the job's stream. solved() asks every row to be on the right side: one output above
 * (lo + hi) / 2 exactly when the target is hi; one-hot outputs with the target's argmax. */
#ifndef RS_TASKS_TRUTH_TABLE_H
#define RS_TASKS_TRUTH_TABLE_H

#include <string.h>

#include <ruleset/plugin.h>

typedef struct tt_state {
    const rs_host *host;  /* batch, solved and destroy get no host argument */
    uint32_t n_in, n_out, n_rows;
    rs_real lo, hi;
    rs_real *x;           /* (n_in, n_rows) the whole table, feature-major */
    rs_real *y;           /* (n_out, n_rows) */
} tt_state;

/* The parameter-table entries every truth-table task shares (append them to its own). */
#define TT_COMMON_PARAMS                                                                     \
    { .name = "coding", .type = RS_PARAM_CHOICE, .def_str = "01", .choices = "01|pm1",       \
      .help = "inputs and targets in {0,1} (01) or {-1,+1} (pm1)" },                          \
    { .name = "outputs", .type = RS_PARAM_CHOICE, .def_str = "one", .choices = "one|onehot",  \
      .help = "one output unit, or two one-hot class units with the same coding" },           \
    { .name = "loss", .type = RS_PARAM_CHOICE, .def_str = "mse", .choices = "mse|bce|ce",     \
      .help = "what the task is scored with: mean squared error, binary or softmax "          \
              "cross-entropy" }

static void tt_destroy(void *state, rs_ctx *ctx)
{
    tt_state *s = state;
    if (!s)
        return;
    s->host->free(ctx, s->x);
    s->host->free(ctx, s->y);
    s->host->free(ctx, s);
}

/* Builds the state from one target bit per row (target[r] is 0 or 1) and the common params.
 * On failure frees everything, leaves *state_out NULL and returns the host->fail code. */
static rs_status tt_create(const rs_host *host, rs_ctx *ctx, const rs_params *p, uint32_t n_in,
                           const unsigned char *target, rs_task_info *info, void **state_out)
{
    *state_out = NULL;
    const int pm1 = strcmp(host->param_str(p, "coding"), "pm1") == 0;
    const int onehot = strcmp(host->param_str(p, "outputs"), "onehot") == 0;
    const char *loss_name = host->param_str(p, "loss");
    const uint32_t loss = strcmp(loss_name, "bce") == 0 ? RS_LOSS_BCE
                        : strcmp(loss_name, "ce") == 0 ? RS_LOSS_SOFTMAX_CE : RS_LOSS_MSE;
    /* combinations that would score nonsense: BCE needs targets in [0, 1], and a softmax
     * over a single unit is always 1, so its loss is 0 whatever the network does */
    if (loss == RS_LOSS_BCE && pm1)
        return host->fail(ctx, RS_ERR_PARAM, "loss=bce needs targets in [0,1]; use coding=01");
    if (loss == RS_LOSS_SOFTMAX_CE && !onehot)
        return host->fail(ctx, RS_ERR_PARAM,
                          "loss=ce needs one unit per class; use outputs=onehot");

    const uint32_t n = (uint32_t)1 << n_in; /* rows */
    tt_state *s = host->alloc(ctx, sizeof *s);
    if (!s)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the task state");
    s->host = host;
    s->n_in = n_in;
    s->n_out = onehot ? 2 : 1;
    s->n_rows = n;
    s->lo = pm1 ? -1 : 0;
    s->hi = 1;
    s->x = host->alloc(ctx, (size_t)n_in * n * sizeof(rs_real));
    s->y = host->alloc(ctx, (size_t)s->n_out * n * sizeof(rs_real));
    if (!s->x || !s->y) {
        tt_destroy(s, ctx);
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the %u-row truth table", n);
    }
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t j = 0; j < n_in; j++) /* input 0 is the most significant bit of r */
            s->x[(size_t)j * n + r] = (r >> (n_in - 1 - j)) & 1 ? s->hi : s->lo;
        if (onehot) {
            s->y[r] = target[r] ? s->lo : s->hi;     /* unit 0: class 0 */
            s->y[n + r] = target[r] ? s->hi : s->lo; /* unit 1: class 1 */
        } else {
            s->y[r] = target[r] ? s->hi : s->lo;
        }
    }
    *info = (rs_task_info){
        .struct_size = sizeof(rs_task_info),
        .n_in = s->n_in, .n_out = s->n_out, .n_full = s->n_rows,
        .loss = loss, .lo = s->lo, .hi = s->hi,
    };
    *state_out = s;
    return RS_OK;
}

static rs_status tt_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y)
{
    const tt_state *s = state;
    const uint32_t rows = s->n_rows;
    for (uint32_t b = 0; b < n; b++) {
        /* the modulo's bias is below rows / 2^64 < 2^-47: invisible */
        uint32_t r = n == rows ? b : (uint32_t)(s->host->rng_u64(ctx) % rows);
        for (uint32_t j = 0; j < s->n_in; j++)
            x[(size_t)j * n + b] = s->x[(size_t)j * rows + r];
        for (uint32_t i = 0; i < s->n_out; i++)
            y[(size_t)i * n + b] = s->y[(size_t)i * rows + r];
    }
    return RS_OK;
}

/* The rows idx[0..n) in that order (ABI 1.1's gather: epochs over the table). */
static rs_status tt_gather(void *state, rs_ctx *ctx, const uint32_t *idx, uint32_t n,
                           rs_real *x, rs_real *y)
{
    const tt_state *s = state;
    const uint32_t rows = s->n_rows;
    for (uint32_t b = 0; b < n; b++) {
        if (idx[b] >= rows)
            return s->host->fail(ctx, RS_ERR_PARAM, "gather: row %u of a %u-row table", idx[b],
                                 rows);
        for (uint32_t j = 0; j < s->n_in; j++)
            x[(size_t)j * n + b] = s->x[(size_t)j * rows + idx[b]];
        for (uint32_t i = 0; i < s->n_out; i++)
            y[(size_t)i * n + b] = s->y[(size_t)i * rows + idx[b]];
    }
    return RS_OK;
}

static rs_status tt_eval_set(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                             uint32_t *n)
{
    (void)ctx;
    const tt_state *s = state;
    *x = s->x;
    *y = s->y;
    *n = s->n_rows;
    return RS_OK;
}

/* Index of the largest of n_out values strided by n (the first on ties); -1 when one is NaN,
 * so a NaN prediction never counts as right. */
static int tt_argmax(const rs_real *v, uint32_t n_out, uint32_t n)
{
    int best = 0;
    for (uint32_t i = 0; i < n_out; i++) {
        if (v[(size_t)i * n] != v[(size_t)i * n])
            return -1;
        if (v[(size_t)i * n] > v[(size_t)best * n])
            best = (int)i;
    }
    return best;
}

static int tt_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n, double loss)
{
    (void)loss;
    const tt_state *s = state;
    const rs_real mid = (s->lo + s->hi) / 2;
    for (uint32_t b = 0; b < n; b++) {
        if (s->n_out == 1) {
            /* NaN > mid is false, so a NaN prediction fails hi rows; the NaN test fails lo
             * rows too */
            if (pred[b] != pred[b] || (pred[b] > mid) != (y[b] > mid))
                return 0;
        } else if (tt_argmax(pred + b, s->n_out, n) != tt_argmax(y + b, s->n_out, n)) {
            return 0;
        }
    }
    return 1;
}

#endif
