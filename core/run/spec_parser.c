/* spec_parser.c: see spec_parser.h. */
#include "spec_parser.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int rs_spec_locate(const char *text, const char *const *keys, const int *occ, int n_keys)
{
    const char *pos = text;
    for (int k = 0; k < n_keys; k++) {
        char q[160];
        snprintf(q, sizeof q, "\"%s\"", keys[k]);
        for (int o = 0; o <= occ[k]; o++) {
            const char *hit = strstr(pos, q);
            if (!hit)
                return 0;
            pos = hit + 1;
        }
    }
    int line = 1;
    for (const char *c = text; c < pos; c++)
        line += *c == '\n';
    return line;
}

void rs_spec_fail(parser *ps, int line, const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(ps->err, ps->err_size, "%s:%d: %s: %s", ps->file, line, path, msg);
    else
        snprintf(ps->err, ps->err_size, "%s: %s: %s", ps->file, path, msg);
}

int rs_spec_number(const cJSON *v, double lo, double hi, int whole)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi
        && (!whole || v->valuedouble == floor(v->valuedouble));
}

void rs_spec_fail_key(parser *ps, const char *key, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *k[] = { key };
    int o[] = { 0 };
    rs_spec_fail(ps, rs_spec_locate(ps->text, k, o, 1), key, "%s", msg);
}
