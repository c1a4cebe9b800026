/* task_data.c: see task_data.h. */
#include "task_data.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "params.h"

typedef struct entry {
    struct entry *next;         /* written once, before the entry is published */
    const rs_task_desc *td;
    char *key;                  /* every resolved parameter value, in table order */
    char label[512];            /* the task as specs name it, for the "data:" line */
    void *shared;
    uint64_t bytes;
    uint32_t n_train, n_eval;   /* for the "data:" line */
} entry;

static const rs_host *host_table; /* the table load/create/unload are given (the loader sets it) */
static _Atomic(entry *) head;   /* newest first; published with release, read with acquire */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* "name:k=v,k=v,..." of EVERY value (defaults too), so equal settings give equal keys. */
static char *params_key(const rs_params *p)
{
    size_t cap = 256, n = 0;
    char *key = malloc(cap);
    if (!key)
        return NULL;
    n = (size_t)snprintf(key, cap, "%s:", p->plugin ? p->plugin : "");
    for (uint32_t i = 0; i < p->n; i++) {
        char val[1024];
        rs_params_value_text(p, (int)i, val, sizeof val);
        size_t need = n + strlen(p->spec[i].name) + strlen(val) + 3;
        if (need > cap) {
            char *k2 = realloc(key, cap = need * 2);
            if (!k2) {
                free(key);
                return NULL;
            }
            key = k2;
        }
        n += (size_t)snprintf(key + n, cap - n, "%s%s=%s", i ? "," : "", p->spec[i].name, val);
    }
    return key;
}

static entry *find(const rs_task_desc *td, const char *key)
{
    for (entry *e = atomic_load_explicit(&head, memory_order_acquire); e; e = e->next)
        if (e->td == td && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* The sizes for the "data:" line, from one throwaway instance (its create finds the entry). */
static void count_examples(entry *e, const rs_params *params)
{
    rs_ctx *ctx = rs_ctx_create(0, 0);
    void *state = NULL;
    rs_task_info info = { .struct_size = sizeof info };
    const rs_real *x, *y;
    if (ctx && e->td->create(host_table, ctx, params, &info, &state) == RS_OK) {
        e->n_train = info.n_full;
        if (e->td->eval_set(state, ctx, &x, &y, &e->n_eval) != RS_OK)
            e->n_eval = 0;
    }
    if (state)
        e->td->destroy(state, ctx);
    rs_ctx_destroy(ctx);
}

/* Load under the lock; NULL with the message in ctx. */
static entry *load(rs_ctx *ctx, const rs_task_desc *td, const rs_params *params, char *key)
{
    rs_ctx *lctx = rs_ctx_create(0, 0); /* load's own: its allocations outlive every job */
    entry *e = calloc(1, sizeof *e);
    if (!lctx || !e) {
        rs_ctx_destroy(lctx);
        free(e);
        rs_fail(ctx, RS_ERR_NOMEM, "out of memory loading the data of task '%s'",
                td->head.name);
        return NULL;
    }
    lctx->who = td->head.name;
    rs_status st = td->load(host_table, lctx, params, &e->shared, &e->bytes);
    if (st == RS_OK && !e->shared)
        st = rs_fail(lctx, RS_ERR_INTERNAL, "load returned no data and no error");
    if (st != RS_OK) {
        rs_fail(ctx, st, "%s", lctx->err[0] ? lctx->err : rs_status_str(st));
        if (e->shared && RS_TASK_FN(td, unload))
            td->unload(host_table, e->shared);
        rs_ctx_destroy(lctx);
        free(e);
        return NULL;
    }
    rs_ctx_destroy(lctx);
    e->td = td;
    e->key = key;
    char plab[400];
    rs_params_label(params, plab, sizeof plab);
    snprintf(e->label, sizeof e->label, "%s%s%s", td->head.name, plab[0] ? ":" : "", plab);
    e->next = atomic_load_explicit(&head, memory_order_relaxed);
    atomic_store_explicit(&head, e, memory_order_release);
    return e;
}

void rs_task_data_set_host(const rs_host *host) { host_table = host; }

const void *rs_task_data_shared(rs_ctx *ctx, const rs_params *params)
{
    const rs_task_desc *td = params && params->head && params->head->kind == RS_KIND_TASK
                                 ? (const rs_task_desc *)params->head : NULL;
    if (!td || !RS_TASK_FN(td, load)) {
        rs_fail(ctx, RS_ERR_INTERNAL, "host->task_shared: these parameters are not those of a "
                "task with a load callback");
        return NULL;
    }
    char *key = params_key(params);
    if (!key) {
        rs_fail(ctx, RS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    entry *e = find(td, key);
    if (e) {
        free(key);
        return e->shared;
    }
    rs_ctx *current = rs_ctx_current; /* the contexts made below must not hide the caller's */
    pthread_mutex_lock(&load_lock);
    int fresh = 0;
    if ((e = find(td, key)) == NULL) { /* another thread may have loaded it meanwhile */
        e = load(ctx, td, params, key);
        fresh = e != NULL;
    }
    pthread_mutex_unlock(&load_lock);
    if (!fresh)
        free(key);
    if (fresh)
        count_examples(e, params);
    rs_ctx_current = current;
    return e ? e->shared : NULL;
}

void rs_task_data_print(FILE *f)
{
    for (entry *e = atomic_load_explicit(&head, memory_order_acquire); e; e = e->next)
        fprintf(f, "ruleset: data: %s: %u train + %u evaluation examples, %.1f MB, shared by "
                   "every job\n", e->label, e->n_train, e->n_eval, (double)e->bytes / 1e6);
}

uint64_t rs_task_data_bytes(void)
{
    uint64_t total = 0;
    for (entry *e = atomic_load_explicit(&head, memory_order_acquire); e; e = e->next)
        total += e->bytes;
    return total;
}

void rs_task_data_unload_all(void)
{
    pthread_mutex_lock(&load_lock);
    entry *e = atomic_exchange(&head, NULL);
    pthread_mutex_unlock(&load_lock);
    while (e) {
        entry *next = e->next;
        if (RS_TASK_FN(e->td, unload))
            e->td->unload(host_table, e->shared);
        free(e->key);
        free(e);
        e = next;
    }
}
