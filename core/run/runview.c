/* runview.c: see runview.h. */
#include "runview.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

int rs_runview_open(rs_runview *v, const rs_registry *reg, const char *spec_path,
                    const char *dir, char *err, size_t err_size)
{
    memset(v, 0, sizeof *v);
    char *text = rs_read_file(spec_path, err, err_size);
    if (!text)
        return 1;
    v->spec = rs_spec_parse(text, spec_path, reg, err, err_size);
    free(text);
    if (!v->spec)
        return 1;
    v->run.spec = v->spec;
    v->run.reg = reg;
    v->run.steps_override = v->run.replicates_override = -1;
    v->run.threads = 1;
    v->run.quiet = 1;
    v->run.interrupted = &v->never;
    snprintf(v->run.dir, sizeof v->run.dir, "%s", dir);
    char msg[1024];
    if (rs_run_plan(&v->run, msg, sizeof msg)) {
        snprintf(err, err_size, "%s: %s", spec_path, msg);
        return 1;
    }
    return 0;
}

void rs_runview_close(rs_runview *v)
{
    free(v->net_line);
    rs_run_free_results(&v->run);
    rs_spec_destroy(v->spec);
    memset(v, 0, sizeof *v);
}

static void group_labels(const rs_runview *v, size_t g, const char **rule, const char **task,
                         char *net, size_t net_size)
{
    const rs_group *gr = &v->run.groups[g];
    *rule = v->spec->rules[gr->rule].label;
    *task = v->spec->tasks[gr->task].label;
    const rs_task_info *ti = &v->run.tasks[gr->task].info;
    rs_netspec_label(&v->spec->nets[gr->net], ti->n_in, ti->n_out, net, net_size);
}

void rs_runview_group_flags(const rs_runview *v, size_t g, char *buf, size_t size)
{
    const char *rule, *task;
    char net[128];
    group_labels(v, g, &rule, &task, net, sizeof net);
    snprintf(buf, size, "--rule '%s' --task '%s' --net '%s'", rule, task, net);
}

/* 2 exact, 1 contains, 0 no; NULL wants everything */
static int match(const char *label, const char *want)
{
    if (!want)
        return 2;
    return !strcmp(label, want) ? 2 : strstr(label, want) != NULL;
}

int rs_runview_select(const rs_runview *v, const char *rule, const char *task, const char *net,
                      size_t **groups, size_t *n, char *err, size_t err_size)
{
    size_t ng = v->run.n_groups;
    int *score = calloc(ng ? ng : 1, 3 * sizeof *score);
    *groups = malloc((ng ? ng : 1) * sizeof **groups);
    *n = 0;
    if (!score || !*groups) {
        free(score);
        snprintf(err, err_size, "out of memory");
        return 1;
    }
    int best[3] = { 0, 0, 0 };
    for (size_t g = 0; g < ng; g++) {
        const char *rl, *tl;
        char nl[128];
        group_labels(v, g, &rl, &tl, nl, sizeof nl);
        int m[3] = { match(rl, rule), match(tl, task), match(nl, net) };
        for (int f = 0; f < 3; f++) {
            score[g * 3 + f] = m[f];
            best[f] = m[f] > best[f] ? m[f] : best[f];
        }
    }
    for (size_t g = 0; g < ng; g++) { /* an exact label beats labels that only contain it */
        int ok = 1;
        for (int f = 0; f < 3; f++)
            ok &= score[g * 3 + f] > 0 && score[g * 3 + f] == best[f];
        if (ok)
            (*groups)[(*n)++] = g;
    }
    free(score);
    if (*n == 0) {
        size_t used = (size_t)snprintf(err, err_size, "no rule x task x network matches; the "
                                       "run has:");
        for (size_t g = 0; g < ng && g < 12 && used < err_size; g++) {
            char flags[700];
            rs_runview_group_flags(v, g, flags, sizeof flags);
            used += (size_t)snprintf(err + used, err_size - used, "\n  %s", flags);
        }
        if (ng > 12 && used < err_size)
            snprintf(err + used, err_size - used, "\n  ... (%zu in all)", ng);
        return 1;
    }
    return 0;
}

/* One pass over nets.jsonl: where each job's last line starts. */
static int index_nets(rs_runview *v, char *err, size_t err_size)
{
    char path[4200];
    rs_run_nets_path(&v->run, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) {
        v->nets_state = -1;
        snprintf(err, err_size, "%s: %s; the run kept no networks (compare --no-save-nets?)",
                 path, strerror(errno));
        return errno == ENOENT ? 1 : 2;
    }
    v->net_line = malloc((v->run.n_jobs ? v->run.n_jobs : 1) * sizeof *v->net_line);
    if (!v->net_line) {
        fclose(f);
        snprintf(err, err_size, "out of memory");
        return 2;
    }
    for (size_t j = 0; j < v->run.n_jobs; j++)
        v->net_line[j] = -1;
    char *line = NULL;
    size_t cap = 0;
    long at = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        const char *ix = strstr(line, "\"index\": "); /* the job's, before any other */
        char *end;
        long j = ix ? strtol(ix + 9, &end, 10) : -1;
        if (ix && line[n - 1] == '\n' && j >= 0 && (size_t)j < v->run.n_jobs)
            v->net_line[j] = at;
        at += (long)n;
    }
    free(line);
    fclose(f);
    v->nets_state = 1;
    return 0;
}

