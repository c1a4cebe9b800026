/* report.c: see report.h. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "stats.h"
#include "tsv.h"

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

/* sd of n values from their sum and sum of squares; 0 for one value, NaN for none */
static double sd_of(double sum, double sum2, size_t n)
{
    if (n == 0)
        return NAN;
    return n > 1 ? sqrt(fmax(0, (sum2 - sum * sum / n) / (n - 1))) : 0;
}

/* A replicate's best evaluation accuracy and the epoch of its first evaluation with it. */
static double best_acc(const rs_job_result *res, double *epoch)
{
    double best = NAN;
    *epoch = NAN;
    for (uint32_t p = 0; p < res->n_points; p++)
        if (isfinite(res->points[p].acc) && !(res->points[p].acc <= best)) {
            best = res->points[p].acc;
            *epoch = res->points[p].epoch;
        }
    return best;
}

/* The accuracy columns of group g's summary: final mean and sd, best mean and its epoch. */
static void summarise_acc(const rs_run *run, size_t g, rs_summary *sm, double *epochs)
{
    size_t R = run->n_reps, n_acc = 0, n_best = 0, n_ep = 0;
    double acc = 0, acc2 = 0, best = 0;
    for (size_t i = 0; i < R; i++) {
        const rs_job_result *res = &run->results[g * R + i];
        if (res->status != RS_JOB_OK)
            continue;
        if (isfinite(res->final_acc)) {
            acc += res->final_acc;
            acc2 += res->final_acc * res->final_acc;
            n_acc++;
        }
        double ep, b = best_acc(res, &ep);
        if (isfinite(b)) {
            best += b;
            n_best++;
            if (isfinite(ep))
                epochs[n_ep++] = ep;
        }
    }
    sm->acc_mean = n_acc ? acc / n_acc : NAN;
    sm->acc_sd = sd_of(acc, acc2, n_acc);
    sm->best_acc_mean = n_best ? best / n_best : NAN;
    rs_sort_doubles(epochs, n_ep);
    sm->best_acc_epoch = n_ep ? rs_quantile(epochs, n_ep, 0.5) : NAN;
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
        size_t n_steps = 0, n_loss = 0, n_time = 0;
        double sum = 0, sum2 = 0, us = 0;
        sm->classes = run->tasks[t].info.loss == RS_LOSS_SOFTMAX_CE;
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
            us += res->us_per_step;
            n_time++;
        }
        sm->success_rate = sm->replicates ? (double)sm->solved / sm->replicates : NAN;
        rs_wilson(sm->solved, sm->replicates, &sm->ci_low, &sm->ci_high);
        rs_sort_doubles(steps, n_steps);
        sm->median_steps = n_steps == 0 ? NAN : rs_quantile(steps, n_steps, 0.5);
        sm->loss_mean = n_loss ? sum / n_loss : NAN;
        sm->loss_sd = sd_of(sum, sum2, n_loss);
        summarise_acc(run, g, sm, steps);
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

/* The rule, task and net columns of a row, escaped (tsv.h). */
static void put_labels(FILE *f, const char *rule, const char *task, const char *net)
{
    rs_tsv_escape_file(f, rule);
    fputc('\t', f);
    rs_tsv_escape_file(f, task);
    fputc('\t', f);
    rs_tsv_escape_file(f, net);
}

/* The alignment columns align_1 .. align_L: L the most weight layers of the spec's networks
 * (a recurrent net has one), 0 without "alignment". From the spec, not the results, so a
 * resumed or merged run writes the same header. */
static uint32_t align_columns(const rs_spec *s)
{
    uint32_t n = 0;
    for (size_t k = 0; s->alignment && k < s->n_nets; k++) {
        uint32_t l = s->nets[k].kind == RS_NET_RECURRENT ? 1 : s->nets[k].n_hidden + 1;
        n = l > n ? l : n;
    }
    return n < RS_MAX_ALIGN ? n : RS_MAX_ALIGN;
}

/* "\t%.9g" without printf (numfmt.h): printf was most of the time a large run spent here */
static void put_g9(FILE *f, double v)
{
    char buf[RS_FMT_MAX + 1];
    buf[0] = '\t';
    rs_fmt_g(buf + 1, v, 9);
    fputs(buf, f);
}

/* One row of curves.tsv: the point's coordinates, evaluation, epoch, training loss,
 * alignments (NaN past the job's layers) and the metric columns the rule has. */
