/* meta.c: see meta.h. */
#include "meta.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "ctx.h"
#include "network.h"
#include "runner.h" /* rs_accuracy */
#include "tape.h"

struct rs_meta_worker {
    rs_meta *m;
    rs_tape *tape;
    rs_ctx *ctx;          /* the tape's allocation is counted here */
    double *saved;        /* detach buffer: values of w, b and carry at a truncation */
    size_t saved_cap;
    /* the share of one rs_meta_run_episodes call */
    const double *phi;
    rs_episode *eps;
    double *grads;
    size_t first, n, stride;
};

/* ---- settings of an episode, with the runner's precedence (rule, then task, then spec) ---- */

static long steps_of(const rs_spec *s, size_t task)
{
    if (s->rules[0].steps >= 0)
        return s->rules[0].steps;
    return s->tasks[task].steps >= 0 ? s->tasks[task].steps : s->steps;
}

static long batch_of(const rs_spec *s, size_t task, uint32_t n_full)
{
    long b = s->rules[0].batch;
    if (b < 0)
        b = s->tasks[task].batch;
    if (b < 0)
        b = s->batch;
    return b == 0 ? (long)n_full : b;
}

uint64_t rs_meta_stream(long it, long e)
{
    return rs_hash_str(0, "meta-episode") + (uint64_t)it * 1000003u + (uint64_t)e * 7919u;
}

uint64_t rs_meta_validation_stream(size_t h, long k)
{
    return rs_hash_str(0, "meta-validation") + (uint64_t)h * 1000003u + (uint64_t)k * 7919u;
}

/* ---- one episode ------------------------------------------------------------------------- */

typedef struct episode_env {    /* everything an episode creates, for one cleanup */
    rs_ctx *ctx;
    const rs_task_desc *td;
    void *task_state, *rule_state;
    const rs_act *acts[RS_MAX_LAYERS + 1];
    uint32_t n_layers;
    rs_net *net;
    rs_real *bx, *by, *pred;
    /* what the unroll reads */
    const rs_item *task;
    rs_task_info info;
    const rs_real *ex, *ey;     /* the evaluation set */
    uint32_t n_eval;
    long K, batch;              /* inner steps, batch size */
} episode_env;

static void env_close(rs_meta *m, episode_env *env)
{
    if (env->rule_state)
        m->rule->destroy(env->rule_state, env->ctx);
    if (env->task_state)
        env->td->destroy(env->task_state, env->ctx);
    free(env->bx);
    free(env->by);
    free(env->pred);
    rs_net_destroy(env->net);
    for (uint32_t l = 0; l < env->n_layers; l++)
        rs_act_destroy((rs_act *)env->acts[l]);
    rs_ctx_destroy(env->ctx);
}

static int ep_fail(rs_episode *ep, const char *fmt, ...) RS_PRINTF(2, 3);
static int ep_fail(rs_episode *ep, const char *fmt, ...)
{
    if (!ep->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ep->err, sizeof ep->err, fmt, ap);
        va_end(ap);
        ep->failed = 1;
    }
    return 1;
}

/* Start a tape segment: the meta-parameters as param leaves, and (after the first) the
 * weights and the rule's carried state as constants with the values they had (a detach). */
