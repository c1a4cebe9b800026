/* spec.c: see spec.h. cJSON keeps no positions, so syntax errors turn cJSON's end pointer into
 * line:column, and semantic errors find their line by searching the text for the keys on the
 * JSON path, in order. */
#include "spec.h"

#include "json_strict.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *text, *file;
    const rs_registry *reg;
    char *err;
    size_t err_size;
    rs_spec *spec; /* for tasks' own networks */
} parser;

static int parse_net(parser *ps, const cJSON *el, int index, rs_netspec *ns);

char *rs_read_file(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, err_size, "%s: cannot read (%s)", path, bad ? "read error" : "no memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Line of the occ-th (0-based) quoted occurrence of each key in turn; 0 if not found. */
static int locate(const char *text, const char *const *keys, const int *occ, int n_keys)
{
    const char *pos = text;
    for (int k = 0; k < n_keys; k++) {
        char q[160];
        snprintf(q, sizeof q, "\"%s\"", keys[k]);
        for (int o = 0; o <= occ[k]; o++) {
            const char *hit = strstr(pos, q);
            if (!hit)
                return 0;
            pos = hit + 1;
        }
    }
    int line = 1;
    for (const char *c = text; c < pos; c++)
        line += *c == '\n';
    return line;
}

/* "FILE:LINE: PATH: message" */
static void fail_at(parser *ps, int line, const char *path, const char *fmt, ...) RS_PRINTF(4, 5);
static void fail_at(parser *ps, int line, const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(ps->err, ps->err_size, "%s:%d: %s: %s", ps->file, line, path, msg);
    else
        snprintf(ps->err, ps->err_size, "%s: %s: %s", ps->file, path, msg);
}

static int valid_number(const cJSON *v, double lo, double hi, int whole)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi
        && (!whole || v->valuedouble == floor(v->valuedouble));
}

/* ---- items (rules and tasks) ----------------------------------------------------------- */

typedef struct item_list {
    rs_item *items;
    size_t n, cap;
} item_list;

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

static void make_label(rs_item *it, int kind, const char *given)
{
    char lab[200];
    rs_params_label(it->params, lab, sizeof lab);
    if (given && *given)
        snprintf(it->label, sizeof it->label, "%s", given);
    else if (!lab[0])
        snprintf(it->label, sizeof it->label, "%s", it->head->name);
    else if (kind == RS_KIND_RULE)
        snprintf(it->label, sizeof it->label, "%s[%s]", it->head->name, lab);
    else
        snprintf(it->label, sizeof it->label, "%s:%s", it->head->name, lab);
}

/* Line of `key` inside the n_obj-th object item of section (its n_obj-th "plugin" key, then
 * the key after it); item_line when it cannot be found (e.g. an inline "name:k=v" item). */
static int key_line(const parser *ps, const char *section, int n_obj, const char *key,
                    int item_line)
{
    const char *k[] = { section, "plugin", key };
    int o[] = { 0, n_obj, 0 };
    int line = n_obj >= 0 ? locate(ps->text, k, o, 3) : 0;
    return line ? line : item_line;
}

/* Expand the sweep: params is an object whose values may be arrays; every combination becomes
 * one item. `base` already holds the plugin and overrides. */
