/* journal.c: RUNDIR/journal.tsv, one record per finished job (J line, its P points, E end),
 * appended as jobs finish and read back by --resume and `ruleset merge`. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "strbuf.h"

void rs_journal_record(const rs_run *run, size_t j, const rs_job_result *res, rs_strbuf *b)
{
    char key[512], msg[512];
    rs_job_key(run, j, key, sizeof key);
    snprintf(msg, sizeof msg, "%s", res->message);
    for (char *c = msg; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = ' ';
    rs_sb_printf(b, "J\t%zu\t%s\t%d\t%d\t%ld\t%.17g\t%.17g\t%.17g\t%u\t%u\t%s\n", j, key,
              res->status, res->solved, res->steps_to_solve, res->final_loss, res->final_acc,
              res->us_per_step, res->n_points, res->n_metrics, msg);
    for (uint32_t p = 0; p < res->n_points; p++) {
        const rs_point *pt = &res->points[p];
        rs_sb_printf(b, "P\t%u\t%.17g\t%.17g", pt->step, pt->loss, pt->acc);
        for (uint32_t m = 0; m < res->n_metrics; m++)
            rs_sb_printf(b, "\t%.17g", pt->metrics[m]);
        rs_sb_printf(b, "\n");
    }
    rs_sb_printf(b, "E\t%zu\n", j);
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
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == 'J') {
            free(cur.points);
            memset(&cur, 0, sizeof cur);
            cur_j = -1;
            char key[512], want[512];
            size_t j;
            int off = 0;
            if (sscanf(line, "J\t%zu\t%511[^\t]\t%d\t%d\t%ld\t%lg\t%lg\t%lg\t%u\t%u\t%n", &j, key,
                       &cur.status, &cur.solved, &cur.steps_to_solve, &cur.final_loss,
                       &cur.final_acc, &cur.us_per_step, &cur.n_points, &cur.n_metrics, &off) < 10
                || j >= run->n_jobs || cur.n_metrics > RS_MAX_METRICS
                || cur.status <= RS_JOB_PENDING || cur.status > RS_JOB_TIMEOUT)
                continue; /* damaged (a status such as -0 reads as pending): run it again */
            rs_job_key(run, j, want, sizeof want);
            if (strcmp(key, want) != 0 || run->results[j].status != RS_JOB_PENDING)
                continue; /* the spec changed, or a duplicate: run it again */
            snprintf(cur.message, sizeof cur.message, "%s", off ? line + off : "");
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
            for (uint32_t m = 0; m < RS_MAX_METRICS; m++)
                pt->metrics[m] = m < cur.n_metrics ? strtod(end, &end) : NAN;
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