static int segment_start(rs_meta_worker *w, rs_dstep_io *io, rs_tv *meta, const double *phi,
                         int first)
{
    rs_meta *m = w->m;
    rs_tape *t = w->tape;
    uint32_t rows[2 * RS_TAPE_MAX_LAYERS + RS_TAPE_MAX_CARRY];
    uint32_t cols[2 * RS_TAPE_MAX_LAYERS + RS_TAPE_MAX_CARRY];
    rs_tv *slot[2 * RS_TAPE_MAX_LAYERS + RS_TAPE_MAX_CARRY];
    size_t n_slots = 0, total = 0;
    if (!first) { /* save every carried tensor's values before the reset forgets them */
        for (uint32_t l = 0; l < io->n_layers; l++) {
            slot[n_slots++] = &io->w[l];
            slot[n_slots++] = &io->b[l];
        }
        for (uint32_t k = 0; k < io->n_carry; k++)
            slot[n_slots++] = &io->carry[k];
        for (size_t k = 0; k < n_slots; k++) {
            rs_tape_shape(t, *slot[k], &rows[k], &cols[k]);
            total += (size_t)rows[k] * cols[k];
        }
        if (total > w->saved_cap) {
            double *p = realloc(w->saved, total * sizeof *p);
            if (!p)
                return -1;
            w->saved = p;
            w->saved_cap = total;
        }
        size_t off = 0;
        for (size_t k = 0; k < n_slots; k++) {
            size_t len = (size_t)rows[k] * cols[k];
            if (len)
                memcpy(w->saved + off, rs_tape_value(t, *slot[k]), len * sizeof(double));
            off += len;
        }
    }
    rs_tape_reset(t);
    size_t off = 0;
    for (uint32_t k = 0; k < m->n_shapes; k++) {
        meta[k] = rs_tape_param(t, m->shapes[k].rows, m->shapes[k].cols, phi + off);
        off += (size_t)m->shapes[k].rows * m->shapes[k].cols;
    }
    off = 0;
    for (size_t k = 0; k < n_slots; k++) {
        size_t len = (size_t)rows[k] * cols[k];
        *slot[k] = len ? rs_tape_const(t, rows[k], cols[k], w->saved + off) : RS_TV_NONE;
        off += len;
    }
    return 0;
}

/* Backprop the segment's loss and add the meta-parameters' gradients into grad. */
static int segment_end(rs_meta_worker *w, rs_tv seg_loss, const rs_tv *meta, double *grad,
                       rs_episode *ep)
{
    rs_meta *m = w->m;
    if (!grad || seg_loss == RS_TV_NONE)
        return 0;
    if (rs_tape_backward(w->tape, seg_loss) != RS_OK)
        return ep_fail(ep, "backward: %s", rs_tape_error(w->tape));
    size_t off = 0;
    for (uint32_t k = 0; k < m->n_shapes; k++) {
        const size_t len = (size_t)m->shapes[k].rows * m->shapes[k].cols;
        const double *g = rs_tape_grad(w->tape, meta[k]);
        for (size_t i = 0; g && i < len; i++)
            grad[off + i] += g[i];
        off += len;
    }
    return 0;
}

/* The episode's task and network, drawn from its stream unless ep->task names the task. */
static void draw_task_net(rs_meta *m, rs_episode *ep, episode_env *env)
{
    const rs_spec *s = m->spec;
    rs_ctx *ctx = env->ctx;
    const size_t ti = ep->task >= 0 ? (size_t)ep->task
                                     : m->train[rs_rng_u64(&ctx->rng) % m->n_train];
    const rs_item *task = &s->tasks[ti];
    const size_t first = task->net_count ? task->net_first : 0;
    const size_t count = task->net_count ? task->net_count : s->n_global_nets;
    ep->task_used = ti;
    ep->net_used = first + rs_rng_u64(&ctx->rng) % count;
    env->task = task;
}

/* The network with fresh weights and its buffers. 0 ok, else failed (ep->err). */
static int make_net(rs_meta *m, rs_episode *ep, episode_env *env)
{
    const rs_netspec *ns = &m->spec->nets[ep->net_used];
    uint32_t sizes[RS_MAX_LAYERS + 2];
    env->n_layers = ns->n_hidden + 1;
    sizes[0] = env->info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        sizes[h + 1] = ns->hidden[h];
    sizes[env->n_layers] = env->info.n_out;
    char msg[512];
    for (uint32_t l = 1; l <= env->n_layers; l++)
        if (!(env->acts[l - 1] = rs_act_create(m->reg, rs_netspec_act(ns, l, env->n_layers), msg,
                                               sizeof msg)))
            return ep_fail(ep, "network: %s", msg);
    uint32_t cap = (uint32_t)(env->batch > (long)env->n_eval ? env->batch : (long)env->n_eval);
    env->net = rs_net_create(sizes, env->n_layers, env->acts, ns->bias, cap);
    env->bx = malloc((size_t)env->info.n_in * (size_t)env->batch * sizeof(rs_real));
    env->by = malloc((size_t)env->info.n_out * (size_t)env->batch * sizeof(rs_real));
    env->pred = malloc((size_t)env->info.n_out * env->n_eval * sizeof(rs_real));
    if (!env->net || !env->bx || !env->by || !env->pred)
        return ep_fail(ep, "out of memory");
    rs_net_init(env->net, &ns->init, &env->ctx->rng);
    return 0;
}

