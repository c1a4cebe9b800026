/* testutil.h: shared helpers for the Check suites. */
#ifndef RS_TESTUTIL_H
#define RS_TESTUTIL_H

#include <check.h>

#include "ctx.h"
#include "params.h"
#include "registry.h"

/* A registry with the built-in plugins (from $RULESET_PLUGIN_PATH); aborts the test if empty. */
rs_registry *rs_test_registry(void);
/* Find a plugin of a kind, failing the test when absent. */
const rs_plugin_head *rs_test_plugin(rs_registry *reg, int kind, const char *name);
/* Params for a plugin from "k=v,k=v" text ("" for defaults), failing the test on error. */
rs_params *rs_test_params(const rs_plugin_head *head, const char *text);
/* The mean meta-loss of n fixed evaluation episodes with streams rs_meta_stream(first + k, 0),
 * ids no meta-step uses, at m's current meta-parameters; fails the test on a failed episode
 * (n at most 64). */
struct rs_meta;
double rs_test_meta_loss(struct rs_meta *m, long first, int n);
/* Run a suite, return the process exit code (0 when every test passed). */
int rs_test_run(Suite *s);

#endif
