/* spec_recurrent.c: the recurrent form of a spec's network (docs/RULES.md, "Recurrent
 * networks"):
 *
 *   {"kind": "recurrent", "nodes": 4, "rounds": 2, "act": "tanh",
 *    "budget": 11, "strict": false, "penalty": 0, "norm": 1, "sign": "free",
 *    "directed": true, "self_loops": false, "bias_node": false,
 *    "noise": 0, "noise_mode": "additive",
 *    "inputs": [0, 1], "outputs": [3], "labels": ["A", "B", "H", "OUT"],
 *    "init": "gradnet:rand=1e-9", "label": "gradnet"}
 *
 * Only "kind", "nodes" and "rounds" are required; the rest default to GradNet's defaults. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "tsv.h"

static const char keys_help[] = "a recurrent network takes kind, nodes, rounds, act, init, "
                                "budget, strict, penalty, norm, sign, directed, self_loops, "
                                "bias_node, noise, noise_mode, inputs, outputs, labels, label";

static int whole(const cJSON *v, double lo, double hi)
{
    return cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi
        && v->valuedouble == floor(v->valuedouble);
}

static int node_list(const cJSON *v, const char *key, uint32_t *dst, uint32_t *n, char *msg,
                     size_t msg_size)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > RS_REC_MAX_IO) {
        snprintf(msg, msg_size, "\"%s\" must be a list of 1 to %d node numbers, e.g. [0, 1]",
                 key, RS_REC_MAX_IO);
        return 1;
    }
    *n = 0;
    for (const cJSON *e = v->child; e; e = e->next) {
        if (!whole(e, 0, RS_REC_MAX_NODES - 1)) {
            snprintf(msg, msg_size, "\"%s\" entries must be node numbers 0, 1, ...", key);
            return 1;
        }
        dst[(*n)++] = (uint32_t)e->valuedouble;
    }
    return 0;
}

static int flag(const cJSON *v, const char *key, int *dst, char *msg, size_t msg_size)
{
    if (!cJSON_IsBool(v)) {
        snprintf(msg, msg_size, "\"%s\" must be true or false", key);
        return 1;
    }
    *dst = cJSON_IsTrue(v);
    return 0;
}

static int budget_key(const cJSON *kv, rs_recspec *rs, char *msg, size_t msg_size)
{
    if (cJSON_IsNull(kv)) {
        rs->has_budget = 0;
        return 0;
    }
    if (!cJSON_IsNumber(kv) || !(kv->valuedouble > 0) || !isfinite(kv->valuedouble)) {
        snprintf(msg, msg_size, "\"budget\" must be a number > 0 (the norm of A), or null for "
                 "none");
        return 1;
    }
    rs->has_budget = 1;
    rs->budget = kv->valuedouble;
    return 0;
}

/* penalty, noise (>= 0), norm (>= 1) */
static int real_key(const cJSON *kv, const char *key, rs_recspec *rs, char *msg,
                    size_t msg_size)
{
    double lo = !strcmp(key, "norm") ? 1 : 0;
    if (!cJSON_IsNumber(kv) || !(kv->valuedouble >= lo) || !isfinite(kv->valuedouble)) {
        snprintf(msg, msg_size, "\"%s\" must be a number >= %g", key, lo);
        return 1;
    }
    *(!strcmp(key, "penalty") ? &rs->penalty
      : !strcmp(key, "noise") ? &rs->noise : &rs->norm_p) = kv->valuedouble;
    return 0;
}

/* sign or noise_mode: one of a few names */
static int choice_key(const cJSON *kv, const char *key, rs_recspec *rs, char *msg,
                      size_t msg_size)
{
    static const char *const signs[] = { "free", "nonnegative", "nonpositive" };
    static const char *const modes[] = { "additive", "multiplicative" };
    int is_sign = !strcmp(key, "sign"), n = is_sign ? 3 : 2, found = -1;
    for (int i = 0; i < n && cJSON_IsString(kv); i++)
        if (!strcmp(kv->valuestring, (is_sign ? signs : modes)[i]))
            found = i;
    if (found < 0) {
        snprintf(msg, msg_size, "\"%s\" must be %s", key,
                 is_sign ? "\"free\", \"nonnegative\" or \"nonpositive\""
                         : "\"additive\" or \"multiplicative\"");
        return 1;
    }
    *(is_sign ? &rs->sign : &rs->noise_mult) = found;
    return 0;
}

static int labels_key(const cJSON *kv, rs_recspec *rs, char *msg, size_t msg_size)
{
    if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) > RS_REC_MAX_IO) {
        snprintf(msg, msg_size, "\"labels\" must be a list of node names, at most %d",
                 RS_REC_MAX_IO);
        return 1;
    }
    rs->n_labels = 0;
    for (const cJSON *e = kv->child; e; e = e->next) {
        const char *t = cJSON_IsString(e) ? e->valuestring : "";
        if (!*t || strlen(t) >= sizeof rs->labels[0] || strpbrk(t, "'\"") || rs_has_control(t)) {
            snprintf(msg, msg_size, "\"labels\" entries must be names of 1 to %zu characters "
                     "without quotes, tabs or other control characters",
                     sizeof rs->labels[0] - 1);
            return 1;
        }
        snprintf(rs->labels[rs->n_labels++], sizeof rs->labels[0], "%s", t);
    }
    return 0;
}

