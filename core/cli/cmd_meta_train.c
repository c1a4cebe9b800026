/* cmd_meta_train.c: `ruleset meta-train SPEC.json -o NAME.weights.json`: meta-train a rule
 * that provides dstep (run/meta.c does the work; run/meta_history.c keeps
 * its record), with a progress bar, log lines and
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
 * The run folder (default runs/meta-NAME) holds spec.json, checkpoint.json and curves.tsv
 * (meta_history.h) and log.txt (every log line). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmds.h"
#include "dirlock.h"
#include "file.h"
#include "interrupt.h"
#include "meta.h"
#include "meta_history.h"
#include "progress.h"
#include "weights.h"

static const char usage[] =
    "usage: ruleset meta-train SPEC.json -o NAME.weights.json [flags]\n"
    "  meta-trains the spec's one rule (a rule with dstep) by backpropagating through unrolled\n"
    "  training runs; the spec's \"meta\" object sets iterations, episodes, truncation, lr, ...\n"
    "      -o FILE              the weights file to write (required)\n"
    "      --run-dir DIR        log, checkpoint and curves (default runs/meta-NAME)\n"
    "      --resume             go on from DIR's checkpoint: the same weights, byte for byte\n"
    "      --threads N          episodes at once (default: every core)\n"
    "      --iterations N       meta-steps (default: the spec's \"meta\".iterations)\n"
    "      --quiet, -q          no log lines or bar on the terminal (log.txt keeps them)\n"
    "      --plugin FILE.so, --plugin-dir DIR   more plugins\n";

typedef struct mt_opts {
    const char *spec_file, *out, *run_dir;
    long threads, iterations; /* -1 = not given */
    int resume, quiet;
} mt_opts;

/* --threads N / --iterations N; 0 ok, else 2 after one line. */
static int parse_count(const char *a, const char *v, mt_opts *o)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < (a[2] == 't' ? 1 : 0)) {
        fprintf(stderr, "ruleset: meta-train: %s takes a whole number, got '%s'\n", a, v);
        return RS_EXIT_INPUT;
    }
    *(a[2] == 't' ? &o->threads : &o->iterations) = n;
    return 0;
}

/* One argument (and its value: *i advances); 0 ok, -1 after --help, else the exit code. */
static int parse_one(int argc, char **argv, int *i, mt_opts *o)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        fputs(usage, stdout);
        return -1;
    } else if (!strcmp(a, "--resume")) {
        o->resume = 1;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
        o->quiet = 1;
    } else if (a[0] != '-') {
        if (o->spec_file) {
            fprintf(stderr, "ruleset: meta-train: one spec at a time ('%s' and '%s')\n",
                    o->spec_file, a);
            return RS_EXIT_INPUT;
        }
        o->spec_file = a;
    } else if (!v) {
        fprintf(stderr, "ruleset: meta-train: %s needs a value\n%s", a, usage);
        return RS_EXIT_INPUT;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
        o->out = argv[++*i];
    } else if (!strcmp(a, "--run-dir")) {
        o->run_dir = argv[++*i];
    } else if (!strcmp(a, "--threads") || !strcmp(a, "--iterations")) {
        ++*i;
        return parse_count(a, v, o);
    } else {
        fprintf(stderr, "ruleset: meta-train: unknown flag '%s'\n%s", a, usage);
        return RS_EXIT_INPUT;
    }
    return 0;
}

