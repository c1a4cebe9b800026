/* job.h: what the run's own files (job.c, plan.c, journal.c, pool.c) share beyond runner.h. */
#ifndef RS_JOB_H
#define RS_JOB_H

#include "runner.h"
#include "strbuf.h"

/* Job sizes of rule r on task t: the steps, the batch (<= 0: bad) and the evaluation period,
 * each the rule's own value or the spec's default, after the command line's overrides. */
long rs_job_steps_of(const rs_run *run, size_t rule, size_t task);
long rs_job_batch(const rs_run *run, size_t rule, size_t task);
long rs_job_eval_every(const rs_run *run, size_t rule, size_t task);
/* Steps of one epoch (ceil(n_full / batch)) when the spec trains by epochs, else 0. */
long rs_job_epoch_steps(const rs_run *run, size_t rule, size_t task);

/* Append job j's journal record (J line, P points, E end) to b. */
void rs_journal_record(const rs_run *run, size_t j, const rs_job_result *res, rs_strbuf *b);

#endif
