/* cmd_merge.c: `ruleset merge DIR... [-o OUT]`: join the run folders of shards of one run
 * (`ruleset compare SPEC --shard i/n -o DIR_i`, e.g. one per Slurm array task or GNU parallel
 * job) into one folder with the same numbers as a single run.
 *
 * The folders must hold the same spec.json, byte for byte: same spec, same flags, same seed.
 * Each folder's journal is read as `--resume` reads it (complete records whose key matches the
 * spec); the merged folder gets every job's record in job order, then the usual report. Jobs
 * that no folder holds stay missing: the report says how many, and
 * `ruleset compare -o OUT --resume` runs just those. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "plot.h"
#include "report.h"
#include "runner.h"

static const char usage[] =
    "usage: ruleset merge DIR... [-o OUT] [--quiet] [--no-plot] [--plugin FILE] "
    "[--plugin-dir DIR]\n"
    "  joins the run folders of `ruleset compare SPEC --shard I/N -o DIR` into one\n";

static char *read_spec(const char *dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/spec.json", dir);
    char *t = rs_read_file(path, err, sizeof err);
    if (!t)
        fprintf(stderr, "ruleset: merge: %s; is %s a run folder of 'ruleset compare'?\n", err,
                dir);
    return t;
}

static int write_file(const char *dir, const char *name, const char *text, const rs_run *run,
                      char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = text ? fputs(text, f) < 0 || fputc('\n', f) < 0 : rs_journal_write_all(run, f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* Append from/nets.jsonl (if any) to to/nets.jsonl. 0 ok, else a message in err. */
static int append_nets(const char *from, const char *to, char *err, size_t err_size)
{
    char src[4200], dst[4200], buf[65536];
    snprintf(src, sizeof src, "%s/nets.jsonl", from);
    snprintf(dst, sizeof dst, "%s/nets.jsonl", to);
    FILE *in = fopen(src, "rb");
    if (!in)
        return 0; /* a shard run with --no-save-nets */
    FILE *out = fopen(dst, "ab");
    int bad = !out;
    for (size_t n; !bad && (n = fread(buf, 1, sizeof buf, in)) > 0;)
        bad = fwrite(buf, 1, n, out) != n;
    bad |= ferror(in);
    fclose(in);
    if (out && fclose(out) != 0)
        bad = 1;
    if (bad)
        snprintf(err, err_size, "%s: cannot write (%s)", dst, strerror(errno ? errno : EIO));
    return bad;
}

