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
#include "dirlock.h"
#include "plot.h"
#include "report.h"
#include "runner.h"

static const char usage[] =
    "usage: ruleset merge DIR... [flags]\n"
    "  joins the run folders of `ruleset compare SPEC --shard I/N -o DIR` into one; jobs in\n"
    "  none of them are reported (`ruleset compare -o OUT --resume` runs just those)\n"
    "      -o OUT               the merged folder (default runs/NAME-YYYYmmdd-HHMMSS)\n"
    "      --quiet, -q          no table\n"
    "      --no-plot            no figures at the end\n"
    "      --plugin FILE.so, --plugin-dir DIR   more plugins\n";

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

typedef struct merge {
    const char **dirs;
    size_t n_dirs;
    const char *out_dir;
    int quiet, no_plot;
    rs_registry *reg;
    char *first;
    rs_spec *spec;
    rs_run run;
    rs_summary *sums;
    size_t taken;
    char err[2048], path[4200];
    int lock_fd; /* OUT's lock (dirlock.h): no other run writes there meanwhile */
} merge;

/* 0 ok, -1 after --help, else the exit code. */
static int parse_flags(int argc, char **argv, merge *m)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (i + 1 == argc) {
                fprintf(stderr, "ruleset: merge: %s needs a folder\n%s", a, usage);
                return RS_EXIT_INPUT;
            }
            m->out_dir = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            m->quiet = 1;
        } else if (!strcmp(a, "--no-plot")) {
            m->no_plot = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "ruleset: merge: unknown flag '%s'\n%s", a, usage);
            return RS_EXIT_INPUT;
        } else {
            m->dirs[m->n_dirs++] = argv[i];
        }
    }
    if (m->n_dirs == 0) {
        fprintf(stderr, "ruleset: merge: no run folders given\n%s", usage);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* Every folder's spec.json, byte for byte the first's; the first parsed and planned. */
static int load_spec(merge *m)
{
    if (!(m->first = read_spec(m->dirs[0])))
        return RS_EXIT_INPUT;
    for (size_t d = 1; d < m->n_dirs; d++) {
        char *other = read_spec(m->dirs[d]);
        int same = other && strcmp(m->first, other) == 0;
        free(other);
        if (!other)
            return RS_EXIT_INPUT;
        if (!same) {
            fprintf(stderr, "ruleset: merge: %s/spec.json differs from %s/spec.json: these "
                            "folders are not shards of one run (same spec, flags and seed)\n",
                    m->dirs[d], m->dirs[0]);
            return RS_EXIT_INPUT;
        }
    }
    snprintf(m->path, sizeof m->path, "%s/spec.json", m->dirs[0]);
    if (!(m->spec = rs_spec_parse(m->first, m->path, m->reg, m->err, sizeof m->err))) {
        fprintf(stderr, "ruleset: %s\n", m->err);
        return RS_EXIT_INPUT;
    }
    static volatile sig_atomic_t never = 0;
    m->run.spec = m->spec;
    m->run.reg = m->reg;
    m->run.steps_override = m->run.replicates_override = -1;
    m->run.interrupted = &never;
    if (rs_run_plan(&m->run, m->err, sizeof m->err)) {
        fprintf(stderr, "ruleset: %s: %s\n", m->path, m->err);
        return RS_EXIT_INPUT;
    }
    return 0;
}

/* Each folder's journal, read as --resume reads it. */
static void take_journals(merge *m)
{
    for (size_t d = 0; d < m->n_dirs; d++) {
        snprintf(m->run.dir, sizeof m->run.dir, "%s", m->dirs[d]);
        size_t n = rs_run_resume(&m->run);
        m->taken += n;
        if (!m->quiet)
            fprintf(stderr, "ruleset: merge: %s: %zu jobs\n", m->dirs[d], n);
    }
}

/* The merged folder: spec.json, every job's journal record in job order, the networks. */
static int write_folder(merge *m)
{
    rs_run *run = &m->run;
    if (m->out_dir) {
        snprintf(run->dir, sizeof run->dir, "%s", m->out_dir);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        snprintf(run->dir, sizeof run->dir, "runs/%s-%s", m->spec->name, stamp);
    }
    snprintf(m->path, sizeof m->path, "%s/journal.tsv", run->dir);
    if (access(m->path, F_OK) == 0) {
        fprintf(stderr, "ruleset: merge: %s already holds a run; choose another -o OUT\n",
                run->dir);
        return RS_EXIT_INPUT;
    }
    if (!m->out_dir)
        mkdir("runs", 0777); /* the default's parent; an error shows at the next mkdir */
    if (mkdir(run->dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "ruleset: merge: cannot create %s (%s)\n", run->dir, strerror(errno));
        return RS_EXIT_INTERNAL;
    }
    char who[400];
    int lk = rs_dirlock(run->dir, &m->lock_fd, who, sizeof who);
    if (lk != RS_DIRLOCK_OK) {
        if (lk == RS_DIRLOCK_HELD)
            fprintf(stderr, "ruleset: merge: run folder %s is in use by %s; choose another -o "
                            "OUT\n", run->dir, who);
        else
            fprintf(stderr, "ruleset: merge: %s/.lock: cannot create (%s)\n", run->dir,
                    strerror(errno));
        return lk == RS_DIRLOCK_HELD ? RS_EXIT_INPUT : RS_EXIT_INTERNAL;
    }
    if (write_file(run->dir, "spec.json", m->spec->json, run, m->path, sizeof m->path) != 0
        || write_file(run->dir, "journal.tsv", NULL, run, m->path, sizeof m->path) != 0) {
        fprintf(stderr, "ruleset: merge: %s: cannot write (%s)\n", m->path, strerror(errno));
        return RS_EXIT_INTERNAL;
    }
    for (size_t d = 0; d < m->n_dirs; d++) /* the shards' trained networks, for inspect and plot */
        if (append_nets(m->dirs[d], run->dir, m->err, sizeof m->err) != 0) {
            fprintf(stderr, "ruleset: merge: %s\n", m->err);
            return RS_EXIT_INTERNAL;
        }
    return 0;
}

/* The report, what is missing, the figures. */
static int report(merge *m)
{
    const rs_run *run = &m->run;
    size_t n_sums = rs_summarise(run, &m->sums);
    if (rs_report_write(run, m->sums, n_sums, m->err, sizeof m->err) != 0) {
        fprintf(stderr, "ruleset: merge: %s\n", m->err);
        return RS_EXIT_INTERNAL;
    }
    rs_report_table(stdout, m->sums, n_sums);
    fflush(stdout);
    size_t bad = 0;
    for (size_t j = 0; j < run->n_jobs; j++)
        bad += run->results[j].status >= RS_JOB_FAILED;
    if (!m->quiet) {
        fprintf(stderr, "ruleset: merged %zu folders: %zu of %zu jobs -> %s/\n", m->n_dirs,
                m->taken, run->n_jobs, run->dir);
        if (m->taken < run->n_jobs)
            fprintf(stderr, "ruleset: merge: %zu jobs are in none of the folders (a shard "
                            "missing?); 'ruleset compare -o %s --resume' runs just those\n",
                    run->n_jobs - m->taken, run->dir);
    }
    if (!m->no_plot && n_sums > 0) {
        rs_plot_opts po = { .rundir = run->dir, .term = "png", .replicate = -1,
                            .input_row = -1, .quiet = 1, .reg = m->reg };
        rs_plot_run(&po);
    }
    return bad ? RS_EXIT_JOBS : RS_EXIT_OK;
}

int rs_cmd_merge(int argc, char **argv)
{
    merge m = { .lock_fd = -1 };
    if (!(m.reg = rs_cli_registry(&argc, argv)))
        return RS_EXIT_INTERNAL;
    int rc = RS_EXIT_INTERNAL;
    if ((m.dirs = calloc((size_t)argc, sizeof *m.dirs))
        && !(rc = parse_flags(argc, argv, &m)) && !(rc = load_spec(&m))) {
        take_journals(&m);
        if (!(rc = write_folder(&m)))
            rc = report(&m);
    }
    free(m.sums);
    rs_run_free_results(&m.run);
    rs_spec_destroy(m.spec);
    free(m.first);
    free(m.dirs);
    rs_registry_destroy(m.reg);
    rs_dirunlock(m.lock_fd);
    return rc < 0 ? RS_EXIT_OK : rc;
}
