/* test_meta_family.c: a short meta-training on the shipped broad family (rules/meta.json:
 * gates in both codings on several widths, depths and activations, the arithmetic circuits
 * online and in batches, small digit-class episodes) lowers the meta-loss, measured on the same
 * 32 fixed evaluation episodes before and after. The family's episodes are cut to at most 60
 * inner steps so the test takes seconds (meta-gradients over the whole of them: truncation 60);
 * everything else (the rule, its defaults, the tasks, the networks, the held-out tables) is the
 * shipped spec's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "file.h"
#include "meta.h"
#include "testutil.h"

#define FAMILY RS_TEST_DATA_DIR "/../../rules/meta.json"
#define MAX_STEPS 60
#define N_EVAL 32
#define META_STEPS 100

static rs_registry *reg;

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

START_TEST(test_family_meta_training_lowers_loss)
{
    char err[2048];
    char *text = rs_read_file(FAMILY, err, sizeof err);
    ck_assert_msg(text != NULL, "%s", err);
    rs_spec *s = rs_spec_parse(text, FAMILY, reg, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    rs_meta_cfg cfg;
    ck_assert_msg(rs_meta_cfg_parse(text, FAMILY, &cfg, err, sizeof err) == 0, "%s", err);
    free(text);
    s->steps = s->steps > MAX_STEPS ? MAX_STEPS : s->steps;
    for (size_t t = 0; t < s->n_tasks; t++)
        if (s->tasks[t].steps > MAX_STEPS)
            s->tasks[t].steps = MAX_STEPS;
    cfg.episodes = 8;
    cfg.truncation = 60;
    cfg.lr = 0.03;
    cfg.validation = 0;
    rs_meta m;
    ck_assert_msg(rs_meta_open(&m, s, reg, &cfg, 2, err, sizeof err) == 0, "%s", err);
    const double before = rs_test_meta_loss(&m, 2000000, N_EVAL);
    rs_meta_step_stats st;
    for (int i = 0; i < META_STEPS; i++) {
        rs_meta_step(&m, &st);
        ck_assert(!st.skipped);
    }
    const double after = rs_test_meta_loss(&m, 2000000, N_EVAL);
    printf("broad family: meta-loss %.4f before, %.4f after %d meta-steps\n", before, after,
           META_STEPS);
    /* measured 0.9441 -> 0.9091 (0.963) with 2.3 (its exploration flattens these short
     * episodes' meta-loss: at Adam 1e-2, 2.2's rate here, 100 meta-steps gave 0.988 and 50
     * none); 2.2's H = 1 fell 1.157 -> 1.112 in 50 steps at 1e-2. A meta-gradient of the wrong
     * sign or size raises the loss instead. */
    ck_assert_msg(after < 0.98 * before, "meta-loss %g before, %g after (wanted below %g)",
                  before, after, 0.98 * before);
    rs_meta_close(&m);
    rs_spec_destroy(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("meta_family");
    TCase *tc = tcase_create("family");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_family_meta_training_lowers_loss);
    suite_add_tcase(su, tc);
    return rs_test_run(su);
}
