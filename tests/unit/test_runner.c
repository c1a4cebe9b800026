/* test_runner.c: whole runs through the core (spec -> plan -> execute -> summarise -> report)
 * in a temporary folder, wired as cmd_compare.c wires them: determinism across thread counts,
 * resuming from a journal cut by a kill, a diverging rule and a failing rule that leave the
 * other rules' results alone, the summary statistics and the Wilson interval. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <cblas.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "runner.h"
#include "testutil.h"

static rs_registry *reg;

static void setup(void)
{
    reg = rs_test_registry();
    static const char *const fx[] = { RS_FIXTURE_DIR "/good_rule.so",
                                      RS_FIXTURE_DIR "/nan_rule.so",
                                      RS_FIXTURE_DIR "/fail_rule.so" };
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++)
        ck_assert_int_eq(rs_registry_add_file(reg, fx[i]), RS_OK);
}
static void teardown(void) { rs_registry_destroy(reg); }

/* ---- a run in a folder -------------------------------------------------------------------- */

typedef struct runh {
    rs_spec *spec;
    rs_run run;
    rs_summary *sums;
    size_t n_sums;
    volatile sig_atomic_t stop;
} runh;

static void make_dir(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/rs_runner_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static void remove_dir(const char *dir)
{
    static const char *const files[] = { "journal.tsv", "curves.tsv", "summary.tsv",
                                         "summary.json" };
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(dir), 0);
}

/* Parse and plan `json` as a run into dir with the given threads (no jobs run yet). */
static void rh_open(runh *h, const char *json, const char *dir, int threads)
{
    memset(h, 0, sizeof *h);
    char err[2048];
    h->spec = rs_spec_parse(json, "test.json", reg, err, sizeof err);
    ck_assert_msg(h->spec != NULL, "%s", err);
    h->run.spec = h->spec;
    h->run.reg = reg;
    h->run.steps_override = -1;
    h->run.threads = threads;
    h->run.quiet = 1;
    h->run.interrupted = &h->stop;
    ck_assert_msg(rs_run_plan(&h->run, err, sizeof err) == 0, "plan: %s", err);
    snprintf(h->run.dir, sizeof h->run.dir, "%s", dir);
}

/* Run the pending jobs, summarise and write the report. */
static void rh_finish(runh *h)
{
    ck_assert_msg(rs_run_execute(&h->run) == 0, "execute: %s", h->run.io_error);
    h->n_sums = rs_summarise(&h->run, &h->sums);
    ck_assert_uint_eq(h->n_sums, h->run.n_groups);
    char err[1024];
    ck_assert_msg(rs_report_write(&h->run, h->sums, h->n_sums, err, sizeof err) == 0, "%s",
                  err);
}

static void rh_close(runh *h)
{
    free(h->sums);
    rs_run_free_results(&h->run);
    rs_spec_destroy(h->spec);
}

static char *slurp(const char *dir, const char *name)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *t = rs_read_file(path, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

/* summary.tsv with the last column (us_per_step, a timing) cut from every line. */
static char *summary_no_timing(const char *dir)
{
    char *t = slurp(dir, "summary.tsv");
    char *out = malloc(strlen(t) + 1), *o = out;
    for (char *line = t; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *tab = line + len;
        while (tab > line && *tab != '\t')
            tab--;
        ck_assert_msg(tab > line, "summary line without columns");
        memcpy(o, line, (size_t)(tab - line));
        o += tab - line;
        *o++ = '\n';
        line += len + (nl != NULL);
    }
    *o = '\0';
    free(t);
    return out;
}

/* The lines of a TSV whose first column is `rule` (header excluded), concatenated. */
static char *rows_of(const char *text, const char *rule)
{
    char *out = calloc(strlen(text) + 1, 1), *o = out;
    size_t rl = strlen(rule);
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
        if (strncmp(line, rule, rl) == 0 && line[rl] == '\t') {
            memcpy(o, line, len);
            o += len;
        }
        line += len;
    }
    return out;
}

/* Every line cut to its first n_cols tab-separated columns (in place). */
static char *first_columns(char *text, int n_cols)
{
    char *o = text;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        int cols = 0;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == '\t' && ++cols == n_cols)
                break;
            *o++ = line[i];
        }
        *o++ = '\n';
        line += len + (nl != NULL);
    }
    *o = '\0';
    return text;
}

static size_t count_lines(const char *t)
{
    size_t n = 0;
    for (; *t; t++)
        n += *t == '\n';
    return n;
}

/* ---- determinism ---------------------------------------------------------------------------- */