/* The task, the network with fresh weights, the rule (its own random draws). 0 ok. */
static int episode_open(rs_meta *m, rs_episode *ep, episode_env *env)
{
    const rs_host *host = rs_host_get();
    if (!(env->ctx = rs_ctx_create(m->spec->seed, ep->stream)))
        return ep_fail(ep, "out of memory");
    rs_ctx *ctx = env->ctx;
    draw_task_net(m, ep, env);
    const rs_item *task = env->task;
    env->td = (const rs_task_desc *)task->head;
    env->info = (rs_task_info){ .struct_size = sizeof env->info };
    ctx->who = task->head->name;
    if (env->td->create(host, ctx, task->params, &env->info, &env->task_state) != RS_OK
        || env->td->eval_set(env->task_state, ctx, &env->ex, &env->ey, &env->n_eval) != RS_OK)
        return ep_fail(ep, "task '%s': %s", task->label, ctx->err);
    env->K = steps_of(m->spec, ep->task_used);
    env->batch = batch_of(m->spec, ep->task_used, env->info.n_full);
    ep->steps = env->K;
    if (env->batch <= 0 || env->K <= 0)
        return ep_fail(ep, "task '%s': needs a batch size and at least one step", task->label);
    if (make_net(m, ep, env))
        return 1;
    ctx->who = m->rule->head.name;
    if (m->rule->create(host, ctx, m->params, env->net, &env->info, &env->rule_state) != RS_OK)
        return ep_fail(ep, "rule '%s': %s", m->rule->head.name, ctx->err);
    rs_meta_shape shapes[RS_META_MAX_SHAPES];
    uint32_t n_shapes = m->rule->meta_shapes(env->rule_state, shapes, RS_META_MAX_SHAPES);
    if (n_shapes != m->n_shapes || memcmp(shapes, m->shapes, n_shapes * sizeof *shapes) != 0)
        return ep_fail(ep, "network %zu gives rule '%s' other meta-parameter shapes than the "
                       "first network; meta-train on networks of one depth (or "
                       "per_layer=false)", ep->net_used, m->rule->head.name);
    return 0;
}

/* The task loss on the evaluation set through the network as io holds it; its output layer
 * into *out. RS_TV_NONE after ep_fail. */
static rs_tv eval_loss(rs_tape *t, const episode_env *env, const rs_dstep_io *io, rs_tv *out,
                       rs_episode *ep)
{
    rs_tv xe = rs_tape_const_real(t, env->info.n_in, env->n_eval, env->ex);
    rs_tv ye = rs_tape_const_real(t, env->info.n_out, env->n_eval, env->ey);
    rs_tv a[RS_MAX_LAYERS + 2];
    rs_tape_net_forward(t, env->net, io->w, io->b, xe, a);
    rs_tv loss = rs_tape_loss(t, env->info.loss, a[env->n_layers], ye);
    if (rs_tape_error(t)) {
        ep_fail(ep, "%s", rs_tape_error(t));
        return RS_TV_NONE;
    }
    *out = a[env->n_layers];
    return loss;
}

/* The first tape segment: the meta-parameters, the initial weights as constants, and the loss
 * before training (ep->loss0, the normaliser). 0, or 1 after ep_fail. */