/* What a key sets, besides its value, for the checks after the loop. */
typedef struct seen { int nodes, rounds, strict; } seen;

/* One key; 0 ok, 1 with msg. */
static int parse_key(const cJSON *kv, rs_recspec *rs, seen *sn, char *msg, size_t msg_size)
{
    const char *key = kv->string;
    if (!strcmp(key, "kind") || !strcmp(key, "act") || !strcmp(key, "init")
        || !strcmp(key, "label") || !strcmp(key, "comment"))
        return 0; /* the network's own keys (spec_nets.c) */
    if (!strcmp(key, "nodes")) {
        if (!whole(kv, 1, RS_REC_MAX_NODES)) {
            snprintf(msg, msg_size, "\"nodes\" must be a whole number from 1 to %d",
                     RS_REC_MAX_NODES);
            return 1;
        }
        rs->nodes = (uint32_t)kv->valuedouble;
        sn->nodes = 1;
    } else if (!strcmp(key, "rounds")) {
        if (!whole(kv, 1, 1000)) {
            snprintf(msg, msg_size, "\"rounds\" must be a whole number from 1 to 1000");
            return 1;
        }
        rs->rounds = (uint32_t)kv->valuedouble;
        sn->rounds = 1;
    } else if (!strcmp(key, "strict")) {
        sn->strict = 1;
        return flag(kv, key, &rs->strict, msg, msg_size);
    } else if (!strcmp(key, "budget"))
        return budget_key(kv, rs, msg, msg_size);
    else if (!strcmp(key, "penalty") || !strcmp(key, "noise") || !strcmp(key, "norm"))
        return real_key(kv, key, rs, msg, msg_size);
    else if (!strcmp(key, "sign") || !strcmp(key, "noise_mode"))
        return choice_key(kv, key, rs, msg, msg_size);
    else if (!strcmp(key, "directed") || !strcmp(key, "self_loops") || !strcmp(key, "bias_node"))
        return flag(kv, key, !strcmp(key, "directed") ? &rs->directed
                             : !strcmp(key, "self_loops") ? &rs->self_loops : &rs->bias_node,
                    msg, msg_size);
    else if (!strcmp(key, "inputs") || !strcmp(key, "outputs"))
        return key[0] == 'i' ? node_list(kv, key, rs->inputs, &rs->n_inputs, msg, msg_size)
                             : node_list(kv, key, rs->outputs, &rs->n_outputs, msg, msg_size);
    else if (!strcmp(key, "labels"))
        return labels_key(kv, rs, msg, msg_size);
    else {
        snprintf(msg, msg_size, "unknown key '%s'; %s", key, keys_help);
        return 1;
    }
    return 0;
}

/* The keys together: the nodes named exist, the labels fit, the budget's forms agree. */
static int check(rs_recspec *rs, const seen *sn, char *msg, size_t msg_size)
{
    if (!sn->nodes || !sn->rounds) {
        snprintf(msg, msg_size, "a recurrent network needs \"nodes\" (how many, without the "
                 "bias node) and \"rounds\" (how many times state <- act(A state))");
        return 1;
    }
    for (uint32_t i = 0; i < rs->n_inputs + rs->n_outputs; i++) {
        int in = i < rs->n_inputs;
        uint32_t node = in ? rs->inputs[i] : rs->outputs[i - rs->n_inputs];
        if (node >= rs->nodes) {
            snprintf(msg, msg_size, "%s node %u does not exist: the nodes are 0..%u",
                     in ? "input" : "output", node, rs->nodes - 1);
            return 1;
        }
    }
    if (rs->n_labels && rs->n_labels != rs->nodes && rs->n_labels != rs->nodes + rs->bias_node) {
        snprintf(msg, msg_size, "%u labels for %u nodes; give one per node%s", rs->n_labels,
                 rs->nodes, rs->bias_node ? " (the bias node's is optional)" : "");
        return 1;
    }
    if (rs->penalty > 0) {
        if (!rs->has_budget) {
            snprintf(msg, msg_size, "\"penalty\" needs a \"budget\": it is lambda of "
                     "lambda * max(0, ||A|| - budget)^2");
            return 1;
        }
        if (sn->strict && rs->strict) {
            snprintf(msg, msg_size, "\"penalty\" > 0 is the soft budget, which replaces the "
                     "hard rescaling: drop \"strict\": true, or set \"penalty\": 0");
            return 1;
        }
        rs->strict = 0;
    }
    if (rs->bias_node && !rs->directed) {
        snprintf(msg, msg_size, "a bias node needs a directed network (its incoming edges are "
                 "cut, so A cannot be symmetric)");
        return 1;
    }
    return 0;
}

int rs_recspec_parse(const cJSON *obj, rs_recspec *rs, char *msg, size_t msg_size)
{
    rs_recspec_default(rs);
    seen sn = { 0 };
    for (const cJSON *kv = obj->child; kv; kv = kv->next)
        if (parse_key(kv, rs, &sn, msg, msg_size))
            return 1;
    return check(rs, &sn, msg, msg_size);
}
