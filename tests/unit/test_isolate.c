/* test_isolate.c: worker-process isolation through the core (run/isolate.c, pool.c, report.c) and
 * the run options (runopts.c). Asserts: which groups AUTO isolates (third-party rule, task or
 * activation; every group once a timeout is set), ALL and NONE; a segfaulting, an aborting and
 * a hanging rule end as crashed / timed out with messages naming plugin, signal and replicate
 * while a good rule's results in the same run equal those of an in-thread run bit for bit; the
 * summary counts and the table flags; --shard and --job-timeout parsing. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolate.h"
#include "report.h"
#include "runner.h"
#include "runopts.h"
#include "testutil.h"

static rs_registry *reg;

static void setup(void)
{
    /* A test binary has no plugins/ beside it: name the built-in folder by hand, as the
     * executable's location would for ruleset itself. */
    reg = rs_registry_create();
    ck_assert_ptr_nonnull(reg);
    const char *path = getenv("RULESET_PLUGIN_PATH");
    ck_assert_msg(path && *path, "RULESET_PLUGIN_PATH is not set");
    reg->builtin_dir = realpath(path, NULL);
    ck_assert_ptr_nonnull(reg->builtin_dir);
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    static const char *const fx[] = { RS_FIXTURE_DIR "/good_rule.so",
                                      RS_FIXTURE_DIR "/segv_rule.so",
                                      RS_FIXTURE_DIR "/abort_rule.so",
                                      RS_FIXTURE_DIR "/hang_rule.so" };
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++)
        ck_assert_int_eq(rs_registry_add_file(reg, fx[i]), RS_OK);
}
static void teardown(void) { rs_registry_destroy(reg); }

typedef struct runh {
    rs_spec *spec;
    rs_run run;
    char dir[64];
    volatile sig_atomic_t stop;
} runh;

static void rh_open(runh *h, const char *json, int threads)
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
    snprintf(h->dir, sizeof h->dir, "/tmp/rs_isolate_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(h->dir));
    snprintf(h->run.dir, sizeof h->run.dir, "%s", h->dir);
}

static void rh_close(runh *h)
{
    char path[128];
    snprintf(path, sizeof path, "%s/journal.tsv", h->dir);
    unlink(path);
    rmdir(h->dir);
    rs_run_free_results(&h->run);
    rs_spec_destroy(h->spec);
}

/* the group of a rule label, for a spec with one task and one network */
static size_t group_of(const runh *h, const char *rule)
{
    for (size_t g = 0; g < h->run.n_groups; g++)
        if (strcmp(h->spec->rules[h->run.groups[g].rule].label, rule) == 0)
            return g;
    ck_abort_msg("no group for %s", rule);
    return 0;
}

START_TEST(test_plan_modes)
{
    runh h;
    rh_open(&h, "{ \"replicates\": 1, \"steps\": 10, \"networks\": [\"2-2-1\"], "
                "\"tasks\": [\"gates\"], \"rules\": [\"backprop\", \"good_rule\"] }", 1);
    size_t bp = group_of(&h, "backprop"), good = group_of(&h, "good_rule");
    /* built-in backprop, task and activations stay in threads; the fixture is third-party */
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_AUTO), 1);
    ck_assert_int_eq(h.run.isolate_group[bp], 0);
    ck_assert_int_eq(h.run.isolate_group[good], 1);
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_ALL), 2);
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_NONE), 0);
    h.run.job_timeout = 5; /* a timeout needs a process to stop: every job */
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_AUTO), 2);
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_NONE), 0);
    rh_close(&h);
}
END_TEST

