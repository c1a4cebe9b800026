/* plan.c: a run's plan: every task created once to learn its sizes, every network and batch
 * checked against them before any job runs; and the results freed at the end. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "job.h"

/* The networks rule r meets on task t: the rule's own, else the task's own, else the global
 * ones (rule beats task beats spec), as [*first, *first + count). */
static size_t nets_of(const rs_spec *s, size_t r, size_t t, size_t *first)
{
    const rs_item *ri = &s->rules[r], *ti = &s->tasks[t];
    const rs_item *own = ri->net_count ? ri : ti->net_count ? ti : NULL;
    *first = own ? own->net_first : 0;
    return own ? own->net_count : s->n_global_nets;
}

/* Training by epochs needs a finite set the host can index (the task's gather). */
static int check_epochs(const rs_spec *s, size_t t, const rs_task_desc *td,
                        const rs_task_info *info, char *err, size_t err_size)
{
    if (s->eval_epoch && s->epochs <= 0) {
        snprintf(err, err_size, "\"eval_every\": \"epoch\" needs \"epochs\": N (or --epochs N); "
                 "without epochs give eval_every a number of steps");
        return 1;
    }
    if (s->epochs <= 0 || (td->gather && info->n_full > 0))
        return 0;
    snprintf(err, err_size, "task '%s' cannot train by epochs: %s; drop \"epochs\" and give "
             "\"steps\" instead", s->tasks[t].label, td->gather ? "it has no finite training set"
             : "it does not hand out examples by index (no gather callback)");
    return 1;
}

int rs_run_plan(rs_run *run, char *err, size_t err_size)
{
    rs_spec *s = run->spec;
    run->n_reps = (size_t)(run->replicates_override > 0 ? run->replicates_override
                                                         : s->replicates);
    /* groups: every rule on every task, on the networks nets_of gives */
    size_t cap = 0, first;
    for (size_t r = 0; r < s->n_rules; r++)
        for (size_t t = 0; t < s->n_tasks; t++)
            cap += nets_of(s, r, t, &first);
    run->groups = calloc(cap ? cap : 1, sizeof *run->groups);
    for (size_t r = 0; run->groups && r < s->n_rules; r++)
        for (size_t t = 0; t < s->n_tasks; t++) {
            size_t count = nets_of(s, r, t, &first);
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
        for (size_t g = 0; g < run->n_groups; g++) { /* every network this task meets */
            const size_t k = run->groups[g].net;
            char msg[512], nl[128];
            if (run->groups[g].task != t || s->nets[k].kind != RS_NET_RECURRENT
                || !rs_recspec_check(&s->nets[k].rec, info->n_in, info->n_out, msg, sizeof msg))
                continue;
            rs_netspec_label(&s->nets[k], info->n_in, info->n_out, nl, sizeof nl);
            snprintf(err, err_size, "network '%s' on task '%s': %s", nl, ti->label, msg);
            return 1;
        }
        if (check_epochs(s, t, td, info, err, err_size))
            return 1;
        for (size_t r = 0; r < s->n_rules; r++)
            if (rs_job_batch(run, r, t) <= 0) {
                snprintf(err, err_size, "task '%s' draws fresh examples (no finite set), so rule "
                         "'%s' needs a batch size: set \"batch\": N in the spec or the rule",
                         s->tasks[t].label, s->rules[r].label);
                return 1;
            }
    }
    return 0;
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
