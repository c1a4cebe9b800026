/* job.c: one job (rs_run_job) and what names and sizes it: its key and step counts (its
 * coordinates are inline in runner.h, its streams in streams.c). The plan, the journal and the pool build on these. */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "clock.h"
#include "ctx.h"
#include "epoch.h"
#include "job.h"
#include "kernels.h"
#include "netio.h"
#include "recurrent.h"

#define N_EVALS_DEFAULT 50 /* evaluation points per run when eval_every is not given */
/* Evaluation sets larger than this go through the network in chunks of it, so a 10000-example
 * test set on 784-1000-1000-10 needs activations for 1024 examples, not 10000. */
#define EVAL_CHUNK 1024

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

long rs_job_epoch_steps(const rs_run *run, size_t rule, size_t task)
{
    if (run->spec->epochs <= 0)
        return 0;
    return rs_epoch_steps(run->tasks[task].info.n_full, rs_job_batch(run, rule, task));
}

/* Steps of a job: "epochs" beats any "steps"; a rule's own setting beats its task's, which
 * beats the spec's. */
long rs_job_steps_of(const rs_run *run, size_t rule, size_t task)
{
    if (run->steps_override < 0 && run->spec->epochs > 0)
        return run->spec->epochs * rs_job_epoch_steps(run, rule, task);
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
    if (e < 0 && run->spec->eval_epoch && run->spec->epochs > 0)
        e = rs_job_epoch_steps(run, rule, task);
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


/* Classification accuracy on a finite task: one output by the coding's midpoint, several by
 * argmax. NaN for regression tasks (n_full == 0, or the coding lo == hi). */
double rs_accuracy(const rs_task_info *ti, const rs_real *pred, const rs_real *y, uint32_t n)
{
    if (ti->n_full == 0 || ti->lo == ti->hi) /* lo == hi: regression (ABI 1.1) */
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

void rs_run_nets_path(const rs_run *run, char *buf, size_t size)
{
    snprintf(buf, size, "%s/nets.jsonl", run->dir);
}

/* One job while it runs: what it was given, what it made, its buffers. */
typedef struct job {
    rs_run *run;
    size_t j, rule_i, task_i, net_i, rep;
    const rs_item *rule, *task;
    const rs_netspec *ns;
    const rs_rule_desc *rd;
    const rs_task_desc *td;
    long steps, every, batch;
    char nl[128];                /* the network's label */
    rs_ctx *ctx;
    void *task_state, *rule_state;
    rs_net *net;
    const rs_act *acts[RS_MAX_LAYERS + 1];
    uint32_t n_acts;
    rs_task_info info;
    const rs_real *ex, *ey;      /* the evaluation set (n_in, n_eval), (n_out, n_eval) */
    uint32_t n_eval;
    rs_real *x, *y;              /* a batch: (n_in, batch), (n_out, batch) */
    rs_real *pred;               /* (n_out, n_eval) */
    uint32_t chunk;              /* > 0: the evaluation set goes through in chunks of this */
    rs_real *xc, *pc;            /* one chunk: (n_in, chunk), (n_out, chunk) */
    rs_batch b;
    rs_status st;                /* the failing plugin call's */
    long epoch_steps;            /* steps of one epoch; 0 = the job runs by steps */
    rs_epoch epoch;              /* the order of the current epoch's examples */
    rs_align align;              /* buffers of the alignment, when the run records it */
    uint32_t n_align;            /* cosines per point (weight layers); 0 = none */
    double align_cos[RS_MAX_ALIGN]; /* of the last measured step; NaN until then */
    double loss_sum;             /* training loss the rule reported since the last point */
    long loss_n;                 /* ... over this many steps */
} job;

/* How a phase of a job ended. */
typedef enum { GO_ON, DONE, FAILED, PLUGIN_FAILED, INTERRUPTED } job_flow;

static void job_init(job *jb, rs_run *run, size_t j)
{
    const rs_spec *s = run->spec;
    *jb = (job){ .run = run, .j = j, .info = { .struct_size = sizeof jb->info } };
    rs_job_coords(run, j, &jb->rule_i, &jb->task_i, &jb->net_i, &jb->rep);
    jb->rule = &s->rules[jb->rule_i];
    jb->task = &s->tasks[jb->task_i];
    jb->ns = &s->nets[jb->net_i];
    jb->rd = (const rs_rule_desc *)jb->rule->head;
    jb->td = (const rs_task_desc *)jb->task->head;
    jb->steps = rs_job_steps_of(run, jb->rule_i, jb->task_i);
    jb->every = rs_job_eval_every(run, jb->rule_i, jb->task_i);
    jb->batch = rs_job_batch(run, jb->rule_i, jb->task_i);
    jb->epoch_steps = rs_job_epoch_steps(run, jb->rule_i, jb->task_i);
    for (uint32_t a = 0; a < RS_MAX_ALIGN; a++)
        jb->align_cos[a] = NAN;
    net_label(run, jb->task_i, jb->net_i, jb->nl, sizeof jb->nl);
}

static job_flow fail(rs_job_result *res, const char *fmt, const char *arg1, const char *arg2)
{
    res->status = RS_JOB_FAILED;
    snprintf(res->message, sizeof res->message, fmt, arg1, arg2);
    return FAILED;
}

/* The network: one activation per weight layer (one for every node of a recurrent net), the
 * buffers, the initial weights from the init stream. */
static job_flow make_net(job *jb, uint64_t init_stream, rs_job_result *res)
{
    const rs_netspec *ns = jb->ns;
    uint32_t n_layers = ns->n_hidden + 1, sizes[RS_MAX_LAYERS + 2];
    sizes[0] = jb->info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        sizes[h + 1] = ns->hidden[h];
    sizes[n_layers] = jb->info.n_out;
    int rec = ns->kind == RS_NET_RECURRENT;
    jb->n_acts = rec ? 1 : n_layers; /* a recurrent net: one activation, every node's */
    char msg[512];
    for (uint32_t l = 1; l <= jb->n_acts; l++)
        if (!(jb->acts[l - 1] = rs_act_create(jb->run->reg, rec ? ns->act[0]
                                              : rs_netspec_act(ns, l, n_layers), msg, sizeof msg)))
            return fail(res, "network %s: %s", jb->nl, msg);
    jb->chunk = jb->n_eval > EVAL_CHUNK ? EVAL_CHUNK : 0;
    long n_ev = jb->chunk ? (long)jb->chunk : (long)jb->n_eval;
    uint32_t cap = (uint32_t)(jb->batch > n_ev ? jb->batch : n_ev);
    jb->net = rec ? rs_rnet_create(&ns->rec, jb->info.n_in, jb->info.n_out, jb->acts[0], cap)
                  : rs_net_create(sizes, n_layers, jb->acts, ns->bias, cap);
    jb->x = rs_alloc(jb->ctx, (size_t)jb->info.n_in * (size_t)jb->batch * sizeof(rs_real));
    jb->y = rs_alloc(jb->ctx, (size_t)jb->info.n_out * (size_t)jb->batch * sizeof(rs_real));
    jb->pred = rs_alloc(jb->ctx, (size_t)jb->info.n_out * jb->n_eval * sizeof(rs_real));
    if (jb->chunk) {
        jb->xc = rs_alloc(jb->ctx, (size_t)jb->info.n_in * jb->chunk * sizeof(rs_real));
        jb->pc = rs_alloc(jb->ctx, (size_t)jb->info.n_out * jb->chunk * sizeof(rs_real));
    }
    if (!jb->net || !jb->x || !jb->y || !jb->pred || (jb->chunk && (!jb->xc || !jb->pc)))
        return fail(res, "out of memory for network %s%s", jb->nl, "");
    rs_rng init_rng;
    rs_rng_init(&init_rng, jb->run->spec->seed, init_stream);
    rs_net_init_layers(jb->net, ns->n_init > 1 ? ns->layer_init : &ns->init,
                       ns->n_init > 1 ? ns->n_init : 1, &init_rng);
    return GO_ON;
}

/* The task, its evaluation set, the network and the rule, each from its own stream. */
static job_flow job_open(job *jb, rs_job_result *res)
{
    const rs_host *host = rs_host_get();
    const rs_spec *s = jb->run->spec;
    /* Streams (streams.c): the task's (its evaluation set) and the initial weights do not
     * depend on the rule, so every rule meets the same data and the same starting network in
     * replicate k (paired comparisons). Training draws from the job's own stream. */
    uint64_t task_stream, init_stream, job_stream;
    rs_job_streams(jb->run, jb->j, &task_stream, &init_stream, &job_stream);
    jb->ctx = rs_ctx_create(s->seed, task_stream);
    res->points = calloc((size_t)(jb->steps / jb->every + 2), sizeof *res->points);
    if (!jb->ctx || !res->points)
        return fail(res, "out of memory%s%s", "", "");
    const char *const *mnames = jb->rd->metric_names;
    while (mnames && mnames[res->n_metrics])
        res->n_metrics++;
    jb->ctx->who = jb->task->head->name;
    if ((jb->st = jb->td->create(host, jb->ctx, jb->task->params, &jb->info, &jb->task_state))
        != RS_OK
        || (jb->st = jb->td->eval_set(jb->task_state, jb->ctx, &jb->ex, &jb->ey, &jb->n_eval))
        != RS_OK)
        return PLUGIN_FAILED;
    job_flow f = make_net(jb, init_stream, res);
    if (f != GO_ON)
        return f;
    rs_ctx_reset(jb->ctx, s->seed, job_stream);
    jb->ctx->who = jb->rule->head->name;
    if ((jb->st = jb->rd->create(host, jb->ctx, jb->rule->params, jb->net, &jb->info,
                                 &jb->rule_state)) != RS_OK)
        return PLUGIN_FAILED;
    jb->b = (rs_batch){ .n = (uint32_t)jb->batch, .n_in = jb->info.n_in,
                        .n_out = jb->info.n_out, .loss = jb->info.loss, .x = jb->x, .y = jb->y };
    if (jb->epoch_steps && (!jb->td->gather || rs_epoch_open(&jb->epoch, jb->ctx,
                                                              jb->info.n_full)))
        return fail(res, "task '%s' cannot train by epochs (no gather, or out of memory)%s",
                    jb->task->label, "");
    if (s->alignment) {
        if (rs_align_open(&jb->align, jb->ctx, jb->net))
            return fail(res, "out of memory for the alignment of network %s%s", jb->nl, "");
        jb->n_align = res->n_align = jb->align.n_seg;
    }
    return GO_ON;
}

/* The outputs on the evaluation set into jb->pred: in one pass, or chunk by chunk through
 * the buffers xc, pc (feature-major, so a chunk's columns are copied out and back). */
static rs_status eval_outputs(job *jb)
{
    uint32_t n_in = jb->info.n_in, n_out = jb->info.n_out, n = jb->n_eval;
    uint32_t c = jb->chunk ? jb->chunk : n;
    for (uint32_t b0 = 0; b0 < n; b0 += c) {
        uint32_t k = n - b0 < c ? n - b0 : c;
        const rs_real *x = jb->ex;
        rs_real *out = jb->pred;
        if (jb->chunk) {
            for (uint32_t i = 0; i < n_in; i++)
                memcpy(jb->xc + (size_t)i * k, jb->ex + (size_t)i * n + b0, k * sizeof(rs_real));
            x = jb->xc;
            out = jb->pc;
        }
        if (jb->rd->predict) {
            rs_status st = jb->rd->predict(jb->rule_state, jb->ctx, jb->net, x, k, out);
            if (st != RS_OK)
                return st;
        } else {
            rs_net_forward(jb->net, x, k);
            memcpy(out, jb->net->a[jb->net->n_layers], (size_t)n_out * k * sizeof(rs_real));
        }
        for (uint32_t i = 0; jb->chunk && i < n_out; i++)
            memcpy(jb->pred + (size_t)i * n + b0, jb->pc + (size_t)i * k, k * sizeof(rs_real));
    }
    return RS_OK;
}

/* What the point at `step` records besides the evaluation: the epoch, the mean training loss
 * since the last point, the alignment of the last step, the rule's metrics. */
static void point_extras(job *jb, long step, const rs_step_stats *stats, rs_point *pt)
{
    pt->epoch = jb->epoch_steps ? (double)step / (double)jb->epoch_steps : NAN;
    pt->train_loss = jb->loss_n ? jb->loss_sum / (double)jb->loss_n : NAN;
    jb->loss_sum = 0;
    jb->loss_n = 0;
    for (uint32_t a = 0; a < RS_MAX_ALIGN; a++) {
        pt->align[a] = a < jb->n_align ? jb->align_cos[a] : NAN;
        jb->align_cos[a] = NAN;
    }
    for (uint32_t m = 0; m < RS_MAX_METRICS; m++)
        pt->metrics[m] = m < stats->n_metrics && step > 0 ? stats->metrics[m] : NAN;
}

/* Evaluation at `step` on the fixed set: one point of the curve. DONE at the last step or on
 * divergence. */
static job_flow evaluate(job *jb, long step, const rs_step_stats *stats, rs_job_result *res)
{
    const rs_task_info *info = &jb->info;
    rs_ctx_clear_error(jb->ctx);
    jb->ctx->who = jb->rule->head->name;
    if ((jb->st = eval_outputs(jb)) != RS_OK)
        return PLUGIN_FAILED;
    double loss = rs_loss(info->loss, jb->pred, jb->ey, info->n_out, jb->n_eval, NULL);
    double acc = rs_accuracy(info, jb->pred, jb->ey, jb->n_eval);
    rs_point *pt = &res->points[res->n_points++];
    pt->step = (uint32_t)step;
    pt->loss = loss;
    pt->acc = acc;
    point_extras(jb, step, stats, pt);
    res->final_loss = loss;
    res->final_acc = acc;
    if (!isfinite(loss) || !rs_net_finite(jb->net)) {
        res->status = RS_JOB_DIVERGED;
        snprintf(res->message, sizeof res->message, "diverged at step %ld: evaluation loss %g%s; "
                 "try a smaller learning rate", step, loss,
                 rs_net_finite(jb->net) ? "" : ", non-finite weights");
        return DONE;
    }
    jb->ctx->who = jb->task->head->name;
    res->solved = jb->td->solved(jb->task_state, jb->pred, jb->ey, jb->n_eval, loss) != 0;
    if (res->solved && res->steps_to_solve < 0)
        res->steps_to_solve = step;
    if (step == jb->steps)
        return DONE;
    return *jb->run->interrupted ? INTERRUPTED : GO_ON;
}

/* The next training batch into x, y: the epoch's next examples through the task's gather,
 * or a batch the task draws. */
static rs_status next_batch(job *jb)
{
    jb->ctx->who = jb->task->head->name;
    if (!jb->epoch_steps)
        return jb->td->batch(jb->task_state, jb->ctx, jb->b.n, jb->x, jb->y);
    const uint32_t *idx;
    jb->b.n = rs_epoch_next(&jb->epoch, jb->ctx, (uint32_t)jb->batch, &idx);
    return jb->td->gather(jb->task_state, jb->ctx, idx, jb->b.n, jb->x, jb->y);
}

/* The training steps from *step up to the next evaluation; *step ends there. Only these are
 * timed, the alignment's measurement (on the span's last step) excepted. DONE when the
 * training loss diverges. */
static job_flow train_span(job *jb, long *step, rs_step_stats *stats, rs_job_result *res,
                           double *train_us)
{
    double t0 = rs_now_s(), t_align = 0;
    long stop = *step + jb->every < jb->steps ? *step + jb->every : jb->steps;
    job_flow f = GO_ON;
    for (; *step < stop && f == GO_ON; ++*step) {
        if ((jb->st = next_batch(jb)) != RS_OK) {
            f = PLUGIN_FAILED;
            break;
        }
        int measure = jb->n_align && *step + 1 == stop;
        if (measure)
            rs_align_before(&jb->align, jb->net);
        jb->ctx->who = jb->rule->head->name;
        memset(stats, 0, sizeof *stats);
        if ((jb->st = jb->rd->step(jb->rule_state, jb->ctx, jb->net, &jb->b, stats)) != RS_OK) {
            f = PLUGIN_FAILED;
            break;
        }
        rs_net_post_update(jb->net);
        if (measure) {
            double ta = rs_now_s();
            rs_align_after(&jb->align, jb->net, &jb->b, jb->align_cos);
            t_align += rs_now_s() - ta;
        }
        if (stats->has_loss && isfinite(stats->loss)) {
            jb->loss_sum += stats->loss;
            jb->loss_n++;
        }
        if (stats->has_loss && !isfinite(stats->loss)) {
            res->status = RS_JOB_DIVERGED;
            snprintf(res->message, sizeof res->message, "diverged at step %ld: training loss "
                     "%g; try a smaller learning rate", *step + 1, stats->loss);
            f = DONE;
        }
    }
    if (f != PLUGIN_FAILED)
        *train_us += (rs_now_s() - t0 - t_align) * 1e6;
    return f;
}

/* Once per job, at the end: the trained network as one line of nets.jsonl. */
static void save_net(const job *jb, rs_job_result *res)
{
    rs_netmeta meta = { .index = (long)jb->j, .replicate = (long)jb->rep, .steps = jb->steps,
                        .solved = res->solved, .final_loss = res->final_loss };
    snprintf(meta.rule, sizeof meta.rule, "%s", jb->rule->label);
    snprintf(meta.task, sizeof meta.task, "%s", jb->task->label);
    snprintf(meta.net, sizeof meta.net, "%s", jb->nl);
    rs_job_key(jb->run, jb->j, meta.key, sizeof meta.key);
    snprintf(meta.status, sizeof meta.status, "%s", res->status == RS_JOB_OK ? "ok" : "diverged");
    char plab[400];
    rs_params_label(jb->task->params, plab, sizeof plab);
    snprintf(meta.task_text, sizeof meta.task_text, "%s%s%s", jb->task->head->name,
             plab[0] ? ":" : "", plab);
    res->net_json = rs_netio_dump(jb->net, &meta);
}

static void job_close(job *jb)
{
    if (jb->rule_state)
        jb->rd->destroy(jb->rule_state, jb->ctx);
    if (jb->task_state)
        jb->td->destroy(jb->task_state, jb->ctx);
    if (jb->ctx) {
        rs_free(jb->ctx, jb->x);
        rs_free(jb->ctx, jb->y);
        rs_free(jb->ctx, jb->pred);
        rs_free(jb->ctx, jb->xc);
        rs_free(jb->ctx, jb->pc);
        rs_epoch_close(&jb->epoch, jb->ctx);
        rs_align_close(&jb->align, jb->ctx);
    }
    rs_net_destroy(jb->net);
    for (uint32_t l = 0; l < jb->n_acts; l++)
        rs_act_destroy((rs_act *)jb->acts[l]);
    rs_ctx_destroy(jb->ctx);
}

void rs_run_job(rs_run *run, size_t j, rs_job_result *res)
{
    job jb;
    job_init(&jb, run, j);
    res->steps_to_solve = -1;
    res->final_loss = res->final_acc = NAN;
    double train_us = 0;
    rs_step_stats stats = { 0 };
    job_flow f = job_open(&jb, res);
    for (long step = 0; f == GO_ON;) { /* evaluate, train up to the next evaluation, ... */
        if ((f = evaluate(&jb, step, &stats, res)) == GO_ON)
            f = train_span(&jb, &step, &stats, res, &train_us);
    }
    if (f == DONE) {
        res->us_per_step = jb.steps > 0 ? train_us / jb.steps : 0;
        if (res->status == RS_JOB_PENDING)
            res->status = RS_JOB_OK;
        if (res->status == RS_JOB_DIVERGED)
            res->solved = 0;
        if (run->save_nets)
            save_net(&jb, res);
    } else if (f == PLUGIN_FAILED) {
        res->status = RS_JOB_FAILED;
        snprintf(res->message, sizeof res->message, "plugin '%s' failed (%s): %s", jb.ctx->who,
                 rs_status_str(jb.st), jb.ctx->err[0] ? jb.ctx->err : "no message");
    } else if (f == INTERRUPTED)
        res->status = RS_JOB_PENDING;
    job_close(&jb);
    if (res->status == RS_JOB_PENDING) {
        free(res->points);
        res->points = NULL;
        res->n_points = 0;
    }
}

int rs_job_dry_open(rs_run *run, size_t i, char *msg, size_t msg_size)
{
    job jb;
    job_init(&jb, run, i);
    rs_job_result res = { 0 };
    job_flow f = job_open(&jb, &res);
    if (f == PLUGIN_FAILED)
        snprintf(res.message, sizeof res.message, "plugin '%s' refused it (%s): %s",
                 jb.ctx->who, rs_status_str(jb.st), jb.ctx->err[0] ? jb.ctx->err : "no message");
    if (f != GO_ON)
        snprintf(msg, msg_size, "rule '%s' on task '%s', network '%s': %s", jb.rule->label,
                 jb.task->label, jb.nl, res.message);
    job_close(&jb);
    free(res.points);
    return f != GO_ON;
}
