/* netio.c: see netio.h. Written by hand (one pass, short numbers), read with cJSON. */
#include "netio.h"

#include "json_strict.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "recurrent.h"
#include "strbuf.h"

/* ---- writing --------------------------------------------------------------------------- */

static void jb_num(rs_strbuf *b, double v)
{
    if (isfinite(v))
        rs_sb_g(b, v, 9);
    else
        rs_sb_puts(b, "null"); /* JSON has no NaN; a diverged net reads back as unusable */
}

static void jb_vec(rs_strbuf *b, const rs_real *v, size_t n)
{
    rs_sb_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        rs_sb_puts(b, i ? ", " : "");
        jb_num(b, v[i]);
    }
    rs_sb_puts(b, "]");
}

static void jb_mat(rs_strbuf *b, const rs_real *m, size_t rows, size_t cols)
{
    rs_sb_puts(b, "[");
    for (size_t i = 0; i < rows; i++) {
        rs_sb_puts(b, i ? ", " : "");
        jb_vec(b, m + i * cols, cols);
    }
    rs_sb_puts(b, "]");
}

static void jb_uvec(rs_strbuf *b, const uint32_t *v, size_t n)
{
    rs_sb_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        rs_sb_puts(b, i ? ", " : "");
        rs_sb_u(b, v[i]);
    }
    rs_sb_puts(b, "]");
}

static void dump_layered(rs_strbuf *b, const rs_net *net)
{
    uint32_t L = net->n_layers;
    rs_sb_puts(b, ", \"kind\": \"layered\", \"sizes\": ");
    jb_uvec(b, net->sizes, L + 1);
    rs_sb_puts(b, ", \"act\": [");
    for (uint32_t l = 0; l < L; l++) {
        rs_sb_puts(b, l ? ", " : "");
        rs_sb_json_str(b, rs_act_name(net->layers[l].act));
    }
    rs_sb_puts(b, net->layers[0].b ? "], \"bias\": true, \"layers\": ["
                                   : "], \"bias\": false, \"layers\": [");
    for (uint32_t l = 0; l < L; l++) {
        const rs_layer *ly = &net->layers[l];
        rs_sb_puts(b, l ? ", {\"w\": " : "{\"w\": ");
        jb_mat(b, ly->w, ly->n_out, ly->n_in);
        if (ly->b) {
            rs_sb_puts(b, ", \"b\": ");
            jb_vec(b, ly->b, ly->n_out);
        }
        rs_sb_puts(b, "}");
    }
    rs_sb_puts(b, "]");
}

static void dump_recurrent(rs_strbuf *b, rs_net *net)
{
    const rs_recspec *rs = rs_rnet_spec(net);
    static const char *const signs[] = { "free", "nonnegative", "nonpositive" };
    uint32_t N = net->n_nodes;
    rs_sb_printf(b, ", \"kind\": \"recurrent\", \"nodes\": %u, \"rounds\": %u, \"act\": ",
              rs->nodes, rs->rounds);
    rs_sb_json_str(b, rs_act_name(net->node_act));
    rs_sb_printf(b, ", \"bias_node\": %s, \"inputs\": ", rs->bias_node ? "true" : "false");
    jb_uvec(b, net->in_nodes, net->sizes[0]);
    rs_sb_puts(b, ", \"outputs\": ");
    jb_uvec(b, net->out_nodes, net->sizes[1]);
    rs_sb_puts(b, ", \"labels\": [");
    for (uint32_t i = 0; i < N; i++) {
        char lab[32];
        rs_rnet_label(net, i, lab, sizeof lab);
        rs_sb_puts(b, i ? ", " : "");
        rs_sb_json_str(b, lab);
    }
    rs_sb_printf(b, "], \"directed\": %s, \"self_loops\": %s, \"sign\": \"%s\", \"budget\": ",
              rs->directed ? "true" : "false", rs->self_loops ? "true" : "false",
              signs[rs->sign]);
    if (rs->has_budget)
        jb_num(b, rs->budget);
    else
        rs_sb_puts(b, "null");
    rs_sb_printf(b, ", \"strict\": %s, \"penalty\": ", rs->strict ? "true" : "false");
    jb_num(b, rs->penalty);
    rs_sb_puts(b, ", \"norm\": ");
    jb_num(b, rs->norm_p);
    rs_sb_puts(b, ", \"noise\": ");
    jb_num(b, rs->noise);
    rs_sb_printf(b, ", \"noise_mode\": \"%s\", \"raw\": ",
              rs->noise_mult ? "multiplicative" : "additive");
    jb_mat(b, net->params, N, N);
    rs_rnet_refresh_adj(net); /* A without the training noise */
    rs_sb_puts(b, ", \"adjacency\": ");
    jb_mat(b, net->adj, N, N);
}