static const char det_spec[] =
    "{ \"name\": \"det\", \"seed\": 7, \"replicates\": 3, \"steps\": 600, \"eval_every\": 100,\n"
    "  \"networks\": [\"2-4-1\", { \"hidden\": [5], \"act\": [\"tanh\", \"sigmoid\"] }],\n"
    "  \"tasks\": [\"gates:gate=xor\",\n"
    "            { \"plugin\": \"parity\", \"params\": { \"bits\": 3 }, \"batch\": 4 },\n"
    "            { \"plugin\": \"parity\", \"params\": { \"bits\": 6 }, \"steps\": 200,\n"
    "              \"networks\": [{ \"hidden\": [64, 64] }] }],\n"
    "  \"rules\": [\"backprop:lr=0.5\", \"backprop:optimizer=adam,lr=0.05\",\n"
    "            \"good_rule:lr=0.02\"] }";

START_TEST(test_threads_give_identical_results)
{
    static const int threads[] = { 1, 2, 4 };
    char dirs[3][64];
    char *curves[3], *summary[3];
    runh h[3];
    for (int i = 0; i < 3; i++) {
        make_dir(dirs[i], sizeof dirs[i]);
        rh_open(&h[i], det_spec, dirs[i], threads[i]);
        rh_finish(&h[i]);
        curves[i] = slurp(dirs[i], "curves.tsv");
        summary[i] = summary_no_timing(dirs[i]);
    }
    /* 3 rules x (2 tasks x 2 global nets + 1 task x its 1 net) x 3 replicates */
    ck_assert_uint_eq(h[0].run.n_groups, 3 * 5);
    ck_assert_uint_eq(h[0].run.n_jobs, 3 * 5 * 3);
    for (size_t j = 0; j < h[0].run.n_jobs; j++)
        ck_assert_msg(h[0].run.results[j].status == RS_JOB_OK, "job %zu: %s", j,
                      h[0].run.results[j].message);
    /* the metric column of good_rule appears, NaN for the other rules */
    ck_assert_ptr_nonnull(strstr(curves[0], "rule\ttask\tnet\trep\tstep\tloss\tacc\tepoch\ttrain_loss\tmoved\n"));
    ck_assert_ptr_nonnull(strstr(curves[0], "good_rule[lr=0.02]\tparity:bits=6\t6-64-64-1\t2\t200\t"));
    /* 600 steps every 100: 7 points; the bits=6 task's 200 steps: 3 points */
    ck_assert_uint_eq(count_lines(curves[0]), 1 + 3 * 3 * (4 * 7 + 1 * 3));
    for (int i = 1; i < 3; i++) {
        ck_assert_msg(strcmp(curves[0], curves[i]) == 0, "curves.tsv differs with %d threads",
                      threads[i]);
        ck_assert_msg(strcmp(summary[0], summary[i]) == 0, "summary.tsv differs with %d threads",
                      threads[i]);
        for (size_t j = 0; j < h[0].run.n_jobs; j++) {
            const rs_job_result *a = &h[0].run.results[j], *b = &h[i].run.results[j];
            ck_assert_int_eq(a->status, b->status);
            ck_assert_int_eq(a->solved, b->solved);
            ck_assert_int_eq(a->steps_to_solve, b->steps_to_solve);
            ck_assert_int_eq(memcmp(&a->final_loss, &b->final_loss, sizeof(double)), 0);
        }
    }
    /* and learning happened: backprop's evaluation loss fell, summed over its jobs */
    double first = 0, last = 0;
    for (size_t j = 0; j < h[0].run.n_jobs / 3; j++) {
        first += h[0].run.results[j].points[0].loss;
        last += h[0].run.results[j].final_loss;
    }
    ck_assert_msg(last < 0.95 * first, "loss %g -> %g", first, last);
    for (int i = 0; i < 3; i++) {
        free(curves[i]);
        free(summary[i]);
        rh_close(&h[i]);
        remove_dir(dirs[i]);
    }
}
END_TEST

/* A rule's numbers depend only on its own label, the task, the net and the replicate: adding
 * a rule to the spec or listing it second changes nothing. */
