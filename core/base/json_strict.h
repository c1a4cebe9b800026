/* json_strict.h: what every JSON file ruleset reads must pass besides cJSON's parse (specs,
 * weights files, saved networks and each line of nets.jsonl). cJSON is lenient where a reader
 * of results must not be: it skips any byte below 0x21 as white space, takes raw control bytes
 * inside strings, numbers such as "+1", "01" or ".5", text after the value (cJSON_Parse), and
 * keeps both copies of a key, so which one wins depends on the lookup. This scanner walks the
 * text once, in JSON's own grammar (RFC 8259), and names the first place that breaks it. */
#ifndef RS_JSON_STRICT_H
#define RS_JSON_STRICT_H

#include <stddef.h>

/* 0 when text is exactly one JSON value (a UTF-8 byte-order mark and white space around it
 * allowed) with no key twice in any object; otherwise -1 and one line in err:
 *   "NAME:LINE:COL: raw control byte 0x01 between tokens; ..."
 *   "NAME:LINE: duplicate key 'lr' (first at line 9); ..." */
int rs_json_strict_check(const char *text, const char *name, char *err, size_t err_size);

#endif
