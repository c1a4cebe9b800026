/* cmd_meta_train.c: `ruleset meta-train SPEC.json -o NAME.weights.json`: meta-train a rule
 * that provides dstep (core/meta.c does the work), with a progress bar, log lines and
 * checkpoints, and write its weights file.
 *
 * The spec is a comparison spec (a rules/ JSON file) with one rule, the task family as its tasks, the
 * networks, "steps" = K inner steps per episode, "batch", "seed", and a "meta" object:
 *   iterations (meta-steps), episodes (per meta-step), truncation (inner steps per backprop
 *   window, 0 = all), lr, beta1, beta2, eps (Adam), clip (meta-gradient norm, 0 = none),
 *   normalize (divide by the loss before training), final_weight, checkpoint_every,
 *   validation (episodes per held-out task at checkpoints), held_out (task-label substrings
 *   kept out of training: "table=0110" holds out XOR).
 * So `ruleset compare SPEC.json` runs the same rule on the same family, steps and networks.
 *
 * The run folder (default runs/meta-NAME) holds spec.json, checkpoint.json (meta-parameters,
 * Adam state, history: --resume continues from it bit for bit), curves.tsv (`ruleset plot`
 * draws it: task "meta-loss" by meta-step, "inner-loss" curves at checkpoints, "held-out:..."
 * by meta-step) and log.txt (every log line). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "json_strict.h"
#include "meta.h"
#include "weights.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL);
}

static const char usage[] =
    "usage: ruleset meta-train SPEC.json -o NAME.weights.json [--run-dir DIR] [--resume] "
    "[--threads N] [--iterations N] [--quiet] [--plugin FILE] [--plugin-dir DIR]\n";

/* ---- the "meta" object ------------------------------------------------------------------ */

static int parse_cfg(const char *text, const char *file, rs_meta_cfg *c, char *err, size_t size)
{
    *c = (rs_meta_cfg){ .iterations = 500, .episodes = 16, .truncation = 0, .lr = 1e-3,
                        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip = 1.0,
                        .final_weight = 0, .normalize = 1, .checkpoint_every = 50,
                        .validation = 16 };
    cJSON *root = cJSON_Parse(text);
    const cJSON *meta = root ? cJSON_GetObjectItemCaseSensitive(root, "meta") : NULL;
    int rc = -1;
    if (meta && !cJSON_IsObject(meta)) {
        snprintf(err, size, "%s: meta: must be an object of meta-training settings", file);
        goto out;
    }
    for (const cJSON *kv = meta ? meta->child : NULL; kv; kv = kv->next) {
        const char *k = kv->string;
        struct { const char *key; long *dst; long lo; } ints[] = {
            { "iterations", &c->iterations, 0 }, { "episodes", &c->episodes, 1 },
            { "truncation", &c->truncation, 0 }, { "checkpoint_every", &c->checkpoint_every, 1 },
            { "validation", &c->validation, 0 } };
        struct { const char *key; double *dst; double lo, hi; } reals[] = {
            { "lr", &c->lr, 0, 10 }, { "beta1", &c->beta1, 0, 0.999999 },
            { "beta2", &c->beta2, 0, 0.999999999 }, { "eps", &c->eps, 0, 1 },
            { "clip", &c->clip, 0, 1e12 }, { "final_weight", &c->final_weight, 0, 1e6 } };
        int done = 0;
        for (size_t i = 0; i < sizeof ints / sizeof *ints && !done; i++)
            if (!strcmp(k, ints[i].key)) {
                if (!cJSON_IsNumber(kv) || kv->valuedouble < ints[i].lo
                    || kv->valuedouble != floor(kv->valuedouble) || kv->valuedouble > 1e9) {
                    snprintf(err, size, "%s: meta.%s: must be a whole number >= %ld", file, k,
                             ints[i].lo);
                    goto out;
                }
                *ints[i].dst = (long)kv->valuedouble;
                done = 1;
            }
        for (size_t i = 0; i < sizeof reals / sizeof *reals && !done; i++)
            if (!strcmp(k, reals[i].key)) {
                if (!cJSON_IsNumber(kv) || !(kv->valuedouble >= reals[i].lo)
                    || !(kv->valuedouble <= reals[i].hi)) {
                    snprintf(err, size, "%s: meta.%s: must be a number in [%g, %g]", file, k,
                             reals[i].lo, reals[i].hi);
                    goto out;
                }
                *reals[i].dst = kv->valuedouble;
                done = 1;
            }
        if (done || !strcmp(k, "comment"))
            continue;
        if (!strcmp(k, "normalize")) {
            if (!cJSON_IsBool(kv)) {
                snprintf(err, size, "%s: meta.normalize: must be true or false", file);
                goto out;
            }
            c->normalize = cJSON_IsTrue(kv);
        } else if (!strcmp(k, "held_out")) {
            if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) > RS_META_MAX_HELD) {
                snprintf(err, size, "%s: meta.held_out: must be a list of at most %d task-label "
                         "substrings, e.g. [\"table=0110\"]", file, RS_META_MAX_HELD);
                goto out;
            }
            for (const cJSON *h = kv->child; h; h = h->next) {
                if (!cJSON_IsString(h) || !h->valuestring[0]
                    || strlen(h->valuestring) >= sizeof c->held_out[0]) {
                    snprintf(err, size, "%s: meta.held_out: entries must be non-empty strings",
                             file);
                    goto out;
                }
                snprintf(c->held_out[c->n_held_out++], sizeof c->held_out[0], "%s",
                         h->valuestring);
            }
        } else {
            snprintf(err, size, "%s: meta: unknown key '%s'; it takes iterations, episodes, "
                     "truncation, lr, beta1, beta2, eps, clip, normalize, final_weight, "
                     "checkpoint_every, validation, held_out", file, k);
            goto out;
        }
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- history: what curves.tsv and the checkpoint hold --------------------------------------- */

