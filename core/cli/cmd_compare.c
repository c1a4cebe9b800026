/* cmd_compare.c: `ruleset compare [SPEC.json] [flags]`: plan, run, journal, report, plot. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "dirlock.h"
#include "file.h"
#include "interrupt.h"
#include "isolate.h"
#include "json_diff.h"
#include "mpi_run.h"
#include "paths.h"
#include "plot.h"
#include "report.h"
#include "runner.h"
#include "truth.h"
#include "runopts.h"
#include "task_data.h"

static const char usage[] =
    "usage: ruleset compare [SPEC.json|NAME] [flags]\n"
    "  runs every rule x task x network over the replicates; no spec: the built-in default,\n"
    "  a NAME alone: a ready-made spec (e.g. xor-mlp). A flag overrides the spec's setting\n"
    "  and every rule's or task's own.\n"
    RS_COMPARE_FLAGS;

static int parse_long(const char *flag, const char *text, long lo, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo) {
        fprintf(stderr, "ruleset: compare: %s takes a whole number >= %ld, got '%s'\n", flag, lo,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct opts {
    const char *spec_file, *out_dir;
    long replicates, steps, seed, threads, eval_every, batch; /* -1 = not given */
    long epochs;                 /* -1 = not given */
    int eval_epoch;              /* --eval-every epoch */
    int alignment;               /* --alignment */
    int resume, quiet, no_plot;
    int save_nets;               /* -1 = the spec's "save_nets" (default true) */
    cJSON *tasks, *rules, *nets; /* inline */
    const char *act;
    size_t max_memory;           /* --max-memory, bytes; 0 = what the machine has available */
} opts;

/* --max-memory 4G / 512M / 2.5G / 1000000 (bytes): 0 ok, else 2 after one line. */
static int parse_memory(const char *v, size_t *out)
{
    char *end = NULL;
    double x = strtod(v, &end);
    double unit = 1;
    if (end && (*end == 'K' || *end == 'k'))
        unit = 1e3, end++;
    else if (end && (*end == 'M' || *end == 'm'))
        unit = 1e6, end++;
    else if (end && (*end == 'G' || *end == 'g'))
        unit = 1e9, end++;
    if (!end || end == v || *end || !(x > 0) || x * unit > 1e18) {
        fprintf(stderr, "ruleset: compare: --max-memory takes a size such as 4G, 512M or a "
                        "number of bytes, got '%s'\n", v);
        return RS_EXIT_INPUT;
    }
    *out = (size_t)(x * unit);
    return 0;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fputc('\n', f);
    return fclose(f);
}

/* The JSON text of the spec: a file, the inline flags, or the embedded default. */
static char *spec_text(opts *o, const char **name_out)
{
    char err[1024];
    if (o->spec_file) {
        *name_out = o->spec_file;
        char *t = rs_read_file(o->spec_file, err, sizeof err);
        if (!t)
            fprintf(stderr, "ruleset: %s; give the path of a spec such as rules/default.json\n",
                    err);
        return t;
    }
    if (o->tasks || o->rules) {
        *name_out = "(command line)";
        if (!o->tasks || !o->rules) {
            fprintf(stderr, "ruleset: compare: inline use needs at least one --task and one "
                            "--rule\n");
            return NULL;
        }
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "name", "inline");
        cJSON_AddItemToObject(root, "tasks", o->tasks);
        cJSON_AddItemToObject(root, "rules", o->rules);
        o->tasks = o->rules = NULL;
        if (o->nets || o->act) {
            cJSON *nets = o->nets ? o->nets : cJSON_CreateArray();
            if (!o->nets)
                cJSON_AddItemToArray(nets, cJSON_CreateString("1-2-1"));
            cJSON *objs = cJSON_CreateArray();
            for (cJSON *n = nets->child; n; n = n->next) {
                cJSON *obj = cJSON_CreateObject();
                cJSON_AddStringToObject(obj, "sizes", n->valuestring);
                if (o->act) {
                    cJSON *acts = cJSON_CreateArray();
                    char *copy = strdup(o->act), *save = NULL;
                    for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save))
                        cJSON_AddItemToArray(acts, cJSON_CreateString(a));
                    free(copy);
                    cJSON_AddItemToObject(obj, "act", acts);
                }
                cJSON_AddItemToArray(objs, obj);
            }
            cJSON_Delete(nets);
            o->nets = NULL;
            cJSON_AddItemToObject(root, "networks", objs);
        }
        char *t = cJSON_Print(root);
        cJSON_Delete(root);
        return t;
    }
    *name_out = "rules/default.json (built in)";
    return strdup(rs_default_spec);
}

