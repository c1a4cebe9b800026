/* fuzzutil.c: see fuzzutil.h. */
#include "fuzzutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rs_registry *reg;
static char dir[256];

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void free_registry(void) { rs_registry_destroy(reg); }

const rs_registry *fuzz_registry(void)
{
    if (!reg) {
        reg = rs_registry_create();
        if (!reg)
            fuzz_fail("no memory for the registry");
        rs_registry_discover(reg, NULL, 0, NULL, 0);
        if (reg->n_plugins == 0)
            fuzz_fail("no plugins found; set RULESET_PLUGIN_PATH");
        atexit(free_registry);
    }
    return reg;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        fuzz_fail("out of memory");
    memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

const char *fuzz_dir(void)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/rsfuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            fuzz_fail("cannot make a temporary folder");
        atexit(remove_dir);
    }
    return dir;
}

void fuzz_write(const char *name, const uint8_t *data, size_t size, char *out, size_t out_size)
{
    snprintf(out, out_size, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fuzz_fail("cannot write the input file");
}

void fuzz_write_text(const char *name, const char *text, char *out, size_t out_size)
{
    fuzz_write(name, (const uint8_t *)text, strlen(text), out, out_size);
}

void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
}