START_TEST(test_rules_independent_of_company)
{
    char d1[64], d2[64];
    make_dir(d1, sizeof d1);
    make_dir(d2, sizeof d2);
    runh a, b;
    rh_open(&a, "{ \"seed\": 3, \"replicates\": 2, \"steps\": 30, \"eval_every\": 5, "
                "\"networks\": [\"2-3-1\"], \"tasks\": [\"gates:gate=or\"], "
                "\"rules\": [\"backprop:lr=0.3\"] }", d1, 1);
    rh_open(&b, "{ \"seed\": 3, \"replicates\": 2, \"steps\": 30, \"eval_every\": 5, "
                "\"networks\": [\"2-3-1\"], \"tasks\": [\"gates:gate=or\"], "
                "\"rules\": [\"good_rule\", \"backprop:lr=0.3\"] }", d2, 2);
    rh_finish(&a);
    rh_finish(&b);
    char *ca = slurp(d1, "curves.tsv"), *cb = slurp(d2, "curves.tsv");
    char *ra = rows_of(ca, "backprop[lr=0.3]"), *rb = rows_of(cb, "backprop[lr=0.3]");
    ck_assert_uint_eq(count_lines(ra), 2 * 7);
    /* the same numbers (b has good_rule's metric column besides) */
    ck_assert_str_eq(first_columns(ra, 7), first_columns(rb, 7));
    free(ca);
    free(cb);
    free(ra);
    free(rb);
    rh_close(&a);
    rh_close(&b);
    remove_dir(d1);
    remove_dir(d2);
}
END_TEST

/* ---- resume ----------------------------------------------------------------------------------- */

static const char resume_spec[] =
    "{ \"name\": \"res\", \"seed\": 11, \"replicates\": 4, \"steps\": 40, \"eval_every\": 8,\n"
    "  \"networks\": [\"2-3-1\"], \"tasks\": [\"gates:gate=xor\", \"gates:gate=and\"],\n"
    "  \"rules\": [\"backprop:lr=0.5\", \"good_rule\"] }";

typedef struct journal {
    char *text;
    const char *rec[64]; /* start of each complete record (its J line) */
    size_t len[64];      /* its length up to and including the E line */
    size_t job[64];
    size_t n;
} journal;

static void journal_split(journal *jr, char *text)
{
    memset(jr, 0, sizeof *jr);
    jr->text = text;
    const char *start = NULL;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        if (line[0] == 'J') {
            ck_assert_ptr_null(start); /* records are whole and not interleaved */
            start = line;
        } else if (line[0] == 'E') {
            ck_assert_ptr_nonnull(start);
            ck_assert_uint_lt(jr->n, 64);
            jr->rec[jr->n] = start;
            jr->len[jr->n] = (size_t)(nl + 1 - start);
            jr->job[jr->n] = strtoul(line + 2, NULL, 10);
            jr->n++;
            start = NULL;
        }
        line = nl + 1;
    }
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_resume_after_kill)
{
    char full[64], cut[64];
    make_dir(full, sizeof full);
    make_dir(cut, sizeof cut);
    runh a;
    rh_open(&a, resume_spec, full, 2);
    rh_finish(&a);
    const size_t n_jobs = a.run.n_jobs;
    ck_assert_uint_eq(n_jobs, 16);
    char *curves_full = slurp(full, "curves.tsv");
    char *summary_full = summary_no_timing(full);
    journal jr;
    journal_split(&jr, slurp(full, "journal.tsv"));
    ck_assert_uint_eq(jr.n, n_jobs);

    /* a journal cut by a kill: k complete records, then the start of one more */
    const size_t k = 6;
    size_t used = 0;
    char *cut_text = malloc(strlen(jr.text) + 1);
    for (size_t r = 0; r < k; r++) {
        memcpy(cut_text + used, jr.rec[r], jr.len[r]);
        used += jr.len[r];
    }
    const char *partial = jr.rec[k];
    const char *p_end = strchr(strchr(partial, '\n') + 1, '\n') + 1; /* J line + one P line */
    memcpy(cut_text + used, partial, (size_t)(p_end - partial));
    used += (size_t)(p_end - partial);
    memcpy(cut_text + used, "P\t8\t0.2", 7); /* and half a line */
    used += 7;
    write_file(cut, "journal.tsv", cut_text, used);

    runh b;
    rh_open(&b, resume_spec, cut, 2);
    ck_assert_uint_eq(rs_run_resume(&b.run), k);
    ck_assert_uint_eq(b.run.n_resumed, k);
    for (size_t j = 0; j < n_jobs; j++) {
        int taken = 0;
        for (size_t r = 0; r < k; r++)
            taken |= jr.job[r] == j;
        ck_assert_msg((b.run.results[j].status != RS_JOB_PENDING) == taken,
                      "job %zu: status %d, taken from the journal %d", j,
                      b.run.results[j].status, taken);
        if (taken) { /* exactly as it was */
            const rs_job_result *x = &a.run.results[j], *y = &b.run.results[j];
            ck_assert_int_eq(x->status, y->status);
            ck_assert_uint_eq(x->n_points, y->n_points);
            ck_assert_int_eq(memcmp(&x->final_loss, &y->final_loss, sizeof(double)), 0);
            for (uint32_t p = 0; p < x->n_points; p++)
                ck_assert_int_eq(memcmp(&x->points[p].loss, &y->points[p].loss, sizeof(double)),
                                 0);
        }
    }
    rh_finish(&b);
    char *curves_cut = slurp(cut, "curves.tsv");
    char *summary_cut = summary_no_timing(cut);
    ck_assert_msg(strcmp(curves_full, curves_cut) == 0, "resumed curves.tsv differs");
    ck_assert_msg(strcmp(summary_full, summary_cut) == 0, "resumed summary.tsv differs");

    /* the finished journal now holds every job: a second resume takes all and runs nothing */
    runh c;
    rh_open(&c, resume_spec, cut, 1);
    ck_assert_uint_eq(rs_run_resume(&c.run), n_jobs);
    rh_finish(&c);
    char *curves_again = slurp(cut, "curves.tsv");
    ck_assert_str_eq(curves_again, curves_full);
    free(slurp(cut, "journal.tsv")); /* still readable */

    free(curves_full);
    free(summary_full);
    free(curves_cut);
    free(summary_cut);
    free(curves_again);
    free(cut_text);
    free(jr.text);
    rh_close(&a);
    rh_close(&b);
    rh_close(&c);
    remove_dir(full);
    remove_dir(cut);
}
END_TEST

