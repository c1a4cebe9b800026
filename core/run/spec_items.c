/* spec_items.c: the "rules" and "tasks" lists of a spec (spec_parser.h): each item an object
 * {"plugin", "params", "label", "steps", "batch", "eval_every", "networks"} or text
 * "name:key=value,..."; a params value that is a list sweeps it, every combination one item. */
#include "spec_parser.h"
#include "tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push_item(item_list *l, const rs_item *it)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 8;
        rs_item *ni = realloc(l->items, nc * sizeof *ni);
        if (!ni)
            return -1;
        l->items = ni;
        l->cap = nc;
    }
    l->items[l->n++] = *it;
    return 0;
}

/* The given label, else the item's canonical text (streams.c): its name and the values that
 * differ from the defaults, so a label is as short as the configuration and names it whole.
 * A swept key (`swept`, per table entry) is named even at its default; a given label on a sweep
 * gains the swept values, "mine[lr=0.5]", so every grid point has its own name. */
static void make_label(rs_item *it, const char *given, const unsigned char *swept)
{
    rs_strbuf b = { 0 };
    const rs_params *p = it->params;
    if (given && *given) {
        rs_sb_puts(&b, given);
        const char *sep = "[";
        for (uint32_t i = 0; i < p->n; i++)
            if (swept[i]) {
                char v[128];
                rs_params_value_text(p, (int)i, v, sizeof v);
                rs_sb_printf(&b, "%s%s=%s", sep, p->spec[i].name, v);
                sep = ",";
            }
        if (*sep == ',')
            rs_sb_puts(&b, "]");
    } else {
        rs_strbuf kv = { 0 };
        rs_params_canonical(p, swept, &kv);
        rs_sb_puts(&b, it->head->name);
        if (kv.len)
            rs_sb_printf(&b, it->head->kind == RS_KIND_RULE ? "[%s]" : ":%s", kv.s);
        rs_sb_free(&kv);
    }
    snprintf(it->label, sizeof it->label, "%s", b.s && !b.oom ? b.s : it->head->name);
    rs_sb_free(&b);
}

/* Line of `key` inside the n_obj-th object item of section (its n_obj-th "plugin" key, then
 * the key after it); item_line when it cannot be found (e.g. an inline "name:k=v" item). */
static int key_line(const parser *ps, const char *section, int n_obj, const char *key,
                    int item_line)
{
    const char *k[] = { section, "plugin", key };
    int o[] = { 0, n_obj, 0 };
    int line = n_obj >= 0 ? rs_spec_locate(ps->text, k, o, 3) : 0;
    return line ? line : item_line;
}

/* One value of the item: JSON typed as JSON; an inline item's text typed by the parameter's
 * declared type ("coding=01" is the text 01, "lr=0.5" the number). */
static rs_status set_value(rs_params *p, const char *key, const cJSON *v, int inline_item,
                           char *msg, size_t msg_size)
{
    if (inline_item && cJSON_IsString(v))
        return rs_params_set_text(p, key, v->valuestring, msg, msg_size);
    return rs_params_set_json(p, key, v, msg, msg_size);
}

/* Expand the sweep: params is an object whose values may be arrays; every combination becomes
 * one item. `base` already holds the plugin and overrides. */
