/* truth.c: truth tables over replicates (truth.h): for each rule x task x net, every
 * replicate's prediction on the task's finite evaluation set, tallied: mean, range, how many
 * replicates are right on each row. */
#include "truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h" /* RS_EXIT_* */
#include "netio.h"
#include "report.h"

void rs_vec_text(const rs_real *x, size_t stride, uint32_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%g", i ? "," : "",
                                 (double)x[i * stride]);
}

/* ---- truth tables over replicates ----------------------------------------------------- */

typedef struct tally {
    uint32_t n_rows, n_out;
    double *sum, *lo, *hi; /* (n_out, n_rows) */
    uint32_t *right;
    size_t nets, solved;
} tally;

static int tally_init(tally *t, uint32_t n_rows, uint32_t n_out)
{
    memset(t, 0, sizeof *t);
    size_t n = (size_t)n_rows * n_out;
    t->n_rows = n_rows;
    t->n_out = n_out;
    t->sum = calloc(n, sizeof *t->sum);
    t->lo = calloc(n, sizeof *t->lo);
    t->hi = calloc(n, sizeof *t->hi);
    t->right = calloc(n, sizeof *t->right);
    for (size_t i = 0; t->lo && t->hi && i < n; i++) {
        t->lo[i] = INFINITY;
        t->hi[i] = -INFINITY;
    }
    return !t->sum || !t->lo || !t->hi || !t->right;
}

static void tally_free(tally *t)
{
    free(t->sum);
    free(t->lo);
    free(t->hi);
    free(t->right);
}

static void tally_add(tally *t, const rs_net *net, const rs_evalset *es, int solved)
{
    rs_net_forward((rs_net *)net, es->x, es->n);
    const rs_real *p = net->a[net->n_layers];
    double mid = ((double)es->info.lo + es->info.hi) / 2;
    for (size_t i = 0; i < (size_t)t->n_rows * t->n_out; i++) {
        double v = p[i];
        t->sum[i] += v;
        t->lo[i] = v < t->lo[i] ? v : t->lo[i];
        t->hi[i] = v > t->hi[i] ? v : t->hi[i];
        t->right[i] += (v > mid) == (es->y[i] > mid);
    }
    t->nets++;
    t->solved += solved != 0;
}

static void tally_print(const tally *t, const rs_evalset *es, const char *rule, const char *task,
                        const char *net, size_t n_reps, FILE *out, int tsv)
{
    double wlo, whi;
    rs_wilson(t->solved, t->nets, &wlo, &whi);
    if (!tsv) {
        fprintf(out, "\n%s on %s, %s: solved %zu of %zu (95%% Wilson interval %.1f-%.1f%%)%s\n",
                task, net, rule, t->solved, t->nets, 100 * wlo, 100 * whi,
                t->nets < n_reps ? " (some replicates kept no network)" : "");
        fprintf(out, "  %-16s %-6s %6s %10s %10s %10s  %s\n", "input", "output", "target",
                "pred mean", "min", "max", "right");
    }
    for (uint32_t b = 0; b < t->n_rows; b++)
        for (uint32_t k = 0; k < t->n_out; k++) {
            size_t i = (size_t)k * t->n_rows + b;
            char in[256];
            rs_vec_text(es->x + b, es->n, es->info.n_in, in, sizeof in);
            double mean = t->sum[i] / (double)t->nets;
            if (tsv)
                fprintf(out, "%s\t%s\t%s\t%s\t%u\t%.9g\t%.9g\t%.9g\t%.9g\t%u\t%zu\n", rule, task,
                        net, in, k, (double)es->y[i], mean, t->lo[i], t->hi[i], t->right[i],
                        t->nets);
            else if (b < 256)
                fprintf(out, "  %-16s %-6u %6g %10.4f %10.4f %10.4f  %u/%zu\n", in, k,
                        (double)es->y[i], mean, t->lo[i], t->hi[i], t->right[i], t->nets);
        }
}