/* Records of another spec, a duplicate, a wrong point count: none is taken. */
START_TEST(test_resume_takes_only_matching_records)
{
    char full[64], other[64];
    make_dir(full, sizeof full);
    make_dir(other, sizeof other);
    runh a;
    rh_open(&a, resume_spec, full, 1); /* one thread: the journal is in job order */
    rh_finish(&a);
    journal jr;
    journal_split(&jr, slurp(full, "journal.tsv"));

    /* record 0 twice, record 1 with its rule relabelled, record 2 claiming one more point */
    char buf[65536];
    size_t used = 0;
    memcpy(buf + used, jr.rec[0], jr.len[0]);
    used += jr.len[0];
    memcpy(buf + used, jr.rec[0], jr.len[0]);
    used += jr.len[0];
    char rec1[8192];
    snprintf(rec1, sizeof rec1, "%.*s", (int)jr.len[1], jr.rec[1]);
    char *lab = strstr(rec1, "backprop[lr=0.5]");
    if (!lab)
        lab = strstr(rec1, "good_rule");
    ck_assert_ptr_nonnull(lab);
    lab[0] = 'X';
    memcpy(buf + used, rec1, strlen(rec1));
    used += strlen(rec1);
    char rec2[8192];
    snprintf(rec2, sizeof rec2, "%.*s", (int)jr.len[2], jr.rec[2]);
    /* the 10th tab-separated field of the J line is n_points: 6 (40 steps every 8) -> 7 */
    char *np = strstr(rec2, "\t6\t0\t");
    ck_assert_ptr_nonnull(np);
    np[1] = '7';
    memcpy(buf + used, rec2, strlen(rec2));
    used += strlen(rec2);
    write_file(other, "journal.tsv", buf, used);

    runh b;
    rh_open(&b, resume_spec, other, 1);
    ck_assert_uint_eq(rs_run_resume(&b.run), 1); /* record 0, once */
    ck_assert_int_ne(b.run.results[jr.job[0]].status, RS_JOB_PENDING);
    ck_assert_int_eq(b.run.results[jr.job[1]].status, RS_JOB_PENDING);
    ck_assert_int_eq(b.run.results[jr.job[2]].status, RS_JOB_PENDING);
    rh_close(&b);

    /* another spec (other lr): nothing matches */
    runh c;
    rh_open(&c, "{ \"name\": \"res\", \"seed\": 11, \"replicates\": 4, \"steps\": 40, "
                "\"eval_every\": 8, \"networks\": [\"2-3-1\"], \"tasks\": [\"gates:gate=xor\", "
                "\"gates:gate=and\"], \"rules\": [\"backprop:lr=0.25\", \"good_rule:lr=0.5\"] }",
            full, 1);
    ck_assert_uint_eq(rs_run_resume(&c.run), 0);
    rh_close(&c);
    /* no journal at all */
    runh d;
    char empty[64];
    make_dir(empty, sizeof empty);
    rh_open(&d, resume_spec, empty, 1);
    ck_assert_uint_eq(rs_run_resume(&d.run), 0);
    rh_close(&d);
    remove_dir(empty);

    free(jr.text);
    rh_close(&a);
    remove_dir(full);
    remove_dir(other);
}
END_TEST

