/* job.c: one job (rs_run_job) and what names and sizes it: its coordinates, key, streams,
 * step counts. The plan, the journal and the pool build on these. */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "clock.h"
#include "ctx.h"
#include "job.h"
#include "kernels.h"
#include "netio.h"
#include "recurrent.h"

#define N_EVALS_DEFAULT 50 /* evaluation points per run when eval_every is not given */

void rs_job_coords(const rs_run *run, size_t i, size_t *rule, size_t *task, size_t *net,
                   size_t *rep)
{
    const rs_group *g = &run->groups[i / run->n_reps];
    *rep = i % run->n_reps;
    *rule = g->rule;
    *task = g->task;
    *net = g->net;
}

static void net_label(const rs_run *run, size_t task, size_t net, char *buf, size_t size)
{
    const rs_task_info *ti = &run->tasks[task].info;
    rs_netspec_label(&run->spec->nets[net], ti->n_in, ti->n_out, buf, size);
}

void rs_job_key(const rs_run *run, size_t i, char *buf, size_t size)
{
    size_t r, t, k, rep;
    rs_job_coords(run, i, &r, &t, &k, &rep);
    char nl[128];
    net_label(run, t, k, nl, sizeof nl);
    snprintf(buf, size, "%s|%s|%s|%zu", run->spec->rules[r].label, run->spec->tasks[t].label, nl,
             rep);
}

long rs_job_steps(const rs_run *run, size_t rule)
{
    if (run->steps_override >= 0)
        return run->steps_override;
    long s = run->spec->rules[rule].steps;
    return s >= 0 ? s : run->spec->steps;
}

/* Steps of a job: a rule's own setting beats its task's, which beats the spec's. */
long rs_job_steps_of(const rs_run *run, size_t rule, size_t task)
{
    if (run->steps_override >= 0 || run->spec->rules[rule].steps >= 0)
        return rs_job_steps(run, rule);
    long s = run->spec->tasks[task].steps;
    return s >= 0 ? s : run->spec->steps;
}

long rs_job_batch(const rs_run *run, size_t rule, size_t task)
{
    long b = run->spec->rules[rule].batch;
    if (b < 0)
        b = run->spec->tasks[task].batch;
    if (b < 0)
        b = run->spec->batch;
    return b == 0 ? (long)run->tasks[task].info.n_full : b;
}

long rs_job_eval_every(const rs_run *run, size_t rule, size_t task)
{
    long e = run->spec->rules[rule].eval_every;
    if (e < 0)
        e = run->spec->tasks[task].eval_every;
    if (e < 0)
        e = run->spec->eval_every;
    if (e <= 0) {
        e = rs_job_steps_of(run, rule, task) / N_EVALS_DEFAULT;
        if (e < 1)
            e = 1;
    }
    return e;
}

const char *const *rs_rule_metric_names(const rs_item *rule)
{
    return ((const rs_rule_desc *)rule->head)->metric_names;
}

/* ---- one job --------------------------------------------------------------------------- */

typedef struct job_bufs {
    rs_real *x, *y;     /* (n_in, batch), (n_out, batch) */
    rs_real *pred;      /* (n_out, n_eval) */
} job_bufs;

/* Classification accuracy on a finite task: one output by the coding's midpoint, several by
 * argmax. NaN for regression tasks (n_full == 0). */
double rs_accuracy(const rs_task_info *ti, const rs_real *pred, const rs_real *y, uint32_t n)
{
    if (ti->n_full == 0)
        return NAN;
    uint32_t right = 0;
    rs_real mid = (ti->lo + ti->hi) / 2;
    for (uint32_t b = 0; b < n; b++) {
        if (ti->n_out == 1) {
            right += (pred[b] > mid) == (y[b] > mid);
        } else {
            uint32_t ap = 0, ay = 0;
            for (uint32_t i = 1; i < ti->n_out; i++) {
                if (pred[(size_t)i * n + b] > pred[(size_t)ap * n + b])
                    ap = i;
                if (y[(size_t)i * n + b] > y[(size_t)ay * n + b])
                    ay = i;
            }
            right += ap == ay;
        }
    }
    return (double)right / n;
}

uint64_t rs_job_task_stream(const rs_run *run, size_t i)
{
    size_t r, t, k, rep;
    rs_job_coords(run, i, &r, &t, &k, &rep);
    return rs_hash_str(rs_hash_str(0, run->spec->tasks[t].label), "|task") + rep * 7919u;
}

void rs_run_nets_path(const rs_run *run, char *buf, size_t size)
{
    snprintf(buf, size, "%s/nets.jsonl", run->dir);
}

