/* runner.c: see runner.h. */
#include "runner.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "ctx.h"
#include "isolate.h"
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
static long steps_of(const rs_run *run, size_t rule, size_t task)
{
    if (run->steps_override >= 0 || run->spec->rules[rule].steps >= 0)
        return rs_job_steps(run, rule);
    long s = run->spec->tasks[task].steps;
    return s >= 0 ? s : run->spec->steps;
}

static long job_batch(const rs_run *run, size_t rule, size_t task)
{
    long b = run->spec->rules[rule].batch;
    if (b < 0)
        b = run->spec->tasks[task].batch;
    if (b < 0)
        b = run->spec->batch;
    return b == 0 ? (long)run->tasks[task].info.n_full : b;
}

static long job_eval_every(const rs_run *run, size_t rule, size_t task)
{
    long e = run->spec->rules[rule].eval_every;
    if (e < 0)
        e = run->spec->tasks[task].eval_every;
    if (e < 0)
        e = run->spec->eval_every;
    if (e <= 0) {
        e = steps_of(run, rule, task) / N_EVALS_DEFAULT;
        if (e < 1)
            e = 1;
    }
    return e;
}

const char *const *rs_rule_metric_names(const rs_item *rule)
{
    return ((const rs_rule_desc *)rule->head)->metric_names;
}

int rs_run_plan(rs_run *run, char *err, size_t err_size)
{
    rs_spec *s = run->spec;
    run->n_reps = (size_t)(run->replicates_override > 0 ? run->replicates_override
                                                         : s->replicates);
    /* groups: every rule on every task, on the task's own networks or else the global ones */
    size_t cap = 0;
    for (size_t t = 0; t < s->n_tasks; t++)
        cap += s->tasks[t].net_count ? s->tasks[t].net_count : s->n_global_nets;
    cap *= s->n_rules;
    run->groups = calloc(cap ? cap : 1, sizeof *run->groups);
    for (size_t r = 0; run->groups && r < s->n_rules; r++)
        for (size_t t = 0; t < s->n_tasks; t++) {
            const rs_item *ti = &s->tasks[t];
            size_t first = ti->net_count ? ti->net_first : 0;
            size_t count = ti->net_count ? ti->net_count : s->n_global_nets;
            for (size_t k = first; k < first + count; k++)
                run->groups[run->n_groups++] = (rs_group){ r, t, k };
        }
    run->n_jobs = run->n_groups * run->n_reps;
    run->tasks = calloc(s->n_tasks, sizeof *run->tasks);
    run->results = calloc(run->n_jobs ? run->n_jobs : 1, sizeof *run->results);
    if (!run->groups || !run->tasks || !run->results) {
        snprintf(err, err_size, "out of memory planning %zu jobs", run->n_jobs);
        return 1;
    }
    const rs_host *host = rs_host_get();
    for (size_t t = 0; t < s->n_tasks; t++) {
        const rs_task_desc *td = (const rs_task_desc *)s->tasks[t].head;
        rs_ctx *ctx = rs_ctx_create(s->seed, 0);
        void *state = NULL;
        rs_task_info *info = &run->tasks[t].info;
        info->struct_size = sizeof *info;
        rs_status st = ctx ? td->create(host, ctx, s->tasks[t].params, info, &state) : RS_ERR_NOMEM;
        if (st == RS_OK && (info->n_in == 0 || info->n_out == 0)) {
            st = RS_ERR_INTERNAL;
            rs_fail(ctx, st, "the task reports %u inputs and %u outputs", info->n_in, info->n_out);
        }
        if (state)
            td->destroy(state, ctx);
        if (st != RS_OK) {
            snprintf(err, err_size, "task '%s': %s", s->tasks[t].label,
                     ctx && ctx->err[0] ? ctx->err : rs_status_str(st));
            rs_ctx_destroy(ctx);
            return 1;
        }
        rs_ctx_destroy(ctx);
        const rs_item *ti = &s->tasks[t];
        size_t first = ti->net_count ? ti->net_first : 0;
        size_t count = ti->net_count ? ti->net_count : s->n_global_nets;
        for (size_t k = first; k < first + count; k++) {
            char msg[512], nl[128];
            if (s->nets[k].kind != RS_NET_RECURRENT
                || !rs_recspec_check(&s->nets[k].rec, info->n_in, info->n_out, msg, sizeof msg))
                continue;
            rs_netspec_label(&s->nets[k], info->n_in, info->n_out, nl, sizeof nl);
            snprintf(err, err_size, "network '%s' on task '%s': %s", nl, ti->label, msg);
            return 1;
        }
        for (size_t r = 0; r < s->n_rules; r++)
            if (job_batch(run, r, t) <= 0) {
                snprintf(err, err_size, "task '%s' draws fresh examples (no finite set), so rule "
                         "'%s' needs a batch size: set \"batch\": N in the spec or the rule",
                         s->tasks[t].label, s->rules[r].label);
                return 1;
            }
    }
    return 0;
}

