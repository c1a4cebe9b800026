/* report.c: see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void rs_wilson(size_t k, size_t n, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    const double z = 1.959963984540054;
    double p = (double)k / n, z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
    *lo = k == 0 ? 0 : fmax(0, centre - half); /* exact at the ends, where rounding would */
    *hi = k == n ? 1 : fmin(1, centre + half); /* leave p = 0 or 1 outside by 1e-16 */
}

size_t rs_summarise(const rs_run *run, rs_summary **out)
{
    const rs_spec *s = run->spec;
    size_t n_groups = run->n_groups, R = run->n_reps;
    rs_summary *sums = calloc(n_groups ? n_groups : 1, sizeof *sums);
    double *steps = calloc(R ? R : 1, sizeof *steps);
    if (!sums || !steps) {
        free(sums);
        free(steps);
        *out = NULL;
        return 0;
    }
    for (size_t g = 0; g < n_groups; g++) {
        rs_summary *sm = &sums[g];
        size_t r, t, k, rep;
        rs_job_coords(run, g * R, &r, &t, &k, &rep);
        snprintf(sm->rule, sizeof sm->rule, "%s", s->rules[r].label);
        snprintf(sm->task, sizeof sm->task, "%s", s->tasks[t].label);
        rs_netspec_label(&s->nets[k], run->tasks[t].info.n_in, run->tasks[t].info.n_out, sm->net,
                         sizeof sm->net);
        size_t n_steps = 0, n_loss = 0, n_acc = 0, n_time = 0;
        double sum = 0, sum2 = 0, acc = 0, us = 0;
        for (size_t i = 0; i < R; i++) {
            const rs_job_result *res = &run->results[g * R + i];
            if (res->status == RS_JOB_PENDING)
                continue;
            sm->replicates++;
            sm->diverged += res->status == RS_JOB_DIVERGED;
            sm->failed += res->status == RS_JOB_FAILED;
            sm->crashed += res->status == RS_JOB_CRASHED;
            sm->timed_out += res->status == RS_JOB_TIMEOUT;
            if (res->status != RS_JOB_OK)
                continue;
            if (res->solved) {
                sm->solved++;
                steps[n_steps++] = (double)res->steps_to_solve;
            }
            if (isfinite(res->final_loss)) {
                sum += res->final_loss;
                sum2 += res->final_loss * res->final_loss;
                n_loss++;
            }
            if (isfinite(res->final_acc)) {
                acc += res->final_acc;
                n_acc++;
            }
            us += res->us_per_step;
            n_time++;
        }
        sm->success_rate = sm->replicates ? (double)sm->solved / sm->replicates : NAN;
        rs_wilson(sm->solved, sm->replicates, &sm->ci_low, &sm->ci_high);
        rs_sort_doubles(steps, n_steps);
        sm->median_steps = n_steps == 0 ? NAN : rs_quantile(steps, n_steps, 0.5);
        sm->loss_mean = n_loss ? sum / n_loss : NAN;
        sm->loss_sd = n_loss > 1 ? sqrt(fmax(0, (sum2 - sum * sum / n_loss) / (n_loss - 1))) : NAN;
        if (n_loss == 1)
            sm->loss_sd = 0;
        sm->acc_mean = n_acc ? acc / n_acc : NAN;
        sm->us_per_step = n_time ? us / n_time : NAN;
    }
    free(steps);
    *out = sums;
    return n_groups;
}

/* The union of the rules' metric names, in order of first appearance. */
static size_t metric_columns(const rs_spec *s, const char **cols, size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < s->n_rules; r++) {
        const char *const *names = rs_rule_metric_names(&s->rules[r]);
        for (size_t m = 0; names && names[m]; m++) {
            size_t c = 0;
            while (c < n && strcmp(cols[c], names[m]) != 0)
                c++;
            if (c == n && n < max)
                cols[n++] = names[m];
        }
    }
    return n;
}

