/* test_epochs.c: training by epochs and gradient alignment. An epoch hands every training
 * example out exactly once (a task that counts what it was asked for), the order is a fresh
 * permutation each epoch, the same run on 1 and 2 threads writes the same curves, planning
 * refuses what cannot run by epochs, and the alignment of backprop with itself is 1, of
 * gradient ascent -1, and feedback alignment's grows as it trains. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "epoch.h"
#include "report.h"
#include "runner.h"
#include "testutil.h"

static rs_registry *reg;

static void setup(void)
{
    reg = rs_test_registry();
    static const char *const fx[] = { RS_FIXTURE_DIR "/count_task.so",
                                      RS_FIXTURE_DIR "/ascent_rule.so" };
    for (size_t i = 0; i < sizeof fx / sizeof *fx; i++)
        ck_assert_int_eq(rs_registry_add_file(reg, fx[i]), RS_OK);
}
static void teardown(void) { rs_registry_destroy(reg); }

typedef struct runh {
    rs_spec *spec;
    rs_run run;
    volatile sig_atomic_t stop;
} runh;

/* Parse and plan `json`; 0, or the planning error in err. */
static int rh_plan(runh *h, const char *json, char *err, size_t err_size)
{
    memset(h, 0, sizeof *h);
    h->spec = rs_spec_parse(json, "test.json", reg, err, err_size);
    ck_assert_msg(h->spec != NULL, "%s", err);
    h->run.spec = h->spec;
    h->run.reg = reg;
    h->run.steps_override = -1;
    h->run.threads = 1;
    h->run.quiet = 1;
    h->run.interrupted = &h->stop;
    return rs_run_plan(&h->run, err, err_size);
}

static void rh_open(runh *h, const char *json)
{
    char err[2048];
    ck_assert_msg(rh_plan(h, json, err, sizeof err) == 0, "plan: %s", err);
}

/* Every job in this thread, in order; each must end ok. */
static void rh_run_all(runh *h)
{
    for (size_t j = 0; j < h->run.n_jobs; j++) {
        rs_run_job(&h->run, j, &h->run.results[j]);
        ck_assert_msg(h->run.results[j].status == RS_JOB_OK, "job %zu: %s", j,
                      h->run.results[j].message);
    }
}

static void rh_close(runh *h)
{
    rs_run_free_results(&h->run);
    rs_spec_destroy(h->spec);
}

/* ---- the order of an epoch ------------------------------------------------------------- */

START_TEST(test_epoch_batches_cover_the_set)
{
    rs_ctx *ctx = rs_ctx_create(5, 9);
    rs_epoch ep;
    ck_assert_int_eq(rs_epoch_open(&ep, ctx, 10), 0);
    ck_assert_int_eq(rs_epoch_steps(10, 3), 4);
    ck_assert_int_eq(rs_epoch_steps(9, 3), 3);
    uint32_t first[10], second[10], got = 0;
    static const uint32_t sizes[] = { 3, 3, 3, 1, 3, 3, 3, 1 }; /* the last batch is shorter */
    for (int b = 0; b < 8; b++) {
        const uint32_t *idx;
        uint32_t k = rs_epoch_next(&ep, ctx, 3, &idx);
        ck_assert_uint_eq(k, sizes[b]);
        for (uint32_t i = 0; i < k; i++, got++)
            (got < 10 ? first : second)[got % 10] = idx[i];
    }
    int seen[2][10] = { { 0 } }, same = 1;
    for (int i = 0; i < 10; i++) {
        seen[0][first[i]]++;
        seen[1][second[i]]++;
        same &= first[i] == second[i];
    }
    for (int i = 0; i < 10; i++)
        ck_assert_msg(seen[0][i] == 1 && seen[1][i] == 1, "example %d: %d, %d times", i,
                      seen[0][i], seen[1][i]);
    ck_assert_msg(!same, "the second epoch repeated the first one's order");
    rs_epoch_close(&ep, ctx);
    rs_ctx_destroy(ctx);
}
END_TEST

/* Fisher-Yates is uniform: over 20000 shuffles of 5, each element lands in each place with
 * probability 1/5 (4000 expected, sd 57; the bound is 5 sd). */
START_TEST(test_shuffle_is_uniform)
{
    rs_rng rng;
    rs_rng_init(&rng, 1, 2);
    long where[5][5] = { { 0 } };
    uint32_t order[5];
    for (int r = 0; r < 20000; r++) {
        rs_epoch_shuffle(order, 5, &rng);
        for (int p = 0; p < 5; p++)
            where[order[p]][p]++;
    }
    for (int e = 0; e < 5; e++)
        for (int p = 0; p < 5; p++)
            ck_assert_msg(labs(where[e][p] - 4000) < 285, "element %d at %d: %ld times", e, p,
                          where[e][p]);
}
END_TEST

/* ---- whole jobs ---------------------------------------------------------------------------- */

/* 50 examples in batches of 7: 8 steps an epoch (the last of 1 example). count_task fails a
 * job that asks for an example twice in an epoch and is solved only when every example was
 * handed out equally often: after each epoch, never in between. */