static int expand(parser *ps, item_list *out, rs_item *base, const cJSON *params, int kind,
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
            fail_at(ps, key_line(ps, section, n_obj, kv->string, item_line), path,
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
        for (int k = 0; k < n_keys; k++) {
            const cJSON *v = cJSON_IsArray(keys[k]) ? cJSON_GetArrayItem(keys[k], idx[k]) : keys[k];
            char msg[512];
            if (rs_params_set_json(it.params, keys[k]->string, v, msg, sizeof msg) != RS_OK) {
                char full[300];
                snprintf(full, sizeof full, "%s.params.%s", path, keys[k]->string);
                fail_at(ps, key_line(ps, section, n_obj, keys[k]->string, item_line), full, "%s",
                        msg);
                rs_params_destroy(it.params);
                return -1;
            }
        }
        make_label(&it, kind, given_label);
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

/* "name:k=v,k=v" as {"plugin": name, "params": {k: v}} with numbers where they parse. */
static cJSON *item_from_text(const char *text)
{
    cJSON *obj = cJSON_CreateObject(), *params = cJSON_CreateObject();
    const char *colon = strchr(text, ':');
    char name[128];
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    snprintf(name, sizeof name, "%.*s", (int)(len < 127 ? len : 127), text);
    cJSON_AddStringToObject(obj, "plugin", name);
    if (colon) {
        char *copy = strdup(colon + 1), *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (!eq) {
                cJSON_AddNullToObject(params, kv); /* reported as "expects key=value" later */
                continue;
            }
            *eq = '\0';
            char *end;
            double v = strtod(eq + 1, &end);
            if (eq[1] && !*end)
                cJSON_AddNumberToObject(params, kv, v);
            else if (!strcmp(eq + 1, "true") || !strcmp(eq + 1, "false"))
                cJSON_AddBoolToObject(params, kv, eq[1] == 't');
            else
                cJSON_AddStringToObject(params, kv, eq + 1);
        }
        free(copy);
    }
    cJSON_AddItemToObject(obj, "params", params);
    return obj;
}

static int parse_items(parser *ps, const cJSON *arr, const char *section, int kind,
                       item_list *out)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
        const char *k[] = { section };
        int o[] = { 0 };
        fail_at(ps, locate(ps->text, k, o, 1), section, "must be a non-empty list of %ss",
                rs_kind_name(kind));
        return -1;
    }
    int index = 0, n_obj = 0; /* n_obj: object items before this one ("plugin" keys) */
    for (const cJSON *el = arr->child; el; el = el->next, index++) {
        char path[96];
        snprintf(path, sizeof path, "%s[%d]", section, index);
        cJSON *owned = NULL;
        const cJSON *obj = el;
        if (cJSON_IsString(el))
            obj = owned = item_from_text(el->valuestring);
        if (!cJSON_IsObject(obj)) {
            const char *k[] = { section };
            int o[] = { 0 };
            fail_at(ps, locate(ps->text, k, o, 1), path, "expected an object {\"plugin\": ..., "
                    "\"params\": {...}} or a string \"name:key=value,...\"");
            return -1;
        }
        const char *k2[] = { section, "plugin" };
        int o2[] = { 0, n_obj };
        int line = owned ? locate(ps->text, k2, o2, 1) : locate(ps->text, k2, o2, 2);
        const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(obj, "plugin");
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "params");
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(obj, "label");
        for (const cJSON *kv = obj->child; kv; kv = kv->next) {
            static const char *const allowed[] = { "plugin", "params", "label", "steps", "batch",
                                                   "eval_every", "comment", "networks" };
            int ok = 0;
            for (size_t a = 0; a < sizeof allowed / sizeof *allowed; a++)
                ok |= strcmp(kv->string, allowed[a]) == 0;
            if (!ok || (kind == RS_KIND_RULE && !strcmp(kv->string, "networks"))) {
                fail_at(ps, line, path, "unknown key '%s'; a %s takes plugin, params, label, "
                        "steps, batch, eval_every%s",
                        kv->string, rs_kind_name(kind), kind == RS_KIND_TASK ? ", networks" : "");
                cJSON_Delete(owned);
                return -1;
            }
        }
        if (!cJSON_IsString(plugin)) {
            fail_at(ps, line, path, "missing \"plugin\": the %s's name", rs_kind_name(kind));
            cJSON_Delete(owned);
            return -1;
        }
        rs_item base = { .steps = -1, .batch = -1, .eval_every = -1 };
        base.head = rs_registry_find(ps->reg, kind, plugin->valuestring);
        if (!base.head) {
            char known[1024];
            rs_registry_names(ps->reg, kind, known, sizeof known);
            fail_at(ps, line, path, "unknown %s plugin '%s'; known: %s (ruleset list shows "
                    "every plugin and every file it refused)",
                    rs_kind_name(kind), plugin->valuestring, known[0] ? known : "(none)");
            cJSON_Delete(owned);
            return -1;
        }
        const char *names[] = { "steps", "batch", "eval_every" };
        long *dst[] = { &base.steps, &base.batch, &base.eval_every };
        for (int i = 0; i < 3; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, names[i]);
            if (!v)
                continue;
            if (i == 1 && cJSON_IsString(v) && strcmp(v->valuestring, "full") == 0) {
                *dst[i] = 0;
                continue;
            }
            if (!valid_number(v, i == 1 ? 1 : 1, 1e12, 1)) {
                fail_at(ps, line, path, "'%s' must be a positive whole number%s", names[i],
                        i == 1 ? " or \"full\"" : "");
                cJSON_Delete(owned);
                return -1;
            }
            *dst[i] = (long)v->valuedouble;
        }
        const cJSON *own = cJSON_GetObjectItemCaseSensitive(obj, "networks");
        if (own) { /* this task's own networks, appended after the global ones */
            int n_own = cJSON_IsArray(own) ? cJSON_GetArraySize(own) : 0;
            rs_spec *sp = ps->spec;
            rs_netspec *nn = n_own ? realloc(sp->nets, (sp->n_nets + (size_t)n_own) * sizeof *nn)
                                   : NULL;
            if (!nn) {
                fail_at(ps, line, path, "\"networks\" must be a non-empty list of networks");
                cJSON_Delete(owned);
                return -1;
            }
            sp->nets = nn;
            base.net_first = sp->n_nets;
            base.net_count = (size_t)n_own;
            int ni = 0;
            for (const cJSON *el2 = own->child; el2; el2 = el2->next, ni++) {
                if (parse_net(ps, el2, ni, &sp->nets[sp->n_nets])) {
                    cJSON_Delete(owned);
                    return -1;
                }
                sp->n_nets++;
            }
        }
        if (params && !cJSON_IsObject(params)) {
            fail_at(ps, line, path, "\"params\" must be an object of name: value");
            cJSON_Delete(owned);
            return -1;
        }
        for (const cJSON *kv = params ? params->child : NULL; kv; kv = kv->next)
            if (cJSON_IsNull(kv)) {
                fail_at(ps, line, path, "'%s': expected key=value", kv->string);
                cJSON_Delete(owned);
                return -1;
            }
        int rc = expand(ps, out, &base, params, kind,
                        cJSON_IsString(label) ? label->valuestring : NULL, path, section,
                        owned ? -1 : n_obj, line);
        n_obj += !owned;
        cJSON_Delete(owned);
        if (rc)
            return -1;
    }
    return 0;
}

