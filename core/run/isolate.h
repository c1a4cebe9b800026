/* isolate.h: run jobs in worker processes, so a plugin that crashes (SIGSEGV, abort) or hangs
 * costs its own job and nothing else.
 *
 * Each pool thread that meets a job to isolate forks one worker process and keeps it for the
 * following jobs (a fork per job would cost a page-table copy each time). The thread sends the
 * job's index down a socket; the worker runs the job exactly as a thread would (rs_run_job:
 * same streams, same numbers) and sends the result back as raw bytes (same binary, so no text
 * round trip). When the worker dies, the thread marks the job RS_JOB_CRASHED, naming the
 * plugin that was being called (the worker's crash handler leaves its name in a page shared
 * with the parent) and the signal; past run->job_timeout it asks the worker which plugin it
 * is in (SIGUSR1), kills it and marks the job RS_JOB_TIMEOUT. A new worker takes the next job.
 *
 * Which jobs: rs_isolate_plan decides per group. By default (RS_ISOLATE_AUTO) the jobs that
 * call any plugin from outside the built-in folder: the built-in plugins are tested under
 * ASan and valgrind by the suite, third-party code is not, and tiny built-in jobs then pay
 * nothing. A job timeout needs a process to kill, so with a timeout every job is isolated. */
#ifndef RS_ISOLATE_H
#define RS_ISOLATE_H

#include "runner.h"

typedef enum rs_isolate_mode {
    RS_ISOLATE_AUTO = 0, /* jobs with a third-party plugin (all jobs when a timeout is set) */
    RS_ISOLATE_ALL = 1,  /* every job */
    RS_ISOLATE_NONE = 2  /* no job: a crash takes the process down */
} rs_isolate_mode;

/* Fill run->isolate_group (freed by rs_run_free_results); returns how many groups are
 * isolated, or -1 when out of memory. Call after rs_run_plan. */
long rs_isolate_plan(rs_run *run, rs_isolate_mode mode);

typedef struct rs_worker rs_worker;

/* Run job j in the calling thread's worker *w (started on first use, replaced after a crash
 * or a timeout). res is filled as rs_run_job fills it; RS_JOB_PENDING when the run was
 * interrupted meanwhile. */
void rs_isolate_job(rs_worker **w, rs_run *run, size_t j, rs_job_result *res);
/* Stop the worker (it exits when its socket closes) and reap it. w may be NULL. */
void rs_worker_close(rs_worker *w);

#endif