static void curve_row(FILE *f, const rs_point *pt, const rs_job_result *res, uint32_t n_align,
                      const char *const *names, const char *const *cols, size_t n_cols)
{
    char step[RS_FMT_MAX + 1];
    step[0] = '\t';
    rs_fmt_u(step + 1, pt->step);
    fputs(step, f);
    const double v[] = { pt->loss, pt->acc, pt->epoch, pt->train_loss };
    for (int i = 0; i < 4; i++)
        put_g9(f, v[i]);
    for (uint32_t a = 0; a < n_align; a++)
        put_g9(f, a < res->n_align ? pt->align[a] : NAN);
    for (size_t c = 0; c < n_cols; c++) {
        double m_v = NAN;
        for (size_t m = 0; names && names[m]; m++)
            if (strcmp(names[m], cols[c]) == 0)
                m_v = pt->metrics[m];
        put_g9(f, m_v);
    }
    fputc('\n', f);
}

static int write_curves(const rs_run *run, char *err, size_t err_size)
{
    const rs_spec *s = run->spec;
    const char *cols[64];
    size_t n_cols = metric_columns(s, cols, 64);
    uint32_t n_align = align_columns(s);
    char path[4200];
    FILE *f = open_out(run, "curves.tsv", path, sizeof path, err, err_size);
    if (!f)
        return 1;
    fprintf(f, "rule\ttask\tnet\trep\tstep\tloss\tacc\tepoch\ttrain_loss");
    for (uint32_t a = 0; a < n_align; a++)
        fprintf(f, "\talign_%u", a + 1);
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
            put_labels(f, s->rules[r].label, s->tasks[t].label, nl);
            fprintf(f, "\t%zu", rep);
            curve_row(f, &res->points[p], res, n_align, names, cols, n_cols);
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
               "final_loss_sd\tfinal_acc_mean\tfinal_acc_sd\tbest_acc_mean\tbest_acc_epoch\t"
               "us_per_step\n");
    for (size_t i = 0; i < n; i++) {
        const rs_summary *sm = &sums[i];
        put_labels(f, sm->rule, sm->task, sm->net);
        fprintf(f, "\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t"
                   "%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.4g\n",
                sm->replicates, sm->solved, sm->diverged, sm->failed,
                sm->crashed, sm->timed_out, sm->success_rate, sm->ci_low, sm->ci_high,
                sm->median_steps, sm->loss_mean, sm->loss_sd, sm->acc_mean, sm->acc_sd,
                sm->best_acc_mean, sm->best_acc_epoch, sm->us_per_step);
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
                               "final_acc_sd", "best_acc_mean", "best_acc_epoch",
                               "us_per_step" };
        double vals[] = { sm->success_rate, sm->ci_low, sm->ci_high, sm->median_steps,
                          sm->loss_mean, sm->loss_sd, sm->acc_mean, sm->acc_sd,
                          sm->best_acc_mean, sm->best_acc_epoch, sm->us_per_step };
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
    int show_acc = 0; /* classes (data sets): the test accuracy is what a reader looks for */
    for (size_t i = 0; i < n; i++)
        show_acc |= sums[i].classes && isfinite(sums[i].acc_mean);
    fprintf(out, "%-*s  %-*s  %-*s  %5s  %6s  %-20s  %8s  %-21s  %s%8s\n", wr, "rule", wt, "task",
            wn, "net", "reps", "solved", "success [95% CI]", "med.step", "final loss (mean±sd)",
            show_acc ? "test acc (mean±sd)  " : "", "µs/step");
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
        char acc[48] = "";
        if (show_acc)
            snprintf(acc, sizeof acc, "%-19s  ", isfinite(sm->acc_mean) ? "" : "-");
        if (show_acc && isfinite(sm->acc_mean))
            snprintf(acc, sizeof acc, "%.4f ± %.4f    ", sm->acc_mean, sm->acc_sd);
        snprintf(solved, sizeof solved, "%zu%s%s%s%s", sm->solved, sm->diverged ? "*" : "",
                 sm->failed ? "!" : "", sm->crashed ? "#" : "", sm->timed_out ? "~" : "");
        fprintf(out, "%-*s  %-*s  %-*s  %5zu  %6s  %-20s  %8s  %-22s  %s%8.3g\n", wr, sm->rule,
                wt, sm->task, wn, sm->net, sm->replicates, solved, rate, med, loss, acc,
                sm->us_per_step);
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
