/* runner.h: turn a spec into jobs (rules x tasks x networks x replicates), run them on a pool
 * of threads, journal each finished job, and keep every result. Every job draws from its own
 * streams derived from the seed and its resolved configuration (never its labels), so numbers
 * never depend on thread count or on which other rules share the spec. */
#ifndef RS_RUNNER_H
#define RS_RUNNER_H

#include <signal.h>
#include <stdio.h>

#include "align.h"
#include "spec.h"

typedef struct rs_point {
    uint32_t step;
    double loss, acc;
    double metrics[RS_MAX_METRICS];
    double epoch;               /* step / steps per epoch; NaN when the job runs by steps */
    double train_loss;          /* mean of the rule's reported training loss since the last
                                 * point; NaN when it reported none (and at step 0) */
    double align[RS_MAX_ALIGN]; /* (n_align) cos(dW_l, -grad_l) of the interval's last step */
} rs_point;

typedef enum rs_job_status {
    RS_JOB_PENDING = 0,
    RS_JOB_OK = 1,
    RS_JOB_DIVERGED = 2, /* NaN or Inf: counted unsolved, the run goes on */
    RS_JOB_FAILED = 3,   /* the plugin returned an error */
    RS_JOB_CRASHED = 4,  /* the job's worker process died (SIGSEGV, abort, ...): see isolate.h */
    RS_JOB_TIMEOUT = 5   /* the job ran past --job-timeout and its worker was killed */
} rs_job_status;

typedef struct rs_job_result {
    int status;
    int solved;           /* at the final evaluation */
    long steps_to_solve;  /* first evaluation step at which it was solved; -1 never */
    double final_loss, final_acc, us_per_step;
    uint32_t n_points, n_metrics;
    uint32_t n_align;     /* alignment columns (weight layers) when the run records them */
    rs_point *points;
    char message[512];
    char *net_json;       /* the trained network (netio.h) when run->save_nets; malloc'd */
} rs_job_result;

typedef struct rs_task_meta {      /* what planning learned of each task */
    rs_task_info info;
} rs_task_meta;

typedef struct rs_group {           /* one row of the report: a rule on a task and network */
    size_t rule, task, net;
} rs_group;

typedef struct rs_run {
    rs_spec *spec;
    const rs_registry *reg;
    size_t n_jobs, n_groups, n_reps;
    rs_group *groups;              /* (n_groups): job i is replicate i % n_reps of group i / n_reps */
    rs_job_result *results;        /* (n_jobs), in job order */
    rs_task_meta *tasks;           /* (spec->n_tasks) */
    char dir[4096];
    int threads, quiet, progress;
    long steps_override, replicates_override;
    volatile sig_atomic_t *interrupted;
    char io_error[1024];           /* the first journal write failure */
    size_t n_resumed;
    /* Which jobs this process runs: job j when j % n_shards == shard (n_shards 0 or 1 = all).
     * `--shard i/n` and MPI ranks set it (shard.h, mpi_run.h). */
    size_t shard, n_shards;
    /* (n_groups) or NULL: non-zero when the group's jobs run in a worker process (isolate.h) */
    unsigned char *isolate_group;
    double job_timeout;            /* seconds, isolated jobs only; 0 = none */
    int save_nets;                 /* keep each trained network (res->net_json) and, with a
                                    * run folder, append it to nets.jsonl */
    char nets_error[1024];         /* the first nets.jsonl write failure (a warning) */
} rs_run;

/* Whether this process runs job j (its shard). */
static inline int rs_job_in_shard(const rs_run *run, size_t j)
{
    return run->n_shards <= 1 || j % run->n_shards == run->shard;
}

/* Fill run->tasks by creating every task once; check networks and batches against them.
 * Non-zero with one line in err on a problem (exit code 2). */
int rs_run_plan(rs_run *run, char *err, size_t err_size);
/* After rs_run_plan, before any job (plan_check.c): every task's sizes within the host's,
 * every job's memory within max_memory bytes (0 = the machine's physical memory), and each
 * rule x task x network opened once as its jobs will be (activations, weights files). Non-zero
 * with one line in err naming the item (exit code 2). */
int rs_run_check(rs_run *run, size_t max_memory, char *err, size_t err_size);
/* Open job i as it would run and close it again: 0, or why it would fail, in msg. */
int rs_job_dry_open(rs_run *run, size_t i, char *msg, size_t msg_size);
/* Job i's coordinates. */
static inline void rs_job_coords(const rs_run *run, size_t i, size_t *rule, size_t *task,
                                 size_t *net, size_t *rep)
{ /* inline: every file of the run layer names jobs by it, and none should link job.c for it */
    const rs_group *g = &run->groups[i / run->n_reps];
    *rep = i % run->n_reps;
    *rule = g->rule;
    *task = g->task;
    *net = g->net;
}
void rs_job_key(const rs_run *run, size_t i, char *buf, size_t size);
long rs_job_steps(const rs_run *run, size_t rule);
/* Read run->dir/journal.tsv and take every complete job that matches; returns how many. */
size_t rs_run_resume(rs_run *run);
/* Run job i alone into res (as the pool would; nothing is written). Free res->points and
 * res->net_json. */
void rs_run_job(rs_run *run, size_t i, rs_job_result *res);
/* The stream job i's task is created with (its evaluation set): rs_ctx_create(seed, this). */
uint64_t rs_job_task_stream(const rs_run *run, size_t i);
/* Job i's three streams (streams.c has the rule): the task's, the initial weights', the
 * rule's. */
void rs_job_streams(const rs_run *run, size_t i, uint64_t *task, uint64_t *init, uint64_t *job);
/* RUNDIR/nets.jsonl: one trained network per line (netio.h), the last line of a job wins. */
void rs_run_nets_path(const rs_run *run, char *buf, size_t size);
/* Run all pending jobs. 0 on success (even with diverged or failed jobs), non-zero when the
 * journal could not be written (io_error says why) or the run was interrupted. */
int rs_run_execute(rs_run *run);
void rs_run_free_results(rs_run *run);
/* Classification accuracy on a finite task's evaluation set: one output by the coding's
 * midpoint, several by argmax; NaN for tasks that draw fresh examples (n_full == 0). */
double rs_accuracy(const rs_task_info *ti, const rs_real *pred, const rs_real *y, uint32_t n);
/* Run job j in this thread (the pool calls it; so does an isolated worker process). */
void rs_run_job(rs_run *run, size_t j, rs_job_result *res);
/* Append the journal record of every finished job, in job order, to f (`ruleset merge`).
 * 0 ok, -1 on a write error (errno says why). */
int rs_journal_write_all(const rs_run *run, FILE *f);
/* Metric names of a rule (NULL-terminated) or NULL. */
const char *const *rs_rule_metric_names(const rs_item *rule);

#endif