typedef struct inner_rec { long it; double *curve; } inner_rec;
typedef struct valid_rec { long it; size_t task; double meta_loss, solved; } valid_rec;

typedef struct history {
    rs_meta_step_stats *steps; size_t n_steps, cap_steps;
    inner_rec *inner; size_t n_inner, cap_inner;
    valid_rec *valid; size_t n_valid, cap_valid;
    long n_clipped;
} history;

#define GROW(arr, n, cap)                                                                   \
    ((n) < (cap) ? 0                                                                        \
                 : ((cap) = (cap) ? 2 * (cap) : 64,                                         \
                    (arr = realloc(arr, (cap) * sizeof *(arr))) == NULL ? -1 : 0))

static void history_free(history *h)
{
    for (size_t i = 0; i < h->n_inner; i++)
        free(h->inner[i].curve);
    free(h->inner);
    free(h->steps);
    free(h->valid);
}

static cJSON *number_or_null(double v) { return rs_json_exact(v); }
static double read_number(const cJSON *v) { return cJSON_IsNumber(v) ? v->valuedouble : NAN; }

static int write_checkpoint(const char *dir, const rs_meta *m, const history *h,
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

static int read_checkpoint(const char *dir, rs_meta *m, history *h, const char *spec_json,
                           char *err, size_t size)
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
    const cJSON *spec = root ? cJSON_GetObjectItemCaseSensitive(root, "spec") : NULL;
    if (strict) {
        snprintf(err, size, "%s; remove the run folder to start again", msg);
        goto out;
    }
    if (!cJSON_IsString(spec)) {
        snprintf(err, size, "%s: damaged (not a meta-training checkpoint); remove the run folder "
                 "to start again", path);
        goto out;
    }
    if (strcmp(spec->valuestring, spec_json) != 0) {
        snprintf(err, size, "%s was made with another spec (see %s/spec.json); resume with that "
                 "spec, or choose another --run-dir", path, dir);
        goto out;
    }
    m->done = (long)read_number(cJSON_GetObjectItemCaseSensitive(root, "done"));
    m->adam_t = (long)read_number(cJSON_GetObjectItemCaseSensitive(root, "adam_t"));
    if (read_doubles(cJSON_GetObjectItemCaseSensitive(root, "phi"), m->phi, m->n_phi)
        || read_doubles(cJSON_GetObjectItemCaseSensitive(root, "adam_m"), m->adam_m, m->n_phi)
        || read_doubles(cJSON_GetObjectItemCaseSensitive(root, "adam_v"), m->adam_v, m->n_phi)) {
        snprintf(err, size, "%s: the meta-parameters do not match the rule's shapes; remove the "
                 "run folder to start again", path);
        goto out;
    }
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "history");
    for (const cJSON *r = steps ? steps->child : NULL; r; r = r->next) {
        if (GROW(h->steps, h->n_steps, h->cap_steps))
            goto oom;
        double v[8];
        if (read_doubles(r, v, 8))
            goto damaged;
        h->steps[h->n_steps++] = (rs_meta_step_stats){ v[0], v[1], v[2], v[3], v[4], (int)v[5],
                                                       (int)v[6], (long)v[7] };
        h->n_clipped += (int)v[5];
    }
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(root, "inner");
    for (const cJSON *r = inner ? inner->child : NULL; r; r = r->next) {
        if (GROW(h->inner, h->n_inner, h->cap_inner))
            goto oom;
        inner_rec *ir = &h->inner[h->n_inner];
        ir->it = (long)read_number(cJSON_GetObjectItemCaseSensitive(r, "it"));
        if (!(ir->curve = malloc((size_t)m->max_steps * sizeof(double))))
            goto oom;
        h->n_inner++;
        if (read_doubles(cJSON_GetObjectItemCaseSensitive(r, "curve"), ir->curve,
                         (size_t)m->max_steps))
            goto damaged;
    }
    const cJSON *valid = cJSON_GetObjectItemCaseSensitive(root, "validation");
    for (const cJSON *r = valid ? valid->child : NULL; r; r = r->next) {
        if (GROW(h->valid, h->n_valid, h->cap_valid))
            goto oom;
        double v[4];
        if (read_doubles(r, v, 4))
            goto damaged;
        h->valid[h->n_valid++] = (valid_rec){ (long)v[0], (size_t)v[1], v[2], v[3] };
    }
    if ((size_t)m->done != h->n_steps)
        goto damaged;
    rc = 0;
    goto out;
