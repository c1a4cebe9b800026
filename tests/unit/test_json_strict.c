/* test_json_strict.c: the strict JSON checks every reader goes through (core/json_strict.c):
 * text after the value, raw control bytes between tokens and inside strings, numbers outside
 * JSON's grammar and duplicate keys at any depth are refused with one line naming the file,
 * the line (and column) and, for a duplicate, the line of the first copy; through the spec,
 * NET and weights readers too. And the one reading of a weights file's "params" that compare
 * (host->meta_load) and explain share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json_strict.h"
#include "netio.h"
#include "spec.h"
#include "testutil.h"
#include "weights.h"

static char err[2048];

static void ok(const char *text)
{
    err[0] = '\0';
    ck_assert_msg(rs_json_strict_check(text, "f.json", err, sizeof err) == 0, "refused: %s", err);
}

/* Refused with exactly this message. */
static void refused(const char *text, const char *want)
{
    err[0] = '\0';
    ck_assert_int_eq(rs_json_strict_check(text, "f.json", err, sizeof err), -1);
    ck_assert_str_eq(err, want);
}

START_TEST(test_valid_json_passes)
{
    ok("{}");
    ok("\xEF\xBB\xBF [1, -0.5, 2e-3, 0, -0, 1E+2, true, false, null, \"a\\u00e9\\n\\\"\"]\r\n");
    ok("{\"a\": {\"b\": 1}, \"c\": {\"b\": 2}, \"b\": [{\"b\": 1}, {\"b\": 1}]}"); /* b per object */
    ok("{\"A\": 1, \"a\": 2, \"\": 3}");
    ok("\"\\ud83d\\ude00\" ");
    /* every shipped spec and weights file */
    const char *files[] = { "default.json", "xor-mlp.json", "gradnet-gates.json", "meta.json",
                            "lstm_synapse.weights.json", "meta_hebbian.weights.json" };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/rules/%s", RS_SOURCE_DIR, files[i]);
        char *t = rs_read_file(path, err, sizeof err);
        ck_assert_msg(t != NULL, "%s", err);
        ok(t);
        free(t);
    }
}
END_TEST

START_TEST(test_trailing_text_refused)
{
    refused("{\"a\": 1}\n}", "f.json:2:1: text after the JSON value; a file holds one value (a "
            "stray bracket, or a second object?): remove it");
    refused("{\"a\": 1} {\"a\": 1}", "f.json:1:10: text after the JSON value; a file holds one "
            "value (a stray bracket, or a second object?): remove it");
}
END_TEST

START_TEST(test_control_bytes_refused)
{
    refused("{\n  \"a\":\x01 1}", "f.json:2:7: raw control byte 0x01 between tokens; JSON "
            "allows only space, tab, newline and carriage return there: remove it");
    refused("[1,\f2]", "f.json:1:4: raw control byte 0x0c between tokens; JSON allows only "
            "space, tab, newline and carriage return there: remove it");
    refused("{\"a\": \"x\ty\"}", "f.json:1:9: raw control byte 0x09 inside a string; JSON "
            "needs it escaped (\\n, \\t or \\u0009)");
    refused("{\"a\nb\": 1}", "f.json:1:4: raw control byte 0x0a inside a string; JSON needs it "
            "escaped (\\n, \\t or \\u000a)");
}
END_TEST

START_TEST(test_numbers_outside_grammar_refused)
{
    const char *bad[] = { "+1", "01", ".5", "1.", "1e", "-", "0x10", "1.5.2", "--1", "1e+" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[64];
        snprintf(text, sizeof text, "[%s]", bad[i]);
        err[0] = '\0';
        ck_assert_msg(rs_json_strict_check(text, "f.json", err, sizeof err) == -1, "%s taken",
                      text);
        ck_assert_msg(strstr(err, "f.json:1:2: not a JSON number"), "%s: %s", text, err);
    }
}
END_TEST

START_TEST(test_duplicate_keys_refused)
{
    refused("{\"steps\": 10,\n \"seed\": 1,\n \"steps\": 20}",
            "f.json:3: duplicate key 'steps' (first at line 1); keep one of them");
    refused("{\"rules\": [{\"plugin\": \"backprop\",\n \"params\": {\"lr\": 0.1,\n\n \"lr\": 0.5}}]}",
            "f.json:4: duplicate key 'lr' (first at line 2); keep one of them");
    /* the same key however it is written */
    refused("{\"seed\": 1,\n \"se\\u0065d\": 2}",
            "f.json:2: duplicate key 'seed' (first at line 1); keep one of them");
}
END_TEST

