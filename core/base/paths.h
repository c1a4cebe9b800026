/* paths.h: where the running ruleset finds its own files: the built-in plugins and the data
 * (the specs in rules/, the gnuplot scripts in scripts/), for a binary in its build tree and
 * for an installed one.
 *
 * An installed binary looks beside itself first (<exe>/../<libdir>/ruleset/plugins,
 * <exe>/../<datadir>/ruleset/...; the relative paths come from GNUInstallDirs at configure time),
 * so a prefix moved or installed with `cmake --install --prefix P` still finds its own files,
 * and an installed binary never picks up a source tree that happens to still exist. */
#ifndef RS_PATHS_H
#define RS_PATHS_H

#include <stddef.h>

/* The folder of the running executable, or "" when unknown. */
void rs_exe_dir(char *buf, size_t size);
/* Non-zero when the running executable sits in a build tree (it has a plugins/ folder beside
 * it, which an installed bin/ never has). */
int rs_in_build_tree(void);
/* The built-in plugin folder: <exe>/plugins in a build tree; installed: the libdir relative
 * to the executable, then <exe>/../lib/ruleset/plugins, then the configured absolute path.
 * 0 with the path in buf, -1 when none exists. */
int rs_builtin_plugin_dir(char *buf, size_t size);
/* The folder of ruleset's data `sub` ("rules" or "scripts") that holds `probe` (a file name,
 * or NULL for any): $env_var when set (used as is, even when probe is missing: the caller
 * reports it), a build tree's source folder, the data folder relative to an installed
 * executable, the configured install path. NULL when none is found; else buf. */
const char *rs_data_dir(const char *sub, const char *probe, const char *env_var, char *buf,
                        size_t size);

/* A spec named on the command line that is not a file here: NAME or NAME.json among the
 * ready-made specs (rs_data_dir "rules", $RULESET_RULES_DIR first), so an installed ruleset runs
 * `ruleset compare xor-mlp` from anywhere. 0 with the path in buf; -1 when not found. */
int rs_find_spec(const char *name, char *buf, size_t size);

#endif