static int unroll_start(rs_meta_worker *w, episode_env *env, rs_dstep_io *io, rs_tv *meta,
                           const double *phi, rs_episode *ep)
{
    rs_tape *t = w->tape;
    *io = (rs_dstep_io){ .struct_size = sizeof *io, .tape = t, .net = env->net,
                         .n_meta = w->m->n_shapes, .n_layers = env->n_layers };
    segment_start(w, io, meta, phi, 1);
    for (uint32_t l = 0; l < env->n_layers; l++) {
        const rs_layer *ly = &env->net->layers[l];
        io->w[l] = rs_tape_const_real(t, ly->n_out, ly->n_in, ly->w);
        io->b[l] = ly->b ? rs_tape_const_real(t, ly->n_out, 1, ly->b) : RS_TV_NONE;
    }
    io->meta = meta;
    rs_tv out, l0 = eval_loss(t, env, io, &out, ep);
    if (l0 == RS_TV_NONE)
        return 1;
    ep->loss0 = rs_tape_value(t, l0)[0];
    return 0;
}

/* Inner step k: a batch, the rule's dstep on the tape, the evaluation loss after it. Returns
 * the loss's tape value (RS_TV_NONE after ep_fail), its value in *lv, the output in *out. */
static rs_tv inner_step(rs_meta_worker *w, episode_env *env, rs_dstep_io *io, long k,
                        double *lv, rs_tv *out, rs_episode *ep)
{
    rs_meta *m = w->m;
    rs_tape *t = w->tape;
    rs_ctx *ctx = env->ctx;
    ctx->who = env->task->head->name;
    if (env->td->batch(env->task_state, ctx, (uint32_t)env->batch, env->bx, env->by) != RS_OK) {
        ep_fail(ep, "task '%s': %s", env->task->label, ctx->err);
        return RS_TV_NONE;
    }
    rs_batch b = { .n = (uint32_t)env->batch, .n_in = env->info.n_in, .n_out = env->info.n_out,
                   .loss = env->info.loss, .x = env->bx, .y = env->by };
    rs_step_stats stats = { 0 };
    io->batch = &b;
    io->stats = &stats;
    ctx->who = m->rule->head.name;
    if (m->rule->dstep(env->rule_state, ctx, io) != RS_OK || rs_tape_error(t)) {
        ep_fail(ep, "rule '%s' dstep at inner step %ld: %s", m->rule->head.name, k + 1,
                ctx->err[0] ? ctx->err : rs_tape_error(t));
        return RS_TV_NONE;
    }
    io->batch = NULL; /* b and stats end here */
    io->stats = NULL;
    if (io->n_carry > RS_TAPE_MAX_CARRY) {
        ep_fail(ep, "rule '%s' uses %u carry slots; at most %d", m->rule->head.name, io->n_carry,
                RS_TAPE_MAX_CARRY);
        return RS_TV_NONE;
    }
    rs_tv loss = eval_loss(t, env, io, out, ep);
    if (loss == RS_TV_NONE)
        return RS_TV_NONE;
    *lv = rs_tape_value(t, loss)[0];
    if (!isfinite(*lv)) {
        ep_fail(ep, "diverged at inner step %ld of task '%s' (loss %g)", k + 1, env->task->label,
                *lv);
        return RS_TV_NONE;
    }
    return loss;
}

/* After the last inner step: the final loss, accuracy and whether it solved the task. */
static void episode_result(rs_tape *t, episode_env *env, rs_tv out, double lv, rs_episode *ep)
{
    const double *pv = rs_tape_value(t, out);
    for (size_t i = 0; i < (size_t)env->info.n_out * env->n_eval; i++)
        env->pred[i] = (rs_real)pv[i];
    ep->final_loss = lv;
    ep->final_acc = rs_accuracy(&env->info, env->pred, env->ey, env->n_eval);
    ep->solved = env->td->solved(env->task_state, env->pred, env->ey, env->n_eval, lv) != 0;
}