oom:
    snprintf(err, size, "out of memory reading %s", path);
    goto out;
damaged:
    snprintf(err, size, "%s: damaged history; remove the run folder to start again", path);
out:
    cJSON_Delete(root);
    return rc;
}

static int write_curves(const char *dir, const rs_meta *m, const history *h, char *err,
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

/* ---- logging -------------------------------------------------------------------------------- */

typedef struct logger { FILE *file; int quiet, bar; } logger;

static void log_line(const logger *lg, const char *fmt, ...) RS_PRINTF(2, 3);
static void log_line(const logger *lg, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (lg->file) {
        fprintf(lg->file, "%s\n", buf);
        fflush(lg->file);
    }
    if (!lg->quiet)
        fprintf(stderr, "%sruleset: %s\n", lg->bar ? "\r\033[K" : "", buf);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Mean meta-loss of the last n completed steps (skipped ones left out). */
static double recent_loss(const history *h, size_t n)
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

/* At a checkpoint: the inner-loss curve, validation on held-out tasks, a log line. */
static int checkpoint(rs_meta *m, history *h, const logger *lg, long window)
{
    if (GROW(h->inner, h->n_inner, h->cap_inner))
        return -1;
    inner_rec *ir = &h->inner[h->n_inner];
    ir->it = m->done;
    if (!(ir->curve = malloc((size_t)m->max_steps * sizeof(double))))
        return -1;
    memcpy(ir->curve, m->curve, (size_t)m->max_steps * sizeof(double));
    h->n_inner++;
    char held[2048] = "";
    size_t used = 0;
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
            h->valid[h->n_valid++] = (valid_rec){ m->done, m->held[t], ml, solved };
            if (used < sizeof held)
                used += (size_t)snprintf(held + used, sizeof held - used,
                                         "%s %s: meta-loss %.3f, solved %.0f%%", used ? ";" : "",
                                         m->spec->tasks[m->held[t]].label, ml, 100 * solved);
        }
        free(eps);
    }
    const rs_meta_step_stats *last = &h->steps[h->n_steps - 1];
    long K = m->max_steps, q[4] = { 1, K / 4 > 1 ? K / 4 : 1, K / 2 > 1 ? K / 2 : 1, K };
    double first = h->n_steps ? h->steps[0].meta_loss : NAN;
    long skipped = 0;
    for (size_t i = 0; i < h->n_steps; i++)
        skipped += h->steps[i].skipped;
    log_line(lg, "meta-step %ld/%ld: meta-loss %.4f (mean of the last %ld; first %.4f), |g| %.3g, "
             "clipped %.0f%% of steps, skipped %ld, solved %.0f%% of episodes; inner loss at "
             "step %ld %.3f, %ld %.3f, %ld %.3f, %ld %.3f%s%s",
             m->done, m->cfg.iterations, recent_loss(h, (size_t)window), window, first,
             last->grad_norm, 100.0 * h->n_clipped / (double)h->n_steps, skipped,
             100 * last->solved, q[0], m->curve[q[0] - 1], q[1], m->curve[q[1] - 1], q[2],
             m->curve[q[2] - 1], q[3], m->curve[q[3] - 1], used ? "; held out:" : "", held);
    return 0;
}

