/* runview.h: a run read back for `inspect` and `plot`: its spec (RUNDIR/spec.json) planned
 * again, groups chosen by label, the trained networks of nets.jsonl, and the evaluation set of a
 * job's task rebuilt from the same random stream the job used. */
#ifndef RS_RUNVIEW_H
#define RS_RUNVIEW_H

#include "netio.h"
#include "runner.h"

typedef struct rs_runview {
    rs_spec *spec;
    rs_run run;
    volatile sig_atomic_t never; /* run.interrupted points here */
    long *net_line;              /* (n_jobs) offset of each job's last line in nets.jsonl, or
                                  * -1; built on the first load */
    int nets_state;              /* 0 not read yet, 1 indexed, -1 no nets.jsonl */
} rs_runview;

/* Parse and plan SPEC (a file: RUNDIR/spec.json or a spec to train). dir is the run folder
 * ("" for a spec that has none). 0, or one line in err (exit code 2). */
int rs_runview_open(rs_runview *v, const rs_registry *reg, const char *spec_path,
                    const char *dir, char *err, size_t err_size);
void rs_runview_close(rs_runview *v);

/* The groups whose rule, task and net labels match (NULL matches all): an exact label wins,
 * otherwise any label containing the text. *groups is malloc'd. 0, or a message (no match:
 * the labels there are). */
int rs_runview_select(const rs_runview *v, const char *rule, const char *task, const char *net,
                      size_t **groups, size_t *n, char *err, size_t err_size);
/* "--rule 'R' --task 'T' --net 'N'" of a group, for messages. */
void rs_runview_group_flags(const rs_runview *v, size_t g, char *buf, size_t size);

/* Job j's network from RUNDIR/nets.jsonl (its last line for the job), checked against the
 * job's key (a line from another spec is refused). 0; 1 when the run kept no network for the
 * job (message in err); 2 on any other problem. */
int rs_runview_load(rs_runview *v, size_t j, uint32_t max_batch, rs_loaded_net *ln,
                    char *err, size_t err_size);
/* Train job j now (as compare would) and load its network. 0, or a message. */
int rs_runview_train(rs_runview *v, size_t j, uint32_t max_batch, rs_loaded_net *ln,
                     char *err, size_t err_size);

/* A task's fixed evaluation set. */
typedef struct rs_evalset {
    const rs_task_desc *td;
    void *state;
    rs_ctx *ctx;
    rs_params *own_params;  /* when built from text */
    rs_task_info info;
    const rs_real *x, *y;   /* (n_in, n), (n_out, n) */
    uint32_t n;
    char label[256];
} rs_evalset;

/* Job j's task, created from the job's own task stream. 0, or a message. */
int rs_evalset_job(rs_evalset *e, const rs_runview *v, size_t j, char *err, size_t err_size);
/* A task from "name:k=v,..." text (a saved network's "task", or --task), seed 1. */
int rs_evalset_text(rs_evalset *e, const rs_registry *reg, const char *text, char *err,
                    size_t err_size);
void rs_evalset_close(rs_evalset *e);

#endif