START_TEST(test_interrupted_before_start)
{
    char dir[64];
    make_dir(dir, sizeof dir);
    runh h;
    rh_open(&h, resume_spec, dir, 2);
    h.stop = 1;
    ck_assert_int_ne(rs_run_execute(&h.run), 0);
    for (size_t j = 0; j < h.run.n_jobs; j++)
        ck_assert_int_eq(h.run.results[j].status, RS_JOB_PENDING);
    char *j = slurp(dir, "journal.tsv");
    ck_assert_str_eq(j, "");
    free(j);
    rh_close(&h);
    remove_dir(dir);
}
END_TEST

/* ---- diverging and failing rules ------------------------------------------------------------ */

static const char *const bad_rule_spec_fmt =
    "{ \"seed\": 5, \"replicates\": 4, \"steps\": 40, \"eval_every\": 10, "
    "\"networks\": [\"2-4-1\"], \"tasks\": [\"gates:gate=xor\"], "
    "\"rules\": [\"backprop:lr=0.5,loss=bce\"%s] }";

/* Run the spec with and without `extra` as a second rule; check that backprop's rows are the
 * same either way and return the run with it (open, for the caller to inspect). */
static void run_with_and_without(runh *with, char *dir_with, const char *extra)
{
    char spec_with[1024], spec_alone[1024], extra_json[128], dir_alone[64];
    snprintf(extra_json, sizeof extra_json, ", \"%s\"", extra);
    snprintf(spec_with, sizeof spec_with, bad_rule_spec_fmt, extra_json);
    snprintf(spec_alone, sizeof spec_alone, bad_rule_spec_fmt, "");
    make_dir(dir_with, 64);
    make_dir(dir_alone, sizeof dir_alone);
    runh alone;
    rh_open(with, spec_with, dir_with, 2);
    rh_open(&alone, spec_alone, dir_alone, 2);
    rh_finish(with); /* the run goes on: execute returns 0 */
    rh_finish(&alone);
    char *c1 = slurp(dir_with, "curves.tsv"), *c2 = slurp(dir_alone, "curves.tsv");
    char *r1 = rows_of(c1, "backprop[lr=0.5,loss=bce]"), *r2 = rows_of(c2,
                                                                        "backprop[lr=0.5,loss=bce]");
    ck_assert_uint_eq(count_lines(r1), 4 * 5);
    ck_assert_str_eq(r1, r2);
    char *s1 = summary_no_timing(dir_with), *s2 = summary_no_timing(dir_alone);
    char *t1 = rows_of(s1, "backprop[lr=0.5,loss=bce]"), *t2 = rows_of(s2,
                                                                        "backprop[lr=0.5,loss=bce]");
    ck_assert_uint_eq(count_lines(t1), 1);
    ck_assert_str_eq(t1, t2);
    ck_assert_uint_eq(with->sums[0].failed + with->sums[0].diverged, 0);
    for (size_t j = 0; j < 4; j++)
        ck_assert_int_eq(with->run.results[j].status, RS_JOB_OK);
    free(c1);
    free(c2);
    free(r1);
    free(r2);
    free(s1);
    free(s2);
    free(t1);
    free(t2);
    rh_close(&alone);
    remove_dir(dir_alone);
}

START_TEST(test_nan_rule_diverges)
{
    runh h;
    char dir[64];
    run_with_and_without(&h, dir, "nan_rule");
    /* jobs 4..7 are nan_rule's */
    for (size_t j = 4; j < 8; j++) {
        const rs_job_result *r = &h.run.results[j];
        ck_assert_int_eq(r->status, RS_JOB_DIVERGED);
        ck_assert_int_eq(r->solved, 0);
        ck_assert_msg(strstr(r->message, "diverged at step 10") != NULL, "%s", r->message);
        ck_assert_msg(strstr(r->message, "non-finite weights") != NULL, "%s", r->message);
        ck_assert_uint_eq(r->n_points, 2); /* step 0, then step 10 where it stopped */
    }
    const rs_summary *s = &h.sums[1];
    ck_assert_str_eq(s->rule, "nan_rule");
    ck_assert_uint_eq(s->replicates, 4);
    ck_assert_uint_eq(s->diverged, 4);
    ck_assert_uint_eq(s->failed, 0);
    ck_assert_uint_eq(s->solved, 0); /* diverged counts as unsolved */
    ck_assert_double_eq(s->success_rate, 0);
    double lo, hi;
    rs_wilson(0, 4, &lo, &hi);
    ck_assert_double_eq(s->ci_high, hi);
    ck_assert(isnan(s->median_steps));
    /* the terminal table marks it */
    FILE *f = tmpfile();
    rs_report_table(f, h.sums, h.n_sums);
    rewind(f);
    char text[4096] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "diverged (NaN/Inf)"));
    ck_assert_ptr_null(strstr(text, "failed with a plugin error"));
    /* summary.json is valid JSON, with null for NaN */
    char *js = slurp(dir, "summary.json");
    cJSON *root = cJSON_Parse(js);
    ck_assert_ptr_nonnull(root);
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "summary");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 2);
    cJSON *row = cJSON_GetArrayItem(rows, 1);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, "median_steps_to_solve")));
    ck_assert_double_eq(cJSON_GetObjectItemCaseSensitive(row, "diverged")->valuedouble, 4);
    cJSON_Delete(root);
    free(js);
    rh_close(&h);
    remove_dir(dir);
}
END_TEST