/* ---- networks -------------------------------------------------------------------------- */

static int parse_sizes(const char *text, rs_netspec *ns)
{
    /* "2-2-1": the first and last sizes are the task's; keep the hidden ones */
    uint32_t v[RS_MAX_LAYERS + 2];
    int n = 0;
    const char *p = text;
    while (*p && n < RS_MAX_LAYERS + 2) {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || x <= 0)
            return -1;
        v[n++] = (uint32_t)x;
        p = end;
        if (*p == '-')
            p++;
        else if (*p)
            return -1;
    }
    if (n < 2 || *p)
        return -1;
    ns->n_hidden = (uint32_t)n - 2;
    for (int i = 1; i < n - 1; i++)
        ns->hidden[i - 1] = v[i];
    return 0;
}

static int parse_net(parser *ps, const cJSON *el, int index, rs_netspec *ns)
{
    char path[64];
    snprintf(path, sizeof path, "networks[%d]", index);
    const char *k[] = { "networks" };
    int o[] = { 0 };
    int line = locate(ps->text, k, o, 1);
    memset(ns, 0, sizeof *ns);
    ns->bias = 1;
    ns->n_act = 2;
    snprintf(ns->act[0], sizeof ns->act[0], "relu");
    snprintf(ns->act[1], sizeof ns->act[1], "sigmoid");
    snprintf(ns->init_text, sizeof ns->init_text, "pytorch");
    ns->kind = RS_NET_LAYERED;
    const cJSON *kind = cJSON_IsObject(el) ? cJSON_GetObjectItemCaseSensitive(el, "kind") : NULL;
    if (kind && (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "layered") != 0
                                           && strcmp(kind->valuestring, "recurrent") != 0))) {
        fail_at(ps, line, path, "\"kind\" must be \"layered\" or \"recurrent\"");
        return -1;
    }
    if (kind && !strcmp(kind->valuestring, "recurrent")) { /* spec_recurrent.c */
        char rmsg[512];
        ns->kind = RS_NET_RECURRENT;
        ns->n_act = 1;
        snprintf(ns->act[0], sizeof ns->act[0], "tanh");
        snprintf(ns->init_text, sizeof ns->init_text, "gradnet");
        if (rs_recspec_parse(el, &ns->rec, rmsg, sizeof rmsg)) {
            fail_at(ps, line, path, "%s", rmsg);
            return -1;
        }
    }
    if (cJSON_IsString(el)) {
        if (parse_sizes(el->valuestring, ns)) {
            fail_at(ps, line, path, "'%s' is not a size list like \"2-2-1\"", el->valuestring);
            return -1;
        }
    } else if (cJSON_IsObject(el)) {
        for (const cJSON *kv = el->child; kv; kv = kv->next) {
            const char *key = kv->string;
            if (!strcmp(key, "kind") || (ns->kind == RS_NET_RECURRENT && strcmp(key, "act")
                                         && strcmp(key, "init") && strcmp(key, "label")))
                continue; /* the recurrent keys are rs_recspec_parse's */
            if (ns->kind == RS_NET_RECURRENT && !strcmp(key, "act") && !cJSON_IsString(kv)) {
                fail_at(ps, line, path, "\"act\" of a recurrent network is one name: every "
                        "node has the same activation");
                return -1;
            }
            if (!strcmp(key, "hidden")) {
                if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) > RS_MAX_LAYERS) {
                    fail_at(ps, line, path, "\"hidden\" must be a list of layer sizes, e.g. [10]");
                    return -1;
                }
                ns->n_hidden = 0;
                for (const cJSON *h = kv->child; h; h = h->next) {
                    if (!valid_number(h, 1, 1e6, 1)) {
                        fail_at(ps, line, path, "hidden sizes must be positive whole numbers");
                        return -1;
                    }
                    ns->hidden[ns->n_hidden++] = (uint32_t)h->valuedouble;
                }
            } else if (!strcmp(key, "sizes")) {
                if (!cJSON_IsString(kv) || parse_sizes(kv->valuestring, ns)) {
                    fail_at(ps, line, path, "\"sizes\" must be a string like \"2-2-1\"");
                    return -1;
                }
            } else if (!strcmp(key, "act")) {
                ns->n_act = 0;
                if (cJSON_IsString(kv)) {
                    snprintf(ns->act[0], sizeof ns->act[0], "%s", kv->valuestring);
                    ns->n_act = 1;
                } else if (cJSON_IsArray(kv) && cJSON_GetArraySize(kv) >= 1
                           && cJSON_GetArraySize(kv) <= RS_MAX_LAYERS) {
                    for (const cJSON *a = kv->child; a; a = a->next) {
                        if (!cJSON_IsString(a)) {
                            fail_at(ps, line, path, "\"act\" entries must be activation names");
                            return -1;
                        }
                        snprintf(ns->act[ns->n_act++], sizeof ns->act[0], "%s", a->valuestring);
                    }
                } else {
                    fail_at(ps, line, path, "\"act\" must be a name or a list of names");
                    return -1;
                }
            } else if (!strcmp(key, "bias")) {
                if (!cJSON_IsBool(kv)) {
                    fail_at(ps, line, path, "\"bias\" must be true or false");
                    return -1;
                }
                ns->bias = cJSON_IsTrue(kv);
            } else if (!strcmp(key, "init")) {
                /* one scheme, or a list of one per weight layer (input side first) */
                int n_list = cJSON_IsArray(kv) ? cJSON_GetArraySize(kv) : 0;
                if (!cJSON_IsString(kv) && !(n_list >= 1 && n_list <= RS_MAX_LAYERS + 1)) {
                    fail_at(ps, line, path, "\"init\" must be a string such as \"pytorch\", or "
                            "a list of one per weight layer");
                    return -1;
                }
                ns->n_init = 0;
                for (const cJSON *it = n_list ? kv->child : kv; it; it = n_list ? it->next : NULL) {
                    char msg[256];
                    if (!cJSON_IsString(it)
                        || rs_init_parse(it->valuestring, &ns->layer_init[ns->n_init], msg,
                                         sizeof msg)) {
                        fail_at(ps, line, path, "%s", cJSON_IsString(it) ? msg : "\"init\" "
                                "entries must be strings such as \"xavier\"");
                        return -1;
                    }
                    if (ns->n_init++ == 0)
                        snprintf(ns->init_text, sizeof ns->init_text, "%s", it->valuestring);
                }
            } else if (!strcmp(key, "label")) {
                if (!cJSON_IsString(kv)) {
                    fail_at(ps, line, path, "\"label\" must be a string");
                    return -1;
                }
                snprintf(ns->label, sizeof ns->label, "%s", kv->valuestring);
            } else if (strcmp(key, "comment") != 0) {
                fail_at(ps, line, path, "unknown key '%s'; a network takes kind, hidden, sizes, "
                        "act, bias, init, label (\"kind\": \"recurrent\" takes others)", key);
                return -1;
            }
        }
    } else {
        fail_at(ps, line, path, "expected an object {\"hidden\": [...], \"act\": [...]} or a "
                "string \"2-2-1\"");
        return -1;
    }
    char msg[256];
    if (rs_init_parse(ns->init_text, &ns->init, msg, sizeof msg)) {
        fail_at(ps, line, path, "%s", msg);
        return -1;
    }
    if (ns->n_init > 1 && ns->n_init != ns->n_hidden + 1) {
        fail_at(ps, line, path, "%u inits for %u weight layers; give one, or one per layer",
                ns->n_init, ns->n_hidden + 1);
        return -1;
    }
    int layered_init = ns->init.kind == RS_INIT_PYTORCH || ns->init.kind == RS_INIT_XAVIER;
    if (ns->kind == RS_NET_RECURRENT ? layered_init : ns->init.kind == RS_INIT_GRADNET) {
        fail_at(ps, line, path, ns->kind == RS_NET_RECURRENT
                ? "init '%s' is for layered networks; a recurrent network takes gradnet[:rand=A], "
                  "normal:sigma=S or constant:w=W"
                : "init '%s' is for recurrent networks; a layered network takes pytorch, xavier, "
                  "normal:sigma=S or constant:w=W,b=B", ns->init_text);
        return -1;
    }
    if (ns->n_act > 2 && ns->n_act != ns->n_hidden + 1) {
        fail_at(ps, line, path, "%u activations for %u weight layers; give one, two (hidden, "
                "output) or one per layer", ns->n_act, ns->n_hidden + 1);
        return -1;
    }
    for (uint32_t a = 0; a < ns->n_act; a++) {
        char name[64];
        snprintf(name, sizeof name, "%s", ns->act[a]);
        char *colon = strchr(name, ':');
        if (colon)
            *colon = '\0';
        if (!rs_registry_find(ps->reg, RS_KIND_ACTIVATION, name)) {
            char known[512];
            rs_registry_names(ps->reg, RS_KIND_ACTIVATION, known, sizeof known);
            fail_at(ps, line, path, "unknown activation '%s'; known: %s", name, known);
            return -1;
        }
    }
    return 0;
}