char *rs_netio_dump(const rs_net *net, const rs_netmeta *meta)
{
    rs_strbuf b = { 0 };
    rs_sb_printf(&b, "{\"format\": \"%s\", \"version\": %d", RS_NETIO_FORMAT, RS_NETIO_VERSION);
    if (meta) { /* first, so a reader finds a job's line without parsing the others */
        rs_sb_puts(&b, ", \"job\": {\"index\": ");
        rs_sb_i(&b, meta->index);
        rs_sb_puts(&b, ", \"key\": ");
        rs_sb_json_str(&b, meta->key);
        rs_sb_puts(&b, ", \"rule\": ");
        rs_sb_json_str(&b, meta->rule);
        rs_sb_puts(&b, ", \"task\": ");
        rs_sb_json_str(&b, meta->task);
        rs_sb_puts(&b, ", \"net\": ");
        rs_sb_json_str(&b, meta->net);
        rs_sb_puts(&b, ", \"replicate\": ");
        rs_sb_i(&b, meta->replicate);
        rs_sb_puts(&b, ", \"status\": ");
        rs_sb_json_str(&b, meta->status);
        rs_sb_puts(&b, meta->solved ? ", \"solved\": true, \"final_loss\": "
                                    : ", \"solved\": false, \"final_loss\": ");
        jb_num(&b, meta->final_loss);
        rs_sb_puts(&b, ", \"steps\": ");
        rs_sb_i(&b, meta->steps);
        rs_sb_puts(&b, "}");
        if (meta->task_text[0]) {
            rs_sb_puts(&b, ", \"task\": ");
            rs_sb_json_str(&b, meta->task_text);
        }
    }
    if (net->kind == RS_NET_RECURRENT)
        dump_recurrent(&b, (rs_net *)net); /* refreshes adj, a derived buffer */
    else
        dump_layered(&b, net);
    rs_sb_puts(&b, "}\n");
    return rs_sb_take(&b); /* NULL when out of memory */
}

/* ---- reading --------------------------------------------------------------------------- */

/* rows x cols numbers from a list of lists into dst; 0 ok. */
static int read_mat(const cJSON *v, size_t rows, size_t cols, rs_real *dst)
{
    if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) != rows)
        return 1;
    size_t i = 0;
    for (const cJSON *r = v->child; r; r = r->next, i++) {
        if (!cJSON_IsArray(r) || (size_t)cJSON_GetArraySize(r) != cols)
            return 1;
        size_t j = 0;
        for (const cJSON *e = r->child; e; e = e->next, j++) {
            if (!cJSON_IsNumber(e))
                return 1;
            dst[i * cols + j] = (rs_real)e->valuedouble;
        }
    }
    return 0;
}

static int read_vec(const cJSON *v, size_t n, rs_real *dst)
{
    if (!cJSON_IsArray(v) || (size_t)cJSON_GetArraySize(v) != n)
        return 1;
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e))
            return 1;
        dst[i] = (rs_real)e->valuedouble;
    }
    return 0;
}

/* A job's whole number, or -1 when absent or beyond what a long holds (casting it would be
 * undefined behaviour). */
static long meta_long(const cJSON *v)
{
    return cJSON_IsNumber(v) && fabs(v->valuedouble) < 9e18 ? (long)v->valuedouble : -1;
}

static void read_meta(const cJSON *root, rs_netmeta *m)
{
    memset(m, 0, sizeof *m);
    m->index = m->replicate = m->steps = -1;
    m->final_loss = NAN;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "task");
    if (cJSON_IsString(t))
        snprintf(m->task_text, sizeof m->task_text, "%s", t->valuestring);
    const cJSON *job = cJSON_GetObjectItemCaseSensitive(root, "job");
    if (!cJSON_IsObject(job))
        return;
    struct { const char *key; char *dst; size_t size; } strs[] = {
        { "rule", m->rule, sizeof m->rule }, { "task", m->task, sizeof m->task },
        { "net", m->net, sizeof m->net }, { "key", m->key, sizeof m->key },
        { "status", m->status, sizeof m->status } };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(job, strs[i].key);
        if (cJSON_IsString(v))
            snprintf(strs[i].dst, strs[i].size, "%s", v->valuestring);
    }
    const cJSON *v;
    m->index = meta_long(cJSON_GetObjectItemCaseSensitive(job, "index"));
    m->replicate = meta_long(cJSON_GetObjectItemCaseSensitive(job, "replicate"));
    m->steps = meta_long(cJSON_GetObjectItemCaseSensitive(job, "steps"));
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(job, "final_loss")))
        m->final_loss = v->valuedouble;
    m->solved = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(job, "solved"));
}

