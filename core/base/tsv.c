/* tsv.c: escaping of TSV text fields and of text from plugins (tsv.h). */
#include "tsv.h"

#include <string.h>

/* The escape of c, or 0 when c stands for itself. */
static char escape_of(char c)
{
    switch (c) {
    case '\\': return '\\';
    case '\t': return 't';
    case '\n': return 'n';
    case '\r': return 'r';
    }
    return 0;
}

void rs_tsv_escape_sb(rs_strbuf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        char e = escape_of(*p);
        if (e) {
            char pair[2] = { '\\', e };
            rs_sb_putn(b, pair, 2);
        } else
            rs_sb_putn(b, p, 1);
    }
}

void rs_tsv_escape_file(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        char e = escape_of(*p);
        if (e) {
            fputc('\\', f);
            fputc(e, f);
        } else
            fputc(*p, f);
    }
}

char *rs_tsv_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) {
            *w++ = *r;
            continue;
        }
        r++;
        *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
    }
    *w = '\0';
    return s;
}

int rs_has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

char *rs_sanitize(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n + 1 < size; p++)
        out[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
    if (size)
        out[n] = '\0';
    return out;
}