START_TEST(test_failing_rule_reported)
{
    runh h;
    char dir[64];
    run_with_and_without(&h, dir, "fail_rule");
    for (size_t j = 4; j < 8; j++) {
        const rs_job_result *r = &h.run.results[j];
        ck_assert_int_eq(r->status, RS_JOB_FAILED);
        ck_assert_str_eq(r->message, "plugin 'fail_rule' failed (invalid parameter): fail_rule "
                                     "refuses every network (2 layers)");
    }
    const rs_summary *s = &h.sums[1];
    ck_assert_uint_eq(s->replicates, 4);
    ck_assert_uint_eq(s->failed, 4);
    ck_assert_uint_eq(s->solved, 0);
    ck_assert(isnan(s->loss_mean));
    /* the journal keeps the message, so a resumed run reports it too */
    char *j = slurp(dir, "journal.tsv");
    ck_assert_ptr_nonnull(strstr(j, "fail_rule refuses every network (2 layers)"));
    free(j);
    runh again;
    char spec[1024];
    snprintf(spec, sizeof spec, bad_rule_spec_fmt, ", \"fail_rule\"");
    rh_open(&again, spec, dir, 1);
    ck_assert_uint_eq(rs_run_resume(&again.run), 8);
    ck_assert_str_eq(again.run.results[5].message, h.run.results[5].message);
    rh_close(&again);
    FILE *f = tmpfile();
    rs_report_table(f, h.sums, h.n_sums);
    rewind(f);
    char text[4096] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "failed with a plugin error"));
    rh_close(&h);
    remove_dir(dir);
}
END_TEST

