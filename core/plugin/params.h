/* params.h: parameter values validated against a plugin's rs_param_spec table. */
#ifndef RS_PARAMS_H
#define RS_PARAMS_H

#include <ruleset/plugin.h>

#include "strbuf.h"

struct cJSON;

#define RS_MAX_PARAMS 64

struct rs_params {
    const rs_param_spec *spec; /* the plugin's table */
    const char *plugin;        /* the plugin's name, for messages */
    uint32_t n;                /* entries in spec */
    double num[RS_MAX_PARAMS];       /* REAL, INT, BOOL values */
    char *str[RS_MAX_PARAMS];        /* CHOICE, STR values (owned) */
    unsigned char set[RS_MAX_PARAMS]; /* given explicitly (not a default) */
    const rs_plugin_head *head; /* the plugin, where it is known: host->task_shared needs it */
};

/* Defaults for every entry of `spec`. NULL on out-of-memory. */
rs_params *rs_params_create(const rs_param_spec *spec, const char *plugin);
void rs_params_destroy(rs_params *p);
rs_params *rs_params_clone(const rs_params *p);
/* Set one value from JSON (number, bool or string). On error writes one line to err and
 * returns RS_ERR_PARAM: unknown key (with the known ones), wrong type, out of range. */
rs_status rs_params_set_json(rs_params *p, const char *key, const struct cJSON *value, char *err,
                             size_t err_size);
/* Set from text, as in "lr=0.1": numbers, true/false, choices. */
rs_status rs_params_set_text(rs_params *p, const char *key, const char *text, char *err,
                             size_t err_size);
int rs_params_index(const rs_params *p, const char *key); /* -1 if absent */
/* "lr=0.1,loss=bce" of the explicitly set values, in table order; "" when none. */
void rs_params_label(const rs_params *p, char *buf, size_t size);
/* The resolved values as canonical text, appended to b: "k=v,k=v" of every value that differs
 * from the table's default, in table order; numbers in the shortest form that reads back as the
 * same double, booleans true/false. Two parameter sets give the same text exactly when every
 * resolved value is the same, however they were spelled ("" when all are defaults). `force`
 * (NULL, or one flag per entry) adds entries even at their default (a label's swept keys). */
void rs_params_canonical(const rs_params *p, const unsigned char *force, rs_strbuf *b);
/* Validate a table itself (loader): names, types, defaults in range. 0 ok, else a message. */
int rs_param_table_check(const rs_param_spec *spec, char *err, size_t err_size);
/* The rs_param_type of an entry, without the RS_PARAM_OPEN_* flags. */
uint32_t rs_param_base(const rs_param_spec *s);
/* "[0, 10]", "(0, 10]", "[2, 1000000]" (an INT range in whole numbers). */
void rs_param_range_text(const rs_param_spec *s, char *buf, size_t size);
/* Entry i as the rs_real an activation built against ABI >= 1.2 receives (plugin.h): REAL and
 * INT their value, BOOL 0/1, CHOICE the index of the choice, STR 0. */
rs_real rs_params_as_real(const rs_params *p, int i);
/* Format one value of entry i as text. */
void rs_params_value_text(const rs_params *p, int i, char *buf, size_t size);

/* The host functions behind host->param_* (abort the job on an undeclared name). */
double rs_param_real(const rs_params *p, const char *name);
int64_t rs_param_int(const rs_params *p, const char *name);
int rs_param_bool(const rs_params *p, const char *name);
const char *rs_param_str(const rs_params *p, const char *name);

#endif