START_TEST(test_epoch_visits_every_example_once)
{
    runh h;
    rh_open(&h, "{ \"replicates\": 2, \"epochs\": 3, \"batch\": 7, \"eval_every\": \"epoch\", "
                "\"steps\": 999, \"networks\": [\"2-4-2\"], \"tasks\": [\"count_task:n=50\"], "
                "\"rules\": [\"backprop\"] }");
    rh_run_all(&h);
    for (size_t j = 0; j < h.run.n_jobs; j++) {
        const rs_job_result *res = &h.run.results[j];
        ck_assert_uint_eq(res->n_points, 4); /* "epochs" beats "steps": 24 steps, not 999 */
        for (uint32_t p = 0; p < 4; p++) {
            ck_assert_uint_eq(res->points[p].step, 8 * p);
            ck_assert_double_eq(res->points[p].epoch, p);
        }
        ck_assert_int_eq(res->solved, 1);
        ck_assert_int_eq(res->steps_to_solve, 8);
        ck_assert(isnan(res->points[0].train_loss)); /* nothing trained yet */
        ck_assert(isfinite(res->points[1].train_loss));
    }
    rh_close(&h);
    /* evaluated every 3 steps: mid-epoch points are not solved, the last one (24) is */
    rh_open(&h, "{ \"replicates\": 1, \"epochs\": 3, \"batch\": 7, \"eval_every\": 3, "
                "\"networks\": [\"2-4-2\"], \"tasks\": [\"count_task:n=50\"], "
                "\"rules\": [\"backprop\"] }");
    rh_run_all(&h);
    ck_assert_int_eq(h.run.results[0].steps_to_solve, 24);
    ck_assert_double_eq_tol(h.run.results[0].points[1].epoch, 3.0 / 8, 1e-12);
    rh_close(&h);
}
END_TEST

START_TEST(test_plan_refuses_what_cannot_run_by_epochs)
{
    runh h;
    char err[2048];
    ck_assert_int_ne(rh_plan(&h, "{ \"epochs\": 2, \"batch\": 8, \"tasks\": [\"circuits\"], "
                                 "\"rules\": [\"backprop\"] }", err, sizeof err), 0);
    ck_assert_str_eq(err, "task 'circuits' cannot train by epochs: it does not hand out "
                          "examples by index (no gather callback); drop \"epochs\" and give "
                          "\"steps\" instead");
    rh_close(&h);
    ck_assert_int_ne(rh_plan(&h, "{ \"eval_every\": \"epoch\", \"tasks\": [\"count_task\"], "
                                 "\"rules\": [\"backprop\"] }", err, sizeof err), 0);
    ck_assert_str_eq(err, "\"eval_every\": \"epoch\" needs \"epochs\": N (or --epochs N); "
                          "without epochs give eval_every a number of steps");
    rh_close(&h);
    ck_assert_ptr_null(rs_spec_parse("{ \"eval_every\": \"often\" }", "t.json", reg, err,
                                     sizeof err));
    ck_assert_msg(strstr(err, "eval_every: must be a whole number >= 1 or \"epoch\""), "%s", err);
}
END_TEST

