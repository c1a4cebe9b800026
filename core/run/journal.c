/* journal.c: RUNDIR/journal.tsv, one record per finished job (J2 line, its P points, E end),
 * appended as jobs finish and read back by --resume and `ruleset merge`.
 *
 * A J2 record's points carry the epoch, the training loss and n_align alignment columns
 * after the loss and accuracy; the older J records (journals written before them) are read
 * too, their points with those values NaN, so an old run folder still resumes and merges. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "strbuf.h"
#include "tsv.h"

void rs_journal_record(const rs_run *run, size_t j, const rs_job_result *res, rs_strbuf *b)
{
    char key[512];
    rs_job_key(run, j, key, sizeof key);
    /* "J2\t%zu\t%s\t%d\t%d\t%ld\t%.17g\t%.17g\t%.17g\t%u\t%u\t%u\t%s\n" and its points,
     * without printf (numfmt.h): a job's numbers were most of its bookkeeping */
    rs_sb_puts(b, "J2\t");
    rs_sb_u(b, j);
    rs_sb_puts(b, "\t");
    rs_tsv_escape_sb(b, key); /* labels and messages may hold tabs or newlines (tsv.h) */
    const long long ints[] = { res->status, res->solved, res->steps_to_solve };
    for (int i = 0; i < 3; i++) {
        rs_sb_puts(b, "\t");
        rs_sb_i(b, ints[i]);
    }
    const double reals[] = { res->final_loss, res->final_acc, res->us_per_step };
    for (int i = 0; i < 3; i++) {
        rs_sb_puts(b, "\t");
        rs_sb_g(b, reals[i], 17);
    }
    const unsigned counts[] = { res->n_points, res->n_metrics, res->n_align };
    for (int i = 0; i < 3; i++) {
        rs_sb_puts(b, "\t");
        rs_sb_u(b, counts[i]);
    }
    rs_sb_puts(b, "\t");
    rs_tsv_escape_sb(b, res->message);
    rs_sb_puts(b, "\n");
    for (uint32_t p = 0; p < res->n_points; p++) { /* P, step, loss, acc, epoch, train_loss, ... */
        const rs_point *pt = &res->points[p];
        rs_sb_puts(b, "P\t");
        rs_sb_u(b, pt->step);
        const double v[] = { pt->loss, pt->acc, pt->epoch, pt->train_loss };
        for (int i = 0; i < 4; i++) {
            rs_sb_puts(b, "\t");
            rs_sb_g(b, v[i], 17);
        }
        for (uint32_t m = 0; m < res->n_metrics; m++) {
            rs_sb_puts(b, "\t");
            rs_sb_g(b, pt->metrics[m], 17);
        }
        for (uint32_t k = 0; k < res->n_align; k++) {
            rs_sb_puts(b, "\t");
            rs_sb_g(b, pt->align[k], 17);
        }
        rs_sb_puts(b, "\n");
    }
    rs_sb_puts(b, "E\t");
    rs_sb_u(b, j);
    rs_sb_puts(b, "\n");
}

int rs_journal_write_all(const rs_run *run, FILE *f)
{
    rs_strbuf b = { 0 };
    int rc = 0;
    for (size_t j = 0; j < run->n_jobs && rc == 0; j++) {
        if (run->results[j].status == RS_JOB_PENDING)
            continue;
        b.len = 0;
        rs_journal_record(run, j, &run->results[j], &b);
        if (b.oom || !b.s || fwrite(b.s, 1, b.len, f) != b.len)
            rc = -1;
    }
    rs_sb_free(&b);
    return rc;
}

/* The fields of a J2 line (v2) or an older J line into cur; how many of the ten the two
 * share were read (as sscanf counts). */
