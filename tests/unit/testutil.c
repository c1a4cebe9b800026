/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "meta.h"

double rs_test_meta_loss(struct rs_meta *m, long first, int n)
{
    rs_episode eps[64];
    ck_assert_int_le(n, 64);
    for (int k = 0; k < n; k++)
        eps[k] = (rs_episode){ .stream = rs_meta_stream(first + k, 0), .task = -1 };
    rs_meta_run_episodes(m, m->phi, eps, (size_t)n, NULL);
    double s = 0;
    for (int k = 0; k < n; k++) {
        ck_assert_msg(!eps[k].failed, "%s", eps[k].err);
        s += eps[k].meta_loss / n;
    }
    return s;
}

rs_registry *rs_test_registry(void)
{
    rs_registry *reg = rs_registry_create();
    ck_assert_ptr_nonnull(reg);
    rs_registry_discover(reg, NULL, 0, NULL, 0);
    ck_assert_msg(reg->n_plugins > 0, "no plugins found; is RULESET_PLUGIN_PATH set?");
    return reg;
}

const rs_plugin_head *rs_test_plugin(rs_registry *reg, int kind, const char *name)
{
    const rs_plugin_head *h = rs_registry_find(reg, kind, name);
    ck_assert_msg(h != NULL, "plugin %s not found", name);
    return h;
}

rs_params *rs_test_params(const rs_plugin_head *head, const char *text)
{
    rs_params *p = rs_params_create(head->params, head->name);
    ck_assert_ptr_nonnull(p);
    p->head = head; /* as the spec parser sets it: host->task_shared needs the task */
    char *copy = strdup(text), *save = NULL, err[512];
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        ck_assert_msg(eq != NULL, "bad parameter text '%s'", kv);
        *eq = '\0';
        rs_status st = rs_params_set_text(p, kv, eq + 1, err, sizeof err);
        ck_assert_msg(st == RS_OK, "%s", err);
    }
    free(copy);
    return p;
}

int rs_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