/* ---- one job --------------------------------------------------------------------------- */

typedef struct job_bufs {
    rs_real *x, *y;     /* (n_in, batch), (n_out, batch) */
    rs_real *pred;      /* (n_out, n_eval) */
} job_bufs;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

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
    long steps = steps_of(run, r, t), every = job_eval_every(run, r, t);
    long batch = job_batch(run, r, t);
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
        double t0 = now_us();
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
                train_us += now_us() - t0;
                goto timed;
            }
        }
        train_us += now_us() - t0;
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

/* ---- the journal ----------------------------------------------------------------------- */

/* A growing text buffer for one job's record, written with one fwrite. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) RS_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (need < 0)
            return;
        if (b->p && (size_t)need < b->cap - b->n) {
            b->n += (size_t)need;
            return;
        }
        size_t nc = (b->cap + (size_t)need + 1) * 2;
        char *np = realloc(b->p, nc);
        if (!np)
            return;
        b->p = np;
        b->cap = nc;
    }
}

static void journal_record(const rs_run *run, size_t j, const rs_job_result *res, sbuf *b)
{
    char key[512], msg[512];
    rs_job_key(run, j, key, sizeof key);
    snprintf(msg, sizeof msg, "%s", res->message);
    for (char *c = msg; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = ' ';
    sb_printf(b, "J\t%zu\t%s\t%d\t%d\t%ld\t%.17g\t%.17g\t%.17g\t%u\t%u\t%s\n", j, key,
              res->status, res->solved, res->steps_to_solve, res->final_loss, res->final_acc,
              res->us_per_step, res->n_points, res->n_metrics, msg);
    for (uint32_t p = 0; p < res->n_points; p++) {
        const rs_point *pt = &res->points[p];
        sb_printf(b, "P\t%u\t%.17g\t%.17g", pt->step, pt->loss, pt->acc);
        for (uint32_t m = 0; m < res->n_metrics; m++)
            sb_printf(b, "\t%.17g", pt->metrics[m]);
        sb_printf(b, "\n");
    }
    sb_printf(b, "E\t%zu\n", j);
}

int rs_journal_write_all(const rs_run *run, FILE *f)
{
    sbuf b = { 0 };
    int rc = 0;
    for (size_t j = 0; j < run->n_jobs && rc == 0; j++) {
        if (run->results[j].status == RS_JOB_PENDING)
            continue;
        b.n = 0;
        journal_record(run, j, &run->results[j], &b);
        if (!b.p || fwrite(b.p, 1, b.n, f) != b.n)
            rc = -1;
    }
    free(b.p);
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
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    rs_run *run = p->run;
    sbuf b = { 0 };
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
        b.n = 0;
        journal_record(run, j, &res, &b);
        pthread_mutex_lock(&p->lock);
        if (res.net_json && p->nets && !run->nets_error[0]) {
            /* before the journal record, so a journalled job has its network; a failure is a
             * warning (the results do not need it) */
            errno = 0;
            if (fputs(res.net_json, p->nets) < 0 || fflush(p->nets) != 0)
                snprintf(run->nets_error, sizeof run->nets_error, "%s/nets.jsonl: cannot "
                         "write (%s)", run->dir, strerror(errno ? errno : EIO));
        }
        free(res.net_json);
        res.net_json = NULL;
        if (!p->stop && b.p) {
            errno = 0;
            if (fwrite(b.p, 1, b.n, p->journal) != b.n || fflush(p->journal) != 0) {
                snprintf(run->io_error, sizeof run->io_error, "%s/journal.tsv: cannot write "
                         "(%s)", run->dir, strerror(errno ? errno : EIO));
                p->stop = 1;
            }
        }
        run->results[j] = res;
        p->done++;
        pthread_cond_signal(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
    free(b.p);
    rs_worker_close(iso);
    pthread_mutex_lock(&p->lock);
    p->running--;
    pthread_cond_signal(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void draw_progress(size_t done, size_t total, double elapsed)
{
    int width = 30, fill = total ? (int)(width * done / total) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    double eta = done ? elapsed / done * (total - done) : 0;
    fprintf(stderr, "\r[%s] %zu/%zu jobs  %.1fs  ETA %.1fs ", bar, done, total, elapsed, eta);
    fflush(stderr);
}

int rs_run_execute(rs_run *run)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run->dir);
    pool p = { .run = run };
    p.journal = fopen(path, "a+");
    if (!p.journal) {
        snprintf(run->io_error, sizeof run->io_error, "%s: cannot open for writing (%s)", path,
                 strerror(errno));
        return 1;
    }
    /* A kill may have cut the last record mid-line: end that line, so the records appended now
     * start on lines of their own (resume drops the cut record and its job runs again). */
    if (fseek(p.journal, -1, SEEK_END) == 0) {
        int last = fgetc(p.journal);
        fseek(p.journal, 0, SEEK_END);
        if (last != '\n' && last != EOF)
            fputc('\n', p.journal);
    }
    if (run->save_nets) { /* the trained networks, one line each, cut lines ended the same way */
        char npath[4200];
        rs_run_nets_path(run, npath, sizeof npath);
        if (!(p.nets = fopen(npath, "a+")))
            snprintf(run->nets_error, sizeof run->nets_error, "%s: cannot open for writing (%s)",
                     npath, strerror(errno));
        else if (fseek(p.nets, -1, SEEK_END) == 0) {
            int last = fgetc(p.nets);
            fseek(p.nets, 0, SEEK_END);
            if (last != '\n' && last != EOF)
                fputc('\n', p.nets);
        }
    }
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.changed, NULL);
    for (size_t j = 0; j < run->n_jobs; j++)
        p.total += run->results[j].status == RS_JOB_PENDING && rs_job_in_shard(run, j);
    int n_threads = run->threads > 0 ? run->threads : 1;
    if ((size_t)n_threads > p.total)
        n_threads = p.total ? (int)p.total : 1;
    pthread_t *tids = calloc((size_t)n_threads, sizeof *tids);
    double start = now_us();
    p.running = 0;
    for (int i = 0; tids && i < n_threads; i++)
        if (pthread_create(&tids[i], NULL, worker, &p) == 0)
            p.running++;
    pthread_mutex_lock(&p.lock);
    while (p.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p.changed, &p.lock, &ts);
        if (run->progress)
            draw_progress(p.done, p.total, (now_us() - start) / 1e6);
    }
    pthread_mutex_unlock(&p.lock);
    for (int i = 0; tids && i < n_threads; i++)
        pthread_join(tids[i], NULL);
    if (run->progress)
        fprintf(stderr, "\n");
    free(tids);
    int bad = 0;
    if (p.nets && fclose(p.nets) != 0 && !run->nets_error[0])
        snprintf(run->nets_error, sizeof run->nets_error, "%s/nets.jsonl: cannot write (%s)",
                 run->dir, strerror(errno));
    if (fclose(p.journal) != 0 && !run->io_error[0]) {
        snprintf(run->io_error, sizeof run->io_error, "%s: cannot write (%s)", path,
                 strerror(errno));
        bad = 1;
    }
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    return bad || run->io_error[0] || *run->interrupted;
}

void rs_run_free_results(rs_run *run)
{
    for (size_t j = 0; run->results && j < run->n_jobs; j++) {
        free(run->results[j].points);
        free(run->results[j].net_json);
    }
    free(run->results);
    free(run->tasks);
    free(run->groups);
    free(run->isolate_group);
    run->isolate_group = NULL;
    run->results = NULL;
    run->tasks = NULL;
    run->groups = NULL;
}
