/* csv_parse.c: numeric CSV files (see ds_parse.h). Cells are split at commas outside double
 * quotes (RFC 4180's quoting, "" inside quotes being one quote); a data cell must read whole
 * as a finite number with strtod. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_parse.h"

typedef struct cursor {
    const char *buf;
    size_t len, pos;
    uint32_t line; /* the line number of the line last returned */
} cursor;

static int blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* The next non-blank line as [*start, *end), newline excluded; 0 at the end of the buffer. */
static int next_line(cursor *c, size_t *start, size_t *end)
{
    while (c->pos < c->len) {
        size_t s = c->pos, e = s;
        while (e < c->len && c->buf[e] != '\n')
            e++;
        c->pos = e < c->len ? e + 1 : e;
        c->line++;
        size_t k = s;
        while (k < e && blank(c->buf[k]))
            k++;
        if (k < e) {
            *start = s;
            *end = e;
            return 1;
        }
    }
    return 0;
}

/* Where the cell starting at p ends (a comma outside quotes, or end). */
static size_t cell_end(const char *b, size_t p, size_t end)
{
    int quoted = 0;
    for (; p < end; p++) {
        if (b[p] == '"')
            quoted = !quoted;
        else if (b[p] == ',' && !quoted)
            return p;
    }
    return end;
}

/* The cell's text, spaces trimmed and outer quotes removed, into out (NUL-terminated,
 * truncated to size); returns its length before truncation. */
static size_t cell_text(const char *b, size_t s, size_t e, char *out, size_t size)
{
    while (s < e && blank(b[s]))
        s++;
    while (e > s && blank(b[e - 1]))
        e--;
    if (e - s >= 2 && b[s] == '"' && b[e - 1] == '"') {
        s++;
        e--;
    }
    size_t n = 0;
    for (size_t i = s; i < e; i++) {
        if (b[i] == '"' && i + 1 < e && b[i + 1] == '"')
            i++; /* "" is one quote */
        if (n + 1 < size)
            out[n] = b[i];
        n++;
    }
    out[n + 1 < size ? n : size - 1] = '\0';
    return n;
}

static int cell_number(const char *text, size_t n, double *v)
{
    if (n == 0 || n > 63 || strlen(text) != n) /* a NUL byte inside is no number */
        return 0;
    char *end;
    *v = strtod(text, &end);
    return *end == '\0' && isfinite(*v);
}

/* Cells of the line [s, e): their count; with check, every one must be a number (else -1 and
 * the message). */
static long line_cells(const char *b, size_t s, size_t e, int check, double *vals,
                       uint32_t line, char *err, size_t err_size)
{
    long n = 0;
    for (size_t p = s;; n++) {
        size_t ce = cell_end(b, p, e);
        if (check || vals) {
            char text[72];
            double v;
            size_t len = cell_text(b, p, ce, text, sizeof text);
            if (!cell_number(text, len, &v)) {
                if (err)
                    snprintf(err, err_size, "line %u, column %ld: %s%s%s is not a number", line,
                             n + 1, len ? "'" : "an empty cell", len ? text : "",
                             len ? (len >= sizeof text ? "...'" : "'") : "");
                return -1;
            }
            if (vals)
                vals[n] = v;
        }
        if (ce >= e)
            return n + 1;
        p = ce + 1;
    }
}

int ds_csv_scan(const char *buf, size_t len, int header, ds_csv *out, char *err,
                size_t err_size)
{
    memset(out, 0, sizeof *out);
    cursor c = { .buf = buf, .len = len };
    size_t s, e;
    if (!next_line(&c, &s, &e)) {
        snprintf(err, err_size, "empty: no lines");
        return -1;
    }
    long n = line_cells(buf, s, e, 0, NULL, c.line, NULL, 0);
    if (n > 100000) {
        snprintf(err, err_size, "line %u: %ld columns, more than 100000", c.line, n);
        return -1;
    }
    out->n_cols = (uint32_t)n;
    uint32_t first = c.line;
    if (header < 0) /* auto: a header has some cell that is not a number */
        header = line_cells(buf, s, e, 1, NULL, first, NULL, 0) < 0;
    if (header) {
        out->has_header = 1;
        out->header_line = first;
        out->data_start = c.pos;
    } else {
        out->data_start = s;
        c.pos = s;
        c.line = first - 1;
    }
    while (next_line(&c, &s, &e)) {
        long k = line_cells(buf, s, e, 0, NULL, c.line, NULL, 0);
        if (k != (long)out->n_cols) {
            snprintf(err, err_size, "line %u: %ld cells, line %u has %u (a ragged row)", c.line,
                     k, first, out->n_cols);
            return -1;
        }
        if (line_cells(buf, s, e, 1, NULL, c.line, err, err_size) < 0)
            return -1;
        if (++out->n_rows == UINT32_MAX) {
            snprintf(err, err_size, "line %u: more than %u rows", c.line, UINT32_MAX - 1);
            return -1;
        }
    }
    if (out->n_rows == 0) {
        snprintf(err, err_size, "no data rows%s", out->has_header ? " after the header" : "");
        return -1;
    }
    return 0;
}

void ds_csv_column_name(const char *buf, size_t len, const ds_csv *c, uint32_t col, char *name,
                        size_t size)
{
    name[0] = '\0';
    if (!c->has_header)
        return;
    cursor cur = { .buf = buf, .len = len };
    size_t s, e;
    if (!next_line(&cur, &s, &e))
        return;
    for (uint32_t k = 0; k <= col; k++) {
        size_t ce = cell_end(buf, s, e);
        if (k == col)
            cell_text(buf, s, ce, name, size);
        if (ce >= e)
            return;
        s = ce + 1;
    }
}

void ds_csv_fill(const char *buf, size_t len, const ds_csv *c, double *out, uint32_t *lines)
{
    cursor cur = { .buf = buf, .len = len, .pos = c->data_start,
                   .line = c->has_header ? c->header_line : 0 };
    if (!c->has_header) { /* count the lines before the first data line */
        for (size_t i = 0; i < c->data_start; i++)
            cur.line += buf[i] == '\n';
    }
    size_t s, e;
    for (uint32_t r = 0; r < c->n_rows && next_line(&cur, &s, &e); r++) {
        line_cells(buf, s, e, 1, out + (size_t)r * c->n_cols, cur.line, NULL, 0);
        if (lines)
            lines[r] = cur.line;
    }
}
