/* strbuf.c: see strbuf.h. */
#include "strbuf.h"

#include "numfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL; 0 ok. Doubling keeps appends amortised O(1). */
static int reserve(rs_strbuf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->s = p;
    b->cap = cap;
    return 0;
}

void rs_sb_putn(rs_strbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rs_sb_puts(rs_strbuf *b, const char *s) { rs_sb_putn(b, s, strlen(s)); }

void rs_sb_printf(rs_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->oom = 1;
        return;
    }
    if (reserve(b, (size_t)need) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)need;
}

void rs_sb_g(rs_strbuf *b, double v, int prec)
{
    if (reserve(b, RS_FMT_MAX) == 0)
        b->len += (size_t)rs_fmt_g(b->s + b->len, v, prec);
}

void rs_sb_i(rs_strbuf *b, long long v)
{
    if (reserve(b, RS_FMT_MAX) == 0)
        b->len += (size_t)rs_fmt_i(b->s + b->len, v);
}

void rs_sb_u(rs_strbuf *b, unsigned long long v)
{
    if (reserve(b, RS_FMT_MAX) == 0)
        b->len += (size_t)rs_fmt_u(b->s + b->len, v);
}

void rs_sb_json_str(rs_strbuf *b, const char *s)
{
    rs_sb_putn(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        size_t run = 0; /* the characters that need no escape, in one append */
        while (c[run] && c[run] != '"' && c[run] != '\\' && c[run] >= 0x20)
            run++;
        rs_sb_putn(b, (const char *)c, run);
        c += run;
        if (!*c)
            break;
        if (*c == '"' || *c == '\\')
            rs_sb_printf(b, "\\%c", *c);
        else
            rs_sb_printf(b, "\\u%04x", *c);
    }
    rs_sb_putn(b, "\"", 1);
}

char *rs_sb_take(rs_strbuf *b)
{
    char *s = b->oom ? NULL : b->s;
    if (b->oom)
        free(b->s);
    *b = (rs_strbuf){ 0 };
    return s;
}

void rs_sb_free(rs_strbuf *b)
{
    free(b->s);
    *b = (rs_strbuf){ 0 };
}