static int load_layered(const cJSON *root, const rs_registry *reg, uint32_t max_batch,
                        rs_loaded_net *out, char *msg, size_t msg_size)
{
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(root, "sizes");
    int n = cJSON_IsArray(sizes) ? cJSON_GetArraySize(sizes) : 0;
    if (n < 2 || n > RS_MAX_LAYERS + 2) {
        snprintf(msg, msg_size, "\"sizes\" must list 2 to %d layer sizes, e.g. [2, 2, 1]",
                 RS_MAX_LAYERS + 2);
        return 1;
    }
    uint32_t sz[RS_MAX_LAYERS + 2], L = (uint32_t)n - 1;
    int i = 0;
    for (const cJSON *e = sizes->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > 1e6
            || e->valuedouble != floor(e->valuedouble)) {
            snprintf(msg, msg_size, "\"sizes\" entries must be positive whole numbers");
            return 1;
        }
        sz[i] = (uint32_t)e->valuedouble;
    }
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "act");
    int n_act = cJSON_IsString(act) ? 1 : cJSON_IsArray(act) ? cJSON_GetArraySize(act) : 0;
    if (n_act < 1 || (n_act > 2 && (uint32_t)n_act != L) || (n_act == 2 && L == 1)) {
        snprintf(msg, msg_size, "\"act\" must be one activation name, two (hidden, output) or "
                 "one per weight layer (%u)", L);
        return 1;
    }
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers) || (uint32_t)cJSON_GetArraySize(layers) != L) {
        snprintf(msg, msg_size, "\"layers\" must hold %u objects {\"w\": ..., \"b\": ...}", L);
        return 1;
    }
    const cJSON *bias = cJSON_GetObjectItemCaseSensitive(root, "bias");
    int has_b = cJSON_IsBool(bias) ? cJSON_IsTrue(bias)
                                   : cJSON_GetObjectItemCaseSensitive(layers->child, "b") != NULL;
    for (uint32_t l = 0; l < L; l++) {
        const cJSON *a = cJSON_IsString(act) ? act
                       : cJSON_GetArrayItem(act, n_act == 2 ? (l + 1 == L) : (int)l);
        if (!cJSON_IsString(a)) {
            snprintf(msg, msg_size, "\"act\" entries must be activation names");
            return 1;
        }
        if (!(out->acts[l] = rs_act_create(reg, a->valuestring, msg, msg_size)))
            return 1;
        out->n_acts = l + 1;
    }
    out->net = rs_net_create(sz, L, (const rs_act *const *)out->acts, has_b, max_batch);
    if (!out->net) {
        snprintf(msg, msg_size, "out of memory");
        return 1;
    }
    uint32_t l = 0;
    for (const cJSON *ly = layers->child; ly; ly = ly->next, l++) {
        rs_layer *y = &out->net->layers[l];
        if (read_mat(cJSON_GetObjectItemCaseSensitive(ly, "w"), y->n_out, y->n_in, y->w)) {
            snprintf(msg, msg_size, "layers[%u].w must be %u rows of %u numbers", l, y->n_out,
                     y->n_in);
            return 1;
        }
        if (y->b && read_vec(cJSON_GetObjectItemCaseSensitive(ly, "b"), y->n_out, y->b)) {
            snprintf(msg, msg_size, "layers[%u].b must be %u numbers (or set \"bias\": false)",
                     l, y->n_out);
            return 1;
        }
    }
    return 0;
}