START_TEST(test_crash_abort_hang)
{
    static const char spec[] =
        "{ \"replicates\": 3, \"steps\": 60, \"eval_every\": 20, \"networks\": [\"2-2-1\"], "
        "\"tasks\": [\"gates\"], \"rules\": [\"good_rule\", \"segv_rule\", \"backprop\", "
        "\"abort_rule\", \"hang_rule\"] }";
    runh ref, h;
    /* reference: the good rules alone, in threads */
    rh_open(&ref, "{ \"replicates\": 3, \"steps\": 60, \"eval_every\": 20, \"networks\": "
                  "[\"2-2-1\"], \"tasks\": [\"gates\"], \"rules\": [\"good_rule\", "
                  "\"backprop\"] }", 2);
    ck_assert_int_eq(rs_run_execute(&ref.run), 0);
    rh_open(&h, spec, 2);
    h.run.job_timeout = 0.3;
    ck_assert_int_eq(rs_isolate_plan(&h.run, RS_ISOLATE_AUTO), 5);
    ck_assert_msg(rs_run_execute(&h.run) == 0, "%s", h.run.io_error);
    for (size_t j = 0; j < h.run.n_jobs; j++) {
        size_t r, t, k, rep;
        rs_job_coords(&h.run, j, &r, &t, &k, &rep);
        const char *rule = h.spec->rules[r].label;
        const rs_job_result *res = &h.run.results[j];
        char want[256];
        if (!strcmp(rule, "segv_rule") || !strcmp(rule, "abort_rule")) {
            ck_assert_int_eq(res->status, RS_JOB_CRASHED);
            snprintf(want, sizeof want, "plugin '%s' crashed with %s in replicate %zu;", rule,
                     rule[0] == 's' ? "SIGSEGV (segmentation fault)" : "SIGABRT (abort)", rep);
            ck_assert_msg(strstr(res->message, want), "%s", res->message);
            ck_assert_int_eq(res->solved, 0);
            ck_assert_uint_eq(res->n_points, 0);
        } else if (!strcmp(rule, "hang_rule")) {
            ck_assert_int_eq(res->status, RS_JOB_TIMEOUT);
            snprintf(want, sizeof want, "plugin 'hang_rule' was still running after the 0.3 s "
                     "--job-timeout in replicate %zu; killed", rep);
            ck_assert_msg(strstr(res->message, want), "%s", res->message);
        } else { /* the same job in the reference run: same numbers, bit for bit */
            size_t rj = (!strcmp(rule, "good_rule") ? 0 : 1) * 3 + rep;
            const rs_job_result *o = &ref.run.results[rj];
            ck_assert_int_eq(res->status, RS_JOB_OK);
            ck_assert_int_eq(res->status, o->status);
            ck_assert_int_eq(res->solved, o->solved);
            ck_assert_int_eq(res->steps_to_solve, o->steps_to_solve);
            ck_assert_uint_eq(res->n_points, o->n_points);
            ck_assert_uint_eq(res->n_metrics, o->n_metrics);
            for (uint32_t p = 0; p < res->n_points; p++) {
                ck_assert_uint_eq(res->points[p].step, o->points[p].step);
                ck_assert(memcmp(&res->points[p].loss, &o->points[p].loss, sizeof(double)) == 0);
                for (uint32_t m = 0; m < res->n_metrics; m++)
                    ck_assert(memcmp(&res->points[p].metrics[m], &o->points[p].metrics[m],
                                     sizeof(double)) == 0);
            }
        }
    }
    /* the report counts them as unsolved and flags them */
    rs_summary *sums = NULL;
    size_t n = rs_summarise(&h.run, &sums);
    ck_assert_uint_eq(n, 5);
    const rs_summary *segv = &sums[group_of(&h, "segv_rule")];
    const rs_summary *hang = &sums[group_of(&h, "hang_rule")];
    ck_assert_uint_eq(segv->replicates, 3);
    ck_assert_uint_eq(segv->crashed, 3);
    ck_assert_uint_eq(segv->solved, 0);
    ck_assert_uint_eq(hang->timed_out, 3);
    ck_assert_uint_eq(hang->crashed, 0);
    ck_assert_double_eq(segv->success_rate, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rs_report_table(f, sums, n);
    fclose(f);
    ck_assert_msg(strstr(text, "      0#  ") && strstr(text, "      0~  "), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\n# some replicates crashed"));
    ck_assert_ptr_nonnull(strstr(text, "\n~ some replicates ran past --job-timeout"));
    free(text);
    free(sums);
    rh_close(&h);
    rh_close(&ref);
}
END_TEST

START_TEST(test_runopts)
{
    size_t i, n;
    ck_assert_int_eq(rs_shard_parse("0/1", &i, &n), 0);
    ck_assert_int_eq(rs_shard_parse("3/4", &i, &n), 0);
    ck_assert_uint_eq(i, 3);
    ck_assert_uint_eq(n, 4);
    static const char *const bad[] = { "4/4", "1/0", "-1/2", "1/-2", "x/2", "1", "1/2x", "/2",
                                       "" };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        ck_assert_msg(rs_shard_parse(bad[k], &i, &n) != 0, "accepted '%s'", bad[k]);
    char a0[] = "compare", a1[] = "--shard", a2[] = "1/3", a3[] = "spec.json", a4[] = "--isolate",
         a5[] = "--job-timeout", a6[] = "2.5";
    char *argv[] = { a0, a1, a2, a3, a4, a5, a6, NULL };
    int argc = 7;
    rs_runopts o;
    ck_assert_int_eq(rs_runopts_parse(&argc, argv, &o), 0);
    ck_assert_int_eq(argc, 2); /* the flags are consumed, the rest is left in order */
    ck_assert_str_eq(argv[1], "spec.json");
    ck_assert_uint_eq(o.shard, 1);
    ck_assert_uint_eq(o.n_shards, 3);
    ck_assert_int_eq(o.isolate, RS_ISOLATE_ALL);
    ck_assert_double_eq(o.job_timeout, 2.5);
    char b1[] = "--job-timeout", b2[] = "0";
    char *argv2[] = { a0, b1, b2, NULL };
    argc = 3;
    ck_assert_int_eq(rs_runopts_parse(&argc, argv2, &o), -1); /* timeouts are > 0 */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("isolate");
    TCase *tc = tcase_create("isolate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plan_modes);
    tcase_add_test(tc, test_crash_abort_hang);
    tcase_add_test(tc, test_runopts);
    suite_add_tcase(s, tc);
    return rs_test_run(s);
}
