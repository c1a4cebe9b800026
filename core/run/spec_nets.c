/* spec_nets.c: the networks of a spec (spec_parser.h): "2-2-1" text, or an object with
 * hidden, sizes, act, bias, init, label; "kind": "recurrent" hands the rest to
 * spec_recurrent.c. Also the labels and per-layer activations the runner reads. */
#include "spec_parser.h"
#include "tsv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_sizes(const char *text, rs_netspec *ns)
{
    /* "2-2-1": the first and last sizes are the task's; keep the hidden ones */
    uint32_t v[RS_MAX_LAYERS + 2];
    int n = 0;
    const char *p = text;
    while (*p && n < RS_MAX_LAYERS + 2) {
        char *end;
        errno = 0; /* digits only: strtoull would take "-1" as 2^64 - 1, and 2^32 + 1 wraps */
        unsigned long long x = isdigit((unsigned char)*p) ? strtoull(p, &end, 10) : 0;
        if (!isdigit((unsigned char)*p) || errno || x == 0 || x > RS_MAX_WIDTH)
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

/* The defaults: layered, bias, relu then sigmoid, pytorch init; and "kind". */
static int net_kind(parser *ps, const cJSON *el, int line, const char *path, rs_netspec *ns)
{
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
        rs_spec_fail(ps, line, path, "\"kind\" must be \"layered\" or \"recurrent\"");
        return -1;
    }
    if (kind && !strcmp(kind->valuestring, "recurrent")) { /* spec_recurrent.c */
        char rmsg[512];
        ns->kind = RS_NET_RECURRENT;
        ns->n_act = 1;
        snprintf(ns->act[0], sizeof ns->act[0], "tanh");
        snprintf(ns->init_text, sizeof ns->init_text, "gradnet");
        if (rs_recspec_parse(el, &ns->rec, rmsg, sizeof rmsg)) {
            rs_spec_fail(ps, line, path, "%s", rmsg);
            return -1;
        }
    }
    return 0;
}

static int hidden_key(parser *ps, const cJSON *kv, int line, const char *path, rs_netspec *ns)
{
    if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) > RS_MAX_LAYERS) {
        rs_spec_fail(ps, line, path, "\"hidden\" must be a list of layer sizes, e.g. [10]");
        return -1;
    }
    ns->n_hidden = 0;
    for (const cJSON *h = kv->child; h; h = h->next) {
        if (!rs_spec_number(h, 1, RS_MAX_WIDTH, 1)) {
            rs_spec_fail(ps, line, path, "hidden sizes must be positive whole numbers");
            return -1;
        }
        ns->hidden[ns->n_hidden++] = (uint32_t)h->valuedouble;
    }
    return 0;
}

static int act_key(parser *ps, const cJSON *kv, int line, const char *path, rs_netspec *ns)
{
    ns->n_act = 0;
    if (cJSON_IsString(kv)) {
        snprintf(ns->act[0], sizeof ns->act[0], "%s", kv->valuestring);
        ns->n_act = 1;
        return 0;
    }
    if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) < 1
        || cJSON_GetArraySize(kv) > RS_MAX_LAYERS) {
        rs_spec_fail(ps, line, path, "\"act\" must be a name or a list of names");
        return -1;
    }
    for (const cJSON *a = kv->child; a; a = a->next) {
        if (!cJSON_IsString(a)) {
            rs_spec_fail(ps, line, path, "\"act\" entries must be activation names");
            return -1;
        }
        snprintf(ns->act[ns->n_act++], sizeof ns->act[0], "%s", a->valuestring);
    }
    return 0;
}

/* One scheme, or a list of one per weight layer (input side first). */
static int init_key(parser *ps, const cJSON *kv, int line, const char *path, rs_netspec *ns)
{
    int n_list = cJSON_IsArray(kv) ? cJSON_GetArraySize(kv) : 0;
    if (!cJSON_IsString(kv) && !(n_list >= 1 && n_list <= RS_MAX_LAYERS + 1)) {
        rs_spec_fail(ps, line, path, "\"init\" must be a string such as \"pytorch\", or a list "
                     "of one per weight layer");
        return -1;
    }
    ns->n_init = 0;
    for (const cJSON *it = n_list ? kv->child : kv; it; it = n_list ? it->next : NULL) {
        char msg[256];
        if (!cJSON_IsString(it)
            || rs_init_parse(it->valuestring, &ns->layer_init[ns->n_init], msg, sizeof msg)) {
            rs_spec_fail(ps, line, path, "%s", cJSON_IsString(it) ? msg : "\"init\" entries must "
                         "be strings such as \"xavier\"");
            return -1;
        }
        if (ns->n_init++ == 0)
            snprintf(ns->init_text, sizeof ns->init_text, "%s", it->valuestring);
    }
    return 0;
}