static int load_recurrent(const cJSON *root, const rs_registry *reg, uint32_t max_batch,
                          rs_loaded_net *out, char *msg, size_t msg_size)
{
    /* the spec form's keys go through the spec's own parser */
    cJSON *spec = cJSON_Duplicate(root, 1);
    static const char *const extra[] = { "format", "version", "raw", "adjacency", "task", "job" };
    for (size_t i = 0; spec && i < sizeof extra / sizeof *extra; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(spec, extra[i]);
    rs_recspec rs;
    int bad = !spec || rs_recspec_parse(spec, &rs, msg, msg_size);
    cJSON_Delete(spec);
    if (bad)
        return 1;
    if (!rs.n_inputs || !rs.n_outputs) {
        snprintf(msg, msg_size, "a saved recurrent network lists its \"inputs\" and \"outputs\" "
                 "nodes");
        return 1;
    }
    if (rs_recspec_check(&rs, rs.n_inputs, rs.n_outputs, msg, msg_size))
        return 1;
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(root, "raw");
    const cJSON *adj = cJSON_GetObjectItemCaseSensitive(root, "adjacency");
    if (!raw && !adj) {
        snprintf(msg, msg_size, "a recurrent network needs \"raw\" (P) or \"adjacency\" (A)");
        return 1;
    }
    if (!raw) { /* A given by hand: used as it is */
        rs.sign = RS_SIGN_FREE;
        rs.has_budget = 0;
        rs.penalty = 0;
        rs.directed = 1;
    }
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "act");
    if (!(out->acts[0] = rs_act_create(reg, cJSON_IsString(act) ? act->valuestring : "tanh", msg,
                                       msg_size)))
        return 1;
    out->n_acts = 1;
    out->net = rs_rnet_create(&rs, rs.n_inputs, rs.n_outputs, out->acts[0], max_batch);
    if (!out->net) {
        snprintf(msg, msg_size, "out of memory");
        return 1;
    }
    uint32_t N = out->net->n_nodes;
    if (read_mat(raw ? raw : adj, N, N, out->net->params)) {
        snprintf(msg, msg_size, "\"%s\" must be %u rows of %u numbers (every node%s)",
                 raw ? "raw" : "adjacency", N, N, rs.bias_node ? ", the bias node included" : "");
        return 1;
    }
    for (size_t i = 0; !raw && i < (size_t)N * N; i++)
        if (out->net->mask[i] == 0 && out->net->params[i] != 0) {
            snprintf(msg, msg_size, "adjacency[%zu][%zu] = %g is an edge the network cannot "
                     "have (%s)", i / N, i % N, (double)out->net->params[i],
                     i / N == i % N ? "a self-loop: set \"self_loops\": true" : "into the bias "
                                                                                 "node");
            return 1;
        }
    rs_rnet_refresh_adj(out->net);
    return 0;
}

int rs_netio_load(const char *text, const char *name, const rs_registry *reg, uint32_t max_batch,
                  rs_loaded_net *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_Parse(text);
    char msg[768] = "";
    int bad = 1;
    if (root && rs_json_strict_check(text, name, err, err_size)) {
        cJSON_Delete(root);
        return 1;
    }
    if (!root || !cJSON_IsObject(root)) {
        snprintf(msg, sizeof msg, "not a JSON object; is it a network (a line of a run's "
                 "nets.jsonl, or a file of the same form)?");
        goto done;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, RS_NETIO_FORMAT) != 0
        || !cJSON_IsNumber(ver)) {
        snprintf(msg, sizeof msg, "not a saved network: expected \"format\": \"%s\" and a "
                 "\"version\"", RS_NETIO_FORMAT);
        goto done;
    }
    if (ver->valuedouble > RS_NETIO_VERSION) {
        snprintf(msg, sizeof msg, "format version %g is newer than this ruleset reads (%d); "
                 "update ruleset", ver->valuedouble, RS_NETIO_VERSION);
        goto done;
    }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "recurrent"))
        bad = load_recurrent(root, reg, max_batch, out, msg, sizeof msg);
    else if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "layered"))
        bad = load_layered(root, reg, max_batch, out, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "\"kind\" must be \"layered\" or \"recurrent\"");
    if (!bad)
        read_meta(root, &out->meta);
done:
    cJSON_Delete(root);
    if (bad) {
        snprintf(err, err_size, "%s: %s", name, msg);
        rs_netio_free(out);
    }
    return bad;
}

void rs_netio_free(rs_loaded_net *ln)
{
    rs_net_destroy(ln->net);
    for (uint32_t i = 0; i < ln->n_acts; i++)
        rs_act_destroy(ln->acts[i]);
    memset(ln, 0, sizeof *ln);
}
