/* tsv.h: text fields of the run folder's TSV files (journal, curves, summary), escaped as
 * PostgreSQL's COPY text format does: backslash, tab, newline and carriage return become \\,
 * \t, \n and \r, so a field never splits a line or a column and reads back unchanged. */
#ifndef RS_TSV_H
#define RS_TSV_H

#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/* Append s to b, escaped. */
void rs_tsv_escape_sb(rs_strbuf *b, const char *s);
/* Write s to f, escaped. */
void rs_tsv_escape_file(FILE *f, const char *s);
/* Undo the escapes of s in place (an unknown escape keeps its character); returns s. */
char *rs_tsv_unescape(char *s);
/* Whether s holds a control character (below 0x20, or 0x7f); names and labels may not. */
int rs_has_control(const char *s);
/* Copy at most size-1 bytes of s to out with each control byte (ESC, CR, ...) shown as '?',
 * so text a plugin wrote cannot move the cursor or hide a line of the terminal; returns out. */
char *rs_sanitize(char *out, size_t size, const char *s);

#endif
