/* cmds.h: the CLI's commands; each takes argv from its own name on and returns the exit code:
 * 0 ok, 1 some jobs failed, 2 bad input (spec, flags, plugin), 3 internal or I/O error,
 * 130 interrupted. */
#ifndef RS_CMDS_H
#define RS_CMDS_H

#include <stdio.h>

#include "registry.h"

enum { RS_EXIT_OK = 0, RS_EXIT_JOBS = 1, RS_EXIT_INPUT = 2, RS_EXIT_INTERNAL = 3,
       RS_EXIT_INTERRUPTED = 130 };

int rs_cmd_compare(int argc, char **argv);
int rs_cmd_list(int argc, char **argv);
int rs_cmd_info(int argc, char **argv);
int rs_cmd_check_plugin(int argc, char **argv);
int rs_cmd_plot(int argc, char **argv);
int rs_cmd_merge(int argc, char **argv);
int rs_cmd_new(int argc, char **argv);
int rs_cmd_inspect(int argc, char **argv);
int rs_cmd_meta_train(int argc, char **argv);
int rs_cmd_explain(int argc, char **argv);

/* Plugin discovery flags shared by every command: --plugin FILE, --plugin-dir DIR. Consumes
 * them from argv (compacting it); returns the registry or NULL (message printed). */
rs_registry *rs_cli_registry(int *argc, char **argv);

/* The embedded rules/default.json. */
extern const char rs_default_spec[];

#endif
