/* runopts.c: see runopts.h. */
#include "runopts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rs_shard_parse(const char *text, size_t *i, size_t *n)
{
    char *end;
    errno = 0;
    unsigned long a = strtoul(text, &end, 10);
    if (errno || end == text || *end != '/' || text[0] == '-')
        return -1;
    const char *b_text = end + 1;
    unsigned long b = strtoul(b_text, &end, 10);
    if (errno || end == b_text || *end || b_text[0] == '-' || b == 0 || a >= b)
        return -1;
    *i = a;
    *n = b;
    return 0;
}

int rs_runopts_parse(int *argc, char **argv, rs_runopts *o)
{
    memset(o, 0, sizeof *o);
    int out = 0, rc = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i], *v = i + 1 < *argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--isolate")) {
            o->isolate = RS_ISOLATE_ALL;
        } else if (!strcmp(a, "--no-isolate")) {
            o->isolate = RS_ISOLATE_NONE;
        } else if (!strcmp(a, "--shard") || !strcmp(a, "--job-timeout")) {
            if (!v) {
                fprintf(stderr, "ruleset: %s needs a value\n", a);
                rc = -1;
                break;
            }
            i++;
            if (a[2] == 's') {
                if (rs_shard_parse(v, &o->shard, &o->n_shards)) {
                    fprintf(stderr, "ruleset: --shard takes I/N with 0 <= I < N (this process "
                                    "runs every N-th job from the I-th on), got '%s'\n", v);
                    rc = -1;
                    break;
                }
            } else {
                char *end;
                errno = 0;
                double t = strtod(v, &end);
                if (errno || end == v || *end || !isfinite(t) || t <= 0) {
                    fprintf(stderr, "ruleset: --job-timeout takes a number of seconds > 0, got "
                                    "'%s'\n", v);
                    rc = -1;
                    break;
                }
                o->job_timeout = t;
            }
        } else {
            argv[out++] = argv[i];
        }
    }
    if (rc == 0) {
        *argc = out;
        argv[out] = NULL;
    }
    return rc;
}