static int expand(parser *ps, item_list *out, rs_item *base, const cJSON *params, int inline_item,
                  const char *given_label, const char *path, const char *section, int n_obj,
                  int item_line)
{
    const cJSON *keys[RS_MAX_PARAMS];
    int n_keys = 0, counts[RS_MAX_PARAMS], idx[RS_MAX_PARAMS];
    for (const cJSON *kv = params ? params->child : NULL; kv; kv = kv->next) {
        if (n_keys == RS_MAX_PARAMS)
            break;
        keys[n_keys] = kv;
        counts[n_keys] = cJSON_IsArray(kv) ? cJSON_GetArraySize(kv) : 1;
        if (counts[n_keys] == 0) {
            rs_spec_fail(ps, key_line(ps, section, n_obj, kv->string, item_line), path,
                    "'%s' is an empty list; give at least one value", kv->string);
            return -1;
        }
        idx[n_keys++] = 0;
    }
    for (;;) {
        rs_item it = *base;
        it.params = rs_params_create(base->head->params, base->head->name);
        if (!it.params) {
            snprintf(ps->err, ps->err_size, "out of memory");
            return -1;
        }
        it.params->head = base->head; /* host->task_shared finds the task by it */
        for (int k = 0; k < n_keys; k++) {
            const cJSON *v = cJSON_IsArray(keys[k]) ? cJSON_GetArrayItem(keys[k], idx[k]) : keys[k];
            char msg[512];
            if (set_value(it.params, keys[k]->string, v, inline_item, msg, sizeof msg) != RS_OK) {
                char full[300];
                snprintf(full, sizeof full, "%s.params.%s", path, keys[k]->string);
                rs_spec_fail(ps, key_line(ps, section, n_obj, keys[k]->string, item_line), full, "%s",
                        msg);
                rs_params_destroy(it.params);
                return -1;
            }
        }
        unsigned char swept[RS_MAX_PARAMS] = { 0 };
        for (int k = 0; k < n_keys; k++) {
            int i = rs_params_index(it.params, keys[k]->string);
            if (i >= 0 && counts[k] > 1)
                swept[i] = 1;
        }
        make_label(&it, given_label, swept);
        if (rs_has_control(it.label)) { /* it would split a line of every TSV of the run */
            int own = given_label && *given_label;
            rs_spec_fail(ps, own ? key_line(ps, section, n_obj, "label", item_line) : item_line,
                         path, "%s holds a control character (tab, newline, ...); use printable "
                         "text", own ? "\"label\"" : "a text parameter");
            rs_params_destroy(it.params);
            return -1;
        }
        if (push_item(out, &it) != 0) {
            rs_params_destroy(it.params);
            snprintf(ps->err, ps->err_size, "out of memory");
            return -1;
        }
        int k = n_keys - 1; /* odometer over the sweep, last key fastest */
        while (k >= 0 && ++idx[k] == counts[k])
            idx[k--] = 0;
        if (k < 0)
            break;
    }
    return 0;
}

/* One inline value: always text, typed later by the parameter's declared type (set_value),
 * so "coding=01" stays the choice 01 and "table=0110" the text 0110. */
static cJSON *value_from_text(const char *v) { return cJSON_CreateString(v); }

/* "[a,b,c]" (already cut at its closing bracket) as a list to sweep, as in a spec. */
static cJSON *list_from_text(char *v)
{
    cJSON *list = cJSON_CreateArray();
    char *save = NULL;
    for (char *el = strtok_r(v + 1, ",]", &save); el; el = strtok_r(NULL, ",]", &save))
        cJSON_AddItemToArray(list, value_from_text(el));
    return list;
}

/* The next "k=v" of "k=v,k=[a,b],..." at *cursor, cut in place; NULL at the end. A comma
 * inside [...] belongs to the list. */
static char *next_pair(char **cursor)
{
    char *p = *cursor;
    if (!p || !*p)
        return NULL;
    int depth = 0;
    char *q = p;
    for (; *q && (depth > 0 || *q != ','); q++)
        depth += (*q == '[') - (*q == ']');
    *cursor = *q ? q + 1 : q;
    *q = '\0';
    return p;
}

/* "name:k=v,k=[a,b]" as {"plugin": name, "params": {k: "v", k: ["a", "b"]}}, every value
 * text typed by the table; a list sweeps the parameter as it does in a spec. */
static cJSON *item_from_text(const char *text)
{
    cJSON *obj = cJSON_CreateObject(), *params = cJSON_CreateObject();
    const char *colon = strchr(text, ':');
    char name[128];
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), text);
    cJSON_AddStringToObject(obj, "plugin", name);
    if (colon) {
        char *copy = strdup(colon + 1), *cursor = copy;
        for (char *kv; (kv = next_pair(&cursor));) {
            char *eq = strchr(kv, '=');
            if (!eq) {
                cJSON_AddNullToObject(params, kv); /* reported as "expects key=value" later */
                continue;
            }
            *eq = '\0';
            size_t n = strlen(eq + 1);
            if (eq[1] == '[' && eq[n] == ']')
                cJSON_AddItemToObject(params, kv, list_from_text(eq + 1));
            else
                cJSON_AddItemToObject(params, kv, value_from_text(eq + 1));
        }
        free(copy);
    }
    cJSON_AddItemToObject(obj, "params", params);
    return obj;
}

