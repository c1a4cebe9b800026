/* paths.c: see paths.h. */
#define _XOPEN_SOURCE 700
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Configured in CMakeLists.txt; the defaults keep a stand-alone compile of this file working. */
#ifndef RS_REL_PLUGIN_DIR
#define RS_REL_PLUGIN_DIR "../lib/ruleset/plugins"
#endif
#ifndef RS_REL_DATA_DIR
#define RS_REL_DATA_DIR "../share/ruleset"
#endif

void rs_exe_dir(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* buf made canonical in place (no "bin/.." in messages); unchanged when that fails. */
static void canonical(char *buf, size_t size)
{
    char real[PATH_MAX];
    if (realpath(buf, real) && strlen(real) < size)
        memcpy(buf, real, strlen(real) + 1);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int rs_in_build_tree(void)
{
    char dir[PATH_MAX], cand[PATH_MAX + 16];
    rs_exe_dir(dir, sizeof dir);
    snprintf(cand, sizeof cand, "%s/plugins", dir);
    return dir[0] && is_dir(cand);
}

int rs_builtin_plugin_dir(char *buf, size_t size)
{
    char dir[PATH_MAX];
    rs_exe_dir(dir, sizeof dir);
    const char *const rel[] = { "plugins", RS_REL_PLUGIN_DIR, "../lib/ruleset/plugins" };
    for (size_t i = 0; dir[0] && i < sizeof rel / sizeof *rel; i++) {
        snprintf(buf, size, "%s/%s", dir, rel[i]);
        if (is_dir(buf)) {
            canonical(buf, size);
            return 0;
        }
    }
    snprintf(buf, size, "%s", RS_INSTALL_PLUGIN_DIR);
    return is_dir(buf) ? 0 : -1;
}

static int holds(const char *dir, const char *probe)
{
    if (!is_dir(dir))
        return 0;
    if (!probe)
        return 1;
    char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", dir, probe);
    return is_file(p);
}

const char *rs_data_dir(const char *sub, const char *probe, const char *env_var, char *buf,
                        size_t size)
{
    const char *env = env_var ? getenv(env_var) : NULL;
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return buf;
    }
    char dir[PATH_MAX];
    rs_exe_dir(dir, sizeof dir);
    if (rs_in_build_tree()) {
        snprintf(buf, size, "%s/%s", RS_SOURCE_DIR, sub);
        if (holds(buf, probe))
            return buf;
    }
    if (dir[0]) {
        snprintf(buf, size, "%s/%s/%s", dir, RS_REL_DATA_DIR, sub);
        if (holds(buf, probe)) {
            canonical(buf, size);
            return buf;
        }
    }
    snprintf(buf, size, "%s/%s", RS_INSTALL_DATA_DIR, sub);
    if (holds(buf, probe))
        return buf;
    snprintf(buf, size, "%s/%s", RS_SOURCE_DIR, sub); /* a binary copied out of its build tree */
    return holds(buf, probe) ? buf : NULL;
}

int rs_find_spec(const char *name, char *buf, size_t size)
{
    char dir[PATH_MAX];
    if (strchr(name, '/') || is_file(name)
        || !rs_data_dir("rules", NULL, "RULESET_RULES_DIR", dir, sizeof dir))
        return -1;
    snprintf(buf, size, "%s/%s", dir, name);
    if (is_file(buf))
        return 0;
    snprintf(buf, size, "%s/%s.json", dir, name);
    return is_file(buf) ? 0 : -1;
}