const char *rs_netspec_act(const rs_netspec *ns, uint32_t l, uint32_t n_layers)
{
    if (ns->n_act == 1)
        return ns->act[0];
    if (ns->n_act == n_layers)
        return ns->act[l - 1];
    return l == n_layers ? ns->act[1] : ns->act[0]; /* two: hidden, output */
}

void rs_netspec_label(const rs_netspec *ns, uint32_t n_in, uint32_t n_out, char *buf,
                      size_t size)
{
    if (ns->label[0]) {
        snprintf(buf, size, "%s", ns->label);
        return;
    }
    if (ns->kind == RS_NET_RECURRENT) { /* "rec-n4-r2", "rec-n4b-r2" with a bias node */
        snprintf(buf, size, "rec-n%u%s-r%u", ns->rec.nodes, ns->rec.bias_node ? "b" : "",
                 ns->rec.rounds);
        return;
    }
    size_t used = (size_t)snprintf(buf, size, "%u", n_in);
    for (uint32_t i = 0; i < ns->n_hidden && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "-%u", ns->hidden[i]);
    if (used < size)
        snprintf(buf + used, size - used, "-%u", n_out);
}

/* ---- the spec ------------------------------------------------------------------------- */

void rs_spec_destroy(rs_spec *spec)
{
    if (!spec)
        return;
    for (size_t i = 0; i < spec->n_rules; i++)
        rs_params_destroy(spec->rules[i].params);
    for (size_t i = 0; i < spec->n_tasks; i++)
        rs_params_destroy(spec->tasks[i].params);
    free(spec->rules);
    free(spec->tasks);
    free(spec->nets);
    free(spec->json);
    free(spec);
}

