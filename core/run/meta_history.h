/* meta_history.h: what a meta-training run keeps besides the meta-parameters: each meta-step's
 * statistics, the inner-loss curves and held-out validation at checkpoints; and the files of
 * its run folder: checkpoint.json (meta-parameters, Adam state, history: --resume continues
 * from it bit for bit) and curves.tsv (`ruleset plot` draws it: task "meta-loss" by meta-step,
 * "inner-loss" curves at checkpoints, "held-out:..." by meta-step). */
#ifndef RS_META_HISTORY_H
#define RS_META_HISTORY_H

#include <cjson/cJSON.h>

#include "meta.h"

typedef struct rs_meta_inner { long it; double *curve; } rs_meta_inner;
typedef struct rs_meta_valid { long it; size_t task; double meta_loss, solved; } rs_meta_valid;

typedef struct rs_meta_history {
    rs_meta_step_stats *steps; size_t n_steps, cap_steps;
    rs_meta_inner *inner; size_t n_inner, cap_inner;     /* (max_steps) curve each */
    rs_meta_valid *valid; size_t n_valid, cap_valid;
    long n_clipped;
} rs_meta_history;

/* Append one meta-step's statistics; 0, or -1 when out of memory. */
int rs_meta_history_add(rs_meta_history *h, const rs_meta_step_stats *st);
void rs_meta_history_free(rs_meta_history *h);
/* Mean meta-loss of the last n completed steps (skipped ones left out); NaN when none. */
double rs_meta_recent_loss(const rs_meta_history *h, size_t n);
/* At a checkpoint: keep m->curve, run cfg.validation episodes on every held-out task and keep
 * their means; `held` gets "; TASK: meta-loss X, solved Y%" for each. 0, or -1 out of memory. */
int rs_meta_history_checkpoint(rs_meta *m, rs_meta_history *h, char *held, size_t held_size);

/* DIR/checkpoint.json, written atomically; spec_json is what a resume must match. 0, or -1
 * with one line in err. */
int rs_meta_checkpoint_write(const char *dir, const rs_meta *m, const rs_meta_history *h,
                             const char *spec_json, char *err, size_t size);
/* Read DIR/checkpoint.json into m and h (fresh). 0, or -1 with one line in err. */
int rs_meta_checkpoint_read(const char *dir, rs_meta *m, rs_meta_history *h,
                            const char *spec_json, char *err, size_t size);
/* DIR/curves.tsv, via a temporary file. 0, or -1 with one line in err. */
int rs_meta_curves_write(const char *dir, const rs_meta *m, const rs_meta_history *h,
                         char *err, size_t size);
/* The "meta" record of the weights file: the spec, the tasks, the meta-losses. */
cJSON *rs_meta_record(const rs_meta *m, const rs_meta_history *h, const char *spec_file,
                      const char *spec_json, long window);

#endif