int rs_runview_load(rs_runview *v, size_t j, uint32_t max_batch, rs_loaded_net *ln,
                    char *err, size_t err_size)
{
    char path[4200], key[1024];
    rs_run_nets_path(&v->run, path, sizeof path);
    rs_job_key(&v->run, j, key, sizeof key);
    int rc = v->nets_state == 0 ? index_nets(v, err, err_size) : 0;
    if (rc)
        return rc;
    if (v->nets_state < 0 || v->net_line[j] < 0) {
        snprintf(err, err_size, "%s holds no network of job '%s' (did the job fail, or not "
                 "run yet?)", path, key);
        return 1;
    }
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    if (!f || fseek(f, v->net_line[j], SEEK_SET) != 0 || getline(&line, &cap, f) <= 0) {
        snprintf(err, err_size, "%s: cannot read (%s)", path, strerror(errno));
        if (f)
            fclose(f);
        free(line);
        return 2;
    }
    fclose(f);
    char name[4300];
    snprintf(name, sizeof name, "%s (job %zu)", path, j);
    int bad = rs_netio_load(line, name, v->run.reg, max_batch, ln, err, err_size);
    free(line);
    if (bad)
        return 2;
    if (strcmp(key, ln->meta.key) != 0) {
        snprintf(err, err_size, "%s: the network of job %zu is of '%s', not '%s': the run's spec "
                 "changed after it was written; run the comparison again", path, j,
                 ln->meta.key, key);
        rs_netio_free(ln);
        return 2;
    }
    return 0;
}

int rs_runview_train(rs_runview *v, size_t j, uint32_t max_batch, rs_loaded_net *ln,
                     char *err, size_t err_size)
{
    rs_job_result res = { 0 };
    v->run.save_nets = 1;
    rs_run_job(&v->run, j, &res);
    int bad = 1;
    if (res.status == RS_JOB_FAILED || !res.net_json) {
        char key[1024];
        rs_job_key(&v->run, j, key, sizeof key);
        snprintf(err, err_size, "job %s: %s", key, res.message[0] ? res.message
                                                                  : "no network came back");
    } else {
        bad = rs_netio_load(res.net_json, "(trained)", v->run.reg, max_batch, ln, err, err_size);
    }
    free(res.points);
    free(res.net_json);
    return bad;
}

/* ---- evaluation sets ------------------------------------------------------------------- */

static int evalset_make(rs_evalset *e, const rs_plugin_head *head, const rs_params *params,
                        uint64_t seed, uint64_t stream, char *err, size_t err_size)
{
    e->td = (const rs_task_desc *)head;
    e->info.struct_size = sizeof e->info;
    e->ctx = rs_ctx_create(seed, stream);
    if (!e->ctx) {
        snprintf(err, err_size, "out of memory");
        return 1;
    }
    e->ctx->who = head->name;
    rs_status st = e->td->create(rs_host_get(), e->ctx, params, &e->info, &e->state);
    if (st == RS_OK)
        st = e->td->eval_set(e->state, e->ctx, &e->x, &e->y, &e->n);
    if (st != RS_OK) {
        snprintf(err, err_size, "task '%s': %s", head->name,
                 e->ctx->err[0] ? e->ctx->err : rs_status_str(st));
        return 1;
    }
    return 0;
}

int rs_evalset_job(rs_evalset *e, const rs_runview *v, size_t j, char *err, size_t err_size)
{
    memset(e, 0, sizeof *e);
    size_t r, t, k, rep;
    rs_job_coords(&v->run, j, &r, &t, &k, &rep);
    const rs_item *it = &v->spec->tasks[t];
    snprintf(e->label, sizeof e->label, "%s", it->label);
    return evalset_make(e, it->head, it->params, v->spec->seed, rs_job_task_stream(&v->run, j),
                        err, err_size);
}

int rs_evalset_text(rs_evalset *e, const rs_registry *reg, const char *text, char *err,
                    size_t err_size)
{
    memset(e, 0, sizeof *e);
    char name[128];
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), text);
    const rs_plugin_head *h = rs_registry_find(reg, RS_KIND_TASK, name);
    if (!h) {
        char known[1024];
        rs_registry_hint(reg, RS_KIND_TASK, name, known, sizeof known);
        snprintf(err, err_size, "unknown task plugin '%s'; %s", name, known);
        return 1;
    }
    if (!(e->own_params = rs_params_create(h->params, h->name))) {
        snprintf(err, err_size, "out of memory");
        return 1;
    }
    e->own_params->head = h; /* task data hook: host->task_shared finds the task */
    char *copy = strdup(colon ? colon + 1 : ""), *save = NULL;
    for (char *kv = copy ? strtok_r(copy, ",", &save) : NULL; kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(err, err_size, "task '%s': expected key=value, got '%s'", text, kv);
            free(copy);
            return 1;
        }
        *eq = '\0';
        if (rs_params_set_text(e->own_params, kv, eq + 1, err, err_size) != RS_OK) {
            free(copy);
            return 1;
        }
    }
    free(copy);
    snprintf(e->label, sizeof e->label, "%s", text);
    return evalset_make(e, h, e->own_params, 1, 0, err, err_size);
}

void rs_evalset_close(rs_evalset *e)
{
    if (e->state)
        e->td->destroy(e->state, e->ctx);
    rs_ctx_destroy(e->ctx);
    rs_params_destroy(e->own_params);
    memset(e, 0, sizeof *e);
}
