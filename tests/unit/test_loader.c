/* test_loader.c: the loader matrix (core/plugin/loader.c), after SQLite's loadext.test.
 *
 * Every defect fixture in tests/plugins/ is refused with one line that names the file and
 * says what is wrong; the good fixture loads; loading goes on after a refusal; a file reached
 * twice loads once; discovery takes flags, then $RULESET_PLUGIN_PATH in order, then the
 * built-ins, and the first plugin of a name wins. Assertions are on the stable fragments of
 * each message (STYLE.md §3.4), not on whole lines. */
#define _XOPEN_SOURCE 700 /* mkdtemp, symlink, setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define FIX(name) RS_FIXTURE_DIR "/" name ".so"
#define BUILTIN(name) RS_BUILD_PLUGIN_DIR "/" name ".so"

/* The one refusal line of a registry that should hold exactly one. */
static const char *only_refusal(const rs_registry *reg)
{
    ck_assert_msg(reg->n_refused == 1, "expected one refusal line, got %zu", reg->n_refused);
    const char *line = reg->refused[0];
    ck_assert_msg(strchr(line, '\n') == NULL, "refusal is not one line: %s", line);
    return line;
}

static void assert_has(const char *line, const char *frag)
{
    ck_assert_msg(frag == NULL || strstr(line, frag) != NULL, "'%s' not in: %s", frag, line);
}

/* The file a loaded plugin came from, or NULL. */
static const char *file_of(const rs_registry *reg, int kind, const char *name)
{
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (reg->plugins[i].head->kind == kind && strcmp(reg->plugins[i].head->name, name) == 0)
            return reg->plugins[i].file;
    return NULL;
}

/* How many refusal lines mention frag. */
static size_t refusals_with(const rs_registry *reg, const char *frag)
{
    size_t n = 0;
    for (size_t i = 0; i < reg->n_refused; i++)
        n += strstr(reg->refused[i], frag) != NULL;
    return n;
}

/* ---- the matrix ----------------------------------------------------------------------------- */

static const struct {
    const char *path;
    rs_status status;
    const char *frag[3]; /* every one must appear in the line */
} bad_cases[] = {
    { FIX("bad_major"), RS_ERR_PARAM,
      { "plugin 'bad_major'", "built for ruleset ABI 2.", "Rebuild it" } },
    { FIX("bad_minor"), RS_ERR_PARAM,
      { "plugin 'bad_minor'", "needs ABI 1.", "upgrade ruleset" } },
    { FIX("bad_real"), RS_ERR_PARAM, { "plugin 'bad_real'", "8-byte rs_real", "4 bytes" } },
    { FIX("bad_nostep"), RS_ERR_PARAM, { "plugin 'bad_nostep'", "'step' is NULL", NULL } },
    { FIX("bad_dstep"), RS_ERR_PARAM,
      { "plugin 'bad_dstep'", "'meta_shapes (it has dstep)' is NULL", NULL } },
    { FIX("bad_name"), RS_ERR_PARAM, { "invalid name 'Bad-Name'", "[a-z0-9_]", NULL } },
    { FIX("bad_params"), RS_ERR_PARAM,
      { "plugin 'bad_params'", "malformed parameter table", "'lr'" } },
    { FIX("bad_size"), RS_ERR_PARAM, { "plugin 'bad_size'", "smaller than a rule descriptor",
                                       "RS_PLUGIN_HEAD" } },
    { FIX("empty_entry"), RS_ERR_PARAM, { "no plugin at index 0", NULL, NULL } },
    { FIX("no_entry"), RS_ERR_PARAM, { "no rs_plugin_entry symbol", "docs/PLUGINS.md", NULL } },
    { RS_TEST_DATA_DIR "/not_a_plugin.so", RS_ERR_PARAM,
      { "not a loadable shared object", NULL, NULL } },
    { RS_FIXTURE_DIR "/no_such_plugin.so", RS_ERR_IO, { "check the path", NULL, NULL } },
};
#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