/* The unroll: K inner steps, backprop every `truncation` of them; ep->meta_loss at the end. */
static int unroll(rs_meta_worker *w, episode_env *env, const double *phi, rs_episode *ep,
                  double *grad)
{
    rs_meta *m = w->m;
    rs_tape *t = w->tape;
    rs_dstep_io io;
    rs_tv meta[RS_META_MAX_SHAPES];
    if (unroll_start(w, env, &io, meta, phi, ep))
        return 1;
    const long K = env->K, T = m->cfg.truncation > 0 ? m->cfg.truncation : K;
    const double norm = m->cfg.normalize ? fmax(ep->loss0, 1e-6) : 1.0;
    rs_tv seg = RS_TV_NONE, out = RS_TV_NONE;
    double total = 0;
    for (long k = 0; k < K; k++) {
        if (k > 0 && k % T == 0) { /* truncate: backprop this window, carry values on */
            if (segment_end(w, seg, meta, grad, ep))
                return 1;
            if (segment_start(w, &io, meta, phi, 0))
                return ep_fail(ep, "out of memory detaching the state at inner step %ld", k + 1);
            seg = RS_TV_NONE;
        }
        double lv;
        rs_tv loss = inner_step(w, env, &io, k, &lv, &out, ep);
        if (loss == RS_TV_NONE)
            return 1;
        if (ep->curve)
            ep->curve[k] = lv;
        rs_tv term;
        if (m->cfg.log_loss) { /* log(l / l0): every decade of improvement counts alike, down
                                * to log_floor (below it no gradient: no chasing 1e-9) */
            const double wgt = 1.0 / (double)K + (k == K - 1 ? m->cfg.final_weight : 0);
            const double floor = m->cfg.log_floor * fmax(ep->loss0, 1e-300);
            total += wgt * log(fmax(lv, floor) / fmax(ep->loss0, 1e-300));
            term = rs_tape_scale(t, rs_tape_log(t, rs_tape_clip(t, loss, floor, HUGE_VAL)), wgt);
        } else {
            const double wgt = 1.0 / ((double)K * norm) + (k == K - 1 ? m->cfg.final_weight / norm
                                                                     : 0);
            total += wgt * lv;
            term = rs_tape_scale(t, loss, wgt);
        }
        seg = seg == RS_TV_NONE ? term : rs_tape_add(t, seg, term);
        if (k == K - 1)
            episode_result(t, env, out, lv, ep);
    }
    if (segment_end(w, seg, meta, grad, ep))
        return 1;
    ep->meta_loss = total;
    return 0;
}

static int run_episode(rs_meta_worker *w, const double *phi, rs_episode *ep, double *grad)
{
    rs_meta *m = w->m;
    episode_env env = { 0 };
    ep->failed = 0;
    ep->err[0] = '\0';
    ep->meta_loss = ep->final_loss = ep->final_acc = NAN;
    ep->solved = 0;
    if (grad)
        memset(grad, 0, m->n_phi * sizeof *grad);
    if (!episode_open(m, ep, &env))
        unroll(w, &env, phi, ep, grad);
    env_close(m, &env);
    if (ep->failed && grad)
        memset(grad, 0, m->n_phi * sizeof *grad);
    return ep->failed;
}

/* ---- threads --------------------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    rs_meta_worker *w = arg;
    for (size_t i = w->first; i < w->n; i += w->stride)
        run_episode(w, w->phi, &w->eps[i], w->grads ? w->grads + i * w->m->n_phi : NULL);
    return NULL;
}

void rs_meta_run_episodes(rs_meta *m, const double *phi, rs_episode *eps, size_t n,
                          double *grads)
{
    size_t nt = (size_t)m->threads < n ? (size_t)m->threads : n;
    pthread_t tid[64];
    int started[64] = { 0 };
    for (size_t k = 0; k < nt; k++) {
        rs_meta_worker *w = &m->workers[k];
        w->phi = phi;
        w->eps = eps;
        w->grads = grads;
        w->first = k;
        w->n = n;
        w->stride = nt;
        if (k > 0)
            started[k] = pthread_create(&tid[k], NULL, worker_main, w) == 0;
    }
    if (nt > 0)
        worker_main(&m->workers[0]);
    for (size_t k = 1; k < nt; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else /* could not start a thread: do its share here */
            worker_main(&m->workers[k]);
    }
}

