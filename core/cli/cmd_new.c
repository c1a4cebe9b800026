/* cmd_new.c: `ruleset new rule|task|activation NAME`: write NAME.c, a complete working plugin
 * of that kind (sign-SGD, the majority function, swish) with a comment on every callback, to
 * start a plugin from, and print the one-line command that builds it; `ruleset new cmake`:
 * write CMakeLists.txt, a project building every .c of the folder into rules/. The templates
 * are core/cli/new_*.in, compiled in (core/CMakeLists.txt), so an installed ruleset needs no
 * source tree for them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "paths.h"

extern const char rs_new_rule_template[], rs_new_task_template[],
    rs_new_activation_template[], rs_new_cmake_template[];

/* What `ruleset new KIND` writes. */
static const struct scaffold {
    const char *kind, *template, *try_it;
} scaffolds[] = {
    { "rule", rs_new_rule_template,
      "ruleset compare --rule %s --task gates:gate=xor --net 2-4-1" },
    { "task", rs_new_task_template,
      "ruleset compare --task %s:bits=5 --rule backprop --net 5-4-1" },
    { "activation", rs_new_activation_template,
      "ruleset compare --task gates:gate=xor --rule backprop --net 2-4-1 --act %s,sigmoid" },
};

static const char usage[] =
    "usage: ruleset new rule|task|activation NAME | ruleset new cmake\n"
    "  rule NAME         writes NAME.c, a working learning rule (sign-SGD) to edit\n"
    "  task NAME         writes NAME.c, a working task (majority of an odd number of bits)\n"
    "  activation NAME   writes NAME.c, a working activation (swish, a real parameter beta)\n"
    "  cmake             writes CMakeLists.txt: every .c here built into rules/NAME.so\n"
    "  Each prints the command that builds it; a plugin in ./rules/ is found by every\n"
    "  command run from here. NAME: [a-z0-9_]+. An existing file is never overwritten.\n";

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* The template with every @NAME@ replaced; NULL when out of memory. */
static char *render(const char *tpl, const char *name)
{
    static const char mark[] = "@NAME@";
    size_t n = 0, len = strlen(name);
    for (const char *p = tpl; (p = strstr(p, mark)); p += sizeof mark - 1)
        n++;
    char *out = malloc(strlen(tpl) + n * len + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tpl;;) {
        const char *m = strstr(p, mark);
        size_t k = m ? (size_t)(m - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!m)
            break;
        memcpy(o, name, len);
        o += len;
        p = m + sizeof mark - 1;
    }
    *o = '\0';
    return out;
}

/* Write text into path, never over an existing file; 0, or the exit code after one line. */
static int write_new(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644); /* never overwrite someone's work */
    if (fd < 0) {
        int e = errno;
        fprintf(stderr, "ruleset: new: cannot create %s (%s)%s\n", path, strerror(e),
                e == EEXIST ? "; choose another name or move the file away" : "");
        return e == EEXIST ? RS_EXIT_INPUT : RS_EXIT_INTERNAL;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    if (close(fd) != 0 || w < 0 || (size_t)w != len) {
        fprintf(stderr, "ruleset: new: %s: cannot write (%s)\n", path, strerror(errno));
        unlink(path);
        return RS_EXIT_INTERNAL;
    }
    return 0;
}

/* From a build tree the headers are in the source tree; installed, pkg-config knows them
 * (set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a prefix outside the default search). */
static void sdk_cflags(char *buf, size_t size)
{
    if (rs_in_build_tree())
        snprintf(buf, size, "-I%s/include", RS_SOURCE_DIR);
    else
        snprintf(buf, size, "$(pkg-config --cflags ruleset)");
}

static int new_cmake(void)
{
    int rc = write_new("CMakeLists.txt", rs_new_cmake_template);
    if (rc)
        return rc;
    fprintf(stderr, "ruleset: wrote CMakeLists.txt: every .c file here becomes rules/NAME.so; "
                    "build with:\n");
    if (rs_in_build_tree())
        printf("cmake -S . -B build -DRULESET_INCLUDE_DIR=%s/include && cmake --build build\n",
               RS_SOURCE_DIR);
    else
        printf("cmake -S . -B build && cmake --build build\n");
    return RS_EXIT_OK;
}

static int new_plugin(const struct scaffold *sc, const char *name)
{
    if (!valid_name(name)) {
        fprintf(stderr, "ruleset: new: '%s' is not a plugin name: use 1-63 characters of "
                        "[a-z0-9_], not starting with a digit\n", name);
        return RS_EXIT_INPUT;
    }
    char path[128];
    snprintf(path, sizeof path, "%s.c", name);
    char *text = render(sc->template, name);
    if (!text) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    int rc = write_new(path, text);
    free(text);
    if (rc)
        return rc;
    char cflags[4200], try_it[256];
    sdk_cflags(cflags, sizeof cflags);
    snprintf(try_it, sizeof try_it, sc->try_it, name);
    fprintf(stderr, "ruleset: wrote %s: %s '%s', ready to edit; build it into rules/, where "
                    "ruleset finds it, with the command below, then try: %s\n", path, sc->kind,
            name, try_it);
    printf("mkdir -p rules && cc -shared -fPIC -O2 -Wall %s %s -o rules/%s.so -lm\n", cflags,
           path, name);
    return RS_EXIT_OK;
}

int rs_cmd_new(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage, stdout);
        return RS_EXIT_OK;
    }
    if (argc == 2 && !strcmp(argv[1], "cmake"))
        return new_cmake();
    for (size_t i = 0; argc >= 2 && i < sizeof scaffolds / sizeof *scaffolds; i++)
        if (!strcmp(argv[1], scaffolds[i].kind)) {
            if (argc == 3)
                return new_plugin(&scaffolds[i], argv[2]);
            fprintf(stderr, "ruleset: new: expected '%s NAME'\n%s", scaffolds[i].kind, usage);
            return RS_EXIT_INPUT;
        }
    fprintf(stderr, "ruleset: new: %s\n%s",
            argc >= 2 ? "what to write: rule, task, activation or cmake"
                      : "expected 'rule NAME', 'task NAME', 'activation NAME' or 'cmake'",
            usage);
    return RS_EXIT_INPUT;
}