/* Fold the numeric flags into the spec's JSON so spec.json says exactly what ran. */
static char *apply_overrides(const char *text, const opts *o)
{
    cJSON *root = cJSON_Parse(text);
    if (!root)
        return NULL;
    const char *keys[] = { "replicates", "steps", "seed", "eval_every", "batch", "epochs" };
    long vals[] = { o->replicates, o->steps, o->seed, o->eval_every, o->batch, o->epochs };
    if (o->eval_epoch)
        vals[3] = 0;
    if (o->steps >= 0) /* --steps beats the spec's epochs (which would beat any steps) */
        cJSON_DeleteItemFromObjectCaseSensitive(root, "epochs");
    if (o->tasks) { /* --task with a spec: these tasks instead of the spec's */
        cJSON_DeleteItemFromObjectCaseSensitive(root, "tasks");
        cJSON_AddItemToObject(root, "tasks", cJSON_Duplicate(o->tasks, 1));
    }
    if (o->alignment) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "alignment");
        cJSON_AddBoolToObject(root, "alignment", 1);
    }
    for (int i = 0; i < 6; i++) {
        if (vals[i] < 0)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(root, keys[i]);
        if (i == 4 && vals[i] == 0)
            cJSON_AddStringToObject(root, keys[i], "full");
        else if (i == 3 && vals[i] == 0)
            cJSON_AddStringToObject(root, keys[i], "epoch");
        else
            cJSON_AddNumberToObject(root, keys[i], (double)vals[i]);
        /* the flag beats a rule's or a task's own setting too */
        const char *lists[] = { "rules", "tasks" };
        for (int l = 0; l < 2; l++) {
            cJSON *items = cJSON_GetObjectItemCaseSensitive(root, lists[l]);
            for (cJSON *r = items ? items->child : NULL; r; r = r->next)
                if (cJSON_IsObject(r))
                    cJSON_DeleteItemFromObjectCaseSensitive(r, keys[i]);
        }
    }
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}

static void add_inline(cJSON **arr, const char *text)
{
    if (!*arr)
        *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(*arr, cJSON_CreateString(text));
}

/* One flag that takes a value v; 0 ok, else the exit code after one line. */
static int parse_valued(opts *o, const char *a, const char *v)
{
    if (!strcmp(a, "-o") || !strcmp(a, "--out"))
        o->out_dir = v;
    else if (!strcmp(a, "--task"))
        add_inline(&o->tasks, v);
    else if (!strcmp(a, "--rule"))
        add_inline(&o->rules, v);
    else if (!strcmp(a, "--net"))
        add_inline(&o->nets, v);
    else if (!strcmp(a, "--act"))
        o->act = v;
    else if (!strcmp(a, "--batch") && !strcmp(v, "full"))
        o->batch = 0;
    else if (!strcmp(a, "--eval-every") && !strcmp(v, "epoch"))
        o->eval_epoch = 1;
    else if (!strcmp(a, "--max-memory"))
        return parse_memory(v, &o->max_memory);
    else {
        struct { const char *flag; long *dst; long lo; } nums[] = {
            { "--replicates", &o->replicates, 1 }, { "--steps", &o->steps, 0 },
            { "--seed", &o->seed, 0 }, { "--threads", &o->threads, 1 },
            { "--eval-every", &o->eval_every, 1 }, { "--batch", &o->batch, 1 },
            { "--epochs", &o->epochs, 1 } };
        size_t k = 0;
        while (k < sizeof nums / sizeof *nums && strcmp(a, nums[k].flag) != 0)
            k++;
        if (k == sizeof nums / sizeof *nums) {
            fprintf(stderr, "ruleset: compare: unknown flag '%s'\n%s", a, usage);
            return RS_EXIT_INPUT;
        }
        if (parse_long(a, v, nums[k].lo, nums[k].dst))
            return RS_EXIT_INPUT;
    }
    return 0;
}

/* A flag without a value, or the spec; *takes = 0 when argv[i] was one. 0 ok, -1 after
 * --help, else the exit code. */
