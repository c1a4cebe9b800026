/* test_base.c: the utilities of core/base (string buffer, files, order statistics) and the
 * polynomial least squares of core/math/polyfit.c that `ruleset explain` reads rules with. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlock.h"
#include "file.h"
#include "json_diff.h"
#include "polyfit.h"
#include "stats.h"
#include "strbuf.h"
#include "suggest.h"
#include "testutil.h"
#include "tsv.h"

/* ---- did you mean --------------------------------------------------------------------------- */

START_TEST(edit_distance_counts_typos)
{
    ck_assert_uint_eq(rs_edit_distance("backprop", "backprop"), 0);
    ck_assert_uint_eq(rs_edit_distance("bakprop", "backprop"), 1);     /* a letter missing */
    ck_assert_uint_eq(rs_edit_distance("bcakprop", "backprop"), 1);    /* two swapped */
    ck_assert_uint_eq(rs_edit_distance("kitten", "sitting"), 3);       /* the textbook case */
    ck_assert_uint_eq(rs_edit_distance("", "abc"), 3);
    rs_suggest s;
    rs_suggest_init(&s, "lrate");
    rs_suggest_offer(&s, "lr");
    ck_assert_ptr_null(s.best); /* three edits on five letters: no typo */
    rs_suggest_offer(&s, "rate");
    ck_assert_str_eq(s.best, "rate");
    rs_suggest_init(&s, "relu");
    rs_suggest_offer(&s, "relu");
    ck_assert_ptr_null(s.best); /* the name itself is no suggestion */
    rs_suggest_offer(&s, "reLu");
    rs_suggest_offer(&s, "relu6");
    ck_assert_str_eq(s.best, "reLu"); /* a tie keeps the first */
}
END_TEST

/* ---- the string buffer -------------------------------------------------------------------- */

START_TEST(strbuf_appends)
{
    rs_strbuf b = { 0 };
    rs_sb_puts(&b, "ab");
    rs_sb_putn(&b, "cdef", 2);
    rs_sb_printf(&b, "-%d-%s", 42, "x");
    ck_assert_str_eq(b.s, "abcd-42-x");
    ck_assert_uint_eq(b.len, 9);
    /* longer than any fixed scratch buffer: printf must grow, not truncate */
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rs_sb_printf(&b, "%s!", big);
    ck_assert_uint_eq(b.len, 9 + 2999 + 1);
    ck_assert_int_eq(b.s[b.len - 1], '!');
    ck_assert_int_eq(b.s[b.len], '\0');
    ck_assert_int_eq(b.oom, 0);
    char *s = rs_sb_take(&b);
    ck_assert_ptr_null(b.s);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(strlen(s), 9 + 3000);
    free(s);
}
END_TEST

START_TEST(strbuf_json_string)
{
    rs_strbuf b = { 0 };
    rs_sb_json_str(&b, "a\"b\\c\nd\te");
    ck_assert_str_eq(b.s, "\"a\\\"b\\\\c\\u000ad\\u0009e\"");
    rs_sb_free(&b);
    ck_assert_ptr_null(b.s);
}
END_TEST

START_TEST(strbuf_oom_is_sticky)
{
    rs_strbuf b = { 0 };
    rs_sb_puts(&b, "kept");
    b.oom = 1; /* as after a failed realloc */
    rs_sb_puts(&b, "dropped");
    rs_sb_printf(&b, "%d", 7);
    ck_assert_str_eq(b.s, "kept");
    ck_assert_ptr_null(rs_sb_take(&b)); /* the text of a failed buffer is not handed out */
}
END_TEST

/* ---- files -------------------------------------------------------------------------------- */

START_TEST(read_file_and_its_error)
{
    char err[256];
    ck_assert_ptr_null(rs_read_file("/nonexistent/x.json", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/x.json: No such file or directory");
    char dir[] = "/tmp/rs_test_base_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 5000; i++) /* past the first 4 KiB block */
        fputc('a' + i % 26, f);
    fclose(f);
    char *t = rs_read_file(path, err, sizeof err);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), 5000);
    ck_assert_int_eq(t[4999], 'a' + 4999 % 26);
    free(t);
    remove(path);
    rmdir(dir);
}
END_TEST