static char *read_curves(const char *dir)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/curves.tsv", dir);
    char *t = rs_read_file(path, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

static void remove_run(const char *dir)
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

/* Epochs, training loss and alignment are the same numbers on 1 and 2 threads. */
START_TEST(test_epochs_same_on_any_thread_count)
{
    char *curves[2];
    for (int i = 0; i < 2; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/tmp/rs_epochs_XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        runh h;
        rh_open(&h, "{ \"seed\": 4, \"replicates\": 3, \"epochs\": 4, \"batch\": 8, "
                    "\"eval_every\": 5, \"alignment\": true, \"networks\": [\"2-6-5-2\"], "
                    "\"tasks\": [\"count_task:n=30\"], "
                    "\"rules\": [\"backprop:lr=0.3\", \"feedback_alignment:lr=0.2\"] }");
        h.run.threads = i + 1;
        snprintf(h.run.dir, sizeof h.run.dir, "%s", dir);
        ck_assert_msg(rs_run_execute(&h.run) == 0, "%s", h.run.io_error);
        rs_summary *sums;
        size_t n = rs_summarise(&h.run, &sums);
        char err[1024];
        ck_assert_msg(rs_report_write(&h.run, sums, n, err, sizeof err) == 0, "%s", err);
        free(sums);
        curves[i] = read_curves(dir);
        rh_close(&h);
        remove_run(dir);
    }
    ck_assert_ptr_nonnull(strstr(curves[0], "\tepoch\ttrain_loss\talign_1\talign_2\talign_3\n"));
    ck_assert_str_eq(curves[0], curves[1]);
    free(curves[0]);
    free(curves[1]);
}
END_TEST

/* The cosines of every measured point of every job of `rule`, layer by layer, within
 * [lo, hi]; at least one point measured per job. */
static void check_alignment(const char *rule, double lo, double hi)
{
    char json[1024];
    snprintf(json, sizeof json, "{ \"replicates\": 2, \"epochs\": 3, \"batch\": 10, "
             "\"eval_every\": \"epoch\", \"alignment\": true, \"networks\": [\"2-8-8-2\"], "
             "\"tasks\": [\"count_task:n=40\"], \"rules\": [\"%s\"] }", rule);
    runh h;
    rh_open(&h, json);
    rh_run_all(&h);
    for (size_t j = 0; j < h.run.n_jobs; j++) {
        const rs_job_result *res = &h.run.results[j];
        ck_assert_uint_eq(res->n_align, 3);
        ck_assert(isnan(res->points[0].align[0])); /* step 0: no step measured */
        for (uint32_t p = 1; p < res->n_points; p++)
            for (uint32_t l = 0; l < 3; l++)
                ck_assert_msg(res->points[p].align[l] >= lo && res->points[p].align[l] <= hi,
                              "%s: point %u layer %u: %.9f", rule, p, l + 1,
                              res->points[p].align[l]);
    }
    rh_close(&h);
}

START_TEST(test_alignment_of_backprop_and_ascent)
{
    check_alignment("backprop:lr=0.2", 0.9999, 1.0); /* clamped: never past 1 */
    check_alignment("ascent_rule:lr=0.05", -1.0, -0.9999);
}
END_TEST

/* Measuring the alignment leaves every rule's numbers as they were: the weights and grads
 * are put back, the activations are overwritten by the evaluation that follows anyway. */
START_TEST(test_alignment_changes_no_number)
{
    static const char fmt[] =
        "{ \"replicates\": 2, \"steps\": 40, \"eval_every\": 7, \"alignment\": %s, "
        "\"networks\": [\"2-3-1\"], \"tasks\": [\"gates:gate=xor\"], "
        "\"rules\": [\"backprop\", \"feedback_alignment\", \"eqprop\", \"predictive_coding\", "
        "\"weight_perturbation\", \"lstm_synapse\"] }";
    char json[2][1024];
    runh h[2];
    for (int i = 0; i < 2; i++) {
        snprintf(json[i], sizeof json[i], fmt, i ? "true" : "false");
        rh_open(&h[i], json[i]);
        rh_run_all(&h[i]);
    }
    for (size_t j = 0; j < h[0].run.n_jobs; j++) {
        const rs_job_result *a = &h[0].run.results[j], *b = &h[1].run.results[j];
        ck_assert_uint_eq(a->n_points, b->n_points);
        ck_assert_uint_eq(b->n_align, 2);
        for (uint32_t p = 0; p < a->n_points; p++)
            ck_assert_msg(memcmp(&a->points[p].loss, &b->points[p].loss, sizeof(double)) == 0
                          && memcmp(&a->points[p].train_loss, &b->points[p].train_loss,
                                    sizeof(double)) == 0,
                          "job %zu point %u: loss %.17g vs %.17g", j, p, a->points[p].loss,
                          b->points[p].loss);
    }
    rh_close(&h[0]);
    rh_close(&h[1]);
}
END_TEST

/* Feedback alignment's hidden layer learns to align with backprop (Lillicrap et al. 2016):
 * on 4-bit parity with a 4-16-1 network, 4 replicates, the mean cosine of layer 1 measured
 * 0.34 at step 100 and 0.80 over steps 800-1000 (lr 0.1, seed 1). */
START_TEST(test_feedback_alignment_grows)
{
    runh h;
    rh_open(&h, "{ \"replicates\": 4, \"steps\": 1000, \"eval_every\": 100, \"alignment\": true, "
                "\"networks\": [\"4-16-1\"], \"tasks\": [\"parity:bits=4\"], "
                "\"rules\": [\"feedback_alignment:lr=0.1\"] }");
    rh_run_all(&h);
    double early = 0, late = 0;
    for (size_t j = 0; j < h.run.n_jobs; j++) {
        const rs_job_result *res = &h.run.results[j];
        ck_assert_uint_eq(res->n_points, 11);
        early += res->points[1].align[0] / 4;
        for (uint32_t p = 8; p <= 10; p++)
            late += res->points[p].align[0] / 12;
        ck_assert_double_gt(res->points[10].align[1], 0.9999); /* the output layer is backprop */
    }
    ck_assert_msg(early < 0.45 && late > 0.6 && late - early > 0.4, "early %.3f late %.3f",
                  early, late);
    rh_close(&h);
}
END_TEST

static Suite *epochs_suite(void)
{
    Suite *s = suite_create("epochs");
    TCase *tc = tcase_create("epochs");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_epoch_batches_cover_the_set);
    tcase_add_test(tc, test_shuffle_is_uniform);
    tcase_add_test(tc, test_epoch_visits_every_example_once);
    tcase_add_test(tc, test_plan_refuses_what_cannot_run_by_epochs);
    tcase_add_test(tc, test_epochs_same_on_any_thread_count);
    tcase_add_test(tc, test_alignment_of_backprop_and_ascent);
    tcase_add_test(tc, test_alignment_changes_no_number);
    tcase_add_test(tc, test_feedback_alignment_grows);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    openblas_set_num_threads(1); /* as the CLI does: parallelism is across jobs */
    return rs_test_run(epochs_suite());
}