START_TEST(test_other_syntax_refused)
{
    refused("{\"a\": tru}", "f.json:1:7: expected a value (an object, list, string, number, "
            "true, false or null)");
    refused("[\"a\\x\"]", "f.json:1:4: bad escape in a string; JSON has \\\" \\\\ \\/ \\b \\f "
            "\\n \\r \\t and \\uXXXX");
    refused("", "f.json:1:1: expected a value (an object, list, string, number, true, false or "
            "null)");
    char *deep = malloc(2 * 1100 + 1);
    memset(deep, '[', 1100);
    memset(deep + 1100, ']', 1100);
    deep[2200] = '\0';
    err[0] = '\0';
    ck_assert_int_eq(rs_json_strict_check(deep, "f.json", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "nested more than 1000 deep"), "%s", err);
    free(deep);
}
END_TEST

/* ---- through the readers ------------------------------------------------------------------ */

static rs_registry *reg;

static void setup(void) { reg = rs_test_registry(); }
static void teardown(void) { rs_registry_destroy(reg); }

START_TEST(test_spec_reader_is_strict)
{
    const char *texts[] = {
        "{\"rules\": [\"backprop\"],\n \"tasks\": [\"gates\"]}\n]",
        "{\"rules\": [\"backprop\"],\x01 \"tasks\": [\"gates\"]}",
        "{\"rules\": [{\"plugin\": \"backprop\", \"params\": {\"lr\": 0.1,\n \"lr\": 0.2}}],\n"
        " \"tasks\": [\"gates\"]}",
        "{\"steps\": 5,\n \"rules\": [\"backprop\"],\n \"tasks\": [\"gates\"],\n \"steps\": 9}",
    };
    const char *want[] = {
        "spec.json:3:1: malformed JSON near here", /* cJSON's own check for specs */
        "spec.json:1:24: raw control byte 0x01 between tokens",
        "spec.json:2: duplicate key 'lr' (first at line 1); keep one of them",
        "spec.json:4: duplicate key 'steps' (first at line 1); keep one of them",
    };
    for (int i = 0; i < 4; i++) {
        err[0] = '\0';
        rs_spec *s = rs_spec_parse(texts[i], "spec.json", reg, err, sizeof err);
        ck_assert_ptr_null(s);
        ck_assert_msg(!strncmp(err, want[i], strlen(want[i])), "'%s' is not '%s...'", err,
                      want[i]);
    }
}
END_TEST

START_TEST(test_net_reader_is_strict)
{
    const char *net = "{\"format\": \"ruleset-net\", \"version\": 1, \"kind\": \"layered\", "
                      "\"sizes\": [1, 1], \"act\": [\"tanh\"], \"bias\": false, "
                      "\"layers\": [{\"w\": [[0.5]]}]}";
    rs_loaded_net ln;
    ck_assert_msg(rs_netio_load(net, "n.json", reg, 1, &ln, err, sizeof err) == 0, "%s", err);
    rs_netio_free(&ln);
    char text[1024];
    snprintf(text, sizeof text, "%s garbage", net); /* cJSON_Parse alone took this */
    ck_assert_int_ne(rs_netio_load(text, "n.json", reg, 1, &ln, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "n.json:1:") == err && strstr(err, "text after the JSON value"),
                  "%s", err);
    snprintf(text, sizeof text, "%.*s, \"bias\": true}", (int)strlen(net) - 1, net);
    ck_assert_int_ne(rs_netio_load(text, "n.json", reg, 1, &ln, err, sizeof err), 0);
    ck_assert_msg(strstr(err, "n.json:1: duplicate key 'bias' (first at line 1)"), "%s", err);
}
END_TEST