/* The keys an item object takes. "networks": a task's or a rule's own networks (a rule's beat
 * its task's, which beat the global ones). */
static int check_keys(parser *ps, const cJSON *obj, int kind, int line, const char *path)
{
    static const char *const allowed[] = { "plugin", "params", "label", "steps", "batch",
                                           "eval_every", "comment", "networks" };
    (void)kind;
    for (const cJSON *kv = obj->child; kv; kv = kv->next) {
        int ok = 0;
        for (size_t a = 0; a < sizeof allowed / sizeof *allowed; a++)
            ok |= strcmp(kv->string, allowed[a]) == 0;
        if (!ok) {
            rs_spec_fail(ps, line, path, "unknown key '%s'; a %s takes plugin, params, label, "
                         "steps, batch, eval_every, networks", kv->string, rs_kind_name(kind));
            return -1;
        }
    }
    return 0;
}

/* The plugin the item names, found in the registry. */
static int find_plugin(parser *ps, const cJSON *obj, int kind, int line, const char *path,
                       rs_item *base)
{
    const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(obj, "plugin");
    if (!cJSON_IsString(plugin)) {
        rs_spec_fail(ps, line, path, "missing \"plugin\": the %s's name", rs_kind_name(kind));
        return -1;
    }
    if (!(base->head = rs_registry_find(ps->reg, kind, plugin->valuestring))) {
        char known[1024];
        rs_registry_hint(ps->reg, kind, plugin->valuestring, known, sizeof known);
        rs_spec_fail(ps, line, path, "unknown %s plugin '%s'; %s (ruleset list shows "
                     "every plugin and every file it refused)", rs_kind_name(kind),
                     plugin->valuestring, known);
        return -1;
    }
    return 0;
}

/* The item's own steps, batch ("full" too) and eval_every. */
static int overrides(parser *ps, const cJSON *obj, int line, const char *path, rs_item *base)
{
    const char *names[] = { "steps", "batch", "eval_every" };
    long *dst[] = { &base->steps, &base->batch, &base->eval_every };
    for (int i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, names[i]);
        if (!v)
            continue;
        if (i == 1 && cJSON_IsString(v) && strcmp(v->valuestring, "full") == 0) {
            *dst[i] = 0;
            continue;
        }
        if (!rs_spec_number(v, 1, 1e12, 1)) {
            rs_spec_fail(ps, line, path, "'%s' must be a positive whole number%s", names[i],
                         i == 1 ? " or \"full\"" : "");
            return -1;
        }
        *dst[i] = (long)v->valuedouble;
    }
    return 0;
}

/* A task's or a rule's own networks, appended after the global ones. */
static int own_networks(parser *ps, const cJSON *own, int line, const char *path, rs_item *base)
{
    int n_own = cJSON_IsArray(own) ? cJSON_GetArraySize(own) : 0;
    rs_spec *sp = ps->spec;
    rs_netspec *nn = n_own ? realloc(sp->nets, (sp->n_nets + (size_t)n_own) * sizeof *nn) : NULL;
    if (!nn) {
        rs_spec_fail(ps, line, path, "\"networks\" must be a non-empty list of networks");
        return -1;
    }
    sp->nets = nn;
    base->net_first = sp->n_nets;
    base->net_count = (size_t)n_own;
    int ni = 0;
    for (const cJSON *el = own->child; el; el = el->next, ni++) {
        if (rs_spec_parse_net(ps, el, ni, &sp->nets[sp->n_nets]))
            return -1;
        sp->n_nets++;
    }
    return 0;
}

static int check_params(parser *ps, const cJSON *params, int line, const char *path)
{
    if (params && !cJSON_IsObject(params)) {
        rs_spec_fail(ps, line, path, "\"params\" must be an object of name: value");
        return -1;
    }
    for (const cJSON *kv = params ? params->child : NULL; kv; kv = kv->next)
        if (cJSON_IsNull(kv)) {
            rs_spec_fail(ps, line, path, "'%s': expected key=value (a sweep: key=[a,b,c])",
                         kv->string);
            return -1;
        }
    return 0;
}

