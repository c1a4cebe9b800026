/* meta_history.c: a meta-training run's record (meta_history.h): its history, the
 * checkpoint that --resume continues from bit for bit, curves.tsv, and what the weights file
 * says of how it was made. */
#include "meta_history.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "json_strict.h"
#include "weights.h"



#define GROW(arr, n, cap)                                                                   \
    ((n) < (cap) ? 0                                                                        \
                 : ((cap) = (cap) ? 2 * (cap) : 64,                                         \
                    (arr = realloc(arr, (cap) * sizeof *(arr))) == NULL ? -1 : 0))

int rs_meta_history_add(rs_meta_history *h, const rs_meta_step_stats *st)
{
    if (GROW(h->steps, h->n_steps, h->cap_steps))
        return -1;
    h->steps[h->n_steps++] = *st;
    h->n_clipped += st->clipped;
    return 0;
}

void rs_meta_history_free(rs_meta_history *h)
{
    for (size_t i = 0; i < h->n_inner; i++)
        free(h->inner[i].curve);
    free(h->inner);
    free(h->steps);
    free(h->valid);
}

static cJSON *number_or_null(double v) { return rs_json_exact(v); }
static double read_number(const cJSON *v) { return cJSON_IsNumber(v) ? v->valuedouble : NAN; }

int rs_meta_checkpoint_write(const char *dir, const rs_meta *m, const rs_meta_history *h,
                            const char *spec_json, char *err, size_t size)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "ruleset-meta-checkpoint");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "spec", spec_json);
    cJSON_AddNumberToObject(root, "done", (double)m->done);
    cJSON_AddNumberToObject(root, "adam_t", (double)m->adam_t);
    cJSON_AddItemToObject(root, "phi", rs_json_exact_array(m->phi, m->n_phi));
    cJSON_AddItemToObject(root, "adam_m", rs_json_exact_array(m->adam_m, m->n_phi));
    cJSON_AddItemToObject(root, "adam_v", rs_json_exact_array(m->adam_v, m->n_phi));
    cJSON *steps = cJSON_AddArrayToObject(root, "history");
    for (size_t i = 0; i < h->n_steps; i++) {
        const rs_meta_step_stats *s = &h->steps[i];
        cJSON *r = cJSON_CreateArray();
        double v[] = { s->meta_loss, s->grad_norm, s->final_acc, s->solved, s->final_loss,
                       s->clipped, s->skipped, (double)s->failed };
        for (size_t k = 0; k < sizeof v / sizeof *v; k++)
            cJSON_AddItemToArray(r, number_or_null(v[k]));
        cJSON_AddItemToArray(steps, r);
    }
    cJSON *inner = cJSON_AddArrayToObject(root, "inner");
    for (size_t i = 0; i < h->n_inner; i++) {
        cJSON *r = cJSON_CreateObject(), *c = cJSON_CreateArray();
        cJSON_AddNumberToObject(r, "it", (double)h->inner[i].it);
        for (long k = 0; k < m->max_steps; k++)
            cJSON_AddItemToArray(c, number_or_null(h->inner[i].curve[k]));
        cJSON_AddItemToObject(r, "curve", c);
        cJSON_AddItemToArray(inner, r);
    }
    cJSON *valid = cJSON_AddArrayToObject(root, "validation");
    for (size_t i = 0; i < h->n_valid; i++) {
        cJSON *r = cJSON_CreateArray();
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)h->valid[i].it));
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)h->valid[i].task));
        cJSON_AddItemToArray(r, number_or_null(h->valid[i].meta_loss));
        cJSON_AddItemToArray(r, number_or_null(h->valid[i].solved));
        cJSON_AddItemToArray(valid, r);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoint.json", dir);
    int rc = rs_json_write_atomic(path, root, err, size);
    cJSON_Delete(root);
    return rc;
}

static int read_doubles(const cJSON *arr, double *dst, size_t n)
{
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != n)
        return -1;
    size_t i = 0;
    for (const cJSON *v = arr->child; v; v = v->next)
        dst[i++] = read_number(v);
    return 0;
}

/* The per-step history, the inner-loss curves and the validation records of a checkpoint:
 * 0 ok, -1 out of memory, 1 damaged. */
static int read_steps(const cJSON *root, rs_meta_history *h)
{
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "history");
    for (const cJSON *r = steps ? steps->child : NULL; r; r = r->next) {
        double v[8];
        if (read_doubles(r, v, 8))
            return 1;
        rs_meta_step_stats st = { v[0], v[1], v[2], v[3], v[4], (int)v[5], (int)v[6], (long)v[7] };
        if (rs_meta_history_add(h, &st))
            return -1;
    }
    return 0;
}