int rs_meta_episode(rs_meta *m, const double *phi, rs_episode *ep, double *grad)
{
    return run_episode(&m->workers[0], phi, ep, grad);
}

/* ---- a meta-step ------------------------------------------------------------------------------ */

void rs_meta_step(rs_meta *m, rs_meta_step_stats *out)
{
    const size_t E = (size_t)m->cfg.episodes, P = m->n_phi;
    memset(out, 0, sizeof *out);
    for (size_t e = 0; e < E; e++) {
        m->eps[e] = (rs_episode){ .stream = rs_meta_stream(m->done, (long)e), .task = -1,
                                  .curve = m->ep_curves + e * (size_t)m->max_steps };
        for (long k = 0; k < m->max_steps; k++)
            m->eps[e].curve[k] = NAN;
    }
    rs_meta_run_episodes(m, m->phi, m->eps, E, m->ep_grad);
    /* sums in episode order: the thread count changes nothing */
    double *g = m->adam_m + P; /* scratch after the moments (allocated 3P) */
    memset(g, 0, P * sizeof *g);
    for (size_t e = 0; e < E; e++) {
        const rs_episode *ep = &m->eps[e];
        if (ep->failed) {
            out->failed++;
            continue;
        }
        out->meta_loss += ep->meta_loss / E;
        out->final_loss += ep->final_loss / E;
        out->final_acc += ep->final_acc / E;
        out->solved += (double)ep->solved / E;
        for (size_t i = 0; i < P; i++)
            g[i] += m->ep_grad[e * P + i] / (double)E;
    }
    for (long k = 0; k < m->max_steps; k++) {
        double sum = 0;
        long n = 0;
        for (size_t e = 0; e < E; e++)
            if (!m->eps[e].failed && isfinite(m->eps[e].curve[k])) {
                sum += m->eps[e].curve[k];
                n++;
            }
        m->curve[k] = n ? sum / n : NAN;
    }
    double nrm = 0;
    for (size_t i = 0; i < P; i++)
        nrm += g[i] * g[i];
    nrm = sqrt(nrm);
    out->grad_norm = nrm;
    if (out->failed || !isfinite(nrm)) { /* docs/RULES.md: skip, and say so */
        out->skipped = 1;
        if (out->failed)
            out->meta_loss = out->final_loss = out->final_acc = out->solved = NAN;
        m->done++;
        return;
    }
    if (m->cfg.clip > 0 && nrm > m->cfg.clip) {
        for (size_t i = 0; i < P; i++)
            g[i] *= m->cfg.clip / nrm;
        out->clipped = 1;
    }
    /* Adam (Kingma & Ba 2015), torch.optim.Adam's order of operations, in double */
    const double b1 = m->cfg.beta1, b2 = m->cfg.beta2;
    m->adam_t++;
    const double bc1 = 1 - pow(b1, (double)m->adam_t), bc2 = 1 - pow(b2, (double)m->adam_t);
    double *mm = m->adam_m, *vv = m->adam_v;
    for (size_t i = 0; i < P; i++) {
        mm[i] = b1 * mm[i] + (1 - b1) * g[i];
        vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
        m->phi[i] -= m->cfg.lr / bc1 * mm[i] / (sqrt(vv[i]) / sqrt(bc2) + m->cfg.eps);
    }
    m->done++;
}

/* ---- open / close -------------------------------------------------------------------------- */

void rs_meta_close(rs_meta *m)
{
    for (int k = 0; m->workers && k < m->threads; k++) {
        rs_meta_worker *w = &m->workers[k];
        rs_tape_destroy(w->ctx, w->tape);
        rs_ctx_destroy(w->ctx);
        free(w->saved);
    }
    free(m->workers);
    rs_params_destroy(m->params);
    free(m->train);
    free(m->held);
    free(m->phi);
    free(m->adam_m);
    free(m->adam_v);
    free(m->curve);
    free(m->ep_grad);
    free(m->eps);
    free(m->ep_curves);
    memset(m, 0, sizeof *m);
}

/* The one rule, with dstep, its parameters with weights = "" (the dstep contract: do not
 * load). 0, or -1 with err. */