/* A copy of rules/meta_hebbian.weights.json with `from` replaced by `to`, in a temp file. */
static void weights_variant(char *path, size_t size, const char *from, const char *to)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/rules/meta_hebbian.weights.json", RS_SOURCE_DIR);
    char *t = rs_read_file(src, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    char *at = strstr(t, from);
    ck_assert_msg(at != NULL, "'%s' not in the weights file", from);
    snprintf(path, size, "/tmp/rs_json_strict_%d.weights.json", (int)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%.*s%s%s", (int)(at - t), t, to, at + strlen(from));
    fclose(f);
    free(t);
}

START_TEST(test_weights_reader_is_strict)
{
    char path[256], want[512];
    weights_variant(path, sizeof path, "\"clamp\":", "\"lr\": 1,\n\t\t\"clamp\":");
    ck_assert_ptr_null(rs_weights_read(path, NULL, 0, err, sizeof err));
    snprintf(want, sizeof want, "%s:8: duplicate key 'lr' (first at line 7)", path);
    ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
    weights_variant(path, sizeof path, "\"format\"", "\x02\"format\"");
    ck_assert_ptr_null(rs_weights_read(path, NULL, 0, err, sizeof err));
    snprintf(want, sizeof want, "%s:2:2: raw control byte 0x02 between tokens", path);
    ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
    unlink(path);
}
END_TEST

/* The file's "params" read once, for compare (rs_weights_load) and explain
 * (rs_weights_file_params) alike: the same refusal from both. */
static void same_verdict(const char *from, const char *to, const char *fragment)
{
    char path[256], msg1[2048];
    weights_variant(path, sizeof path, from, to);
    const rs_plugin_head *head = rs_test_plugin(reg, RS_KIND_RULE, "meta_hebbian");
    cJSON *root = rs_weights_read(path, NULL, 0, err, sizeof err);
    ck_assert_msg(root != NULL, "%s", err);
    rs_params *fp = rs_weights_file_params(root, path, head->params, head->name, msg1,
                                           sizeof msg1);
    cJSON_Delete(root);
    ck_assert_ptr_null(fp);
    ck_assert_msg(strstr(msg1, fragment) && !strchr(msg1, '\n'), "%s", msg1);
    rs_params *p = rs_test_params(head, "");
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_meta_shape shape = { "coef", 2, 4 };
    double v[8];
    ck_assert_int_eq(rs_weights_load(ctx, path, p, &shape, 1, v), RS_ERR_PARAM);
    ck_assert_str_eq(rs_ctx_error(ctx), msg1);
    rs_ctx_destroy(ctx);
    rs_params_destroy(p);
    unlink(path);
}

START_TEST(test_weights_params_one_verdict)
{
    same_verdict("\"clamp\":", "\"momentum\": 0.9,\n\t\t\"clamp\":", "params: ");
    same_verdict("\"params\":\t{", "\"params\": [1, {\"lr\": 2}], \"old\": {",
                 "\"params\" must be an object of the rule's parameters");
    same_verdict("\"params\":\t{", "\"params\": \"lr=0.05\", \"old\": {",
                 "\"params\" must be an object of the rule's parameters");
    same_verdict("\"clamp\":\ttrue", "\"clamp\": \"yes\"", "params: ");
    /* and a file that is right is read the same by both */
    char src[4096];
    snprintf(src, sizeof src, "%s/rules/meta_hebbian.weights.json", RS_SOURCE_DIR);
    const rs_plugin_head *head = rs_test_plugin(reg, RS_KIND_RULE, "meta_hebbian");
    cJSON *root = rs_weights_read(src, NULL, 0, err, sizeof err);
    ck_assert_msg(root != NULL, "%s", err);
    rs_params *fp = rs_weights_file_params(root, src, head->params, head->name, err, sizeof err);
    cJSON_Delete(root);
    ck_assert_msg(fp != NULL, "%s", err);
    rs_ctx *ctx = rs_ctx_create(1, 0);
    rs_meta_shape shape = { "coef", 2, 4 };
    double v[8];
    ck_assert_msg(rs_weights_load(ctx, src, fp, &shape, 1, v) == RS_OK, "%s", rs_ctx_error(ctx));
    rs_ctx_destroy(ctx);
    rs_params_destroy(fp);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("json_strict");
    TCase *tc = tcase_create("scanner");
    tcase_add_test(tc, test_valid_json_passes);
    tcase_add_test(tc, test_trailing_text_refused);
    tcase_add_test(tc, test_control_bytes_refused);
    tcase_add_test(tc, test_numbers_outside_grammar_refused);
    tcase_add_test(tc, test_duplicate_keys_refused);
    tcase_add_test(tc, test_other_syntax_refused);
    suite_add_tcase(s, tc);
    TCase *rd = tcase_create("readers");
    tcase_add_unchecked_fixture(rd, setup, teardown);
    tcase_add_test(rd, test_spec_reader_is_strict);
    tcase_add_test(rd, test_net_reader_is_strict);
    tcase_add_test(rd, test_weights_reader_is_strict);
    tcase_add_test(rd, test_weights_params_one_verdict);
    suite_add_tcase(s, rd);
    return s;
}

int main(void) { return rs_test_run(suite()); }