START_TEST(test_bad_fixture_refused)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_ptr_nonnull(reg);
    rs_status st = rs_registry_add_file(reg, bad_cases[_i].path);
    ck_assert_msg(st == bad_cases[_i].status, "%s: status %d, want %d", bad_cases[_i].path, st,
                  bad_cases[_i].status);
    ck_assert_uint_eq(reg->n_plugins, 0);
    ck_assert_uint_eq(reg->n_handles, 0); /* nothing of a refused file stays loaded */
    const char *line = only_refusal(reg);
    /* the line starts with the file as given */
    ck_assert_msg(strncmp(line, bad_cases[_i].path, strlen(bad_cases[_i].path)) == 0,
                  "refusal does not start with the file name: %s", line);
    for (int f = 0; f < 3; f++)
        assert_has(line, bad_cases[_i].frag[f]);
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_duplicate_of_builtin_refused)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_int_eq(rs_registry_add_file(reg, BUILTIN("backprop")), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("dup_name")), RS_ERR_PARAM);
    const char *line = only_refusal(reg);
    assert_has(line, FIX("dup_name"));
    assert_has(line, "plugin 'backprop'");
    assert_has(line, "duplicate rule name");
    assert_has(line, BUILTIN("backprop")); /* names both files */
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), BUILTIN("backprop"));
    ck_assert_uint_eq(reg->n_plugins, 1);
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_good_fixture_loads)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("good_rule")), RS_OK);
    ck_assert_uint_eq(reg->n_refused, 0);
    ck_assert_uint_eq(reg->n_plugins, 1);
    ck_assert_uint_eq(reg->n_handles, 1);
    const rs_plugin_head *h = rs_registry_find(reg, RS_KIND_RULE, "good_rule");
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_null(rs_registry_find(reg, RS_KIND_TASK, "good_rule")); /* kinds apart */
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "good_rule"), FIX("good_rule"));
    ck_assert_uint_eq(h->abi_major, RS_ABI_MAJOR);
    ck_assert_uint_eq(h->struct_size, sizeof(rs_rule_desc));
    ck_assert_str_eq(h->params[0].name, "lr");
    const rs_rule_desc *d = (const rs_rule_desc *)h;
    ck_assert_str_eq(d->metric_names[0], "moved");
    ck_assert_ptr_null(d->metric_names[1]);
    char names[256];
    rs_registry_names(reg, RS_KIND_RULE, names, sizeof names);
    ck_assert_str_eq(names, "good_rule");
    rs_registry_names(reg, RS_KIND_TASK, names, sizeof names);
    ck_assert_str_eq(names, "");
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_loading_continues_after_refusal)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_int_ne(rs_registry_add_file(reg, FIX("bad_major")), RS_OK);
    ck_assert_int_ne(rs_registry_add_file(reg, RS_TEST_DATA_DIR "/not_a_plugin.so"), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("good_rule")), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("nan_rule")), RS_OK);
    ck_assert_uint_eq(reg->n_refused, 2);
    ck_assert_uint_eq(reg->n_plugins, 2);
    ck_assert_ptr_nonnull(rs_registry_find(reg, RS_KIND_RULE, "good_rule"));
    ck_assert_ptr_nonnull(rs_registry_find(reg, RS_KIND_RULE, "nan_rule"));
    char names[256];
    rs_registry_names(reg, RS_KIND_RULE, names, sizeof names);
    ck_assert_str_eq(names, "good_rule, nan_rule"); /* in load order */
    rs_registry_destroy(reg);
}
END_TEST

/* The whole fixture folder in one go: every defect refused once, every good plugin loaded. */
START_TEST(test_fixture_dir)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_int_eq(rs_registry_add_dir(reg, RS_FIXTURE_DIR, 1), RS_OK);
    static const char *const bad[] = { "bad_major.so", "bad_minor.so", "bad_real.so",
                                       "bad_nostep.so", "bad_dstep.so", "bad_name.so",
                                       "bad_params.so",
                                       "bad_size.so", "empty_entry.so", "no_entry.so",
                                       /* probed in a child process: the test lives on */
                                       "crash_entry.so", "crash_constructor.so",
                                       "wild_desc.so", "endless_entry.so", "ctrl_text.so" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(refusals_with(reg, bad[i]) == 1, "%s refused %zu times", bad[i],
                      refusals_with(reg, bad[i]));
    static const char *const good[] = { "good_rule", "nan_rule", "fail_rule", "backprop" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(rs_registry_find(reg, RS_KIND_RULE, good[i]) != NULL, "%s not loaded",
                      good[i]);
    /* the crashes are notes too, which every command prints */
    size_t crash_notes = 0;
    for (size_t i = 0; i < reg->n_notes; i++)
        crash_notes += strstr(reg->notes[i], ": crashed while loading (") != NULL;
    ck_assert_uint_eq(crash_notes, 3);
    /* with no built-in loaded, dup_name's "backprop" is no duplicate */
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), FIX("dup_name"));
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_missing_dir)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_int_eq(rs_registry_add_dir(reg, "/nonexistent/ruleset-plugins", 0), RS_OK);
    ck_assert_uint_eq(reg->n_refused, 0); /* an optional folder may be absent */
    ck_assert_int_eq(rs_registry_add_dir(reg, "/nonexistent/ruleset-plugins", 1), RS_ERR_IO);
    assert_has(only_refusal(reg), "/nonexistent/ruleset-plugins: cannot open plugin folder");
    rs_registry_destroy(reg);
}
END_TEST

/* ---- the same file twice --------------------------------------------------------------------- */

START_TEST(test_same_file_twice_loads_once)
{
    char tmp[] = "/tmp/rs_loader_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    char link[256];
    snprintf(link, sizeof link, "%s/alias.so", tmp);
    ck_assert_int_eq(symlink(FIX("good_rule"), link), 0);

    rs_registry *reg = rs_registry_create();
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("good_rule")), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, FIX("good_rule")), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, RS_FIXTURE_DIR "/./good_rule.so"), RS_OK);
    ck_assert_int_eq(rs_registry_add_file(reg, link), RS_OK); /* same real path */
    ck_assert_uint_eq(reg->n_plugins, 1);
    ck_assert_uint_eq(reg->n_handles, 1);
    ck_assert_uint_eq(reg->n_refused, 0); /* no "duplicate" complaint against itself */
    rs_registry_destroy(reg);
    unlink(link);
    rmdir(tmp);
}
END_TEST

