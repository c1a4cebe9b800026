/* test_resume.c: rs_run_resume reads journal.tsv records: a record is taken (counted done, never
 * run again) only with a finished status; one whose status reads as "pending" or as no status
 * at all ("-0", "+0", "00", " 0", "0x0", "9") is dropped whole, its job run again and not
 * counted, and nothing of it kept (the sanitizer build checks for leaks). A status written
 * unusually but meaning a finished one ("+1", "01") is read as that status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"
#include "runview.h"
#include "testutil.h"

static rs_registry *reg;
static rs_runview view;
static char dir[64];

static void setup(void)
{
    reg = rs_test_registry();
    snprintf(dir, sizeof dir, "/tmp/rs_resume_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128], err[1024];
    snprintf(path, sizeof path, "%s/spec.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"rules\": [\"backprop\"], \"tasks\": [\"gates:gate=xor\"], \"networks\": "
          "[\"2-2-1\"], \"replicates\": 2, \"steps\": 20, \"eval_every\": 10}", f);
    fclose(f);
    ck_assert_msg(rs_runview_open(&view, reg, path, dir, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
    char path[128];
    rs_runview_close(&view);
    snprintf(path, sizeof path, "%s/spec.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/journal.tsv", dir);
    unlink(path);
    rmdir(dir);
    rs_registry_destroy(reg);
}

/* Write job 0's record with this status text and resume; how many jobs were taken. */
static size_t resume_with(const char *status)
{
    rs_run *run = &view.run;
    for (size_t j = 0; j < run->n_jobs; j++) {
        free(run->results[j].points);
        memset(&run->results[j], 0, sizeof run->results[j]);
    }
    char key[512], path[128];
    rs_job_key(run, 0, key, sizeof key);
    snprintf(path, sizeof path, "%s/journal.tsv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "J\t0\t%s\t%s\t0\t-1\t0.25\t0.5\t0.4\t2\t0\t\nP\t0\t0.3\t0.5\nP\t10\t0.25\t0.5\n"
            "E\t0\n", key, status);
    fclose(f);
    return rs_run_resume(run);
}

START_TEST(test_finished_status_taken)
{
    ck_assert_uint_eq(resume_with("1"), 1);
    ck_assert_int_eq(view.run.results[0].status, RS_JOB_OK);
    ck_assert_uint_eq(view.run.results[0].n_points, 2);
    ck_assert_uint_eq(resume_with("2"), 1);
    ck_assert_int_eq(view.run.results[0].status, RS_JOB_DIVERGED);
}
END_TEST

START_TEST(test_unfinished_status_dropped)
{
    const char *bad[] = { "0", "-0", "+0", "00", " 0", "0x0", "9", "-1", "x", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(resume_with(bad[i]) == 0, "status '%s' taken", bad[i]);
        ck_assert_msg(view.run.results[0].status == RS_JOB_PENDING, "status '%s' kept", bad[i]);
        ck_assert_ptr_null(view.run.results[0].points);
    }
}
END_TEST

START_TEST(test_unusual_finished_status_read_as_it)
{
    const char *odd[] = { "+1", "01" };
    for (size_t i = 0; i < 2; i++) {
        ck_assert_msg(resume_with(odd[i]) == 1, "status '%s' dropped", odd[i]);
        ck_assert_int_eq(view.run.results[0].status, RS_JOB_OK);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_finished_status_taken);
    tcase_add_test(tc, test_unfinished_status_dropped);
    tcase_add_test(tc, test_unusual_finished_status_read_as_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(suite()); }