static int parse_plain(opts *o, const char *a, int *takes)
{
    *takes = 0;
    if (!strcmp(a, "--resume"))
        o->resume = 1;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
        o->quiet = 1;
    else if (!strcmp(a, "--no-plot"))
        o->no_plot = 1;
    else if (!strcmp(a, "--alignment"))
        o->alignment = 1;
    else if (!strcmp(a, "--save-nets") || !strcmp(a, "--no-save-nets"))
        o->save_nets = a[2] == 's';
    else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        fputs(usage, stdout);
        return -1;
    } else if (a[0] != '-') {
        if (o->spec_file) {
            fprintf(stderr, "ruleset: compare: one spec at a time ('%s' and '%s')\n",
                    o->spec_file, a);
            return RS_EXIT_INPUT;
        }
        o->spec_file = a;
    } else
        *takes = 1;
    return 0;
}

static int parse_flags(int argc, char **argv, opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes, rc = parse_plain(o, a, &takes);
        if (rc)
            return rc;
        if (!takes)
            continue;
        if (!v) {
            fprintf(stderr, "ruleset: compare: %s needs a value\n%s", a, usage);
            return RS_EXIT_INPUT;
        }
        if ((rc = parse_valued(o, a, v)))
            return rc;
        i++;
    }
    if (o->steps >= 0 && o->epochs >= 0) {
        fprintf(stderr, "ruleset: compare: --steps and --epochs say the same thing twice; "
                        "give one\n");
        return RS_EXIT_INPUT;
    }
    if (o->spec_file && (o->rules || o->nets || o->act)) {
        fprintf(stderr, "ruleset: compare: %s with a spec file: put it in the spec's \"%s\", "
                        "or leave out '%s' to run inline\n",
                o->rules ? "--rule" : o->nets ? "--net" : "--act",
                o->rules ? "rules" : "networks", o->spec_file);
        return RS_EXIT_INPUT;
    }
    if (o->resume && !o->out_dir) {
        fprintf(stderr, "ruleset: compare: --resume needs -o DIR, the run folder to finish\n");
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* One comparison from flags to figures. */
typedef struct compare {
    opts o;
    rs_registry *reg;
    rs_runopts ro;
    rs_mpi mpi;
    char *text, *resolved;
    const char *file;
    rs_spec *spec;
    rs_run run;
    rs_summary *sums;
    size_t n_sums;
    int lock_fd; /* the run folder's lock (dirlock.h), held to the end; -1 = none */
} compare;

/* The spec, parsed, with the numeric flags folded in (and parsed again, so spec.json says
 * exactly what ran). 0 ok, else the exit code after one line. */
static int load_spec(compare *c)
{
    opts *o = &c->o;
    if (o->resume && !o->spec_file && !o->tasks && !o->rules) { /* finish from its own spec */
        static char path[4200];
        snprintf(path, sizeof path, "%s/spec.json", o->out_dir);
        o->spec_file = path;
    }
    static char found[4200]; /* a ready-made spec by name: `ruleset compare xor-mlp` */
    if (o->spec_file && rs_find_spec(o->spec_file, found, sizeof found) == 0)
        o->spec_file = found;
    if (!(c->text = spec_text(o, &c->file)))
        return RS_EXIT_INPUT;
    char err[2048];
    if (!(c->spec = rs_spec_parse(c->text, c->file, c->reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        return RS_EXIT_INPUT;
    }
    if (!(c->resolved = apply_overrides(c->text, o))) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    rs_spec_destroy(c->spec);
    if (!(c->spec = rs_spec_parse(c->resolved, c->file, c->reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* The run's settings, its plan and which jobs are isolated. */
static int plan_run(compare *c)
{
    rs_run *run = &c->run;
    const opts *o = &c->o;
    run->spec = c->spec;
    run->reg = c->reg;
    run->steps_override = -1;
    run->quiet = o->quiet;
    run->progress = !o->quiet && isatty(STDERR_FILENO);
    run->threads = o->threads > 0 ? (int)o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o->threads <= 0 && c->mpi.local_size > 1) /* ranks on one machine share its cores */
        run->threads = run->threads / c->mpi.local_size > 0 ? run->threads / c->mpi.local_size
                                                            : 1;
    /* --shard i/n runs jobs j % n == i; MPI ranks split that slice again, rank r taking
     * j % (n*size) == i + n*r, which are exactly the slice's jobs, every size-th one */
    size_t n_sh = c->ro.n_shards ? c->ro.n_shards : 1;
    run->shard = c->ro.shard + n_sh * (size_t)c->mpi.rank;
    run->n_shards = n_sh * (size_t)c->mpi.size;
    run->job_timeout = c->ro.job_timeout;
    run->interrupted = &rs_interrupted;
    run->save_nets = o->save_nets >= 0 ? o->save_nets : c->spec->save_nets;
    char err[2048];
    if (rs_run_plan(run, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s: %s\n", c->file, err);
        return RS_EXIT_INPUT;
    }
    if (rs_isolate_plan(run, c->ro.isolate) < 0) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    /* after the isolation plan: the groups of worker-process plugins are opened in a child */
    if (rs_run_check(run, c->o.max_memory, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s: %s\n", c->file, err);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* -o DIR, or runs/NAME-STAMP[-shardI-of-N]. */
static void name_run_dir(compare *c)
{
    rs_run *run = &c->run;
    if (c->o.out_dir) {
        snprintf(run->dir, sizeof run->dir, "%s", c->o.out_dir);
        return;
    }
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
    snprintf(run->dir, sizeof run->dir, "runs/%s-%s", c->spec->name, stamp);
    if (c->ro.n_shards > 1) /* shards of an array job start in the same second */
        snprintf(run->dir + strlen(run->dir), sizeof run->dir - strlen(run->dir),
                 "-shard%zu-of-%zu", c->ro.shard, c->ro.n_shards);
}

/* What to do about a failed write, by its errno. */
static const char *write_hint(int err)
{
    if (err == ENOSPC || err == EDQUOT)
        return "free some space or choose another -o DIR";
    if (err == EROFS || err == EACCES || err == EPERM)
        return "the folder is read-only or not yours: choose another -o DIR";
    return "choose another -o DIR";
}

/* The folder is this run's alone (dirlock.h): a second run on it stops before any job. */
static int lock_dir(compare *c)
{
    char who[400];
    int rc = rs_dirlock(c->run.dir, &c->lock_fd, who, sizeof who);
    if (rc == RS_DIRLOCK_HELD) {
        fprintf(stderr, "ruleset: run folder %s is in use by %s; wait for that run to end, or "
                        "choose another -o DIR\n", c->run.dir, who);
        return RS_EXIT_INPUT;
    }
    if (rc != RS_DIRLOCK_OK) {
        fprintf(stderr, "ruleset: %s/.lock: cannot create (%s); %s\n", c->run.dir,
                strerror(errno), write_hint(errno));
        return RS_EXIT_INTERNAL;
    }
    return 0;
}

/* A resumed folder must hold the spec being run (as `merge` asks): otherwise its summaries
 * would mix two experiments. Compared as JSON, so only a change of meaning counts. */
static int same_spec(const compare *c)
{
    char path[4200], err[1024], where[512] = "";
    snprintf(path, sizeof path, "%s/spec.json", c->run.dir);
    char *old_text = rs_read_file(path, err, sizeof err);
    if (!old_text)
        return 0; /* a folder cut short before its spec.json: nothing to compare with */
    cJSON *old = cJSON_Parse(old_text), *now = cJSON_Parse(c->spec->json);
    int differ = !old || !now || rs_json_first_diff(old, now, where, sizeof where);
    cJSON_Delete(old);
    cJSON_Delete(now);
    free(old_text);
    if (!differ)
        return 0;
    fprintf(stderr, "ruleset: %s was made by a different spec (first difference at '%s'); "
                    "--resume finishes the same spec: run it without --resume into another "
                    "-o DIR\n", path, where[0] ? where : "(the whole spec)");
    return RS_EXIT_INPUT;
}

/* The run folder with its spec.json (rank 0), or a scratch folder (the other ranks journal
 * there; rank 0 gathers, mpi_run.h); a resumed run takes its finished jobs. */
static int prepare_dir(compare *c)
{
    rs_run *run = &c->run;
    if (c->mpi.rank != 0) {
        if (rs_mpi_scratch_dir(&c->mpi, run->dir, sizeof run->dir) == 0)
            return 0;
        fprintf(stderr, "ruleset: rank %d: cannot create a scratch folder in $TMPDIR or /tmp "
                "(%s)\n", c->mpi.rank, strerror(errno));
        return RS_EXIT_INTERNAL;
    }
    name_run_dir(c);
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run->dir);
    if (!c->o.resume && access(path, F_OK) == 0) {
        fprintf(stderr, "ruleset: %s already holds a run; add --resume to finish it, or choose "
                        "another -o DIR\n", run->dir);
        return RS_EXIT_INPUT;
    }
    if (rs_mkdir_p(run->dir) != 0) {
        fprintf(stderr, "ruleset: cannot create %s (%s)\n", run->dir, strerror(errno));
        return RS_EXIT_INTERNAL;
    }
    int rc = lock_dir(c);
    if (rc || (c->o.resume && (rc = same_spec(c))))
        return rc;
    snprintf(path, sizeof path, "%s/spec.json", run->dir);
    if (write_text(path, c->spec->json) != 0) {
        fprintf(stderr, "ruleset: %s: cannot write (%s); %s\n", path, strerror(errno),
                write_hint(errno));
        return RS_EXIT_INTERNAL;
    }
    if (c->o.resume) {
        size_t n = rs_run_resume(run);
        if (!c->o.quiet)
            fprintf(stderr, "ruleset: resuming %s: %zu of %zu jobs already done\n", run->dir, n,
                    run->n_jobs);
    }
    return 0;
}

static void announce(const compare *c)
{
    char where[64] = "";
    if (c->mpi.size > 1)
        snprintf(where, sizeof where, "%d MPI ranks x ", c->mpi.size);
    else if (c->ro.n_shards > 1)
        snprintf(where, sizeof where, "shard %zu/%zu, ", c->ro.shard, c->ro.n_shards);
    fprintf(stderr, "ruleset: %s: %zu jobs (%zu rule x task x network combinations x %zu "
                    "replicates) on %s%d threads -> %s\n", c->spec->name, c->run.n_jobs,
            c->run.n_groups, c->run.n_reps, where, c->run.threads, c->run.dir);
    rs_task_data_print(stderr); /* what the data sets hold in memory */
}

/* Every rank runs its slice; rank 0 gathers the others'. Non-zero when the run failed. */
static int run_jobs(compare *c)
{
    rs_mpi_share_done(&c->mpi, &c->run);
    if (!c->o.quiet)
        announce(c);
    rs_interrupt_install();
    int exec_rc = rs_run_execute(&c->run);
    rs_interrupt_uninstall();
    char gerr[1024];
    if (rs_mpi_gather(&c->mpi, &c->run, gerr, sizeof gerr) != 0 && c->mpi.rank == 0) {
        fprintf(stderr, "ruleset: %s\n", gerr);
        exec_rc = 1;
    }
    return exec_rc;
}

/* The first failed, crashed and timed-out jobs' messages; returns how many jobs did not
 * finish well, and in *done how many finished at all. */
static size_t report_failures(const rs_run *run, size_t *done)
{
    size_t failed = 0, printed = 0, of_kind[RS_JOB_TIMEOUT + 1] = { 0 };
    *done = 0;
    for (size_t j = 0; j < run->n_jobs; j++) {
        int st = run->results[j].status;
        *done += st != RS_JOB_PENDING;
        if (st < RS_JOB_FAILED || st > RS_JOB_TIMEOUT)
            continue;
        failed++;
        if (of_kind[st]++ < 3) { /* the first of each kind: failed, crashed, timed out */
            char key[512];
            rs_job_key(run, j, key, sizeof key);
            fprintf(stderr, "ruleset: job %s: %s\n", key, run->results[j].message);
            printed++;
        }
    }
    if (failed > printed)
        fprintf(stderr, "ruleset: ... %zu failed, crashed or timed-out jobs in all (journal.tsv "
                        "has every message)\n", failed);
    return failed;
}

/* compare's "truth_table": the truth tables as inspect --truth prints them. */
static void print_truth(const compare *c)
{
    if (!c->spec->truth_table || rs_interrupted)
        return;
    if (c->run.save_nets) {
        fflush(stdout);
        rs_inspect_truth(c->reg, c->run.dir, stdout);
        fflush(stdout);
    } else
        fprintf(stderr, "ruleset: no truth tables: the trained networks were not kept "
                        "(--no-save-nets)\n");
}

static void plot_run(const compare *c)
{
    rs_plot_opts po = { .rundir = c->run.dir, .term = "png", .replicate = -1, .input_row = -1,
                        .quiet = 1, .reg = c->reg };
    if (rs_plot_run(&po) == RS_EXIT_OK && !c->o.quiet)
        fprintf(stderr, "ruleset: plots in %s/ (curves.png, success.png%s)\n", c->run.dir,
                c->run.save_nets ? ", netgraph-*.png and adjacency-*.png of the networks" : "");
}

/* Rank 0 after the run: summaries, table, truth tables, what went wrong, figures. */
static int finish(compare *c, int exec_rc)
{
    const rs_run *run = &c->run;
    c->n_sums = rs_summarise(&c->run, &c->sums);
    size_t done, failed = report_failures(run, &done);
    char err[2048];
    int write_failed = rs_report_write(run, c->sums, c->n_sums, err, sizeof err);
    rs_report_table(stdout, c->sums, c->n_sums);
    fflush(stdout);
    if (run->nets_error[0])
        fprintf(stderr, "ruleset: warning: %s; some trained networks are not kept (inspect and "
                        "the network figures need them)\n", run->nets_error);
    print_truth(c);
    if (write_failed)
        fprintf(stderr, "ruleset: %s; every finished job is kept in %s/journal.tsv: free some "
                        "space and run 'ruleset compare -o %s --resume'\n", err, run->dir,
                run->dir);
    if (run->io_error[0])
        fprintf(stderr, "ruleset: %s; %zu finished jobs are kept in the journal: free some space "
                        "and run 'ruleset compare -o %s --resume'\n", run->io_error, done,
                run->dir);
    if (rs_interrupted) {
        fprintf(stderr, "ruleset: interrupted: %zu of %zu jobs done and kept; finish with "
                        "'ruleset compare -o %s --resume'\n", done, run->n_jobs, run->dir);
        return RS_EXIT_INTERRUPTED;
    }
    if (exec_rc || write_failed)
        return RS_EXIT_INTERNAL;
    if (!c->o.quiet)
        fprintf(stderr, "ruleset: results in %s/ (summary.tsv, summary.json, curves.tsv)\n",
                run->dir);
    if (!c->o.no_plot && c->n_sums > 0)
        plot_run(c);
    return failed ? RS_EXIT_JOBS : RS_EXIT_OK;
}

/* Up to the point where every rank must agree to start (rs_mpi_all, exactly once). */
static int start(compare *c, int argc, char **argv)
{
    int rc;
    if (rs_runopts_parse(&argc, argv, &c->ro) != 0 || rs_mpi_start(&c->mpi) != 0)
        return RS_EXIT_INPUT;
    if (c->mpi.rank != 0)
        c->o.quiet = 1; /* rank 0 speaks for the run */
    if ((rc = parse_flags(argc, argv, &c->o)) || (rc = load_spec(c)) || (rc = plan_run(c)))
        return rc;
    return prepare_dir(c);
}

static void compare_free(compare *c)
{
    rs_mpi_stop(&c->mpi);
    free(c->sums);
    rs_run_free_results(&c->run);
    rs_spec_destroy(c->spec);
    free(c->text);
    free(c->resolved);
    cJSON_Delete(c->o.tasks);
    cJSON_Delete(c->o.rules);
    cJSON_Delete(c->o.nets);
    rs_registry_destroy(c->reg);
    rs_dirunlock(c->lock_fd);
}

int rs_cmd_compare(int argc, char **argv)
{
    compare c = { .o = { .replicates = -1, .steps = -1, .seed = -1, .threads = -1,
                         .eval_every = -1, .batch = -1, .epochs = -1, .save_nets = -1 },
                  .mpi = { .size = 1, .local_size = 1 }, .lock_fd = -1 };
    if (!(c.reg = rs_cli_registry(&argc, argv)))
        return RS_EXIT_INTERNAL;
    int rc = start(&c, argc, argv);
    /* every rank calls rs_mpi_all exactly once, whether it could start or not */
    if (!rs_mpi_all(&c.mpi, rc == 0)) {
        if (rc == 0 && c.mpi.rank == 0)
            fprintf(stderr, "ruleset: another MPI rank could not start the run; its message "
                            "is above\n");
        rc = rc ? rc : RS_EXIT_INPUT;
    } else {
        int exec_rc = run_jobs(&c);
        if (c.mpi.rank != 0)
            rc = exec_rc ? RS_EXIT_INTERNAL : RS_EXIT_OK;
        else
            rc = finish(&c, exec_rc);
    }
    compare_free(&c);
    return rc < 0 ? RS_EXIT_OK : rc;
}