static int record_head(const char *line, int v2, rs_job_result *cur, size_t *j, char *key,
                       int *off)
{
    if (v2)
        return sscanf(line, "J2\t%zu\t%511[^\t]\t%d\t%d\t%ld\t%lg\t%lg\t%lg\t%u\t%u\t%u\t%n", j,
                      key, &cur->status, &cur->solved, &cur->steps_to_solve, &cur->final_loss,
                      &cur->final_acc, &cur->us_per_step, &cur->n_points, &cur->n_metrics,
                      &cur->n_align, off) - 1;
    return sscanf(line, "J\t%zu\t%511[^\t]\t%d\t%d\t%ld\t%lg\t%lg\t%lg\t%u\t%u\t%n", j, key,
                  &cur->status, &cur->solved, &cur->steps_to_solve, &cur->final_loss,
                  &cur->final_acc, &cur->us_per_step, &cur->n_points, &cur->n_metrics, off);
}

size_t rs_run_resume(rs_run *run)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0, taken = 0;
    rs_job_result cur = { 0 };
    long cur_j = -1;
    uint32_t want_pts = 0, cap_pts = 0;
    int v2 = 0; /* the record is a J2 one */
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == 'J') {
            free(cur.points);
            memset(&cur, 0, sizeof cur);
            cur_j = -1;
            char key[512], want[512];
            size_t j;
            int off = 0;
            v2 = line[1] == '2';
            if (record_head(line, v2, &cur, &j, key, &off) < 10 || j >= run->n_jobs
                || cur.n_metrics > RS_MAX_METRICS || cur.n_align > RS_MAX_ALIGN
                || cur.status <= RS_JOB_PENDING || cur.status > RS_JOB_TIMEOUT)
                continue; /* damaged (a status such as -0 reads as pending): run it again */
            rs_job_key(run, j, want, sizeof want);
            if (strcmp(rs_tsv_unescape(key), want) != 0 || run->results[j].status != RS_JOB_PENDING)
                continue; /* the spec changed, or a duplicate: run it again */
            snprintf(cur.message, sizeof cur.message, "%s", off ? rs_tsv_unescape(line + off) : "");
            want_pts = cur.n_points;
            cur.n_points = 0;
            /* grown as its P lines come: a damaged count must not allocate gigabytes */
            cur.points = calloc(cap_pts = 1, sizeof *cur.points);
            if (cur.points)
                cur_j = (long)j;
        } else if (line[0] == 'P' && cur_j >= 0) {
            if (cur.n_points >= want_pts) {
                cur_j = -1;
                continue;
            }
            if (cur.n_points == cap_pts) {
                rs_point *np = realloc(cur.points, 2 * (size_t)cap_pts * sizeof *np);
                if (!np) {
                    cur_j = -1;
                    continue;
                }
                cur.points = np;
                cap_pts *= 2;
            }
            rs_point *pt = &cur.points[cur.n_points];
            char *p = line + 2, *end;
            pt->step = (uint32_t)strtoul(p, &end, 10);
            pt->loss = strtod(end, &end);
            pt->acc = strtod(end, &end);
            pt->epoch = v2 ? strtod(end, &end) : NAN;
            pt->train_loss = v2 ? strtod(end, &end) : NAN;
            for (uint32_t m = 0; m < RS_MAX_METRICS; m++)
                pt->metrics[m] = m < cur.n_metrics ? strtod(end, &end) : NAN;
            for (uint32_t a = 0; a < RS_MAX_ALIGN; a++)
                pt->align[a] = a < cur.n_align ? strtod(end, &end) : NAN;
            cur.n_points++;
        } else if (line[0] == 'E' && cur_j >= 0) {
            size_t j = strtoul(line + 2, NULL, 10);
            if ((long)j == cur_j && cur.n_points == want_pts) {
                run->results[j] = cur;
                memset(&cur, 0, sizeof cur);
                taken++;
            }
            cur_j = -1;
        }
    }
    free(cur.points); /* a record cut short by a kill is dropped: its job runs again */
    free(line);
    fclose(f);
    run->n_resumed = taken;
    return taken;
}
