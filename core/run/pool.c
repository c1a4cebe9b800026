/* pool.c: rs_run_execute: the pending jobs of this shard on a pool of threads (or their
 * worker processes, isolate.h), each journalled as it finishes, with a progress bar. */
#include "runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "isolate.h"
#include "job.h"
#include "progress.h"
#include "strbuf.h"

/* ---- the pool -------------------------------------------------------------------------- */

typedef struct pool {
    rs_run *run;
    FILE *journal;
    FILE *nets;        /* nets.jsonl when run->save_nets */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    atomic_size_t next;
    size_t done, total, running;
    int stop;
    /* Group commit: finished jobs' lines wait here, under the lock, and go out together every
     * COMMIT_S (networks first, then the journal, each written and flushed): one write per
     * file per commit, not per job. A kill -9 loses at most the jobs of the last COMMIT_S;
     * --resume runs them again, with the same numbers. */
    rs_strbuf pend_nets, pend_journal;
    double last_commit;
} pool;

#define COMMIT_S 0.05
#define COMMIT_BYTES ((size_t)1 << 20) /* or sooner, when this much waits */

/* Writes what waits, the networks before the journal records (a journalled job has its
 * network); called with the lock held, or once the threads have ended. */
static void commit(pool *p)
{
    rs_run *run = p->run;
    if ((p->pend_nets.len || p->pend_nets.oom) && p->nets && !run->nets_error[0]) {
        errno = p->pend_nets.oom ? ENOMEM : 0; /* a warning: the results do not need them */
        if (p->pend_nets.oom || fwrite(p->pend_nets.s, 1, p->pend_nets.len, p->nets) != p->pend_nets.len
            || fflush(p->nets) != 0)
            snprintf(run->nets_error, sizeof run->nets_error, "%s/nets.jsonl: cannot write (%s)",
                     run->dir, strerror(errno ? errno : EIO));
    }
    if (!p->stop && (p->pend_journal.len || p->pend_journal.oom)) {
        errno = p->pend_journal.oom ? ENOMEM : 0;
        if (p->pend_journal.oom
            || fwrite(p->pend_journal.s, 1, p->pend_journal.len, p->journal)
               != p->pend_journal.len || fflush(p->journal) != 0) {
            snprintf(run->io_error, sizeof run->io_error, "%s/journal.tsv: cannot write (%s)",
                     run->dir, strerror(errno ? errno : EIO));
            p->stop = 1;
        }
    }
    p->pend_nets.len = p->pend_journal.len = 0;
    p->last_commit = rs_now_s();
}

static void *worker(void *arg)
{
    pool *p = arg;
    rs_run *run = p->run;
    rs_strbuf b = { 0 };
    rs_worker *iso = NULL; /* this thread's worker process, started on first use */
    for (;;) {
        size_t j = atomic_fetch_add(&p->next, 1);
        if (j >= run->n_jobs)
            break;
        if (run->results[j].status != RS_JOB_PENDING || !rs_job_in_shard(run, j))
            continue;
        pthread_mutex_lock(&p->lock);
        int stop = p->stop || *run->interrupted;
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
        rs_job_result res = { 0 };
        if (run->isolate_group && run->isolate_group[j / run->n_reps])
            rs_isolate_job(&iso, run, j, &res);
        else
            rs_run_job(run, j, &res);
        if (res.status == RS_JOB_PENDING) /* interrupted mid-job: not journalled */
            break;
        b.len = 0;
        rs_journal_record(run, j, &res, &b);
        pthread_mutex_lock(&p->lock);
        if (res.net_json && p->nets && !run->nets_error[0])
            rs_sb_puts(&p->pend_nets, res.net_json);
        free(res.net_json);
        res.net_json = NULL;
        if (!p->stop) {
            if (b.oom)
                p->pend_journal.oom = 1;
            else
                rs_sb_putn(&p->pend_journal, b.s, b.len);
        }
        if (rs_now_s() - p->last_commit >= COMMIT_S || p->pend_journal.len >= COMMIT_BYTES
            || p->pend_journal.oom)
            commit(p);
        run->results[j] = res;
        p->done++; /* no signal: the bar redraws on its timer, and waking it per job cost a
                    * futex call or two per job */
        pthread_mutex_unlock(&p->lock);
    }
    rs_sb_free(&b);
    rs_worker_close(iso);
    pthread_mutex_lock(&p->lock);
    p->running--;
    pthread_cond_signal(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* A kill may have cut the last line mid-way: end it, so the lines appended now start on lines
 * of their own (resume drops the cut record and its job runs again). */
static void end_cut_line(FILE *f)
{
    if (fseek(f, -1, SEEK_END) == 0) {
        int last = fgetc(f);
        fseek(f, 0, SEEK_END);
        if (last != '\n' && last != EOF)
            fputc('\n', f);
    }
}

/* journal.tsv (required) and, when the run keeps them, nets.jsonl (a warning when it cannot
 * be opened), both for appending. Non-zero when the journal cannot be opened. */
static int open_files(pool *p, const char *path)
{
    rs_run *run = p->run;
    if (!(p->journal = fopen(path, "a+"))) {
        snprintf(run->io_error, sizeof run->io_error, "%s: cannot open for writing (%s)", path,
                 strerror(errno));
        return 1;
    }
    end_cut_line(p->journal);
    if (run->save_nets) {
        char npath[4200];
        rs_run_nets_path(run, npath, sizeof npath);
        if (!(p->nets = fopen(npath, "a+")))
            snprintf(run->nets_error, sizeof run->nets_error, "%s: cannot open for writing (%s)",
                     npath, strerror(errno));
        else
            end_cut_line(p->nets);
    }
    return 0;
}

/* The pool's threads, and the progress bar redrawn every 200 ms until the last one ends. */
static void run_threads(pool *p)
{
    rs_run *run = p->run;
    int n_threads = run->threads > 0 ? run->threads : 1;
    if ((size_t)n_threads > p->total)
        n_threads = p->total ? (int)p->total : 1;
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    double start = rs_now_s();
    p->running = 0;
    for (int i = 0; tids && i < n_threads; i++)
        if (pthread_create(&tids[i], NULL, worker, p) == 0)
            p->running++;
    pthread_mutex_lock(&p->lock);
    while (p->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->changed, &p->lock, &ts);
        if (run->progress)
            rs_progress_draw((long)p->done, (long)p->total, 0, rs_now_s() - start, "jobs", NULL);
    }
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; tids && i < n_threads; i++)
        pthread_join(tids[i], NULL);
    commit(p); /* the last jobs' lines */
    if (run->progress)
        fprintf(stderr, "\n");
    free(tids);
}

int rs_run_execute(rs_run *run)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run->dir);
    pool p = { .run = run, .last_commit = rs_now_s() };
    if (open_files(&p, path))
        return 1;
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    for (size_t j = 0; j < run->n_jobs; j++)
        p.total += run->results[j].status == RS_JOB_PENDING && rs_job_in_shard(run, j);
    run_threads(&p);
    int bad = 0;
    if (p.nets && fclose(p.nets) != 0 && !run->nets_error[0])
        snprintf(run->nets_error, sizeof run->nets_error, "%s/nets.jsonl: cannot write (%s)",
                 run->dir, strerror(errno));
    if (fclose(p.journal) != 0 && !run->io_error[0]) {
        snprintf(run->io_error, sizeof run->io_error, "%s: cannot write (%s)", path,
                 strerror(errno));
        bad = 1;
    }
    rs_sb_free(&p.pend_nets);
    rs_sb_free(&p.pend_journal);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    return bad || run->io_error[0] || *run->interrupted;
}
