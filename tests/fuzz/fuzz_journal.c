/* fuzz_journal.c: a run's journal.tsv through rs_run_resume (`compare --resume`), on a run of
 * 2 rules x 1 task x 1 network x 2 replicates planned once. Checks what resuming promises:
 * every job taken is finished (so it is counted and not run again) and its points are the
 * ones its record announced. */
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "runner.h"
#include "runview.h"

static const char spec_text[] =
    "{\"name\": \"fz\", \"replicates\": 2, \"steps\": 20, \"eval_every\": 10,\n"
    " \"rules\": [\"backprop\", \"hebbian\"], \"tasks\": [\"gates:gate=xor\"],\n"
    " \"networks\": [\"2-2-1\"]}\n";

static rs_runview view;

static void close_view(void) { rs_runview_close(&view); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], err[2048];
    if (!view.spec) {
        fuzz_write_text("spec.json", spec_text, path, sizeof path);
        if (rs_runview_open(&view, fuzz_registry(), path, fuzz_dir(), err, sizeof err))
            fuzz_fail(err);
        atexit(close_view);
    }
    rs_run *run = &view.run;
    fuzz_write("journal.tsv", data, size, path, sizeof path);
    size_t taken = rs_run_resume(run), done = 0;
    for (size_t j = 0; j < run->n_jobs; j++) {
        const rs_job_result *r = &run->results[j];
        if (r->status == RS_JOB_PENDING)
            continue;
        done++;
        if (r->status < RS_JOB_OK || r->status > RS_JOB_TIMEOUT)
            fuzz_fail("a job taken from the journal with no finished status");
        if (r->n_points && !r->points)
            fuzz_fail("a job taken with points announced but none kept");
    }
    if (done != taken)
        fuzz_fail("jobs counted done differ from jobs taken");
    for (size_t j = 0; j < run->n_jobs; j++) { /* back to all pending for the next input */
        free(run->results[j].points);
        free(run->results[j].net_json);
        memset(&run->results[j], 0, sizeof run->results[j]);
    }
    return 0;
}
