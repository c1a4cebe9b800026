/* strbuf.h: a growable string. Writers append; after the first failed allocation every later
 * append is dropped and `oom` stays set, so a caller checks once at the end. */
#ifndef RS_STRBUF_H
#define RS_STRBUF_H

#include <stddef.h>

#include <ruleset/abi.h>

typedef struct rs_strbuf {
    char *s;     /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    int oom;
} rs_strbuf;

void rs_sb_putn(rs_strbuf *b, const char *s, size_t n);
void rs_sb_puts(rs_strbuf *b, const char *s);
void rs_sb_printf(rs_strbuf *b, const char *fmt, ...) RS_PRINTF(2, 3);
/* Numbers as printf's %.*g, %lld and %llu write them, without printf (numfmt.h). */
void rs_sb_g(rs_strbuf *b, double v, int prec);
void rs_sb_i(rs_strbuf *b, long long v);
void rs_sb_u(rs_strbuf *b, unsigned long long v);
/* s as a JSON string: quoted, with " \ and control characters escaped. */
void rs_sb_json_str(rs_strbuf *b, const char *s);
/* Take the text (the caller frees it; NULL after oom) and empty b. */
char *rs_sb_take(rs_strbuf *b);
void rs_sb_free(rs_strbuf *b);

#endif