/* Line of element n_obj's "plugin" key (an object item), or of the section (inline text). */
static int element_line(const parser *ps, const char *section, int n_obj, int inline_item)
{
    const char *k2[] = { section, "plugin" };
    int o2[] = { 0, n_obj };
    return rs_spec_locate(ps->text, k2, o2, inline_item ? 1 : 2);
}

/* One element of the list: an object, or "name:k=v" text (`inline_item`); n_obj counts the
 * object items before it (their "plugin" keys find its line). */
static int parse_item(parser *ps, const cJSON *obj, int inline_item, const char *section,
                      int kind, const char *path, int n_obj, item_list *out)
{
    int line = element_line(ps, section, n_obj, inline_item);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "params");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(obj, "label");
    const cJSON *own = cJSON_GetObjectItemCaseSensitive(obj, "networks");
    rs_item base = { .steps = -1, .batch = -1, .eval_every = -1 };
    if (check_keys(ps, obj, kind, line, path) || find_plugin(ps, obj, kind, line, path, &base)
        || overrides(ps, obj, line, path, &base)
        || (own && own_networks(ps, own, line, path, &base))
        || check_params(ps, params, line, path))
        return -1;
    return expand(ps, out, &base, params, inline_item, cJSON_IsString(label) ? label->valuestring : NULL,
                  path, section, inline_item ? -1 : n_obj, line);
}

/* Where each item came from: its element's index and line. */
typedef struct origin {
    int index, line;
} origin;

/* Items first..n-1 (element `index`) against every earlier item: labels name the rows of every
 * table, so two items of the same label are refused, both places named. */
static int check_unique(parser *ps, const item_list *l, size_t first, origin **org,
                        origin here, const char *section, int kind)
{
    origin *o = realloc(*org, (l->n ? l->n : 1) * sizeof *o);
    if (!o) {
        snprintf(ps->err, ps->err_size, "out of memory");
        return -1;
    }
    *org = o;
    for (size_t i = first; i < l->n; i++) {
        o[i] = here;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(l->items[i].label, l->items[j].label))
                continue;
            char path[96];
            snprintf(path, sizeof path, "%s[%d]", section, here.index);
            /* %.0d prints nothing for line 0 (not found) */
            rs_spec_fail(ps, here.line, path, "%s '%s' is named like %s[%d]%s%.0d: two %ss of one "
                         "label would make two rows of one name; give one its own \"label\"%s",
                         rs_kind_name(kind), l->items[i].label, section, o[j].index,
                         o[j].line ? " on line " : "", o[j].line, rs_kind_name(kind),
                         o[j].index == here.index ? " (a sweep repeats a value?)"
                                                  : " or drop the repeat");
            return -1;
        }
    }
    return 0;
}

int rs_spec_parse_items(parser *ps, const cJSON *arr, const char *section, int kind,
                        item_list *out)
{
    const char *k[] = { section };
    int o[] = { 0 };
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
        rs_spec_fail(ps, rs_spec_locate(ps->text, k, o, 1), section,
                     "must be a non-empty list of %ss", rs_kind_name(kind));
        return -1;
    }
    int index = 0, n_obj = 0, rc = 0; /* n_obj: object items before this one ("plugin" keys) */
    origin *org = NULL;
    for (const cJSON *el = arr->child; el && !rc; el = el->next, index++) {
        char path[96];
        snprintf(path, sizeof path, "%s[%d]", section, index);
        cJSON *owned = cJSON_IsString(el) ? item_from_text(el->valuestring) : NULL;
        const cJSON *obj = cJSON_IsString(el) ? owned : el;
        if (!cJSON_IsObject(obj)) {
            rs_spec_fail(ps, rs_spec_locate(ps->text, k, o, 1), path, "expected an object "
                         "{\"plugin\": ..., \"params\": {...}} or a string "
                         "\"name:key=value,...\"");
            cJSON_Delete(owned);
            rc = -1;
            break;
        }
        size_t first = out->n;
        origin here = { index, element_line(ps, section, n_obj, owned != NULL) };
        rc = parse_item(ps, obj, owned != NULL, section, kind, path, n_obj, out)
             || check_unique(ps, out, first, &org, here, section, kind);
        n_obj += !owned;
        cJSON_Delete(owned);
    }
    free(org);
    return rc ? -1 : 0;
}
