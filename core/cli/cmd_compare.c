/* cmd_compare.c: `ruleset compare [SPEC.json] [flags]`: plan, run, journal, report, plot. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "isolate.h"
#include "mpi_run.h"
#include "paths.h"
#include "report.h"
#include "runner.h"
#include "runopts.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

static const char usage[] =
    "usage: ruleset compare [SPEC.json] [--task T]... [--rule R]... [--net 2-2-1]... "
    "[--act A,B] [--replicates N] [--steps N] [--batch N|full] [--eval-every N] [--seed S] "
    "[--threads N] [-o DIR] [--resume] [--quiet] [--no-plot] [--save-nets|--no-save-nets] "
    "[--plugin FILE] [--plugin-dir DIR] "
    RS_RUNOPTS_USAGE "\n";

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
    int resume, quiet, no_plot;
    int save_nets;               /* -1 = the spec's "save_nets" (default true) */
    cJSON *tasks, *rules, *nets; /* inline */
    const char *act;
} opts;

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
    const char *keys[] = { "replicates", "steps", "seed", "eval_every", "batch" };
    long vals[] = { o->replicates, o->steps, o->seed, o->eval_every, o->batch };
    for (int i = 0; i < 5; i++) {
        if (vals[i] < 0)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(root, keys[i]);
        if (i == 4 && vals[i] == 0)
            cJSON_AddStringToObject(root, keys[i], "full");
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

int rs_cmd_compare(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    opts o = { .replicates = -1, .steps = -1, .seed = -1, .threads = -1, .eval_every = -1,
               .batch = -1, .save_nets = -1 };
    int rc = RS_EXIT_INPUT;
    char *text = NULL, *resolved = NULL;
    rs_spec *spec = NULL;
    rs_run run = { 0 };
    rs_summary *sums = NULL;
    /* how jobs are executed (shard, isolation, timeout) and across which MPI ranks */
    rs_runopts ro;
    rs_mpi mpi = { .size = 1, .local_size = 1 };
    int agreed = 0; /* every rank calls rs_mpi_all exactly once: before running, or at out */
    if (rs_runopts_parse(&argc, argv, &ro) != 0 || rs_mpi_start(&mpi) != 0)
        goto out;
    if (mpi.rank != 0)
        o.quiet = 1; /* rank 0 speaks for the run */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--resume")) {
            o.resume = 1;
            takes = 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.quiet = 1;
            takes = 0;
        } else if (!strcmp(a, "--no-plot")) {
            o.no_plot = 1;
            takes = 0;
        } else if (!strcmp(a, "--save-nets") || !strcmp(a, "--no-save-nets")) {
            o.save_nets = a[2] == 's';
            takes = 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = RS_EXIT_OK;
            goto out;
        } else if (a[0] != '-') {
            if (o.spec_file) {
                fprintf(stderr, "ruleset: compare: one spec at a time ('%s' and '%s')\n",
                        o.spec_file, a);
                goto out;
            }
            o.spec_file = a;
            takes = 0;
        } else if (!v) {
            fprintf(stderr, "ruleset: compare: %s needs a value\n%s", a, usage);
            goto out;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            o.out_dir = v;
        } else if (!strcmp(a, "--task")) {
            add_inline(&o.tasks, v);
        } else if (!strcmp(a, "--rule")) {
            add_inline(&o.rules, v);
        } else if (!strcmp(a, "--net")) {
            add_inline(&o.nets, v);
        } else if (!strcmp(a, "--act")) {
            o.act = v;
        } else if (!strcmp(a, "--batch") && !strcmp(v, "full")) {
            o.batch = 0;
        } else {
            struct { const char *flag; long *dst; long lo; } nums[] = {
                { "--replicates", &o.replicates, 1 }, { "--steps", &o.steps, 0 },
                { "--seed", &o.seed, 0 }, { "--threads", &o.threads, 1 },
                { "--eval-every", &o.eval_every, 1 }, { "--batch", &o.batch, 1 } };
            size_t k = 0;
            while (k < sizeof nums / sizeof *nums && strcmp(a, nums[k].flag) != 0)
                k++;
            if (k == sizeof nums / sizeof *nums) {
                fprintf(stderr, "ruleset: compare: unknown flag '%s'\n%s", a, usage);
                goto out;
            }
            if (parse_long(a, v, nums[k].lo, nums[k].dst))
                goto out;
        }
        i += takes;
    }
    if (o.resume && !o.out_dir) {
        fprintf(stderr, "ruleset: compare: --resume needs -o DIR, the run folder to finish\n");
        goto out;
    }
    if (o.resume && !o.spec_file && !o.tasks && !o.rules) { /* finish a run from its own spec */
        static char path[4200];
        snprintf(path, sizeof path, "%s/spec.json", o.out_dir);
        o.spec_file = path;
    }
    static char found[4200]; /* a ready-made spec by name: `ruleset compare xor-mlp` */
    if (o.spec_file && rs_find_spec(o.spec_file, found, sizeof found) == 0)
        o.spec_file = found;
    const char *file = NULL;
    if (!(text = spec_text(&o, &file)))
        goto out;
    char err[2048];
    if (!(spec = rs_spec_parse(text, file, reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto out;
    }
    if (!(resolved = apply_overrides(text, &o))) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    rs_spec_destroy(spec);
    if (!(spec = rs_spec_parse(resolved, file, reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto out;
    }
    run.spec = spec;
    run.reg = reg;
    run.steps_override = -1;
    run.quiet = o.quiet;
    run.progress = !o.quiet && isatty(STDERR_FILENO);
    run.threads = o.threads > 0 ? (int)o.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.threads <= 0 && mpi.local_size > 1) /* ranks on one machine share its cores */
        run.threads = run.threads / mpi.local_size > 0 ? run.threads / mpi.local_size : 1;
    /* --shard i/n runs jobs j % n == i; MPI ranks split that slice again, rank r taking
     * j % (n*size) == i + n*r, which are exactly the slice's jobs, every size-th one */
    size_t n_sh = ro.n_shards ? ro.n_shards : 1;
    run.shard = ro.shard + n_sh * (size_t)mpi.rank;
    run.n_shards = n_sh * (size_t)mpi.size;
    run.job_timeout = ro.job_timeout;
    run.interrupted = &interrupted;
    run.save_nets = o.save_nets >= 0 ? o.save_nets : spec->save_nets;
    if (rs_run_plan(&run, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s: %s\n", file, err);
        goto out;
    }
    if (rs_isolate_plan(&run, ro.isolate) < 0) {
        fprintf(stderr, "ruleset: out of memory\n");
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    if (mpi.rank != 0) { /* the other ranks journal into scratch; rank 0 gathers (mpi_run.h) */
        if (rs_mpi_scratch_dir(&mpi, run.dir, sizeof run.dir) != 0) {
            fprintf(stderr, "ruleset: rank %d: cannot create a scratch folder in $TMPDIR or "
                            "/tmp (%s)\n", mpi.rank, strerror(errno));
            rc = RS_EXIT_INTERNAL;
            goto out;
        }
        goto ready;
    }
    if (o.out_dir) {
        snprintf(run.dir, sizeof run.dir, "%s", o.out_dir);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        snprintf(run.dir, sizeof run.dir, "runs/%s-%s", spec->name, stamp);
        if (ro.n_shards > 1) /* shards of an array job start in the same second */
            snprintf(run.dir + strlen(run.dir), sizeof run.dir - strlen(run.dir),
                     "-shard%zu-of-%zu", ro.shard, ro.n_shards);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/journal.tsv", run.dir);
    if (!o.resume && access(path, F_OK) == 0) {
        fprintf(stderr, "ruleset: %s already holds a run; add --resume to finish it, or choose "
                        "another -o DIR\n", run.dir);
        goto out;
    }
    if (mkdir_p(run.dir) != 0) {
        fprintf(stderr, "ruleset: cannot create %s (%s)\n", run.dir, strerror(errno));
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    snprintf(path, sizeof path, "%s/spec.json", run.dir);
    if (write_text(path, spec->json) != 0) {
        fprintf(stderr, "ruleset: %s: cannot write (%s); free some space or choose another "
                        "-o DIR\n", path, strerror(errno));
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    if (o.resume) {
        size_t n = rs_run_resume(&run);
        if (!o.quiet)
            fprintf(stderr, "ruleset: resuming %s: %zu of %zu jobs already done\n", run.dir, n,
                    run.n_jobs);
    }
ready:
    agreed = 1;
    if (!rs_mpi_all(&mpi, 1)) {
        if (mpi.rank == 0)
            fprintf(stderr, "ruleset: another MPI rank could not start the run; its message "
                            "is above\n");
        goto out;
    }
    rs_mpi_share_done(&mpi, &run);
    if (!o.quiet) {
        char where[64] = "";
        if (mpi.size > 1)
            snprintf(where, sizeof where, "%d MPI ranks x ", mpi.size);
        else if (ro.n_shards > 1)
            snprintf(where, sizeof where, "shard %zu/%zu, ", ro.shard, ro.n_shards);
        fprintf(stderr, "ruleset: %s: %zu jobs (%zu rule x task x network combinations x %zu "
                        "replicates) on %s%d threads -> %s\n",
                spec->name, run.n_jobs, run.n_groups, run.n_reps, where, run.threads, run.dir);
    }
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    int exec_rc = rs_run_execute(&run);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    char gerr[1024];
    if (rs_mpi_gather(&mpi, &run, gerr, sizeof gerr) != 0 && mpi.rank == 0) {
        fprintf(stderr, "ruleset: %s\n", gerr);
        exec_rc = 1;
    }
    if (mpi.rank != 0) {
        rc = exec_rc ? RS_EXIT_INTERNAL : RS_EXIT_OK;
        goto out;
    }
    size_t n_sums = rs_summarise(&run, &sums);
    size_t done = 0, failed = 0, printed = 0, of_kind[RS_JOB_TIMEOUT + 1] = { 0 };
    for (size_t j = 0; j < run.n_jobs; j++) {
        int st = run.results[j].status;
        done += st != RS_JOB_PENDING;
        if (st < RS_JOB_FAILED || st > RS_JOB_TIMEOUT)
            continue;
        failed++;
        if (of_kind[st]++ < 3) { /* the first of each kind: failed, crashed, timed out */
            char key[512];
            rs_job_key(&run, j, key, sizeof key);
            fprintf(stderr, "ruleset: job %s: %s\n", key, run.results[j].message);
            printed++;
        }
    }
    if (failed > printed)
        fprintf(stderr, "ruleset: ... %zu failed, crashed or timed-out jobs in all (journal.tsv "
                        "has every message)\n",
                failed);
    int write_failed = rs_report_write(&run, sums, n_sums, err, sizeof err);
    rs_report_table(stdout, sums, n_sums);
    fflush(stdout);
    if (run.nets_error[0])
        fprintf(stderr, "ruleset: warning: %s; some trained networks are not kept (inspect and "
                        "the network figures need them)\n", run.nets_error);
    if (spec->truth_table && run.save_nets && !interrupted) { /* as inspect --truth prints it */
        fflush(stdout);
        rs_inspect_truth(reg, run.dir, stdout);
        fflush(stdout);
    } else if (spec->truth_table && !interrupted) {
        fprintf(stderr, "ruleset: no truth tables: the trained networks were not kept "
                        "(--no-save-nets)\n");
    }
    if (write_failed)
        fprintf(stderr, "ruleset: %s; every finished job is kept in %s/journal.tsv: free some "
                        "space and run 'ruleset compare -o %s --resume'\n", err, run.dir, run.dir);
    if (run.io_error[0])
        fprintf(stderr, "ruleset: %s; %zu finished jobs are kept in the journal: free some space "
                        "and run 'ruleset compare -o %s --resume'\n", run.io_error, done, run.dir);
    if (interrupted) {
        fprintf(stderr, "ruleset: interrupted: %zu of %zu jobs done and kept; finish with "
                        "'ruleset compare -o %s --resume'\n", done, run.n_jobs, run.dir);
        rc = RS_EXIT_INTERRUPTED;
        goto out;
    }
    if (exec_rc || write_failed) {
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    if (!o.quiet)
        fprintf(stderr, "ruleset: results in %s/ (summary.tsv, summary.json, curves.tsv)\n",
                run.dir);
    if (!o.no_plot && n_sums > 0) {
        char *pargv[] = { "plot", run.dir, "--quiet", NULL };
        if (rs_cmd_plot(3, pargv) == RS_EXIT_OK && !o.quiet)
            fprintf(stderr, "ruleset: plots in %s/ (curves.png, success.png%s)\n", run.dir,
                    run.save_nets ? ", netgraph-*.png and adjacency-*.png of the networks" : "");
    }
    rc = failed ? RS_EXIT_JOBS : RS_EXIT_OK;
out:
    if (!agreed)
        rs_mpi_all(&mpi, 0);
    rs_mpi_stop(&mpi);
    free(sums);
    rs_run_free_results(&run);
    rs_spec_destroy(spec);
    free(text);
    free(resolved);
    cJSON_Delete(o.tasks);
    cJSON_Delete(o.rules);
    cJSON_Delete(o.nets);
    rs_registry_destroy(reg);
    return rc;
}