void rs_run_job(rs_run *run, size_t j, rs_job_result *res)
{
    const rs_spec *s = run->spec;
    const rs_host *host = rs_host_get();
    size_t r, t, k, rep;
    rs_job_coords(run, j, &r, &t, &k, &rep);
    const rs_item *rule = &s->rules[r], *task = &s->tasks[t];
    const rs_netspec *ns = &s->nets[k];
    const rs_rule_desc *rd = (const rs_rule_desc *)rule->head;
    const rs_task_desc *td = (const rs_task_desc *)task->head;
    long steps = rs_job_steps_of(run, r, t), every = rs_job_eval_every(run, r, t);
    long batch = rs_job_batch(run, r, t);
    char nl[128];
    net_label(run, t, k, nl, sizeof nl);

    /* Streams: the task's (its evaluation set) and the initial weights depend on the task, the
     * network and the replicate only, so every rule meets the same data and the same starting
     * network in replicate k (paired comparisons). Training draws from the job's own stream. */
    uint64_t task_stream = rs_job_task_stream(run, j);
    uint64_t init_stream = rs_hash_str(rs_hash_str(rs_hash_str(0, task->label), nl), "|init")
                         + rep * 104729u;
    uint64_t job_stream = rs_hash_str(rs_hash_str(rs_hash_str(rs_hash_str(0, rule->label),
                                                               task->label), nl), "|job")
                        + rep * 1299709u;
    rs_ctx *ctx = rs_ctx_create(s->seed, task_stream);
    void *task_state = NULL, *rule_state = NULL;
    rs_net *net = NULL;
    const rs_act *acts[RS_MAX_LAYERS + 1] = { 0 };
    job_bufs bufs = { 0 };
    rs_task_info info = { .struct_size = sizeof info };
    uint32_t n_layers = ns->n_hidden + 1, sizes[RS_MAX_LAYERS + 2];
    res->steps_to_solve = -1;
    res->final_loss = res->final_acc = NAN;
    long n_pts = steps / every + 2;
    res->points = calloc((size_t)n_pts, sizeof *res->points);
    if (!ctx || !res->points) {
        res->status = RS_JOB_FAILED;
        snprintf(res->message, sizeof res->message, "out of memory");
        goto done;
    }
    const char *const *mnames = rd->metric_names;
    while (mnames && mnames[res->n_metrics])
        res->n_metrics++;

    ctx->who = task->head->name;
    rs_status st = td->create(host, ctx, task->params, &info, &task_state);
    const rs_real *ex = NULL, *ey = NULL;
    uint32_t n_eval = 0;
    if (st == RS_OK)
        st = td->eval_set(task_state, ctx, &ex, &ey, &n_eval);
    if (st != RS_OK)
        goto plugin_failed;

    sizes[0] = info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        sizes[h + 1] = ns->hidden[h];
    sizes[n_layers] = info.n_out;
    char msg[512];
    int rec = ns->kind == RS_NET_RECURRENT;
    if (rec)
        n_layers = 1; /* one activation, every node's */
    for (uint32_t l = 1; l <= n_layers; l++) {
        acts[l - 1] = rs_act_create(run->reg, rec ? ns->act[0] : rs_netspec_act(ns, l, n_layers),
                                    msg, sizeof msg);
        if (!acts[l - 1]) {
            res->status = RS_JOB_FAILED;
            snprintf(res->message, sizeof res->message, "network %s: %s", nl, msg);
            goto done;
        }
    }
    uint32_t cap = (uint32_t)(batch > (long)n_eval ? batch : (long)n_eval);
    net = rec ? rs_rnet_create(&ns->rec, info.n_in, info.n_out, acts[0], cap)
              : rs_net_create(sizes, n_layers, acts, ns->bias, cap);
    bufs.x = rs_alloc(ctx, (size_t)info.n_in * (size_t)batch * sizeof(rs_real));
    bufs.y = rs_alloc(ctx, (size_t)info.n_out * (size_t)batch * sizeof(rs_real));
    bufs.pred = rs_alloc(ctx, (size_t)info.n_out * n_eval * sizeof(rs_real));
    if (!net || !bufs.x || !bufs.y || !bufs.pred) {
        res->status = RS_JOB_FAILED;
        snprintf(res->message, sizeof res->message, "out of memory for network %s", nl);
        goto done;
    }
    rs_rng init_rng;
    rs_rng_init(&init_rng, s->seed, init_stream);
    rs_net_init_layers(net, ns->n_init > 1 ? ns->layer_init : &ns->init,
                       ns->n_init > 1 ? ns->n_init : 1, &init_rng);

    rs_ctx_reset(ctx, s->seed, job_stream);
    ctx->who = rule->head->name;
    if ((st = rd->create(host, ctx, rule->params, net, &info, &rule_state)) != RS_OK)
        goto plugin_failed;

    rs_batch b = { .n = (uint32_t)batch, .n_in = info.n_in, .n_out = info.n_out,
                   .loss = info.loss, .x = bufs.x, .y = bufs.y };
    double train_us = 0;
    rs_step_stats stats = { 0 };
    for (long step = 0;; step++) {
        if (step % every == 0 || step == steps) { /* evaluate on the fixed set */
            rs_ctx_clear_error(ctx);
            if (rd->predict) {
                st = rd->predict(rule_state, ctx, net, ex, n_eval, bufs.pred);
                if (st != RS_OK)
                    goto plugin_failed;
            } else {
                rs_net_forward(net, ex, n_eval);
                memcpy(bufs.pred, net->a[net->n_layers],
                       (size_t)info.n_out * n_eval * sizeof(rs_real));
            }
            double loss = rs_loss(info.loss, bufs.pred, ey, info.n_out, n_eval, NULL);
            double acc = rs_accuracy(&info, bufs.pred, ey, n_eval);
            rs_point *pt = &res->points[res->n_points++];
            pt->step = (uint32_t)step;
            pt->loss = loss;
            pt->acc = acc;
            for (uint32_t m = 0; m < RS_MAX_METRICS; m++)
                pt->metrics[m] = m < stats.n_metrics && step > 0 ? stats.metrics[m] : NAN;
            res->final_loss = loss;
            res->final_acc = acc;
            if (!isfinite(loss) || !rs_net_finite(net)) {
                res->status = RS_JOB_DIVERGED;
                snprintf(res->message, sizeof res->message, "diverged at step %ld: evaluation "
                         "loss %g%s; try a smaller learning rate", step, loss,
                         rs_net_finite(net) ? "" : ", non-finite weights");
                break;
            }
            res->solved = td->solved(task_state, bufs.pred, ey, n_eval, loss) != 0;
            if (res->solved && res->steps_to_solve < 0)
                res->steps_to_solve = step;
            if (step == steps)
                break;
            if (*run->interrupted)
                goto interrupted;
        }
        double t0 = rs_now_s();
        long stop = step + every < steps ? step + every : steps;
        for (; step < stop; step++) {
            ctx->who = task->head->name;
            if ((st = td->batch(task_state, ctx, (uint32_t)batch, bufs.x, bufs.y)) != RS_OK)
                goto plugin_failed;
            ctx->who = rule->head->name;
            memset(&stats, 0, sizeof stats);
            if ((st = rd->step(rule_state, ctx, net, &b, &stats)) != RS_OK)
                goto plugin_failed;
            rs_net_post_update(net);
            if (stats.has_loss && !isfinite(stats.loss)) {
                res->status = RS_JOB_DIVERGED;
                snprintf(res->message, sizeof res->message, "diverged at step %ld: training "
                         "loss %g; try a smaller learning rate", step + 1, stats.loss);
                train_us += (rs_now_s() - t0) * 1e6;
                goto timed;
            }
        }
        train_us += (rs_now_s() - t0) * 1e6;
        step--; /* the outer loop's increment lands on `stop` */
    }
timed:
    res->us_per_step = steps > 0 ? train_us / steps : 0;
    if (res->status == RS_JOB_PENDING)
        res->status = RS_JOB_OK;
    if (res->status == RS_JOB_DIVERGED)
        res->solved = 0;
    if (run->save_nets) { /* once per job, at the end: one line of nets.jsonl */
        rs_netmeta meta = { .index = (long)j, .replicate = (long)rep, .steps = steps,
                            .solved = res->solved, .final_loss = res->final_loss };
        snprintf(meta.rule, sizeof meta.rule, "%s", rule->label);
        snprintf(meta.task, sizeof meta.task, "%s", task->label);
        snprintf(meta.net, sizeof meta.net, "%s", nl);
        rs_job_key(run, j, meta.key, sizeof meta.key);
        snprintf(meta.status, sizeof meta.status, "%s",
                 res->status == RS_JOB_OK ? "ok" : "diverged");
        char plab[400];
        rs_params_label(task->params, plab, sizeof plab);
        snprintf(meta.task_text, sizeof meta.task_text, "%s%s%s", task->head->name,
                 plab[0] ? ":" : "", plab);
        res->net_json = rs_netio_dump(net, &meta);
    }
    goto done;

plugin_failed:
    res->status = RS_JOB_FAILED;
    snprintf(res->message, sizeof res->message, "plugin '%s' failed (%s): %s", ctx->who,
             rs_status_str(st), ctx->err[0] ? ctx->err : "no message");
    goto done;
interrupted:
    res->status = RS_JOB_PENDING;
done:
    if (rule_state)
        rd->destroy(rule_state, ctx);
    if (task_state)
        td->destroy(task_state, ctx);
    if (ctx) {
        rs_free(ctx, bufs.x);
        rs_free(ctx, bufs.y);
        rs_free(ctx, bufs.pred);
    }
    rs_net_destroy(net);
    for (uint32_t l = 0; l < n_layers; l++)
        rs_act_destroy((rs_act *)acts[l]);
    rs_ctx_destroy(ctx);
    if (res->status == RS_JOB_PENDING) {
        free(res->points);
        res->points = NULL;
        res->n_points = 0;
    }
}