/* ---- discovery order ------------------------------------------------------------------------ */

/* A registry discovered with $RULESET_PLUGIN_PATH = path (and the given flag files). */
static rs_registry *discover_with(const char *path, char **files, size_t n_files)
{
    const char *old = getenv("RULESET_PLUGIN_PATH");
    char *saved = old ? strdup(old) : NULL;
    ck_assert_int_eq(setenv("RULESET_PLUGIN_PATH", path, 1), 0);
    rs_registry *reg = rs_registry_create();
    rs_registry_discover(reg, files, n_files, NULL, 0);
    if (saved)
        setenv("RULESET_PLUGIN_PATH", saved, 1);
    else
        unsetenv("RULESET_PLUGIN_PATH");
    free(saved);
    return reg;
}

START_TEST(test_path_order_fixture_first)
{
    rs_registry *reg = discover_with(FIX("dup_name") ":" RS_BUILD_PLUGIN_DIR, NULL, 0);
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), FIX("dup_name"));
    ck_assert_uint_eq(refusals_with(reg, "duplicate rule name"), 1);
    for (size_t i = 0; i < reg->n_refused; i++)
        if (strstr(reg->refused[i], "duplicate")) {
            assert_has(reg->refused[i], BUILTIN("backprop"));
            assert_has(reg->refused[i], "already loaded from " FIX("dup_name"));
        }
    /* the rest of the built-ins are there */
    ck_assert_ptr_nonnull(rs_registry_find(reg, RS_KIND_TASK, "gates"));
    ck_assert_ptr_nonnull(rs_registry_find(reg, RS_KIND_ACTIVATION, "relu"));
    rs_registry_destroy(reg);
}
END_TEST

START_TEST(test_path_order_builtin_first)
{
    rs_registry *reg = discover_with(RS_BUILD_PLUGIN_DIR ":" FIX("dup_name"), NULL, 0);
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), BUILTIN("backprop"));
    ck_assert_uint_eq(refusals_with(reg, "duplicate rule name"), 1);
    for (size_t i = 0; i < reg->n_refused; i++)
        if (strstr(reg->refused[i], "duplicate")) {
            ck_assert_msg(strncmp(reg->refused[i], FIX("dup_name"), strlen(FIX("dup_name"))) == 0,
                          "refused the wrong file: %s", reg->refused[i]);
            assert_has(reg->refused[i], "already loaded from " BUILTIN("backprop"));
        }
    rs_registry_destroy(reg);
}
END_TEST

/* Folders in the path, and empty entries between colons, keep their order too. */
START_TEST(test_path_dirs_in_order)
{
    char a[] = "/tmp/rs_path_a_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(a));
    char link[256], path[1024];
    snprintf(link, sizeof link, "%s/zz_dup.so", a);
    ck_assert_int_eq(symlink(FIX("dup_name"), link), 0);
    snprintf(path, sizeof path, "%s::%s", a, RS_BUILD_PLUGIN_DIR);
    rs_registry *reg = discover_with(path, NULL, 0);
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), link);
    rs_registry_destroy(reg);
    snprintf(path, sizeof path, "%s:%s", RS_BUILD_PLUGIN_DIR, a);
    reg = discover_with(path, NULL, 0);
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), BUILTIN("backprop"));
    ck_assert_uint_eq(refusals_with(reg, link), 1);
    rs_registry_destroy(reg);
    unlink(link);
    rmdir(a);
}
END_TEST

/* --plugin FILE (a flag) comes before the path. */
START_TEST(test_flag_beats_path)
{
    char *files[] = { FIX("dup_name") };
    rs_registry *reg = discover_with(RS_BUILD_PLUGIN_DIR, files, 1);
    ck_assert_str_eq(file_of(reg, RS_KIND_RULE, "backprop"), FIX("dup_name"));
    ck_assert_uint_eq(refusals_with(reg, "duplicate rule name"), 1);
    rs_registry_destroy(reg);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("matrix");
    tcase_add_loop_test(tc, test_bad_fixture_refused, 0, (int)N_BAD);
    tcase_add_test(tc, test_duplicate_of_builtin_refused);
    tcase_add_test(tc, test_good_fixture_loads);
    tcase_add_test(tc, test_loading_continues_after_refusal);
    tcase_add_test(tc, test_fixture_dir);
    tcase_add_test(tc, test_missing_dir);
    tcase_add_test(tc, test_same_file_twice_loads_once);
    suite_add_tcase(s, tc);
    TCase *td = tcase_create("discovery");
    tcase_add_test(td, test_path_order_fixture_first);
    tcase_add_test(td, test_path_order_builtin_first);
    tcase_add_test(td, test_path_dirs_in_order);
    tcase_add_test(td, test_flag_beats_path);
    suite_add_tcase(s, td);
    return s;
}

int main(void) { return rs_test_run(loader_suite()); }