static FILE *open_out(const rs_run *run, const char *name, char *path, size_t size, char *err,
                      size_t err_size)
{
    snprintf(path, size, "%s/%s", run->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, err_size, "%s: cannot write (%s)", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, char *err, size_t err_size)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, err_size, "%s: cannot write (%s)", path, strerror(errno ? errno : EIO));
        return 1;
    }
    return 0;
}

static int write_curves(const rs_run *run, char *err, size_t err_size)
{
    const rs_spec *s = run->spec;
    const char *cols[64];
    size_t n_cols = metric_columns(s, cols, 64);
    char path[4200];
    FILE *f = open_out(run, "curves.tsv", path, sizeof path, err, err_size);
    if (!f)
        return 1;
    fprintf(f, "rule\ttask\tnet\trep\tstep\tloss\tacc");
    for (size_t c = 0; c < n_cols; c++)
        fprintf(f, "\t%s", cols[c]);
    fprintf(f, "\n");
    for (size_t j = 0; j < run->n_jobs; j++) {
        const rs_job_result *res = &run->results[j];
        if (res->status == RS_JOB_PENDING)
            continue;
        size_t r, t, k, rep;
        rs_job_coords(run, j, &r, &t, &k, &rep);
        char nl[128];
        rs_netspec_label(&s->nets[k], run->tasks[t].info.n_in, run->tasks[t].info.n_out, nl,
                         sizeof nl);
        const char *const *names = rs_rule_metric_names(&s->rules[r]);
        for (uint32_t p = 0; p < res->n_points; p++) {
            const rs_point *pt = &res->points[p];
            fprintf(f, "%s\t%s\t%s\t%zu\t%u\t%.9g\t%.9g", s->rules[r].label, s->tasks[t].label,
                    nl, rep, pt->step, pt->loss, pt->acc);
            for (size_t c = 0; c < n_cols; c++) {
                double v = NAN;
                for (size_t m = 0; names && names[m]; m++)
                    if (strcmp(names[m], cols[c]) == 0)
                        v = pt->metrics[m];
                fprintf(f, "\t%.9g", v);
            }
            fprintf(f, "\n");
        }
    }
    return close_out(f, path, err, err_size);
}

