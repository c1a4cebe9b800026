/* params.c: plugin parameters: validation against the plugin's table, defaults, labels. */
#include "params.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

static int valid_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* The 0-based position of word in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t len = strlen(word);
    int k = 0;
    for (const char *q = choices; q && *q; k++) {
        const char *bar = strchr(q, '|');
        size_t n = bar ? (size_t)(bar - q) : strlen(q);
        if (n == len && strncmp(q, word, n) == 0)
            return k;
        q = bar ? bar + 1 : NULL;
    }
    return -1;
}

static int choice_has(const char *choices, const char *word)
{
    return choice_index(choices, word) >= 0;
}

uint32_t rs_param_base(const rs_param_spec *s) { return s->type & RS_PARAM_TYPE_MASK; }

/* Is v inside the entry's range, each end included unless flagged open? */
static int in_range(const rs_param_spec *s, double v)
{
    int lo_ok = s->type & RS_PARAM_OPEN_LO ? v > s->lo : v >= s->lo;
    int hi_ok = s->type & RS_PARAM_OPEN_HI ? v < s->hi : v <= s->hi;
    return lo_ok && hi_ok;
}

void rs_param_range_text(const rs_param_spec *s, char *buf, size_t size)
{
    const char *fmt = rs_param_base(s) == RS_PARAM_INT ? "%c%.0f, %.0f%c" : "%c%g, %g%c";
    snprintf(buf, size, fmt, s->type & RS_PARAM_OPEN_LO ? '(' : '[', s->lo, s->hi,
             s->type & RS_PARAM_OPEN_HI ? ')' : ']');
}

/* The flags of entry s: only REAL takes open ends. 0 ok, else a message. */
static int check_flags(const rs_param_spec *s, char *err, size_t err_size)
{
    uint32_t flags = s->type & ~RS_PARAM_TYPE_MASK;
    if (flags & ~(uint32_t)(RS_PARAM_OPEN_LO | RS_PARAM_OPEN_HI)) {
        snprintf(err, err_size, "parameter '%s' has unknown type %u", s->name, s->type);
        return 1;
    }
    if (flags && rs_param_base(s) != RS_PARAM_REAL) {
        snprintf(err, err_size, "parameter '%s': RS_PARAM_OPEN_LO/HI are for REAL parameters "
                 "(an INT range excludes an end by moving it)", s->name);
        return 1;
    }
    return 0;
}

int rs_param_table_check(const rs_param_spec *spec, char *err, size_t err_size)
{
    if (!spec)
        return 0;
    for (uint32_t i = 0; spec[i].name; i++) {
        const rs_param_spec *s = &spec[i];
        if (i >= RS_MAX_PARAMS) {
            snprintf(err, err_size, "more than %d parameters", RS_MAX_PARAMS);
            return 1;
        }
        if (!valid_name(s->name)) {
            snprintf(err, err_size, "parameter %u has an invalid name '%s' (want [a-z0-9_]+)",
                     i, s->name);
            return 1;
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(spec[j].name, s->name) == 0) {
                snprintf(err, err_size, "parameter '%s' is declared twice", s->name);
                return 1;
            }
        if (check_flags(s, err, err_size))
            return 1;
        char range[96];
        rs_param_range_text(s, range, sizeof range);
        switch (rs_param_base(s)) {
        case RS_PARAM_REAL:
        case RS_PARAM_INT:
            if (!in_range(s, s->def)) {
                snprintf(err, err_size, "parameter '%s': default %g outside its range %s",
                         s->name, s->def, range);
                return 1;
            }
            if (rs_param_base(s) == RS_PARAM_INT && s->def != floor(s->def)) {
                snprintf(err, err_size, "parameter '%s': integer default %g", s->name, s->def);
                return 1;
            }
            break;
        case RS_PARAM_BOOL:
            if (s->def != 0 && s->def != 1) {
                snprintf(err, err_size, "parameter '%s': boolean default %g", s->name, s->def);
                return 1;
            }
            break;
        case RS_PARAM_CHOICE:
            if (!s->choices || !s->def_str || !choice_has(s->choices, s->def_str)) {
                snprintf(err, err_size, "parameter '%s': default '%s' is not one of '%s'",
                         s->name, s->def_str ? s->def_str : "(null)",
                         s->choices ? s->choices : "(null)");
                return 1;
            }
            break;
        case RS_PARAM_STR:
            if (!s->def_str) {
                snprintf(err, err_size, "parameter '%s': string without a default", s->name);
                return 1;
            }
            break;
        default:
            snprintf(err, err_size, "parameter '%s' has unknown type %u", s->name, s->type);
            return 1;
        }
    }
    return 0;
}

