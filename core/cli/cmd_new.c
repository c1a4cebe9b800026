/* cmd_new.c: `ruleset new rule NAME`: write NAME.c, a complete working rule (sign-SGD) with a
 * comment on every callback, to start a plugin from; print the one-line command that builds
 * it. The template is core/cli/new_rule.c.in, compiled in (core/CMakeLists.txt), so an installed
 * ruleset needs no source tree for it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "paths.h"

extern const char rs_new_rule_template[];

static const char usage[] =
    "usage: ruleset new rule NAME\n"
    "  writes NAME.c, a working learning rule (sign-SGD) to edit, and prints the command that\n"
    "  builds it into rules/NAME.so, where `ruleset compare` finds it. NAME: [a-z0-9_]+\n";

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
static char *render(const char *name)
{
    static const char mark[] = "@NAME@";
    size_t n = 0, len = strlen(name);
    for (const char *p = rs_new_rule_template; (p = strstr(p, mark)); p += sizeof mark - 1)
        n++;
    char *out = malloc(strlen(rs_new_rule_template) + n * len + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = rs_new_rule_template;;) {
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

int rs_cmd_new(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(usage, stdout);
        return RS_EXIT_OK;
    }
    if (argc != 3 || strcmp(argv[1], "rule") != 0) {
        fprintf(stderr, "ruleset: new: %s\n%s",
                argc >= 2 && strcmp(argv[1], "rule") != 0
                    ? "only rules can be generated; activations and tasks follow the same "
                      "pattern (docs/PLUGINS.md)"
                    : "expected 'rule NAME'",
                usage);
        return RS_EXIT_INPUT;
    }
    const char *name = argv[2];
    if (!valid_name(name)) {
        fprintf(stderr, "ruleset: new: '%s' is not a plugin name: use 1-63 characters of "
                        "[a-z0-9_], not starting with a digit\n", name);
        return RS_EXIT_INPUT;
    }
    char path[128];
    snprintf(path, sizeof path, "%s.c", name);
    char *text = render(name);
    if (!text) {
        fprintf(stderr, "ruleset: out of memory\n");
        return RS_EXIT_INTERNAL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644); /* never overwrite someone's work */
    if (fd < 0) {
        fprintf(stderr, "ruleset: new: cannot create %s (%s)%s\n", path, strerror(errno),
                errno == EEXIST ? "; choose another name or move the file away" : "");
        free(text);
        return errno == EEXIST ? RS_EXIT_INPUT : RS_EXIT_INTERNAL;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    free(text);
    if (close(fd) != 0 || w < 0 || (size_t)w != len) {
        fprintf(stderr, "ruleset: new: %s: cannot write (%s)\n", path, strerror(errno));
        unlink(path);
        return RS_EXIT_INTERNAL;
    }
    /* From a build tree the headers are in the source tree; installed, pkg-config knows them
     * (set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a prefix outside the default search). */
    char cflags[4200];
    if (rs_in_build_tree())
        snprintf(cflags, sizeof cflags, "-I%s/include", RS_SOURCE_DIR);
    else
        snprintf(cflags, sizeof cflags, "$(pkg-config --cflags ruleset)");
    fprintf(stderr, "ruleset: wrote %s: rule '%s' (sign-SGD, ready to edit); build it into "
                    "rules/, where 'ruleset compare' finds it, with:\n", path, name);
    printf("mkdir -p rules && cc -shared -fPIC -O2 -Wall %s %s -o rules/%s.so\n", cflags, path,
           name);
    return RS_EXIT_OK;
}