/* A task whose create fails stops planning with the plugin's message. */
START_TEST(test_plan_reports_task_failure)
{
    char err[2048];
    rs_spec *spec = rs_spec_parse("{ \"rules\": [\"backprop\"], \"tasks\": "
                                  "[\"gates:gate=table,table=01x\"] }",
                                  "t.json", reg, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    volatile sig_atomic_t stop = 0;
    rs_run run = { .spec = spec, .reg = reg, .steps_override = -1, .interrupted = &stop };
    ck_assert_int_ne(rs_run_plan(&run, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "task 'gates:gate=table,table=01x'") && strstr(err, "table must be"),
                  "%s", err);
    rs_run_free_results(&run);
    rs_spec_destroy(spec);
    /* an unbounded task with a full batch cannot run */
    spec = rs_spec_parse("{ \"rules\": [\"backprop\"], \"tasks\": [\"circuits\"] }", "t.json", reg,
                         err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    rs_run run2 = { .spec = spec, .reg = reg, .steps_override = -1, .interrupted = &stop };
    ck_assert_int_ne(rs_run_plan(&run2, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "needs a batch size"), "%s", err);
    rs_run_free_results(&run2);
    rs_spec_destroy(spec);
}
END_TEST

/* A rule's own networks replace the task's and the global ones for that rule only. */
START_TEST(test_plan_rule_networks)
{
    char err[2048];
    rs_spec *spec = rs_spec_parse("{ \"networks\": [\"2-2-1\"], \"tasks\": [\"gates\", "
                                  "{ \"plugin\": \"parity\", \"params\": { \"bits\": 2 }, "
                                  "\"networks\": [\"2-4-1\"] }], \"rules\": [\"backprop\", "
                                  "{ \"plugin\": \"backprop\", \"params\": { \"lr\": 0.2 }, "
                                  "\"networks\": [\"2-3-1\", \"2-5-1\"] }] }",
                                  "t.json", reg, err, sizeof err);
    ck_assert_msg(spec != NULL, "%s", err);
    volatile sig_atomic_t stop = 0;
    rs_run run = { .spec = spec, .reg = reg, .steps_override = -1, .interrupted = &stop };
    ck_assert_msg(rs_run_plan(&run, err, sizeof err) == 0, "%s", err);
    /* networks in parse order: 2-2-1 (global), 2-3-1 and 2-5-1 (the rule's), 2-4-1 (parity's);
     * rule 0: gates on 2-2-1, parity on 2-4-1; rule 1: both tasks on 2-3-1 and 2-5-1 */
    static const size_t want[][3] = { { 0, 0, 0 }, { 0, 1, 3 }, { 1, 0, 1 }, { 1, 0, 2 },
                                      { 1, 1, 1 }, { 1, 1, 2 } };
    ck_assert_uint_eq(run.n_groups, 6);
    for (size_t g = 0; g < 6; g++)
        ck_assert_msg(run.groups[g].rule == want[g][0] && run.groups[g].task == want[g][1]
                      && run.groups[g].net == want[g][2], "group %zu: rule %zu task %zu net %zu",
                      g, run.groups[g].rule, run.groups[g].task, run.groups[g].net);
    rs_run_free_results(&run);
    rs_spec_destroy(spec);
}
END_TEST

/* ---- summary statistics ---------------------------------------------------------------------- */

START_TEST(test_wilson_known_values)
{
    static const struct { size_t k, n; double lo, hi; } w[] = {
        { 0, 10, 0, 0.2775 },        { 5, 10, 0.2366, 0.7634 },  { 10, 10, 0.7225, 1 },
        { 1, 20, 0.0089, 0.2361 },   { 19, 20, 0.7639, 0.9911 }, { 50, 50, 0.9287, 1 },
        { 37, 100, 0.2818, 0.4678 },
    };
    for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
        double lo, hi;
        rs_wilson(w[i].k, w[i].n, &lo, &hi);
        ck_assert_msg(fabs(lo - w[i].lo) < 1e-4 && fabs(hi - w[i].hi) < 1e-4,
                      "wilson(%zu, %zu) = [%.4f, %.4f], want [%.4f, %.4f]", w[i].k, w[i].n, lo, hi,
                      w[i].lo, w[i].hi);
        ck_assert(lo <= (double)w[i].k / w[i].n && (double)w[i].k / w[i].n <= hi);
    }
    double lo, hi;
    rs_wilson(0, 0, &lo, &hi); /* nothing known */
    ck_assert_double_eq(lo, 0);
    ck_assert_double_eq(hi, 1);
}
END_TEST

START_TEST(test_summary_statistics)
{
    char dir[64];
    make_dir(dir, sizeof dir);
    runh h;
    rh_open(&h, "{ \"name\": \"stats\", \"replicates\": 7, \"networks\": [\"2-2-1\"], "
                "\"tasks\": [\"gates\"], \"rules\": [\"backprop\"] }", dir, 1);
    ck_assert_uint_eq(h.run.n_jobs, 7);
    /* results by hand: 3 solved (steps 100, 300, 200), 1 unsolved, 1 diverged, 1 failed,
     * 1 never run */
    static const struct { int status, solved; long steps; double loss, acc; } r[] = {
        { RS_JOB_OK, 1, 100, 0.1, 1 },       { RS_JOB_OK, 1, 300, 0.3, 1 },
        { RS_JOB_OK, 0, -1, 0.5, 0.5 },      { RS_JOB_DIVERGED, 0, -1, NAN, NAN },
        { RS_JOB_FAILED, 0, -1, NAN, NAN },  { RS_JOB_OK, 1, 200, 0.1, 1 },
        { RS_JOB_PENDING, 0, -1, NAN, NAN },
    };
    for (size_t j = 0; j < 7; j++) {
        rs_job_result *res = &h.run.results[j];
        res->status = r[j].status;
        res->solved = r[j].solved;
        res->steps_to_solve = r[j].steps;
        res->final_loss = r[j].loss;
        res->final_acc = r[j].acc;
        res->us_per_step = 2.0;
    }
    h.n_sums = rs_summarise(&h.run, &h.sums);
    ck_assert_uint_eq(h.n_sums, 1);
    const rs_summary *s = &h.sums[0];
    ck_assert_str_eq(s->rule, "backprop");
    ck_assert_str_eq(s->task, "gates");
    ck_assert_str_eq(s->net, "2-2-1");
    ck_assert_uint_eq(s->replicates, 6); /* the pending job does not count */
    ck_assert_uint_eq(s->solved, 3);
    ck_assert_uint_eq(s->diverged, 1);
    ck_assert_uint_eq(s->failed, 1);
    ck_assert_double_eq_tol(s->success_rate, 0.5, 1e-12);
    double lo, hi;
    rs_wilson(3, 6, &lo, &hi);
    ck_assert_double_eq(s->ci_low, lo);
    ck_assert_double_eq(s->ci_high, hi);
    ck_assert_double_eq(s->median_steps, 200);
    /* losses of the four OK jobs: 0.1 0.3 0.5 0.1: mean 0.25, sample sd sqrt(0.11 / 3) */
    ck_assert_double_eq_tol(s->loss_mean, 0.25, 1e-12);
    ck_assert_double_eq_tol(s->loss_sd, sqrt(0.11 / 3), 1e-9);
    ck_assert_double_eq_tol(s->acc_mean, 0.875, 1e-12);
    ck_assert_double_eq_tol(s->us_per_step, 2.0, 1e-12);
    free(h.sums);
    /* even number of solved: the median is the mean of the middle two */
    h.run.results[5].status = RS_JOB_PENDING;
    h.n_sums = rs_summarise(&h.run, &h.sums);
    ck_assert_double_eq(h.sums[0].median_steps, 200); /* (100 + 300) / 2 */
    ck_assert_uint_eq(h.sums[0].replicates, 5);
    h.run.results[1].status = RS_JOB_PENDING;
    free(h.sums);
    h.n_sums = rs_summarise(&h.run, &h.sums);
    ck_assert_double_eq(h.sums[0].median_steps, 100);
    ck_assert_double_eq_tol(h.sums[0].loss_sd, sqrt(0.08), 1e-9); /* 0.1, 0.5: mean 0.3 */

    /* the files: summary.tsv's header and one row; NaN written as nan in TSV, null in JSON */
    char err[1024];
    ck_assert_int_eq(rs_report_write(&h.run, h.sums, h.n_sums, err, sizeof err), 0);
    char *tsv = slurp(dir, "summary.tsv");
    static const char header[] = "rule\ttask\tnet\treplicates\tsolved\tdiverged\tfailed\t"
                                 "crashed\ttimed_out\tsuccess_rate\tci_low\tci_high\tmedian_steps_to_solve\t"
                                 "final_loss_mean\tfinal_loss_sd\tfinal_acc_mean\tfinal_acc_sd\t"
                                 "best_acc_mean\tbest_acc_epoch\tus_per_step\n";
    ck_assert_msg(strncmp(tsv, header, strlen(header)) == 0, "%s", tsv);
    ck_assert_ptr_nonnull(strstr(tsv, "\nbackprop\tgates\t2-2-1\t4\t1\t1\t1\t0\t0\t0.25\t"));
    free(tsv);
    char *curves = slurp(dir, "curves.tsv"); /* no points: the header only */
    ck_assert_str_eq(curves, "rule\ttask\tnet\trep\tstep\tloss\tacc\tepoch\ttrain_loss\n");
    free(curves);
    rh_close(&h);
    remove_dir(dir);
}
END_TEST

START_TEST(test_job_keys)
{
    char dir[64];
    make_dir(dir, sizeof dir);
    runh h;
    rh_open(&h, "{ \"replicates\": 2, \"networks\": [\"2-2-1\", \"2-5-1\"], "
                "\"tasks\": [\"gates:gate=and\"], \"rules\": [\"backprop:lr=0.2\", \"good_rule\"] }",
            dir, 1);
    ck_assert_uint_eq(h.run.n_jobs, 8);
    char key[512];
    rs_job_key(&h.run, 0, key, sizeof key);
    ck_assert_str_eq(key, "backprop[lr=0.2]|gates:gate=and|2-2-1|0");
    rs_job_key(&h.run, 3, key, sizeof key);
    ck_assert_str_eq(key, "backprop[lr=0.2]|gates:gate=and|2-5-1|1");
    rs_job_key(&h.run, 6, key, sizeof key);
    ck_assert_str_eq(key, "good_rule|gates:gate=and|2-5-1|0");
    size_t r, t, k, rep;
    rs_job_coords(&h.run, 7, &r, &t, &k, &rep);
    ck_assert_uint_eq(r, 1);
    ck_assert_uint_eq(t, 0);
    ck_assert_uint_eq(k, 1);
    ck_assert_uint_eq(rep, 1);
    ck_assert_int_eq(rs_job_steps(&h.run, 0), 1000);
    h.run.steps_override = 5;
    ck_assert_int_eq(rs_job_steps(&h.run, 0), 5);
    rh_close(&h);
    remove_dir(dir);
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runs");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_threads_give_identical_results);
    tcase_add_test(tc, test_rules_independent_of_company);
    tcase_add_test(tc, test_resume_after_kill);
    tcase_add_test(tc, test_resume_takes_only_matching_records);
    tcase_add_test(tc, test_interrupted_before_start);
    tcase_add_test(tc, test_nan_rule_diverges);
    tcase_add_test(tc, test_failing_rule_reported);
    tcase_add_test(tc, test_plan_reports_task_failure);
    tcase_add_test(tc, test_plan_rule_networks);
    tcase_add_test(tc, test_wilson_known_values);
    tcase_add_test(tc, test_summary_statistics);
    tcase_add_test(tc, test_job_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    openblas_set_num_threads(1); /* as the CLI does: parallelism is across jobs */
    return rs_test_run(runner_suite());
}