static const char *const top_keys[] = { "name", "description", "comment", "seed", "replicates",
                                        "steps", "batch", "eval_every", "rules", "tasks",
                                        "networks", "reproduces", "save_nets",
                                        "truth_table", "meta" };

rs_spec *rs_spec_parse(const char *text, const char *file, const rs_registry *reg, char *err,
                       size_t err_size)
{
    parser ps = { text, file, reg, err, err_size, NULL };
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        int line = 1, col = 1;
        for (const char *c = text; end && c < end; c++) {
            if (*c == '\n') {
                line++;
                col = 1;
            } else
                col++;
        }
        snprintf(err, err_size, "%s:%d:%d: malformed JSON near here; check for a missing comma, "
                 "quote or bracket", file, line, col);
        return NULL;
    }
    rs_spec *spec = NULL;
    item_list rules = { 0 }, tasks = { 0 };
    if (rs_json_strict_check(text, file, err, err_size) || !(spec = calloc(1, sizeof *spec)))
        goto fail;
    ps.spec = spec;
    if (!cJSON_IsObject(root)) {
        snprintf(err, err_size, "%s:1: the spec must be a JSON object", file);
        goto fail;
    }
    snprintf(spec->name, sizeof spec->name, "run");
    spec->seed = 1;
    spec->replicates = 10;
    spec->steps = 1000;
    spec->batch = 0;
    spec->eval_every = 0; /* 0 = steps / 50 */
    for (const cJSON *kv = root->child; kv; kv = kv->next) {
        int ok = 0;
        for (size_t a = 0; a < sizeof top_keys / sizeof *top_keys; a++)
            ok |= strcmp(kv->string, top_keys[a]) == 0;
        if (!ok) {
            const char *k[] = { kv->string };
            int o[] = { 0 };
            fail_at(&ps, locate(text, k, o, 1), kv->string, "unknown key; the spec takes name, "
                    "seed, replicates, steps, batch, eval_every, rules, tasks, networks, "
                    "save_nets, truth_table, meta");
            goto fail;
        }
    }
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "name"))) {
        const char *s = cJSON_IsString(v) ? v->valuestring : "";
        int ok = *s && strlen(s) < sizeof spec->name;
        for (const char *c = s; *c; c++)
            ok &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
               || *c == '-' || *c == '_' || *c == '.';
        if (!ok) {
            const char *k[] = { "name" };
            int o[] = { 0 };
            fail_at(&ps, locate(text, k, o, 1), "name", "must be a short name of letters, digits, "
                    "'-', '_' or '.' (it names the run folder)");
            goto fail;
        }
        snprintf(spec->name, sizeof spec->name, "%s", s);
    }
    struct { const char *key; long *dst; double lo; } nums[] = {
        { "replicates", &spec->replicates, 1 }, { "steps", &spec->steps, 0 },
        { "eval_every", &spec->eval_every, 1 }, { "batch", &spec->batch, 1 } };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        v = cJSON_GetObjectItemCaseSensitive(root, nums[i].key);
        if (!v)
            continue;
        if (!strcmp(nums[i].key, "batch") && cJSON_IsString(v) && !strcmp(v->valuestring, "full")) {
            spec->batch = 0;
            continue;
        }
        if (!valid_number(v, nums[i].lo, 1e12, 1)) {
            const char *k[] = { nums[i].key };
            int o[] = { 0 };
            fail_at(&ps, locate(text, k, o, 1), nums[i].key, "must be a whole number >= %g%s",
                    nums[i].lo, !strcmp(nums[i].key, "batch") ? " or \"full\"" : "");
            goto fail;
        }
        *nums[i].dst = (long)v->valuedouble;
    }
    spec->save_nets = 1;
    const char *bools[] = { "save_nets", "truth_table" };
    int *bdst[] = { &spec->save_nets, &spec->truth_table };
    for (int i = 0; i < 2; i++) {
        if (!(v = cJSON_GetObjectItemCaseSensitive(root, bools[i])))
            continue;
        if (!cJSON_IsBool(v)) {
            const char *k[] = { bools[i] };
            int o[] = { 0 };
            fail_at(&ps, locate(text, k, o, 1), bools[i], "must be true or false");
            goto fail;
        }
        *bdst[i] = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "seed"))) {
        if (!valid_number(v, 0, 9007199254740992.0, 1)) {
            const char *k[] = { "seed" };
            int o[] = { 0 };
            fail_at(&ps, locate(text, k, o, 1), "seed", "must be a whole number >= 0");
            goto fail;
        }
        spec->seed = (uint64_t)v->valuedouble;
    }
    const cJSON *nets = cJSON_GetObjectItemCaseSensitive(root, "networks");
    size_t n_nets = cJSON_IsArray(nets) ? (size_t)cJSON_GetArraySize(nets) : 0;
    if (nets && (!cJSON_IsArray(nets) || n_nets == 0)) {
        const char *k[] = { "networks" };
        int o[] = { 0 };
        fail_at(&ps, locate(text, k, o, 1), "networks", "must be a non-empty list");
        goto fail;
    }
    spec->nets = calloc(n_nets ? n_nets : 1, sizeof *spec->nets);
    if (!spec->nets)
        goto fail;
    if (n_nets == 0) { /* default: 2-2-1-like, one hidden layer of 2, relu then sigmoid */
        cJSON *def = cJSON_CreateString("1-2-1");
        int rc = !def || parse_net(&ps, def, 0, spec->nets);
        cJSON_Delete(def);
        if (rc)
            goto fail;
        spec->n_nets = 1;
    }
    int index = 0;
    for (const cJSON *el = nets ? nets->child : NULL; el; el = el->next, index++) {
        if (parse_net(&ps, el, index, &spec->nets[index]))
            goto fail;
        spec->n_nets++;
    }
    spec->n_global_nets = spec->n_nets;
    if (parse_items(&ps, cJSON_GetObjectItemCaseSensitive(root, "rules"), "rules", RS_KIND_RULE,
                    &rules)
        || parse_items(&ps, cJSON_GetObjectItemCaseSensitive(root, "tasks"), "tasks",
                       RS_KIND_TASK, &tasks))
        goto fail;
    spec->rules = rules.items;
    spec->n_rules = rules.n;
    spec->tasks = tasks.items;
    spec->n_tasks = tasks.n;
    rules.items = tasks.items = NULL;
    spec->json = cJSON_Print(root);
    cJSON_Delete(root);
    return spec;
fail:
    for (size_t i = 0; i < rules.n; i++)
        rs_params_destroy(rules.items[i].params);
    for (size_t i = 0; i < tasks.n; i++)
        rs_params_destroy(tasks.items[i].params);
    free(rules.items);
    free(tasks.items);
    rs_spec_destroy(spec);
    cJSON_Delete(root);
    return NULL;
}