static int take_rule(rs_meta *m, const rs_spec *spec, char *err, size_t err_size)
{
    if (spec->n_rules != 1) {
        snprintf(err, err_size, "meta-training takes exactly one rule (no parameter sweeps); "
                 "the spec has %zu", spec->n_rules);
        return -1;
    }
    m->rule = (const rs_rule_desc *)spec->rules[0].head;
    if (!RS_RULE_FN(m->rule, dstep)) {
        snprintf(err, err_size, "rule '%s' has no dstep, so it cannot be meta-trained (the "
                 "meta-trainable rules: lstm_synapse, meta_hebbian, or any rule with dstep)",
                 m->rule->head.name);
        return -1;
    }
    m->params = rs_params_clone(spec->rules[0].params);
    int wi = m->params ? rs_params_index(m->params, "weights") : -1;
    if (!m->params) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (wi >= 0) {
        free(m->params->str[wi]);
        m->params->str[wi] = strdup("");
    }
    return 0;
}

/* The training family and the held-out tasks (cfg.held_out), the largest K. */
static int split_tasks(rs_meta *m, const rs_spec *spec, char *err, size_t err_size)
{
    m->train = calloc(spec->n_tasks, sizeof *m->train);
    m->held = calloc(spec->n_tasks, sizeof *m->held);
    if (!m->train || !m->held) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t t = 0; t < spec->n_tasks; t++) {
        int held = 0;
        for (size_t h = 0; h < m->cfg.n_held_out; h++)
            held |= strstr(spec->tasks[t].label, m->cfg.held_out[h]) != NULL;
        if (held)
            m->held[m->n_held++] = t;
        else
            m->train[m->n_train++] = t;
        long k = steps_of(spec, t);
        if (k > m->max_steps)
            m->max_steps = k;
    }
    if (m->n_train == 0) {
        snprintf(err, err_size, "every task is held out: nothing left to meta-train on");
        return -1;
    }
    if (m->max_steps <= 0) {
        snprintf(err, err_size, "\"steps\" (the inner steps of an episode) must be >= 1");
        return -1;
    }
    return 0;
}

/* Every activation needs a tape form. */
static int check_acts(const rs_spec *spec, char *err, size_t err_size)
{
    for (size_t k = 0; k < spec->n_nets; k++) {
        const rs_netspec *ns = &spec->nets[k];
        for (uint32_t a = 0; a < ns->n_act; a++) {
            char name[64];
            snprintf(name, sizeof name, "%s", ns->act[a]);
            name[strcspn(name, ":")] = '\0';
            if (!rs_tape_act_supported(name)) {
                snprintf(err, err_size, "network %zu: activation '%s' has no tape form, so it "
                         "cannot be meta-trained through; use identity, sigmoid, tanh, relu, "
                         "leaky_relu or softplus", k + 1, name);
                return -1;
            }
        }
    }
    return 0;
}