START_TEST(mkdir_p_makes_parents)
{
    char dir[] = "/tmp/rs_test_base_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char deep[160], file[160];
    snprintf(deep, sizeof deep, "%s/a/b/c", dir);
    ck_assert_int_eq(rs_mkdir_p(deep), 0);
    struct stat st;
    ck_assert_int_eq(stat(deep, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(rs_mkdir_p(deep), 0); /* already there: fine */
    snprintf(file, sizeof file, "%s/a/file", dir);
    fclose(fopen(file, "w"));
    char under_file[200];
    snprintf(under_file, sizeof under_file, "%s/x", file);
    errno = 0;
    ck_assert_int_eq(rs_mkdir_p(under_file), -1); /* a parent is a file */
    ck_assert_int_eq(errno, ENOTDIR);
    remove(file);
    const char *subs[] = { "a/b/c", "a/b", "a" };
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s", dir, subs[i]);
        rmdir(p);
    }
    rmdir(dir);
}
END_TEST

/* ---- order statistics --------------------------------------------------------------------- */

START_TEST(quantiles_are_type_7)
{
    double x[] = { 4, 1, 3, 2 };
    rs_sort_doubles(x, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(x[i], i + 1);
    /* numpy.quantile([1, 2, 3, 4], p): 1.3, 2.5, 3.7; the ends are the extremes */
    ck_assert_double_eq_tol(rs_quantile(x, 4, 0.1), 1.3, 1e-12);
    ck_assert_double_eq(rs_quantile(x, 4, 0.5), 2.5);
    ck_assert_double_eq_tol(rs_quantile(x, 4, 0.9), 3.7, 1e-12);
    ck_assert_double_eq(rs_quantile(x, 4, 0), 1);
    ck_assert_double_eq(rs_quantile(x, 4, 1), 4);
    double odd[] = { 7, 9, 8 };
    rs_sort_doubles(odd, 3);
    ck_assert_double_eq(rs_quantile(odd, 3, 0.5), 8); /* the middle one */
    double one = 5;
    ck_assert_double_eq(rs_quantile(&one, 1, 0.9), 5);
    rs_sort_doubles(NULL, 0); /* nothing to sort is fine */
}
END_TEST

/* ---- polynomial least squares ------------------------------------------------------------- */

static const char *const names4[] = { "pre", "post", "w", "m" };

START_TEST(poly_terms_in_order)
{
    rs_monomial t[40];
    ck_assert_int_eq(rs_poly_terms(4, 3, names4, t, 40), 35); /* C(4 + 3, 3) */
    ck_assert_str_eq(t[0].name, "1");
    ck_assert_str_eq(t[1].name, "pre");
    ck_assert_str_eq(t[4].name, "m");
    ck_assert_str_eq(t[5].name, "pre·pre");
    ck_assert_str_eq(t[6].name, "pre·post");
    ck_assert_str_eq(t[14].name, "m·m");
    ck_assert_str_eq(t[15].name, "pre·pre·pre");
    ck_assert_str_eq(t[34].name, "m·m·m");
    ck_assert_int_eq(rs_poly_terms(2, 2, names4, t, 3), 6); /* counts past max, writes max */
    double x[4] = { 2, 3, -1, 0.5 };
    ck_assert_double_eq(rs_poly_value(&t[0], 2, x), 1);
    ck_assert_double_eq(rs_poly_value(&t[2], 2, x), 3);
}
END_TEST

START_TEST(poly_fit_recovers_a_rule)
{
    /* dw = 0.1 - 0.5 pre·m + 0.25 post·post·w on a 5^4 grid: exact, R² = 1 */
    rs_monomial terms[35];
    const int n_terms = rs_poly_terms(4, 3, names4, terms, 35);
    const size_t n = 625;
    double *x = malloc(n * 4 * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        size_t r = i;
        for (int s = 3; s >= 0; s--, r /= 5)
            x[i * 4 + s] = -1 + 0.5 * (double)(r % 5);
        const double *p = x + i * 4;
        y[i] = 0.1 - 0.5 * p[0] * p[3] + 0.25 * p[1] * p[1] * p[2];
    }
    int all[35];
    double c[35];
    for (int j = 0; j < n_terms; j++)
        all[j] = j;
    ck_assert_double_eq_tol(rs_poly_fit(x, n, 4, terms, all, n_terms, y, c), 1, 1e-12);
    for (int j = 0; j < n_terms; j++) {
        double want = !strcmp(terms[j].name, "1") ? 0.1
                    : !strcmp(terms[j].name, "pre·m") ? -0.5
                    : !strcmp(terms[j].name, "post·post·w") ? 0.25 : 0;
        ck_assert_msg(fabs(c[j] - want) < 1e-10, "%s: %g, want %g", terms[j].name, c[j], want);
    }
    /* the constant alone explains none of the variance */
    int only_const[1] = { 0 };
    ck_assert_double_eq_tol(rs_poly_fit(x, n, 4, terms, only_const, 1, y, c), 0, 1e-12);
    ck_assert_double_eq_tol(c[0], 0.1, 1e-12); /* the mean */
    free(x);
    free(y);
}
END_TEST

START_TEST(lsq_dependent_column_gets_zero)
{
    /* columns 1 and 2 equal: the second is dependent after the first and gets 0 */
    enum { N = 6 };
    double a[3 * N], y[N], c[3];
    for (int i = 0; i < N; i++) {
        a[i] = 1;
        a[N + i] = a[2 * N + i] = i;
        y[i] = 3 + 2 * i;
    }
    double rss = rs_lsq(a, N, 3, y, c);
    ck_assert_double_eq_tol(rss, 0, 1e-20);
    ck_assert_double_eq_tol(c[0], 3, 1e-12);
    ck_assert_double_eq_tol(c[1], 2, 1e-12);
    ck_assert_double_eq(c[2], 0);
}
END_TEST


/* ---- TSV text fields, plugin text ---------------------------------------------------------- */

START_TEST(tsv_escape_round_trip)
{
    const char *raw = "a\tb\nc\\d\re";
    rs_strbuf b = { 0 };
    rs_tsv_escape_sb(&b, raw);
    ck_assert_str_eq(b.s, "a\\tb\\nc\\\\d\\re");
    ck_assert_ptr_null(strpbrk(b.s, "\t\n\r")); /* one cell, one line */
    ck_assert_str_eq(rs_tsv_unescape(b.s), raw);
    rs_sb_free(&b);
    char odd[] = "x\\qy\\"; /* an unknown escape keeps its character; a lone final '\' stays */
    ck_assert_str_eq(rs_tsv_unescape(odd), "xqy\\");
}
END_TEST

START_TEST(control_characters_found_and_masked)
{
    ck_assert(!rs_has_control("plain text, with UTF-8: \xc3\xa9"));
    ck_assert(rs_has_control("tab\there"));
    ck_assert(rs_has_control("esc\033[2J"));
    ck_assert(rs_has_control("del\x7f"));
    char out[16];
    ck_assert_str_eq(rs_sanitize(out, sizeof out, "a\033[2J\rb"), "a?[2J?b");
    ck_assert_str_eq(rs_sanitize(out, 4, "abcdef"), "abc"); /* cut to fit */
}
END_TEST

START_TEST(json_first_difference_is_named)
{
    cJSON *a = cJSON_Parse("{\"seed\": 1, \"rules\": [{\"plugin\": \"b\", "
                           "\"params\": {\"lr\": 0.1}}]}");
    cJSON *b = cJSON_Parse("{\"rules\": [{\"params\": {\"lr\": 0.1}, \"plugin\": \"b\"}], "
                           "\"seed\": 1}");
    cJSON *c = cJSON_Parse("{\"seed\": 1, \"rules\": [{\"plugin\": \"b\", "
                           "\"params\": {\"lr\": 0.2}}]}");
    cJSON *d = cJSON_Parse("{\"seed\": 1, \"rules\": [{\"plugin\": \"b\", "
                           "\"params\": {\"lr\": 0.1}}, \"x\"]}");
    char where[128];
    ck_assert_int_eq(rs_json_first_diff(a, b, where, sizeof where), 0); /* key order is no change */
    ck_assert_int_eq(rs_json_first_diff(a, c, where, sizeof where), 1);
    ck_assert_str_eq(where, "rules[0].params.lr");
    ck_assert_int_eq(rs_json_first_diff(a, d, where, sizeof where), 1);
    ck_assert_str_eq(where, "rules[1]");
    ck_assert_int_eq(rs_json_first_diff(d, a, where, sizeof where), 1);
    ck_assert_str_eq(where, "rules[1]");
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(d);
}
END_TEST

START_TEST(dirlock_is_exclusive_and_names_its_holder)
{
    char dir[] = "/tmp/rs_lock_XXXXXX", msg[400];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int fd = -1, fd2 = -1;
    ck_assert_int_eq(rs_dirlock(dir, &fd, msg, sizeof msg), RS_DIRLOCK_OK);
    ck_assert_int_ge(fd, 0);
    /* a second open file description contends, as a second process would */
    ck_assert_int_eq(rs_dirlock(dir, &fd2, msg, sizeof msg), RS_DIRLOCK_HELD);
    char want[64];
    snprintf(want, sizeof want, "pid %ld on host ", (long)getpid());
    ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "holder line '%s'", msg);
    rs_dirunlock(fd);
    ck_assert_int_eq(rs_dirlock(dir, &fd2, msg, sizeof msg), RS_DIRLOCK_OK);
    rs_dirunlock(fd2);
    char path[64];
    snprintf(path, sizeof path, "%s/.lock", dir);
    unlink(path);
    rmdir(dir);
}
END_TEST

static Suite *base_suite(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("base");
    tcase_add_test(tc, edit_distance_counts_typos);
    tcase_add_test(tc, strbuf_appends);
    tcase_add_test(tc, strbuf_json_string);
    tcase_add_test(tc, strbuf_oom_is_sticky);
    tcase_add_test(tc, read_file_and_its_error);
    tcase_add_test(tc, mkdir_p_makes_parents);
    tcase_add_test(tc, quantiles_are_type_7);
    tcase_add_test(tc, poly_terms_in_order);
    tcase_add_test(tc, poly_fit_recovers_a_rule);
    tcase_add_test(tc, lsq_dependent_column_gets_zero);
    tcase_add_test(tc, tsv_escape_round_trip);
    tcase_add_test(tc, control_characters_found_and_masked);
    tcase_add_test(tc, json_first_difference_is_named);
    tcase_add_test(tc, dirlock_is_exclusive_and_names_its_holder);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return rs_test_run(base_suite()); }