static int read_inner(const cJSON *root, const rs_meta *m, rs_meta_history *h)
{
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(root, "inner");
    for (const cJSON *r = inner ? inner->child : NULL; r; r = r->next) {
        if (GROW(h->inner, h->n_inner, h->cap_inner))
            return -1;
        rs_meta_inner *ir = &h->inner[h->n_inner];
        ir->it = (long)read_number(cJSON_GetObjectItemCaseSensitive(r, "it"));
        if (!(ir->curve = malloc((size_t)m->max_steps * sizeof(double))))
            return -1;
        h->n_inner++;
        if (read_doubles(cJSON_GetObjectItemCaseSensitive(r, "curve"), ir->curve,
                         (size_t)m->max_steps))
            return 1;
    }
    return 0;
}

static int read_valid(const cJSON *root, rs_meta_history *h)
{
    const cJSON *valid = cJSON_GetObjectItemCaseSensitive(root, "validation");
    for (const cJSON *r = valid ? valid->child : NULL; r; r = r->next) {
        if (GROW(h->valid, h->n_valid, h->cap_valid))
            return -1;
        double v[4];
        if (read_doubles(r, v, 4))
            return 1;
        h->valid[h->n_valid++] = (rs_meta_valid){ (long)v[0], (size_t)v[1], v[2], v[3] };
    }
    return 0;
}

/* The meta-parameters and Adam's state; 0 ok, else err filled. */
static int read_state(const cJSON *root, rs_meta *m, const char *path, const char *dir,
                      const char *spec_json, char *err, size_t size)
{
    const cJSON *spec = root ? cJSON_GetObjectItemCaseSensitive(root, "spec") : NULL;
    if (!cJSON_IsString(spec)) {
        snprintf(err, size, "%s: damaged (not a meta-training checkpoint); remove the run folder "
                 "to start again", path);
        return -1;
    }
    if (strcmp(spec->valuestring, spec_json) != 0) {
        snprintf(err, size, "%s was made with another spec (see %s/spec.json); resume with that "
                 "spec, or choose another --run-dir", path, dir);
        return -1;
    }
    m->done = (long)read_number(cJSON_GetObjectItemCaseSensitive(root, "done"));
    m->adam_t = (long)read_number(cJSON_GetObjectItemCaseSensitive(root, "adam_t"));
    if (read_doubles(cJSON_GetObjectItemCaseSensitive(root, "phi"), m->phi, m->n_phi)
        || read_doubles(cJSON_GetObjectItemCaseSensitive(root, "adam_m"), m->adam_m, m->n_phi)
        || read_doubles(cJSON_GetObjectItemCaseSensitive(root, "adam_v"), m->adam_v, m->n_phi)) {
        snprintf(err, size, "%s: the meta-parameters do not match the rule's shapes; remove the "
                 "run folder to start again", path);
        return -1;
    }
    return 0;
}

int rs_meta_checkpoint_read(const char *dir, rs_meta *m, rs_meta_history *h,
                            const char *spec_json, char *err, size_t size)
{
    char path[4200], msg[4400];
    snprintf(path, sizeof path, "%s/checkpoint.json", dir);
    char *text = rs_read_file(path, msg, sizeof msg);
    if (!text) {
        snprintf(err, size, "%s; nothing to resume", msg);
        return -1;
    }
    cJSON *root = cJSON_Parse(text);
    int strict = root ? rs_json_strict_check(text, path, msg, sizeof msg) : 0;
    free(text);
    int rc = -1;
    if (strict)
        snprintf(err, size, "%s; remove the run folder to start again", msg);
    else if (read_state(root, m, path, dir, spec_json, err, size) == 0) {
        int r = read_steps(root, h);
        r = r ? r : read_inner(root, m, h);
        r = r ? r : read_valid(root, h);
        if (r == 0 && (size_t)m->done != h->n_steps)
            r = 1;
        if (r < 0)
            snprintf(err, size, "out of memory reading %s", path);
        else if (r > 0)
            snprintf(err, size, "%s: damaged history; remove the run folder to start again",
                     path);
        rc = r ? -1 : 0;
    }
    cJSON_Delete(root);
    return rc;
}

int rs_meta_curves_write(const char *dir, const rs_meta *m, const rs_meta_history *h, char *err,
                        size_t size)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/curves.tsv", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, size, "%s: cannot write (%s)", tmp, strerror(errno));
        return -1;
    }
    const char *rule = m->spec->rules[0].label;
    fprintf(f, "rule\ttask\tnet\trep\tstep\tloss\tacc\tgrad_norm\tclipped\tsolved\n");
    for (size_t i = 0; i < h->n_steps; i++) {
        const rs_meta_step_stats *s = &h->steps[i];
        fprintf(f, "%s\tmeta-loss\tfamily\t0\t%zu\t%.9g\t%.9g\t%.9g\t%d\t%.9g\n", rule, i + 1,
                s->meta_loss, s->final_acc, s->grad_norm, s->clipped, s->solved);
    }
    for (size_t i = 0; i < h->n_inner; i++)
        for (long k = 0; k < m->max_steps; k++)
            fprintf(f, "meta-step %ld\tinner-loss\tfamily\t0\t%ld\t%.9g\tnan\tnan\tnan\tnan\n",
                    h->inner[i].it, k + 1, h->inner[i].curve[k]);
    for (size_t i = 0; i < h->n_valid; i++)
        fprintf(f, "%s\theld-out:%s\tfamily\t0\t%ld\t%.9g\tnan\tnan\tnan\t%.9g\n", rule,
                m->spec->tasks[h->valid[i].task].label, h->valid[i].it, h->valid[i].meta_loss,
                h->valid[i].solved);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, size, "%s: cannot write (%s)", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

