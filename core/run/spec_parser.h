/* spec_parser.h: what the spec parser's files (spec.c, spec_items.c, spec_nets.c) share.
 * cJSON keeps no positions, so syntax errors turn cJSON's end pointer into line:column, and
 * semantic errors find their line by searching the text for the keys on the JSON path, in
 * order. */
#ifndef RS_SPEC_PARSER_H
#define RS_SPEC_PARSER_H

#include <cjson/cJSON.h>

#include "spec.h"

typedef struct parser {
    const char *text, *file;
    const rs_registry *reg;
    char *err;
    size_t err_size;
    rs_spec *spec; /* for tasks' own networks */
} parser;

/* Line of the occ-th (0-based) quoted occurrence of each key in turn; 0 if not found. */
int rs_spec_locate(const char *text, const char *const *keys, const int *occ, int n_keys);
/* "FILE:LINE: PATH: message" into ps->err (no line when 0). */
void rs_spec_fail(parser *ps, int line, const char *path, const char *fmt, ...) RS_PRINTF(4, 5);
/* The same for the top-level key `key`, found in the text. */
void rs_spec_fail_key(parser *ps, const char *key, const char *fmt, ...) RS_PRINTF(3, 4);
/* A number in [lo, hi], whole when `whole`. */
int rs_spec_number(const cJSON *v, double lo, double hi, int whole);

typedef struct item_list {
    rs_item *items;
    size_t n, cap;
} item_list;

/* The rules or tasks list `arr` of `section`, every sweep expanded, appended to out. 0, or -1
 * with ps->err. Tasks' own networks are appended to ps->spec->nets. */
int rs_spec_parse_items(parser *ps, const cJSON *arr, const char *section, int kind,
                        item_list *out);
/* Network `index` of a "networks" list. 0, or -1 with ps->err. */
int rs_spec_parse_net(parser *ps, const cJSON *el, int index, rs_netspec *ns);

#endif
