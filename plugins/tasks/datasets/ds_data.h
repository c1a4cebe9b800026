/* ds_data.h: a data set held in memory once per process, and the task callbacks every data
 * set task shares (create, batch, gather, eval_set, solved, destroy, unload).
 *
 * Layout: the training examples are example-major, so gathering one copies a contiguous row;
 * the evaluation set is feature-major, (n_in, n_eval) and (n_out, n_eval), the layout
 * eval_set must hand out, so every job's eval_set points straight into it (no copy). Class
 * targets of the training set are kept as labels and one-hot coded per batch. */
#ifndef DS_DATA_H
#define DS_DATA_H

#include <ruleset/plugin.h>

typedef struct ds_data {
    const rs_host *host;
    uint32_t n_in, n_out, n_train, n_eval;
    int regression;         /* csv kind=regression: MSE on real targets; else softmax CE */
    rs_real *train_x;       /* (n_train, n_in) */
    uint16_t *train_label;  /* classification: the class of each training example */
    rs_real *train_y;       /* regression: (n_train, n_out) */
    rs_real *eval_x;        /* (n_in, n_eval) */
    rs_real *eval_y;        /* (n_out, n_eval); one-hot for classes */
    uint64_t bytes;         /* everything above */
} ds_data;

/* A ds_data with its arrays for the sizes set in *shape (zeroed); NULL after host->fail. */
ds_data *ds_data_new(const rs_host *host, rs_ctx *ctx, const ds_data *shape);
/* Scale every feature to zero mean and unit variance with the training set's statistics
 * (a feature constant in training is only centred), in training and evaluation alike. */
void ds_data_standardise(ds_data *d);

/* The class subset `text`: labels of known[0..n_known) named in the order wanted, separated
 * by commas or semicolons (on the command line commas separate the parameters), so that
 * order[j] is the index in known of the j-th label named (order holds n_known entries).
 * Returns k >= 2, 0 for "" (every class), or -1 after host->fail with one line saying what is
 * wrong: not a whole number, not a label of the data, named twice, fewer than two. */
int ds_class_subset(const rs_host *host, rs_ctx *ctx, const char *text, const double *known,
                    uint32_t n_known, uint32_t *order);
/* Fisher-Yates over n items of `size` bytes (at most 64), drawn from a splitmix64 stream
 * started at seed: the same seed, the same order, on every machine. */
void ds_shuffle(void *items, uint32_t n, size_t size, uint64_t seed);

/* The shared callbacks. Parameters every data set task declares: target_acc (and, for csv,
 * target_loss). */
rs_status ds_create(const rs_host *host, rs_ctx *ctx, const rs_params *p, rs_task_info *info,
                    void **state_out);
rs_status ds_batch(void *state, rs_ctx *ctx, uint32_t n, rs_real *x, rs_real *y);
rs_status ds_gather(void *state, rs_ctx *ctx, const uint32_t *idx, uint32_t n, rs_real *x,
                    rs_real *y);
rs_status ds_eval_set(void *state, rs_ctx *ctx, const rs_real **x, const rs_real **y,
                      uint32_t *n);
int ds_solved(void *state, const rs_real *pred, const rs_real *y, uint32_t n, double loss);
void ds_destroy(void *state, rs_ctx *ctx);
void ds_unload(const rs_host *host, void *shared);

#endif