static void draw_bar(long done, long total, double loss, double gn, double elapsed, long start)
{
    int width = 24, fill = total ? (int)(width * done / total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    double eta = done > start ? elapsed / (done - start) * (total - done) : 0;
    fprintf(stderr, "\r[%s] %ld/%ld meta-loss %.4f |g| %.3g  %.0fs  ETA %.0fs ", bar, done, total,
            loss, gn, elapsed, eta);
    fflush(stderr);
}

/* ---- the command ------------------------------------------------------------------------------ */

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static cJSON *meta_record(const rs_meta *m, const history *h, const char *spec_file,
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
    cJSON_AddItemToObject(meta, "final_meta_loss", number_or_null(recent_loss(h, (size_t)window)));
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

int rs_cmd_meta_train(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    const char *spec_file = NULL, *out = NULL, *run_dir = NULL;
    long threads = -1, iterations = -1;
    int resume = 0, quiet = 0, rc = RS_EXIT_INPUT;
    char *text = NULL, err[8192];
    rs_spec *spec = NULL;
    rs_meta m = { 0 };
    history h = { 0 };
    logger lg = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = RS_EXIT_OK;
            goto done;
        } else if (!strcmp(a, "--resume")) {
            resume = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (a[0] != '-') {
            if (spec_file) {
                fprintf(stderr, "ruleset: meta-train: one spec at a time ('%s' and '%s')\n",
                        spec_file, a);
                goto done;
            }
            spec_file = a;
        } else if (!v) {
            fprintf(stderr, "ruleset: meta-train: %s needs a value\n%s", a, usage);
            goto done;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            out = argv[++i];
        } else if (!strcmp(a, "--run-dir")) {
            run_dir = argv[++i];
        } else if (!strcmp(a, "--threads") || !strcmp(a, "--iterations")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < (a[2] == 't' ? 1 : 0)) {
                fprintf(stderr, "ruleset: meta-train: %s takes a whole number, got '%s'\n", a, v);
                goto done;
            }
            *(a[2] == 't' ? &threads : &iterations) = n;
            i++;
        } else {
            fprintf(stderr, "ruleset: meta-train: unknown flag '%s'\n%s", a, usage);
            goto done;
        }
    }
    if (!spec_file || !out) {
        fprintf(stderr, "ruleset: meta-train: %s\n%s",
                !spec_file ? "give the spec (e.g. rules/meta.json)"
                           : "give the weights file to write with -o NAME.weights.json", usage);
        goto done;
    }
    if (!(text = rs_read_file(spec_file, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s; give the path of a meta-training spec such as "
                "rules/meta.json\n", err);
        goto done;
    }
    if (!(spec = rs_spec_parse(text, spec_file, reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto done;
    }
    rs_meta_cfg cfg;
    if (parse_cfg(text, spec_file, &cfg, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto done;
    }
    if (iterations >= 0)
        cfg.iterations = iterations; /* not part of the spec: a resumed run may go further */
    if (threads < 1)
        threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    if (rs_meta_open(&m, spec, reg, &cfg, (int)threads, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s: %s\n", spec_file, err);
        goto done;
    }
    /* the spec as it will be compared on --resume: without the iteration count, which a
     * resumed run may raise */
    cJSON *sj = cJSON_Parse(spec->json);
    cJSON *mj = sj ? cJSON_GetObjectItemCaseSensitive(sj, "meta") : NULL;
    if (mj)
        cJSON_DeleteItemFromObjectCaseSensitive(mj, "iterations");
    char *spec_key = sj ? cJSON_PrintUnformatted(sj) : NULL;
    cJSON_Delete(sj);
    if (!spec_key) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_EXIT_INTERNAL;
        goto done;
    }

    char dir[4096], path[4200];
    if (run_dir)
        snprintf(dir, sizeof dir, "%s", run_dir);
    else
        snprintf(dir, sizeof dir, "runs/meta-%s", spec->name);
    snprintf(path, sizeof path, "%s/checkpoint.json", dir);
    if (!resume && access(path, F_OK) == 0) {
        fprintf(stderr, "ruleset: %s already holds a meta-training run; add --resume to go on "
                "with it, or choose another --run-dir\n", dir);
        free(spec_key);
        goto done;
    }
    if (resume && read_checkpoint(dir, &m, &h, spec_key, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s\n", err);
        free(spec_key);
        goto done;
    }
    rc = RS_EXIT_INTERNAL;
    if (mkdir_p(dir) != 0) {
        fprintf(stderr, "ruleset: cannot create %s (%s)\n", dir, strerror(errno));
        free(spec_key);
        goto done;
    }
    snprintf(path, sizeof path, "%s/spec.json", dir);
    FILE *sf = fopen(path, "w");
    if (sf) {
        fprintf(sf, "%s\n", spec->json);
        fclose(sf);
    }
    snprintf(path, sizeof path, "%s/log.txt", dir);
    lg.file = fopen(path, "a");
    lg.quiet = quiet;
    lg.bar = !quiet && isatty(STDERR_FILENO);
    size_t n_phi = m.n_phi;
    log_line(&lg, "meta-train %s: rule %s (%zu meta-parameters in %u tensors), %zu training "
             "tasks, %zu held out, %ld episodes x %ld inner steps per meta-step, truncation %ld, "
             "%ld threads -> %s%s", spec_file, spec->rules[0].label, n_phi, m.n_shapes, m.n_train,
             m.n_held, cfg.episodes, m.max_steps, cfg.truncation, threads, dir,
             resume ? " (resumed)" : "");
    if (resume)
        log_line(&lg, "resuming at meta-step %ld of %ld", m.done, cfg.iterations);

    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    const long window = cfg.checkpoint_every;
    const long start = m.done;
    double t0 = now_s();
    while (m.done < cfg.iterations && !interrupted) {
        rs_meta_step_stats st;
        rs_meta_step(&m, &st);
        if (GROW(h.steps, h.n_steps, h.cap_steps)) {
            fprintf(stderr, "ruleset: out of memory\n");
            goto signal_out;
        }
        h.steps[h.n_steps++] = st;
        h.n_clipped += st.clipped;
        if (st.skipped) {
            const char *why = "a non-finite meta-gradient";
            for (long e = 0; e < cfg.episodes; e++)
                if (m.eps[e].failed) {
                    why = m.eps[e].err;
                    break;
                }
            log_line(&lg, "meta-step %ld skipped (%ld of %ld episodes failed): %s", m.done,
                     st.failed, cfg.episodes, why);
        }
        if (lg.bar)
            draw_bar(m.done, cfg.iterations, st.meta_loss, st.grad_norm, now_s() - t0, start);
        if (m.done % cfg.checkpoint_every == 0 || m.done == cfg.iterations || interrupted) {
            if (checkpoint(&m, &h, &lg, window)
                || write_checkpoint(dir, &m, &h, spec_key, err, sizeof err)
                || write_curves(dir, &m, &h, err, sizeof err)) {
                fprintf(stderr, "%sruleset: %s\n", lg.bar ? "\r\033[K" : "",
                        err[0] ? err : "out of memory");
                goto signal_out;
            }
        }
    }
    if (lg.bar)
        fprintf(stderr, "\r\033[K");
    if (interrupted) {
        log_line(&lg, "interrupted at meta-step %ld of %ld (checkpoint written); go on with "
                 "'ruleset meta-train %s -o %s --run-dir %s --resume'", m.done, cfg.iterations,
                 spec_file, out, dir);
        rc = RS_EXIT_INTERRUPTED;
        goto signal_out;
    }
    cJSON *rec = meta_record(&m, &h, spec_file, spec->json, window);
    if (rs_weights_write(out, spec->rules[0].head, spec->rules[0].params, m.shapes, m.n_shapes,
                         m.phi, rec, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto signal_out;
    }
    printf("meta-trained %s: meta-loss %.4f -> %.4f (mean of the last %ld) over %ld meta-steps "
           "in %.1f s on %ld threads; wrote %s; curves in %s (ruleset plot %s)\n",
           spec->rules[0].label, h.n_steps ? h.steps[0].meta_loss : NAN,
           recent_loss(&h, (size_t)window), window, m.done, now_s() - t0, threads, out, dir, dir);
    rc = RS_EXIT_OK;
signal_out:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    free(spec_key);
done:
    if (lg.file)
        fclose(lg.file);
    history_free(&h);
    rs_meta_close(&m);
    rs_spec_destroy(spec);
    free(text);
    rs_registry_destroy(reg);
    return rc;
}
