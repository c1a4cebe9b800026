/* gnuplot.c: see gnuplot.h. */
#include "gnuplot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h" /* RS_EXIT_* */
#include "paths.h" /* rs_data_dir */

/* Linux caps one argument at 128 KiB, so the assignments go to gnuplot as several -e
 * arguments: gp_next, called after each complete assignment, starts a new chunk with a '\n'
 * (which no label can hold: they come from TSV lines) once the current one passes 60 000. */
void rs_gp_next(rs_gpvars *v)
{
    if (v->b.len - v->mark > 60000) {
        rs_sb_putn(&v->b, "\n", 1);
        v->mark = v->b.len;
    }
}

/* name='value' with ' doubled: gnuplot's single-quoted strings take everything else literally,
 * so brackets, '=', ',', ':', '%', '\' and spaces in labels are safe. */
void rs_gp_str(rs_gpvars *v, const char *name, const char *val)
{
    rs_sb_puts(&v->b, name);
    rs_sb_puts(&v->b, "='");
    for (const char *p = val; *p; p++)
        rs_sb_putn(&v->b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
    rs_sb_puts(&v->b, "'; ");
    rs_gp_next(v);
}

void rs_gp_int(rs_gpvars *v, const char *name, long value)
{
    rs_sb_printf(&v->b, "%s=%ld; ", name, value);
    rs_gp_next(v);
}

void rs_gp_reset(rs_gpvars *v)
{
    v->b.len = v->mark = 0;
    if (v->b.s)
        v->b.s[0] = '\0';
}

char *rs_join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The first executable "gnuplot" on $PATH (an empty entry means the current folder). */
char *rs_gp_find(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *dir = n ? strndup(p, n) : strdup(".");
        char *exe = dir ? rs_join_path(dir, "gnuplot") : NULL;
        free(dir);
        if (exe && is_exec_file(exe))
            return exe;
        free(exe);
        if (!end)
            return NULL;
        p = end + 1;
    }
}

static int has_script(const char *dir)
{
    char *p = rs_join_path(dir, "curves.gp");
    int ok = p && access(p, R_OK) == 0;
    free(p);
    return ok;
}

/* $RULESET_SCRIPTS_DIR, else the scripts of this binary (paths.h): the source tree's for a
 * build-tree binary, the installed ones (found beside the executable) for an installed one. */
const char *rs_gp_scripts(int *rc)
{
    const char *env = getenv("RULESET_SCRIPTS_DIR");
    if (env && *env) {
        if (has_script(env))
            return env;
        fprintf(stderr, "ruleset: RULESET_SCRIPTS_DIR=%s: no curves.gp there; point it at "
                "ruleset's scripts folder or unset it\n", env);
        *rc = RS_EXIT_INPUT;
        return NULL;
    }
    static char dir[4200];
    if (rs_data_dir("scripts", "curves.gp", NULL, dir, sizeof dir))
        return dir;
    fprintf(stderr, "ruleset: cannot find the gnuplot scripts (curves.gp) beside this ruleset, "
            "in " RS_SOURCE_DIR "/scripts or " RS_INSTALL_DATA_DIR "/scripts; set "
            "RULESET_SCRIPTS_DIR to the folder holding them\n");
    *rc = RS_EXIT_INTERNAL;
    return NULL;
}

/* gnuplot -d -e CHUNK1 [-e CHUNK2 ...] DIR/SCRIPT, no shell in between; VARS holds the chunks
 * separated by '\n' and is split in place. Returns 0, or prints one line and returns 3. */
int rs_gp_run(const char *gnuplot, char *vars, const char *dir, const char *name)
{
    size_t nchunk = 1;
    for (const char *p = vars; *p; p++)
        nchunk += *p == '\n';
    char *script = rs_join_path(dir, name);
    char **args = calloc(2 * nchunk + 4, sizeof *args);
    char arg0[] = "gnuplot", arg1[] = "-d", dash_e[] = "-e";
    if (!script || !args) {
        fprintf(stderr, "ruleset: out of memory\n");
        free(script);
        free(args);
        return RS_EXIT_INTERNAL;
    }
    size_t k = 0;
    args[k++] = arg0;
    args[k++] = arg1;
    for (char *p = vars; p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        args[k++] = dash_e;
        args[k++] = p;
        p = nl ? nl + 1 : NULL;
    }
    args[k++] = script;
    args[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        execv(gnuplot, args);
        fprintf(stderr, "ruleset: %s: cannot run (%s)\n", gnuplot, strerror(errno));
        _exit(127);
    }
    int status = 0, rc = RS_EXIT_INTERNAL;
    if (pid < 0)
        fprintf(stderr, "ruleset: cannot start gnuplot (%s)\n", strerror(errno));
    else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            rc = 0;
        else if (WIFEXITED(status))
            fprintf(stderr, "ruleset: gnuplot failed on %s (exit %d); its message is above\n",
                    script, WEXITSTATUS(status));
        else
            fprintf(stderr, "ruleset: gnuplot was killed (signal %d) running %s\n",
                    WIFSIGNALED(status) ? WTERMSIG(status) : 0, script);
    }
    free(script);
    free(args);
    return rc;
}