static int parse_flags(int argc, char **argv, mt_opts *o)
{
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(argc, argv, &i, o);
        if (rc)
            return rc;
    }
    if (!o->spec_file || !o->out) {
        fprintf(stderr, "ruleset: meta-train: %s\n%s",
                !o->spec_file ? "give the spec (e.g. rules/meta.json)"
                              : "give the weights file to write with -o NAME.weights.json", usage);
        return RS_EXIT_INPUT;
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

/* The checkpoint's log line: the meta-loss so far, the inner-loss curve at four steps, the
 * held-out tasks. */
static void log_checkpoint(const logger *lg, const rs_meta *m, const rs_meta_history *h,
                           long window, const char *held)
{
    const rs_meta_step_stats *last = &h->steps[h->n_steps - 1];
    long K = m->max_steps, q[4] = { 1, K / 4 > 1 ? K / 4 : 1, K / 2 > 1 ? K / 2 : 1, K };
    double first = h->n_steps ? h->steps[0].meta_loss : NAN;
    long skipped = 0;
    for (size_t i = 0; i < h->n_steps; i++)
        skipped += h->steps[i].skipped;
    log_line(lg, "meta-step %ld/%ld: meta-loss %.4f (mean of the last %ld; first %.4f), |g| %.3g, "
             "clipped %.0f%% of steps, skipped %ld, solved %.0f%% of episodes; inner loss at "
             "step %ld %.3f, %ld %.3f, %ld %.3f, %ld %.3f%s%s",
             m->done, m->cfg.iterations, rs_meta_recent_loss(h, (size_t)window), window, first,
             last->grad_norm, 100.0 * h->n_clipped / (double)h->n_steps, skipped,
             100 * last->solved, q[0], m->curve[q[0] - 1], q[1], m->curve[q[1] - 1], q[2],
             m->curve[q[2] - 1], q[3], m->curve[q[3] - 1], held[0] ? "; held out:" : "", held);
}

/* ---- the command ------------------------------------------------------------------------------ */

typedef struct meta_train {
    mt_opts o;
    rs_registry *reg;
    char *text, *spec_key;
    rs_spec *spec;
    rs_meta_cfg cfg;
    rs_meta m;
    rs_meta_history h;
    logger lg;
    char dir[4096];
    char err[8192];
    int lock_fd; /* the run folder's lock (dirlock.h); -1 = none */
} meta_train;

/* The spec as a resume compares it: without the iteration count, which a resumed run may
 * raise. NULL when out of memory. */
static char *spec_key_of(const rs_spec *spec)
{
    cJSON *sj = cJSON_Parse(spec->json);
    cJSON *mj = sj ? cJSON_GetObjectItemCaseSensitive(sj, "meta") : NULL;
    if (mj)
        cJSON_DeleteItemFromObjectCaseSensitive(mj, "iterations");
    char *key = sj ? cJSON_PrintUnformatted(sj) : NULL;
    cJSON_Delete(sj);
    return key;
}

/* The spec, its "meta" settings, the meta-trainer. 0 ok, else the exit code. */
static int open_trainer(meta_train *t)
{
    mt_opts *o = &t->o;
    if (!(t->text = rs_read_file(o->spec_file, t->err, sizeof t->err))) {
        fprintf(stderr, "ruleset: %s; give the path of a meta-training spec such as "
                "rules/meta.json\n", t->err);
        return RS_EXIT_INPUT;
    }
    if (!(t->spec = rs_spec_parse(t->text, o->spec_file, t->reg, t->err, sizeof t->err))
        || rs_meta_cfg_parse(t->text, o->spec_file, &t->cfg, t->err, sizeof t->err)) {
        fprintf(stderr, "ruleset: %s\n", t->err);
        return RS_EXIT_INPUT;
    }
    if (o->iterations >= 0)
        t->cfg.iterations = o->iterations; /* not part of the spec: a resumed run may go further */
    if (o->threads < 1)
        o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    if (rs_meta_open(&t->m, t->spec, t->reg, &t->cfg, (int)o->threads, t->err, sizeof t->err)) {
        fprintf(stderr, "ruleset: %s: %s\n", o->spec_file, t->err);
        return RS_EXIT_INPUT;
    }
    if (!(t->spec_key = spec_key_of(t->spec))) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    return 0;
}

/* The run folder: a fresh one, or the checkpoint of the one to resume; spec.json, log.txt. */
static int open_run_dir(meta_train *t)
{
    char path[4200];
    if (t->o.run_dir)
        snprintf(t->dir, sizeof t->dir, "%s", t->o.run_dir);
    else
        snprintf(t->dir, sizeof t->dir, "runs/meta-%s", t->spec->name);
    snprintf(path, sizeof path, "%s/checkpoint.json", t->dir);
    if (!t->o.resume && access(path, F_OK) == 0) {
        fprintf(stderr, "ruleset: %s already holds a meta-training run; add --resume to go on "
                "with it, or choose another --run-dir\n", t->dir);
        return RS_EXIT_INPUT;
    }
    if (rs_mkdir_p(t->dir) != 0) {
        fprintf(stderr, "ruleset: cannot create %s (%s)\n", t->dir, strerror(errno));
        return RS_EXIT_INTERNAL;
    }
    char who[400];
    int lk = rs_dirlock(t->dir, &t->lock_fd, who, sizeof who); /* the folder is this run's */
    if (lk != RS_DIRLOCK_OK) {
        if (lk == RS_DIRLOCK_HELD)
            fprintf(stderr, "ruleset: run folder %s is in use by %s; wait for that run to end, "
                    "or choose another --run-dir\n", t->dir, who);
        else
            fprintf(stderr, "ruleset: %s/.lock: cannot create (%s)\n", t->dir, strerror(errno));
        return lk == RS_DIRLOCK_HELD ? RS_EXIT_INPUT : RS_EXIT_INTERNAL;
    }
    if (t->o.resume
        && rs_meta_checkpoint_read(t->dir, &t->m, &t->h, t->spec_key, t->err, sizeof t->err)) {
        fprintf(stderr, "ruleset: %s\n", t->err);
        return RS_EXIT_INPUT;
    }
    snprintf(path, sizeof path, "%s/spec.json", t->dir);
    FILE *sf = fopen(path, "w");
    if (sf) {
        fprintf(sf, "%s\n", t->spec->json);
        fclose(sf);
    }
    snprintf(path, sizeof path, "%s/log.txt", t->dir);
    t->lg.file = fopen(path, "a");
    t->lg.quiet = t->o.quiet;
    t->lg.bar = !t->o.quiet && isatty(STDERR_FILENO);
    return 0;
}

static void log_start(const meta_train *t)
{
    const rs_meta *m = &t->m;
    log_line(&t->lg, "meta-train %s: rule %s (%zu meta-parameters in %u tensors), %zu training "
             "tasks, %zu held out, %ld episodes x %ld inner steps per meta-step, truncation %ld, "
             "%ld thread%s -> %s%s", t->o.spec_file, t->spec->rules[0].label, m->n_phi,
             m->n_shapes, m->n_train, m->n_held, t->cfg.episodes, m->max_steps,
             t->cfg.truncation, t->o.threads, t->o.threads == 1 ? "" : "s", t->dir,
             t->o.resume ? " (resumed)" : "");
    if (t->o.resume)
        log_line(&t->lg, "resuming at meta-step %ld of %ld", m->done, t->cfg.iterations);
}

/* A skipped meta-step's log line names the first failed episode's reason. */
static void log_skipped(const meta_train *t, const rs_meta_step_stats *st)
{
    const char *why = "a non-finite meta-gradient";
    for (long e = 0; e < t->cfg.episodes; e++)
        if (t->m.eps[e].failed) {
            why = t->m.eps[e].err;
            break;
        }
    log_line(&t->lg, "meta-step %ld skipped (%ld of %ld episodes failed): %s", t->m.done,
             st->failed, t->cfg.episodes, why);
}

/* Validation, the log line, checkpoint.json and curves.tsv. 0, or the exit code. */
static int checkpoint(meta_train *t)
{
    char held[2048];
    t->err[0] = '\0';
    if (rs_meta_history_checkpoint(&t->m, &t->h, held, sizeof held) == 0) {
        log_checkpoint(&t->lg, &t->m, &t->h, t->cfg.checkpoint_every, held);
        if (!rs_meta_checkpoint_write(t->dir, &t->m, &t->h, t->spec_key, t->err, sizeof t->err)
            && !rs_meta_curves_write(t->dir, &t->m, &t->h, t->err, sizeof t->err))
            return 0;
    }
    fprintf(stderr, "%sruleset: %s\n", t->lg.bar ? "\r\033[K" : "",
            t->err[0] ? t->err : "out of memory");
    return RS_EXIT_INTERNAL;
}

/* Meta-steps until the iteration count or an interrupt; 0, or the exit code. */
static int train(meta_train *t, double t0)
{
    const long start = t->m.done;
    while (t->m.done < t->cfg.iterations && !rs_interrupted) {
        rs_meta_step_stats st;
        rs_meta_step(&t->m, &st);
        if (rs_meta_history_add(&t->h, &st)) {
            fprintf(stderr, "ruleset: out of memory\n");
            return RS_EXIT_INTERNAL;
        }
        if (st.skipped)
            log_skipped(t, &st);
        if (t->lg.bar) {
            char extra[96];
            snprintf(extra, sizeof extra, " meta-loss %.4f |g| %.3g", st.meta_loss, st.grad_norm);
            rs_progress_draw(t->m.done, t->cfg.iterations, start, rs_now_s() - t0, "meta-steps",
                             extra);
        }
        if (t->m.done % t->cfg.checkpoint_every == 0 || t->m.done == t->cfg.iterations
            || rs_interrupted) {
            int rc = checkpoint(t);
            if (rc)
                return rc;
        }
    }
    if (t->lg.bar)
        fprintf(stderr, "\r\033[K");
    return 0;
}

/* The weights file and the closing line. */
static int write_weights(meta_train *t, double t0)
{
    const long window = t->cfg.checkpoint_every;
    const rs_item *rule = &t->spec->rules[0];
    cJSON *rec = rs_meta_record(&t->m, &t->h, t->o.spec_file, t->spec->json, window);
    if (rs_weights_write(t->o.out, rule->head, rule->params, t->m.shapes, t->m.n_shapes,
                         t->m.phi, rec, t->err, sizeof t->err)) {
        fprintf(stderr, "ruleset: %s\n", t->err);
        return RS_EXIT_INTERNAL;
    }
    printf("meta-trained %s: meta-loss %.4f -> %.4f (mean of the last %ld) over %ld meta-steps "
           "in %.1f s on %ld thread%s; wrote %s; curves in %s (ruleset plot %s)\n", rule->label,
           t->h.n_steps ? t->h.steps[0].meta_loss : NAN, rs_meta_recent_loss(&t->h, (size_t)window),
           window, t->m.done, rs_now_s() - t0, t->o.threads, t->o.threads == 1 ? "" : "s",
           t->o.out, t->dir, t->dir);
    return RS_EXIT_OK;
}

static int run(meta_train *t)
{
    int rc;
    if ((rc = open_trainer(t)) || (rc = open_run_dir(t)))
        return rc;
    log_start(t);
    rs_interrupt_install();
    double t0 = rs_now_s();
    rc = train(t, t0);
    if (!rc && rs_interrupted) {
        log_line(&t->lg, "interrupted at meta-step %ld of %ld (checkpoint written); go on with "
                 "'ruleset meta-train %s -o %s --run-dir %s --resume'", t->m.done,
                 t->cfg.iterations, t->o.spec_file, t->o.out, t->dir);
        rc = RS_EXIT_INTERRUPTED;
    } else if (!rc)
        rc = write_weights(t, t0);
    rs_interrupt_uninstall();
    return rc;
}

int rs_cmd_meta_train(int argc, char **argv)
{
    meta_train t = { .o = { .threads = -1, .iterations = -1 }, .lock_fd = -1 };
    if (!(t.reg = rs_cli_registry(&argc, argv)))
        return RS_EXIT_INTERNAL;
    int rc = parse_flags(argc, argv, &t.o);
    if (rc == 0)
        rc = run(&t);
    if (t.lg.file)
        fclose(t.lg.file);
    free(t.spec_key);
    rs_meta_history_free(&t.h);
    rs_meta_close(&t.m);
    rs_spec_destroy(t.spec);
    free(t.text);
    rs_registry_destroy(t.reg);
    rs_dirunlock(t.lock_fd);
    return rc < 0 ? RS_EXIT_OK : rc;
}