int rs_report_write(const rs_run *run, const rs_summary *sums, size_t n, char *err,
                    size_t err_size)
{
    char path[4200]; /* the small summaries first: on a full disk they are what matters */
    FILE *f = open_out(run, "summary.tsv", path, sizeof path, err, err_size);
    if (!f)
        return 1;
    fprintf(f, "rule\ttask\tnet\treplicates\tsolved\tdiverged\tfailed\tcrashed\ttimed_out\t"
               "success_rate\tci_low\tci_high\tmedian_steps_to_solve\tfinal_loss_mean\t"
               "final_loss_sd\tfinal_acc_mean\tus_per_step\n");
    for (size_t i = 0; i < n; i++) {
        const rs_summary *sm = &sums[i];
        fprintf(f, "%s\t%s\t%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t"
                   "%.6g\t%.6g\t%.4g\n",
                sm->rule, sm->task, sm->net, sm->replicates, sm->solved, sm->diverged, sm->failed,
                sm->crashed, sm->timed_out, sm->success_rate, sm->ci_low, sm->ci_high,
                sm->median_steps, sm->loss_mean, sm->loss_sd, sm->acc_mean, sm->us_per_step);
    }
    if (close_out(f, path, err, err_size))
        return 1;

    cJSON *root = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(root, "summary");
    cJSON_AddStringToObject(root, "name", run->spec->name);
    cJSON_AddNumberToObject(root, "seed", (double)run->spec->seed);
    for (size_t i = 0; i < n; i++) {
        const rs_summary *sm = &sums[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "rule", sm->rule);
        cJSON_AddStringToObject(o, "task", sm->task);
        cJSON_AddStringToObject(o, "net", sm->net);
        cJSON_AddNumberToObject(o, "replicates", (double)sm->replicates);
        cJSON_AddNumberToObject(o, "solved", (double)sm->solved);
        cJSON_AddNumberToObject(o, "diverged", (double)sm->diverged);
        cJSON_AddNumberToObject(o, "failed", (double)sm->failed);
        cJSON_AddNumberToObject(o, "crashed", (double)sm->crashed);
        cJSON_AddNumberToObject(o, "timed_out", (double)sm->timed_out);
        const char *keys[] = { "success_rate", "ci_low", "ci_high", "median_steps_to_solve",
                               "final_loss_mean", "final_loss_sd", "final_acc_mean",
                               "us_per_step" };
        double vals[] = { sm->success_rate, sm->ci_low, sm->ci_high, sm->median_steps,
                          sm->loss_mean, sm->loss_sd, sm->acc_mean, sm->us_per_step };
        for (size_t k = 0; k < sizeof vals / sizeof *vals; k++) {
            if (isfinite(vals[k]))
                cJSON_AddNumberToObject(o, keys[k], vals[k]);
            else
                cJSON_AddNullToObject(o, keys[k]); /* JSON has no NaN */
        }
        cJSON_AddItemToArray(rows, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    f = open_out(run, "summary.json", path, sizeof path, err, err_size);
    if (!f) {
        free(text);
        return 1;
    }
    fputs(text ? text : "{}", f);
    fputc('\n', f);
    free(text);
    if (close_out(f, path, err, err_size))
        return 1;
    return write_curves(run, err, err_size);
}

void rs_report_table(FILE *out, const rs_summary *sums, size_t n)
{
    int wr = 4, wt = 4, wn = 3;
    for (size_t i = 0; i < n; i++) {
        int a = (int)strlen(sums[i].rule), b = (int)strlen(sums[i].task),
            c = (int)strlen(sums[i].net);
        wr = a > wr ? a : wr;
        wt = b > wt ? b : wt;
        wn = c > wn ? c : wn;
    }
    fprintf(out, "%-*s  %-*s  %-*s  %5s  %6s  %-20s  %8s  %-21s  %8s\n", wr, "rule", wt, "task",
            wn, "net", "reps", "solved", "success [95% CI]", "med.step", "final loss (mean±sd)",
            "µs/step");
    for (size_t i = 0; i < n; i++) {
        const rs_summary *sm = &sums[i];
        char rate[32], med[32], loss[48], solved[32];
        snprintf(rate, sizeof rate, "%.2f [%.2f, %.2f]", sm->success_rate, sm->ci_low,
                 sm->ci_high);
        if (isfinite(sm->median_steps))
            snprintf(med, sizeof med, "%.0f", sm->median_steps);
        else
            snprintf(med, sizeof med, "-");
        snprintf(loss, sizeof loss, "%.3g ± %.2g", sm->loss_mean, sm->loss_sd);
        snprintf(solved, sizeof solved, "%zu%s%s%s%s", sm->solved, sm->diverged ? "*" : "",
                 sm->failed ? "!" : "", sm->crashed ? "#" : "", sm->timed_out ? "~" : "");
        fprintf(out, "%-*s  %-*s  %-*s  %5zu  %6s  %-20s  %8s  %-22s  %8.3g\n", wr, sm->rule, wt,
                sm->task, wn, sm->net, sm->replicates, solved, rate, med, loss, sm->us_per_step);
    }
    int any_div = 0, any_fail = 0, any_crash = 0, any_timeout = 0;
    for (size_t i = 0; i < n; i++) {
        any_div |= sums[i].diverged > 0;
        any_fail |= sums[i].failed > 0;
        any_crash |= sums[i].crashed > 0;
        any_timeout |= sums[i].timed_out > 0;
    }
    if (any_div)
        fprintf(out, "* some replicates diverged (NaN/Inf); they count as unsolved\n");
    if (any_fail)
        fprintf(out, "! some replicates failed with a plugin error (see stderr); unsolved\n");
    if (any_crash)
        fprintf(out, "# some replicates crashed their worker process (see stderr); unsolved\n");
    if (any_timeout)
        fprintf(out, "~ some replicates ran past --job-timeout and were killed; unsolved\n");
}