/* Mean meta-loss of the last n completed steps (skipped ones left out). */
double rs_meta_recent_loss(const rs_meta_history *h, size_t n)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = h->n_steps > n ? h->n_steps - n : 0; i < h->n_steps; i++)
        if (!h->steps[i].skipped) {
            s += h->steps[i].meta_loss;
            k++;
        }
    return k ? s / k : NAN;
}

int rs_meta_history_checkpoint(rs_meta *m, rs_meta_history *h, char *held, size_t held_size)
{
    if (GROW(h->inner, h->n_inner, h->cap_inner))
        return -1;
    rs_meta_inner *ir = &h->inner[h->n_inner];
    ir->it = m->done;
    if (!(ir->curve = malloc((size_t)m->max_steps * sizeof(double))))
        return -1;
    memcpy(ir->curve, m->curve, (size_t)m->max_steps * sizeof(double));
    h->n_inner++;
    size_t used = 0;
    held[0] = '\0';
    const long V = m->cfg.validation;
    if (V > 0 && m->n_held > 0) {
        size_t n = m->n_held * (size_t)V;
        rs_episode *eps = calloc(n, sizeof *eps);
        if (!eps)
            return -1;
        for (size_t t = 0; t < m->n_held; t++)
            for (long k = 0; k < V; k++)
                eps[t * V + k] = (rs_episode){ .stream = rs_meta_validation_stream(t, k),
                                               .task = (long)m->held[t] };
        rs_meta_run_episodes(m, m->phi, eps, n, NULL);
        for (size_t t = 0; t < m->n_held; t++) {
            double ml = 0, solved = 0;
            for (long k = 0; k < V; k++) {
                ml += eps[t * V + k].meta_loss / V; /* NaN if one failed: shows in the log */
                solved += (double)eps[t * V + k].solved / V;
            }
            if (GROW(h->valid, h->n_valid, h->cap_valid)) {
                free(eps);
                return -1;
            }
            h->valid[h->n_valid++] = (rs_meta_valid){ m->done, m->held[t], ml, solved };
            if (used < held_size)
                used += (size_t)snprintf(held + used, held_size - used,
                                         "%s %s: meta-loss %.3f, solved %.0f%%", used ? ";" : "",
                                         m->spec->tasks[m->held[t]].label, ml, 100 * solved);
        }
        free(eps);
    }
    return 0;
}

cJSON *rs_meta_record(const rs_meta *m, const rs_meta_history *h, const char *spec_file,
                          const char *spec_json, long window)
{
    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "spec_file", spec_file);
    cJSON *spec = cJSON_Parse(spec_json);
    cJSON_AddItemToObject(meta, "spec", spec ? spec : cJSON_CreateNull());
    cJSON *tr = cJSON_AddArrayToObject(meta, "training_tasks");
    for (size_t i = 0; i < m->n_train; i++)
        cJSON_AddItemToArray(tr, cJSON_CreateString(m->spec->tasks[m->train[i]].label));
    cJSON *ho = cJSON_AddArrayToObject(meta, "held_out_tasks");
    for (size_t i = 0; i < m->n_held; i++)
        cJSON_AddItemToArray(ho, cJSON_CreateString(m->spec->tasks[m->held[i]].label));
    cJSON_AddNumberToObject(meta, "iterations", (double)m->done);
    cJSON_AddItemToObject(meta, "initial_meta_loss",
                          number_or_null(h->n_steps ? h->steps[0].meta_loss : NAN));
    cJSON_AddItemToObject(meta, "final_meta_loss", number_or_null(rs_meta_recent_loss(h, (size_t)window)));
    cJSON_AddNumberToObject(meta, "final_meta_loss_window", (double)window);
    cJSON *hv = cJSON_AddArrayToObject(meta, "held_out_final");
    for (size_t i = 0; i < h->n_valid; i++)
        if (h->valid[i].it == m->done) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "task", m->spec->tasks[h->valid[i].task].label);
            cJSON_AddItemToObject(r, "meta_loss", number_or_null(h->valid[i].meta_loss));
            cJSON_AddItemToObject(r, "solved", number_or_null(h->valid[i].solved));
            cJSON_AddItemToArray(hv, r);
        }
    return meta;
}