static int make_workers(rs_meta *m, char *err, size_t err_size)
{
    m->workers = calloc((size_t)m->threads, sizeof *m->workers);
    for (int k = 0; m->workers && k < m->threads; k++) {
        m->workers[k].m = m;
        m->workers[k].ctx = rs_ctx_create(m->spec->seed, 0);
        m->workers[k].tape = m->workers[k].ctx
                                ? rs_tape_create_prec(m->workers[k].ctx, 1, m->cfg.tape_precision)
                                : NULL;
        if (!m->workers[k].tape)
            break;
    }
    if (!m->workers || !m->workers[m->threads - 1].tape) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

/* The meta-parameters' storage, once their shapes are known. */
static int alloc_phi(rs_meta *m, char *err, size_t err_size)
{
    if (m->n_shapes == 0 || m->n_shapes > RS_META_MAX_SHAPES) {
        snprintf(err, err_size, "rule '%s' declares %u meta-parameter tensors (1..%d)",
                 m->rule->head.name, m->n_shapes, RS_META_MAX_SHAPES);
        return -1;
    }
    for (uint32_t k = 0; k < m->n_shapes; k++)
        m->n_phi += (size_t)m->shapes[k].rows * m->shapes[k].cols;
    const size_t E = (size_t)(m->cfg.episodes > 0 ? m->cfg.episodes : 1);
    m->phi = calloc(m->n_phi, sizeof *m->phi);
    m->adam_m = calloc(2 * m->n_phi, sizeof *m->adam_m); /* moments, then a gradient scratch */
    m->adam_v = calloc(m->n_phi, sizeof *m->adam_v);
    m->curve = calloc((size_t)m->max_steps, sizeof *m->curve);
    m->ep_grad = calloc(E * m->n_phi, sizeof *m->ep_grad);
    m->eps = calloc(E, sizeof *m->eps);
    m->ep_curves = calloc(E * (size_t)m->max_steps, sizeof *m->ep_curves);
    if (!m->phi || !m->adam_m || !m->adam_v || !m->curve || !m->ep_grad || !m->eps
        || !m->ep_curves) {
        snprintf(err, err_size, "out of memory for %zu meta-parameters", m->n_phi);
        return -1;
    }
    return 0;
}

/* The shapes and initial values: create the rule once on the first training task's first
 * network (from the init stream), then ask it. */
static int init_phi(rs_meta *m, char *err, size_t err_size)
{
    const rs_spec *spec = m->spec;
    const rs_host *host = rs_host_get();
    episode_env env = { 0 };
    const rs_item *task = &spec->tasks[m->train[0]];
    const rs_netspec *ns = &spec->nets[task->net_count ? task->net_first : 0];
    uint32_t L = ns->n_hidden + 1, sizes[RS_MAX_LAYERS + 2];
    rs_task_info info = { .struct_size = sizeof info };
    char msg[512];
    int rc = -1;
    env.ctx = rs_ctx_create(spec->seed, rs_hash_str(0, "meta-init"));
    env.td = (const rs_task_desc *)task->head;
    if (!env.ctx || env.td->create(host, env.ctx, task->params, &info, &env.task_state) != RS_OK) {
        snprintf(err, err_size, "task '%s': %s", task->label,
                 env.ctx ? env.ctx->err : "out of memory");
        goto out;
    }
    sizes[0] = info.n_in;
    for (uint32_t h = 0; h < ns->n_hidden; h++)
        sizes[h + 1] = ns->hidden[h];
    sizes[L] = info.n_out;
    for (env.n_layers = 0; env.n_layers < L; env.n_layers++)
        if (!(env.acts[env.n_layers] = rs_act_create(m->reg, rs_netspec_act(ns, env.n_layers + 1,
                                                     L), msg, sizeof msg))) {
            snprintf(err, err_size, "network: %s", msg);
            goto out;
        }
    if (!(env.net = rs_net_create(sizes, L, env.acts, ns->bias, 1))) {
        snprintf(err, err_size, "out of memory");
        goto out;
    }
    if (m->rule->create(host, env.ctx, m->params, env.net, &info, &env.rule_state) != RS_OK) {
        snprintf(err, err_size, "rule '%s': %s", m->rule->head.name, env.ctx->err);
        goto out;
    }
    m->n_shapes = m->rule->meta_shapes(env.rule_state, m->shapes, RS_META_MAX_SHAPES);
    if (alloc_phi(m, err, err_size) == 0) {
        m->rule->meta_init(env.rule_state, env.ctx, m->phi);
        rc = 0;
    }
out:
    env_close(m, &env);
    return rc;
}

int rs_meta_open(rs_meta *m, const rs_spec *spec, const rs_registry *reg, const rs_meta_cfg *cfg,
                 int threads, char *err, size_t err_size)
{
    memset(m, 0, sizeof *m);
    m->spec = spec;
    m->reg = reg;
    m->cfg = *cfg;
    m->threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    if (take_rule(m, spec, err, err_size) || split_tasks(m, spec, err, err_size)
        || check_acts(spec, err, err_size) || make_workers(m, err, err_size))
        return -1;
    return init_phi(m, err, err_size);
}