rs_params *rs_params_create(const rs_param_spec *spec, const char *plugin)
{
    rs_params *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->spec = spec;
    p->plugin = plugin;
    for (uint32_t i = 0; spec && spec[i].name && i < RS_MAX_PARAMS; i++, p->n++) {
        p->num[i] = spec[i].def;
        if (spec[i].def_str && !(p->str[i] = strdup(spec[i].def_str))) {
            rs_params_destroy(p);
            return NULL;
        }
    }
    return p;
}

void rs_params_destroy(rs_params *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n; i++)
        free(p->str[i]);
    free(p);
}

rs_params *rs_params_clone(const rs_params *src)
{
    rs_params *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    *p = *src;
    for (uint32_t i = 0; i < p->n; i++)
        if (src->str[i])
            p->str[i] = strdup(src->str[i]);
    return p;
}

int rs_params_index(const rs_params *p, const char *key)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (strcmp(p->spec[i].name, key) == 0)
            return (int)i;
    return -1;
}

static rs_status unknown_key(const rs_params *p, const char *key, char *err, size_t err_size)
{
    rs_suggest near;
    rs_suggest_init(&near, key);
    for (uint32_t i = 0; i < p->n; i++)
        rs_suggest_offer(&near, p->spec[i].name);
    size_t used = (size_t)snprintf(err, err_size, "%s has no parameter '%s'; %s%s%sknown: ",
                                   p->plugin, key, near.best ? "did you mean '" : "",
                                   near.best ? near.best : "", near.best ? "'? " : "");
    for (uint32_t i = 0; i < p->n && used < err_size; i++)
        used += (size_t)snprintf(err + used, err_size - used, "%s%s", i ? ", " : "",
                                 p->spec[i].name);
    if (p->n == 0 && used < err_size)
        snprintf(err + used, err_size - used, "(none)");
    return RS_ERR_PARAM;
}

static rs_status set_number(rs_params *p, int i, double v, char *err, size_t err_size)
{
    const rs_param_spec *s = &p->spec[i];
    uint32_t type = rs_param_base(s);
    if (type == RS_PARAM_BOOL) {
        if (v != 0 && v != 1) {
            snprintf(err, err_size, "%s: '%s' is a boolean (true/false), got %g", p->plugin,
                     s->name, v);
            return RS_ERR_PARAM;
        }
    } else if (type == RS_PARAM_REAL || type == RS_PARAM_INT) {
        if (!isfinite(v) || !in_range(s, v)) {
            char range[96];
            rs_param_range_text(s, range, sizeof range);
            int at_open = (s->type & RS_PARAM_OPEN_LO && v == s->lo)
                          || (s->type & RS_PARAM_OPEN_HI && v == s->hi);
            if (at_open)
                snprintf(err, err_size, "%s: '%s' = %g is out of range %s; the end is excluded: "
                         "give a value %s %g", p->plugin, s->name, v, range,
                         v == s->lo ? "above" : "below", v);
            else
                snprintf(err, err_size, "%s: '%s' = %g is out of range %s", p->plugin, s->name,
                         v, range);
            return RS_ERR_PARAM;
        }
        if (type == RS_PARAM_INT && v != floor(v)) {
            snprintf(err, err_size, "%s: '%s' must be a whole number, got %g", p->plugin,
                     s->name, v);
            return RS_ERR_PARAM;
        }
    } else {
        snprintf(err, err_size, "%s: '%s' takes text%s%s, got the number %g", p->plugin,
                 s->name, s->choices ? ", one of " : "", s->choices ? s->choices : "", v);
        return RS_ERR_PARAM;
    }
    p->num[i] = v;
    p->set[i] = 1;
    return RS_OK;
}

static rs_status set_string(rs_params *p, int i, const char *v, char *err, size_t err_size)
{
    const rs_param_spec *s = &p->spec[i];
    uint32_t type = rs_param_base(s);
    if (type == RS_PARAM_CHOICE && !choice_has(s->choices, v)) {
        snprintf(err, err_size, "%s: '%s' = '%s' is not one of %s", p->plugin, s->name, v,
                 s->choices);
        return RS_ERR_PARAM;
    }
    if (type != RS_PARAM_CHOICE && type != RS_PARAM_STR) {
        snprintf(err, err_size, "%s: '%s' takes a number, got '%s'", p->plugin, s->name, v);
        return RS_ERR_PARAM;
    }
    char *copy = strdup(v);
    if (!copy) {
        snprintf(err, err_size, "out of memory");
        return RS_ERR_NOMEM;
    }
    free(p->str[i]);
    p->str[i] = copy;
    p->set[i] = 1;
    return RS_OK;
}