int rs_cmd_merge(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    int rc = RS_EXIT_INPUT, quiet = 0, no_plot = 0;
    const char *out_dir = NULL;
    char **dirs = calloc((size_t)argc, sizeof *dirs);
    size_t n_dirs = 0;
    char *first = NULL, *other = NULL;
    rs_spec *spec = NULL;
    rs_run run = { 0 };
    rs_summary *sums = NULL;
    volatile sig_atomic_t never = 0;
    if (!dirs) {
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            rc = RS_EXIT_OK;
            goto out;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (i + 1 == argc) {
                fprintf(stderr, "ruleset: merge: %s needs a folder\n%s", a, usage);
                goto out;
            }
            out_dir = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-plot")) {
            no_plot = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "ruleset: merge: unknown flag '%s'\n%s", a, usage);
            goto out;
        } else {
            dirs[n_dirs++] = argv[i];
        }
    }
    if (n_dirs == 0) {
        fprintf(stderr, "ruleset: merge: no run folders given\n%s", usage);
        goto out;
    }
    if (!(first = read_spec(dirs[0])))
        goto out;
    for (size_t d = 1; d < n_dirs; d++) {
        if (!(other = read_spec(dirs[d])))
            goto out;
        if (strcmp(first, other) != 0) {
            fprintf(stderr, "ruleset: merge: %s/spec.json differs from %s/spec.json: these "
                            "folders are not shards of one run (same spec, flags and seed)\n",
                    dirs[d], dirs[0]);
            goto out;
        }
        free(other);
        other = NULL;
    }
    char err[2048], path[4200];
    snprintf(path, sizeof path, "%s/spec.json", dirs[0]);
    if (!(spec = rs_spec_parse(first, path, reg, err, sizeof err))) {
        fprintf(stderr, "ruleset: %s\n", err);
        goto out;
    }
    run.spec = spec;
    run.reg = reg;
    run.steps_override = run.replicates_override = -1;
    run.interrupted = &never;
    if (rs_run_plan(&run, err, sizeof err)) {
        fprintf(stderr, "ruleset: %s: %s\n", path, err);
        goto out;
    }
    size_t taken = 0;
    for (size_t d = 0; d < n_dirs; d++) {
        snprintf(run.dir, sizeof run.dir, "%s", dirs[d]);
        size_t n = rs_run_resume(&run);
        taken += n;
        if (!quiet)
            fprintf(stderr, "ruleset: merge: %s: %zu jobs\n", dirs[d], n);
    }
    if (out_dir) {
        snprintf(run.dir, sizeof run.dir, "%s", out_dir);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        snprintf(run.dir, sizeof run.dir, "runs/%s-%s", spec->name, stamp);
    }
    snprintf(path, sizeof path, "%s/journal.tsv", run.dir);
    if (access(path, F_OK) == 0) {
        fprintf(stderr, "ruleset: merge: %s already holds a run; choose another -o OUT\n",
                run.dir);
        goto out;
    }
    if (!out_dir)
        mkdir("runs", 0777); /* the default's parent; an error shows at the next mkdir */
    if (mkdir(run.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ruleset: merge: cannot create %s (%s)\n", run.dir, strerror(errno));
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    if (write_file(run.dir, "spec.json", spec->json, &run, path, sizeof path) != 0
        || write_file(run.dir, "journal.tsv", NULL, &run, path, sizeof path) != 0) {
        fprintf(stderr, "ruleset: merge: %s: cannot write (%s)\n", path, strerror(errno));
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    for (size_t d = 0; d < n_dirs; d++) /* the shards' trained networks, for inspect and plot */
        if (append_nets(dirs[d], run.dir, err, sizeof err) != 0) {
            fprintf(stderr, "ruleset: merge: %s\n", err);
            rc = RS_EXIT_INTERNAL;
            goto out;
        }
    size_t n_sums = rs_summarise(&run, &sums);
    if (rs_report_write(&run, sums, n_sums, err, sizeof err) != 0) {
        fprintf(stderr, "ruleset: merge: %s\n", err);
        rc = RS_EXIT_INTERNAL;
        goto out;
    }
    rs_report_table(stdout, sums, n_sums);
    fflush(stdout);
    size_t bad = 0;
    for (size_t j = 0; j < run.n_jobs; j++)
        bad += run.results[j].status >= RS_JOB_FAILED;
    if (!quiet) {
        fprintf(stderr, "ruleset: merged %zu folders: %zu of %zu jobs -> %s/\n", n_dirs, taken,
                run.n_jobs, run.dir);
        if (taken < run.n_jobs)
            fprintf(stderr, "ruleset: merge: %zu jobs are in none of the folders (a shard "
                            "missing?); 'ruleset compare -o %s --resume' runs just those\n",
                    run.n_jobs - taken, run.dir);
    }
    if (!no_plot && n_sums > 0) {
        rs_plot_opts po = { .rundir = run.dir, .term = "png", .replicate = -1,
                            .input_row = -1, .quiet = 1, .reg = reg };
        rs_plot_run(&po);
    }
    rc = bad ? RS_EXIT_JOBS : RS_EXIT_OK;
out:
    free(sums);
    rs_run_free_results(&run);
    rs_spec_destroy(spec);
    free(first);
    free(other);
    free(dirs);
    rs_registry_destroy(reg);
    return rc;
}