/* One key of a network object (the recurrent keys are rs_recspec_parse's). */
static int net_key(parser *ps, const cJSON *kv, int line, const char *path, rs_netspec *ns)
{
    const char *key = kv->string;
    int rec = ns->kind == RS_NET_RECURRENT;
    if (!strcmp(key, "kind") || (rec && strcmp(key, "act") && strcmp(key, "init")
                                 && strcmp(key, "label")))
        return 0;
    if (rec && !strcmp(key, "act") && !cJSON_IsString(kv)) {
        rs_spec_fail(ps, line, path, "\"act\" of a recurrent network is one name: every node has "
                     "the same activation");
        return -1;
    }
    if (!strcmp(key, "hidden"))
        return hidden_key(ps, kv, line, path, ns);
    if (!strcmp(key, "act"))
        return act_key(ps, kv, line, path, ns);
    if (!strcmp(key, "init"))
        return init_key(ps, kv, line, path, ns);
    if (!strcmp(key, "sizes")) {
        if (!cJSON_IsString(kv) || parse_sizes(kv->valuestring, ns)) {
            rs_spec_fail(ps, line, path, "\"sizes\": '%s' is not a size list like \"2-2-1\" "
                         "(each size 1 to %d)", cJSON_IsString(kv) ? kv->valuestring : "?",
                         RS_MAX_WIDTH);
            return -1;
        }
    } else if (!strcmp(key, "bias")) {
        if (!cJSON_IsBool(kv)) {
            rs_spec_fail(ps, line, path, "\"bias\" must be true or false");
            return -1;
        }
        ns->bias = cJSON_IsTrue(kv);
    } else if (!strcmp(key, "label")) {
        if (!cJSON_IsString(kv) || rs_has_control(kv->valuestring)) {
            rs_spec_fail(ps, line, path, "\"label\" must be a string of printable text (no tab, "
                         "newline or other control character)");
            return -1;
        }
        snprintf(ns->label, sizeof ns->label, "%s", kv->valuestring);
    } else if (strcmp(key, "comment") != 0) {
        rs_spec_fail(ps, line, path, "unknown key '%s'; a network takes kind, hidden, sizes, act, "
                     "bias, init, label (\"kind\": \"recurrent\" takes others)", key);
        return -1;
    }
    return 0;
}

/* The init scheme(s) against the layer count and the network's kind. */
static int check_init(parser *ps, int line, const char *path, rs_netspec *ns)
{
    char msg[256];
    if (rs_init_parse(ns->init_text, &ns->init, msg, sizeof msg)) {
        rs_spec_fail(ps, line, path, "%s", msg);
        return -1;
    }
    if (ns->n_init > 1 && ns->n_init != ns->n_hidden + 1) {
        rs_spec_fail(ps, line, path, "%u inits for %u weight layers; give one, or one per layer",
                     ns->n_init, ns->n_hidden + 1);
        return -1;
    }
    int layered_init = ns->init.kind == RS_INIT_PYTORCH || ns->init.kind == RS_INIT_XAVIER;
    if (ns->kind == RS_NET_RECURRENT ? layered_init : ns->init.kind == RS_INIT_GRADNET) {
        rs_spec_fail(ps, line, path, ns->kind == RS_NET_RECURRENT
                     ? "init '%s' is for layered networks; a recurrent network takes "
                       "gradnet[:rand=A], normal:sigma=S or constant:w=W"
                     : "init '%s' is for recurrent networks; a layered network takes pytorch, "
                       "xavier, normal:sigma=S or constant:w=W,b=B", ns->init_text);
        return -1;
    }
    return 0;
}

/* The activations: a count that fits the layers, each one loaded. */
static int check_acts(parser *ps, int line, const char *path, const rs_netspec *ns)
{
    if (ns->n_act > 2 && ns->n_act != ns->n_hidden + 1) {
        rs_spec_fail(ps, line, path, "%u activations for %u weight layers; give one, two "
                     "(hidden, output) or one per layer", ns->n_act, ns->n_hidden + 1);
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
            rs_registry_hint(ps->reg, RS_KIND_ACTIVATION, name, known, sizeof known);
            rs_spec_fail(ps, line, path, "unknown activation '%s'; %s", name, known);
            return -1;
        }
    }
    return 0;
}

int rs_spec_parse_net(parser *ps, const cJSON *el, int index, rs_netspec *ns)
{
    char path[64];
    snprintf(path, sizeof path, "networks[%d]", index);
    const char *k[] = { "networks" };
    int o[] = { 0 };
    int line = rs_spec_locate(ps->text, k, o, 1);
    if (net_kind(ps, el, line, path, ns))
        return -1;
    if (cJSON_IsString(el)) {
        if (parse_sizes(el->valuestring, ns)) {
            rs_spec_fail(ps, line, path, "'%s' is not a size list like \"2-2-1\" (each size 1 "
                         "to %d)", el->valuestring, RS_MAX_WIDTH);
            return -1;
        }
    } else if (cJSON_IsObject(el)) {
        for (const cJSON *kv = el->child; kv; kv = kv->next)
            if (net_key(ps, kv, line, path, ns))
                return -1;
    } else {
        rs_spec_fail(ps, line, path, "expected an object {\"hidden\": [...], \"act\": [...]} or "
                     "a string \"2-2-1\"");
        return -1;
    }
    return check_init(ps, line, path, ns) || check_acts(ps, line, path, ns) ? -1 : 0;
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
    if (ns->label[0])
        snprintf(buf, size, "%s", ns->label);
    else
        rs_netspec_shape(ns, n_in, n_out, buf, size);
}

void rs_netspec_shape(const rs_netspec *ns, uint32_t n_in, uint32_t n_out, char *buf,
                      size_t size)
{
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