rs_status rs_params_set_json(rs_params *p, const char *key, const cJSON *value, char *err,
                             size_t err_size)
{
    int i = rs_params_index(p, key);
    if (i < 0)
        return unknown_key(p, key, err, err_size);
    if (cJSON_IsBool(value))
        return set_number(p, i, cJSON_IsTrue(value) ? 1 : 0, err, err_size);
    if (cJSON_IsNumber(value))
        return set_number(p, i, value->valuedouble, err, err_size);
    if (cJSON_IsString(value))
        return set_string(p, i, value->valuestring, err, err_size);
    snprintf(err, err_size, "%s: '%s' must be a number, boolean or string", p->plugin, key);
    return RS_ERR_PARAM;
}

rs_status rs_params_set_text(rs_params *p, const char *key, const char *text, char *err,
                             size_t err_size)
{
    int i = rs_params_index(p, key);
    if (i < 0)
        return unknown_key(p, key, err, err_size);
    uint32_t t = rs_param_base(&p->spec[i]);
    if (t == RS_PARAM_CHOICE || t == RS_PARAM_STR)
        return set_string(p, i, text, err, err_size);
    if (t == RS_PARAM_BOOL && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0))
        return set_number(p, i, text[0] == 't', err, err_size);
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end) {
        snprintf(err, err_size, "%s: '%s' takes a number, got '%s'", p->plugin, key, text);
        return RS_ERR_PARAM;
    }
    return set_number(p, i, v, err, err_size);
}

rs_real rs_params_as_real(const rs_params *p, int i)
{
    switch (rs_param_base(&p->spec[i])) {
    case RS_PARAM_CHOICE:
        return (rs_real)choice_index(p->spec[i].choices, p->str[i] ? p->str[i] : "");
    case RS_PARAM_STR: return 0;
    default: return (rs_real)p->num[i];
    }
}

void rs_params_value_text(const rs_params *p, int i, char *buf, size_t size)
{
    switch (rs_param_base(&p->spec[i])) {
    case RS_PARAM_BOOL: snprintf(buf, size, "%s", p->num[i] ? "true" : "false"); break;
    case RS_PARAM_CHOICE:
    case RS_PARAM_STR: snprintf(buf, size, "%s", p->str[i] ? p->str[i] : ""); break;
    default: snprintf(buf, size, "%.6g", p->num[i]); break;
    }
}

void rs_params_label(const rs_params *p, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < p->n && used < size; i++) {
        if (!p->set[i])
            continue;
        char v[128];
        rs_params_value_text(p, (int)i, v, sizeof v);
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", used ? "," : "",
                                 p->spec[i].name, v);
    }
}

/* A plugin asking for a parameter it did not declare is a bug in the plugin: say so loudly.
 * There is no ctx here, so the message goes to stderr and the value is NaN / 0 / "". */
static int lookup(const rs_params *p, const char *name)
{
    int i = p ? rs_params_index(p, name) : -1;
    if (i < 0)
        fprintf(stderr, "ruleset: plugin '%s' asked for parameter '%s', which its table does "
                        "not declare (a bug in the plugin)\n",
                p ? p->plugin : "?", name);
    return i;
}

double rs_param_real(const rs_params *p, const char *name)
{
    int i = lookup(p, name);
    return i < 0 ? NAN : p->num[i];
}

int64_t rs_param_int(const rs_params *p, const char *name)
{
    int i = lookup(p, name);
    return i < 0 ? 0 : (int64_t)p->num[i];
}

int rs_param_bool(const rs_params *p, const char *name)
{
    int i = lookup(p, name);
    return i < 0 ? 0 : p->num[i] != 0;
}

const char *rs_param_str(const rs_params *p, const char *name)
{
    int i = lookup(p, name);
    return i < 0 || !p->str[i] ? "" : p->str[i];
}

/* The shortest text that reads back as the same double: 0.1 is "0.1", not %.17g's
 * "0.10000000000000001", and 5e-1 and 0.5 are both "0.5". */
static void real_text(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}

void rs_params_canonical(const rs_params *p, const unsigned char *force, rs_strbuf *b)
{
    int first = 1;
    for (uint32_t i = 0; i < p->n; i++) {
        const rs_param_spec *s = &p->spec[i];
        char v[64];
        const char *text = v;
        if (s->type == RS_PARAM_CHOICE || s->type == RS_PARAM_STR) {
            text = p->str[i] ? p->str[i] : "";
            if (!strcmp(text, s->def_str ? s->def_str : "") && !(force && force[i]))
                continue;
        } else if (p->num[i] == s->def && !(force && force[i])) {
            continue;
        } else if (s->type == RS_PARAM_BOOL) {
            snprintf(v, sizeof v, "%s", p->num[i] ? "true" : "false");
        } else {
            real_text(p->num[i], v, sizeof v);
        }
        rs_sb_printf(b, "%s%s=%s", first ? "" : ",", s->name, text);
        first = 0;
    }
}