/* One group's truth table over replicates k0..k1-1 (read, or trained when `train`). */
static int truth_group(rs_runview *v, size_t g, size_t k0, size_t k1, int tsv, int train,
                       FILE *out)
{
    const rs_group *gr = &v->run.groups[g];
    const rs_task_info *ti = &v->run.tasks[gr->task].info;
    char nl[128], err[2048];
    rs_netspec_label(&v->spec->nets[gr->net], ti->n_in, ti->n_out, nl, sizeof nl);
    const char *rl = v->spec->rules[gr->rule].label, *tl = v->spec->tasks[gr->task].label;
    if (ti->n_full == 0) {
        fprintf(stderr, "ruleset: inspect: %s draws fresh examples (no finite set): no truth "
                "table\n", tl);
        return RS_EXIT_OK;
    }
    int rc = RS_EXIT_OK, have = 0;
    tally t = { 0 };
    rs_evalset es0; /* the first replicate's set: a finite task's is every replicate's */
    for (size_t k = k0; k < k1; k++) {
        size_t j = g * v->run.n_reps + k;
        rs_evalset es;
        rs_loaded_net ln;
        if (rs_evalset_job(&es, v, j, err, sizeof err)) {
            fprintf(stderr, "ruleset: inspect: %s\n", err);
            rs_evalset_close(&es);
            rc = RS_EXIT_INPUT;
            break;
        }
        int lr = train ? rs_runview_train(v, j, es.n, &ln, err, sizeof err)
                       : rs_runview_load(v, j, es.n, &ln, err, sizeof err);
        if (lr) {
            if (lr == 2 || train) {
                fprintf(stderr, "ruleset: inspect: %s\n", err);
                rc = RS_EXIT_INPUT;
            }
            rs_evalset_close(&es);
            continue;
        }
        if (!have) {
            es0 = es;
            have = 1;
            if (tally_init(&t, es.n, es.info.n_out)) {
                fprintf(stderr, "ruleset: out of memory\n");
                rs_netio_free(&ln);
                rc = RS_EXIT_INTERNAL;
                break;
            }
        }
        if (es.n == es0.n)
            tally_add(&t, ln.net, &es, ln.meta.solved);
        rs_netio_free(&ln);
        if (es.state != es0.state)
            rs_evalset_close(&es);
    }
    if (have && t.nets)
        tally_print(&t, &es0, rl, tl, nl, k1 - k0, out, tsv);
    else if (rc == RS_EXIT_OK)
        fprintf(stderr, "ruleset: inspect: %s on %s, %s: no saved network in %s/nets.jsonl "
                "(compare --no-save-nets?)\n", tl, nl, rl, v->run.dir);
    if (have)
        rs_evalset_close(&es0);
    tally_free(&t);
    return rc;
}

int rs_truth_run(rs_runview *v, const size_t *groups, size_t ng, long replicate, int tsv,
                 int train, FILE *out)
{
    int rc = RS_EXIT_OK;
    if (tsv)
        fprintf(out, "rule\ttask\tnet\tinput\toutput\ttarget\tpred_mean\tpred_min\tpred_max\t"
                     "right\tnets\n");
    size_t k0 = replicate >= 0 ? (size_t)replicate : 0;
    size_t k1 = replicate >= 0 ? k0 + 1 : v->run.n_reps;
    for (size_t gi = 0; gi < ng; gi++) {
        int grc = truth_group(v, groups[gi], k0, k1, tsv, train, out);
        rc = grc ? grc : rc;
    }
    return rc;
}

int rs_inspect_truth(const rs_registry *reg, const char *rundir, FILE *out)
{
    char spec_path[4200], err[4096];
    snprintf(spec_path, sizeof spec_path, "%s/spec.json", rundir);
    rs_runview v;
    size_t *groups = NULL, ng = 0;
    int rc = RS_EXIT_INPUT;
    if (rs_runview_open(&v, reg, spec_path, rundir, err, sizeof err))
        fprintf(stderr, "ruleset: %s\n", err);
    else if (rs_runview_select(&v, NULL, NULL, NULL, &groups, &ng, err, sizeof err))
        fprintf(stderr, "ruleset: inspect: %s\n", err);
    else
        rc = rs_truth_run(&v, groups, ng, -1, 0, 0, out);
    free(groups);
    rs_runview_close(&v);
    return rc;
}
