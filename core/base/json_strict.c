/* json_strict.c: see json_strict.h. A recursive-descent scanner over JSON's grammar; it builds
 * nothing but each object's list of keys (decoded, so "a" and "\u0061" are the same key). */
#include "json_strict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 1000 /* cJSON's own nesting limit: deeper text never got this far */

typedef struct scan {
    const char *text, *p, *name;
    char *err;
    size_t err_size;
} scan;

typedef struct key {
    char *s;        /* decoded bytes */
    size_t n;
    const char *at; /* its opening quote, for the line */
} key;

static int line_of(const scan *s, const char *at, int *col)
{
    int line = 1;
    *col = 1;
    for (const char *c = s->text; c < at; c++) {
        if (*c == '\n') {
            line++;
            *col = 1;
        } else
            (*col)++;
    }
    return line;
}

static int fail(scan *s, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(scan *s, const char *at, const char *fmt, ...)
{
    int col, line = line_of(s, at, &col);
    int n = snprintf(s->err, s->err_size, "%s:%d:%d: ", s->name, line, col);
    if (n >= 0 && (size_t)n < s->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err + n, s->err_size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int skip_ws(scan *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
        s->p++;
    unsigned char c = (unsigned char)*s->p;
    if (c && c < 0x20)
        return fail(s, s->p, "raw control byte 0x%02x between tokens; JSON allows only space, "
                    "tab, newline and carriage return there: remove it", c);
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at s->p (its opening quote). With out (room for as many bytes as the raw text),
 * its decoded bytes go there and their count to *n. */
static int string(scan *s, char *out, size_t *n)
{
    const char *p = s->p + 1;
    size_t k = 0;
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\0')
            return fail(s, s->p, "string never closed; add the closing '\"'");
        if (c < 0x20)
            return fail(s, p, "raw control byte 0x%02x inside a string; JSON needs it escaped "
                        "(\\n, \\t or \\u00%02x)", c, c);
        if (c != '\\') {
            if (out)
                out[k++] = (char)c;
            p++;
            continue;
        }
        const char *esc = strchr("\"\\/bfnrt", p[1]);
        if (p[1] && esc) {
            if (out)
                out[k++] = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
            p += 2;
            continue;
        }
        unsigned cp, lo;
        if (p[1] != 'u' || hex4(p + 2, &cp))
            return fail(s, p, "bad escape in a string; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r "
                        "\\t and \\uXXXX");
        p += 6;
        if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u' && !hex4(p + 2, &lo)
            && lo >= 0xDC00 && lo < 0xE000) { /* a surrogate pair: one code point */
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        if (out)
            k += put_utf8(out + k, cp);
    }
    s->p = p + 1;
    if (n)
        *n = k;
    return 0;
}

static int number(scan *s)
{
    const char *p = s->p, *start = p;
    if (*p == '-')
        p++;
    int ok = 1;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        ok = 0;
    if (ok && *p == '.') {
        ok = p[1] >= '0' && p[1] <= '9';
        for (p++; *p >= '0' && *p <= '9';)
            p++;
    }
    if (ok && (*p == 'e' || *p == 'E')) {
        p += p[1] == '+' || p[1] == '-' ? 2 : 1;
        ok = *p >= '0' && *p <= '9';
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!ok || (*p && strchr("0123456789.+-eExX", *p)))
        return fail(s, start, "not a JSON number (JSON writes 1, -0.5, 2e-3: no '+', no leading "
                    "zeros, no bare '.', no hex)");
    s->p = p;
    return 0;
}

static int value(scan *s, int depth);

/* Is the key just read (decoded in k) already among the object's keys? */
static int check_duplicate(scan *s, const key *keys, size_t n, const key *k)
{
    for (size_t i = 0; i < n; i++) {
        if (keys[i].n != k->n || memcmp(keys[i].s, k->s, k->n) != 0)
            continue;
        char shown[64];
        size_t m = 0;
        for (size_t j = 0; j < k->n && m + 1 < sizeof shown; j++) /* printable, short */
            shown[m++] = k->s[j] >= 0x20 && k->s[j] < 0x7F ? k->s[j] : '?';
        shown[m] = '\0';
        int col, first = line_of(s, keys[i].at, &col), line = line_of(s, k->at, &col);
        snprintf(s->err, s->err_size, "%s:%d: duplicate key '%s' (first at line %d); keep one "
                 "of them", s->name, line, shown, first);
        return -1;
    }
    return 0;
}

static int object(scan *s, int depth)
{
    key *keys = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    s->p++;
    if (skip_ws(s))
        goto out;
    if (*s->p == '}') {
        s->p++;
        rc = 0;
        goto out;
    }
    for (;;) {
        if (*s->p != '"') {
            fail(s, s->p, "expected a key in double quotes");
            goto out;
        }
        if (n == cap) {
            key *nk = realloc(keys, (cap = cap ? 2 * cap : 8) * sizeof *nk);
            if (!nk) {
                fail(s, s->p, "out of memory");
                goto out;
            }
            keys = nk;
        }
        const char *at = s->p;
        if (string(s, NULL, NULL)) /* first its length: decoded, it is no longer than raw */
            goto out;
        key k = { malloc((size_t)(s->p - at)), 0, at };
        if (!k.s) {
            fail(s, at, "out of memory");
            goto out;
        }
        s->p = at;
        if (string(s, k.s, &k.n) || check_duplicate(s, keys, n, &k)) {
            free(k.s);
            goto out;
        }
        keys[n++] = k;
        if (skip_ws(s))
            goto out;
        if (*s->p != ':') {
            fail(s, s->p, "expected ':' after the key");
            goto out;
        }
        s->p++;
        if (skip_ws(s) || value(s, depth + 1) || skip_ws(s))
            goto out;
        if (*s->p == '}') {
            s->p++;
            rc = 0;
            goto out;
        }
        if (*s->p != ',') {
            fail(s, s->p, "expected ',' or '}'");
            goto out;
        }
        s->p++;
        if (skip_ws(s))
            goto out;
    }
out:
    for (size_t i = 0; i < n; i++)
        free(keys[i].s);
    free(keys);
    return rc;
}

static int array(scan *s, int depth)
{
    s->p++;
    if (skip_ws(s))
        return -1;
    if (*s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (value(s, depth + 1) || skip_ws(s))
            return -1;
        if (*s->p == ']') {
            s->p++;
            return 0;
        }
        if (*s->p != ',')
            return fail(s, s->p, "expected ',' or ']'");
        s->p++;
        if (skip_ws(s))
            return -1;
    }
}

static int value(scan *s, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(s, s->p, "nested more than %d deep", MAX_DEPTH);
    static const char *const words[] = { "true", "false", "null" };
    switch (*s->p) {
    case '{': return object(s, depth);
    case '[': return array(s, depth);
    case '"': return string(s, NULL, NULL);
    case 't':
    case 'f':
    case 'n':
        for (int i = 0; i < 3; i++) {
            size_t len = strlen(words[i]);
            if (!strncmp(s->p, words[i], len)) {
                s->p += len;
                return 0;
            }
        }
        break;
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9') || *s->p == '+' || *s->p == '.')
            return number(s);
    }
    return fail(s, s->p, "expected a value (an object, list, string, number, true, false or "
                "null)");
}

int rs_json_strict_check(const char *text, const char *name, char *err, size_t err_size)
{
    scan s = { text, text, name, err, err_size };
    if (!strncmp(s.p, "\xEF\xBB\xBF", 3)) /* a UTF-8 byte-order mark, as cJSON allows */
        s.p += 3;
    if (skip_ws(&s) || value(&s, 1) || skip_ws(&s))
        return -1;
    if (*s.p)
        return fail(&s, s.p, "text after the JSON value; a file holds one value (a stray "
                    "bracket, or a second object?): remove it");
    return 0;
}
