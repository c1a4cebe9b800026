/* weights.c: see weights.h. */
#include "weights.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "json_strict.h"
#include "params.h"
#include "paths.h"
#include "file.h"

int rs_weights_resolve(const char *path, char *out, size_t size)
{
    if (path[0] == '/' || access(path, F_OK) == 0) {
        snprintf(out, size, "%s", path);
        return access(path, F_OK) == 0 ? 0 : -1;
    }
    /* The shipped files live in ruleset's rules folder (the source tree's, or the installed
     * one; $RULESET_RULES_DIR first, as for specs): so the default
     * "rules/lstm_synapse.weights.json" works from the build folder or anywhere. */
    const char *base = strncmp(path, "rules/", 6) == 0 ? path + 6 : path;
    char dir[4096] = "";
    if (!strchr(base, '/') && rs_data_dir("rules", base, "RULESET_RULES_DIR", dir, sizeof dir)) {
        snprintf(out, size, "%s/%s", dir, base);
        if (access(out, F_OK) == 0)
            return 0;
    }
    snprintf(out, size, "the working directory%s%s", dir[0] ? " and " : "", dir);
    return -1;
}

cJSON *rs_weights_read(const char *path, char *resolved, size_t resolved_size, char *err,
                       size_t err_size)
{
    char where[4200];
    if (rs_weights_resolve(path, where, sizeof where) != 0) {
        snprintf(err, err_size, "weights file '%s' not found (looked in %s); meta-train one with "
                 "'ruleset meta-train SPEC.json -o %s', or give the parameter weights=PATH",
                 path, where, path);
        return NULL;
    }
    if (resolved)
        snprintf(resolved, resolved_size, "%s", where);
    char msg[4400];
    char *text = rs_read_file(where, msg, sizeof msg);
    if (!text) {
        snprintf(err, err_size, "weights file %s", msg);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        int line = 1;
        for (const char *c = text; end && c < end; c++)
            line += *c == '\n';
        int at_end = end && *end == '\0';
        snprintf(err, err_size, "%s:%d: not valid JSON (%s); the weights file is damaged: "
                 "meta-train it again", where, line, at_end ? "it ends early: truncated?"
                                                             : "corrupt");
        free(text);
        return NULL;
    }
    if (rs_json_strict_check(text, where, err, err_size)) {
        free(text);
        cJSON_Delete(root);
        return NULL;
    }
    free(text);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(root, "rule");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, RS_WEIGHTS_FORMAT) != 0) {
        snprintf(err, err_size, "%s: not a ruleset weights file (no \"format\": \"%s\")", where,
                 RS_WEIGHTS_FORMAT);
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsNumber(ver) || ver->valuedouble != RS_WEIGHTS_VERSION) {
        snprintf(err, err_size, "%s: weights format version %g; this ruleset reads version %d%s",
                 where, cJSON_IsNumber(ver) ? ver->valuedouble : -1.0, RS_WEIGHTS_VERSION,
                 cJSON_IsNumber(ver) && ver->valuedouble > RS_WEIGHTS_VERSION
                     ? ": upgrade ruleset" : "");
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsString(rule)) {
        snprintf(err, err_size, "%s: no \"rule\" name", where);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *rs_weights_params_json(const rs_params *p)
{
    cJSON *o = cJSON_CreateObject();
    for (uint32_t i = 0; o && i < p->n; i++) {
        const rs_param_spec *s = &p->spec[i];
        if (!strcmp(s->name, "weights"))
            continue;
        switch (rs_param_base(s)) {
        case RS_PARAM_BOOL: cJSON_AddBoolToObject(o, s->name, p->num[i] != 0); break;
        case RS_PARAM_CHOICE:
        case RS_PARAM_STR: cJSON_AddStringToObject(o, s->name, p->str[i] ? p->str[i] : ""); break;
        default: cJSON_AddNumberToObject(o, s->name, p->num[i]); break;
        }
    }
    return o;
}

rs_params *rs_weights_file_params(const cJSON *root, const char *where,
                                  const rs_param_spec *spec, const char *plugin, char *err,
                                  size_t err_size)
{
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (!cJSON_IsObject(fp)) {
        snprintf(err, err_size, "%s: \"params\" must be an object of the rule's parameters; "
                 "the weights file is damaged: meta-train it again", where);
        return NULL;
    }
    rs_params *p = rs_params_create(spec, plugin);
    if (!p) {
        snprintf(err, err_size, "%s: out of memory", where);
        return NULL;
    }
    char msg[1024];
    for (const cJSON *kv = fp->child; kv; kv = kv->next)
        if (rs_params_set_json(p, kv->string, kv, msg, sizeof msg) != RS_OK) {
            snprintf(err, err_size, "%s: params: %s", where, msg);
            rs_params_destroy(p);
            return NULL;
        }
    return p;
}

/* Does the file's value of parameter i equal ours? Its text for the message. */
static int same_param(const rs_params *p, const rs_params *file, int i, char *theirs,
                      size_t size)
{
    if (!file->set[i]) {
        snprintf(theirs, size, "(absent)");
        return 0;
    }
    rs_params_value_text(file, i, theirs, size);
    switch (rs_param_base(&p->spec[i])) {
    case RS_PARAM_CHOICE:
    case RS_PARAM_STR:
        return !strcmp(file->str[i] ? file->str[i] : "", p->str[i] ? p->str[i] : "");
    default:
        return file->num[i] == p->num[i];
    }
}

rs_status rs_weights_load(rs_ctx *ctx, const char *path, const rs_params *params,
                          const rs_meta_shape *shapes, uint32_t n, double *values)
{
    char err[8192], where[4200];
    cJSON *root = rs_weights_read(path, where, sizeof where, err, sizeof err);
    if (!root)
        return rs_fail(ctx, RS_ERR_IO, "%s", err);
    rs_status st = RS_ERR_PARAM;
    const char *rule = cJSON_GetObjectItemCaseSensitive(root, "rule")->valuestring;
    if (strcmp(rule, params->plugin) != 0) {
        rs_fail(ctx, st, "%s: weights of rule '%s', not '%s'; give a file meta-trained for %s",
                where, rule, params->plugin, params->plugin);
        goto out;
    }
    rs_params *fp = rs_weights_file_params(root, where, params->spec, params->plugin, err,
                                           sizeof err);
    if (!fp) {
        rs_fail(ctx, st, "%s", err);
        goto out;
    }
    for (uint32_t i = 0; i < params->n; i++) {
        const char *name = params->spec[i].name;
        if (!strcmp(name, "weights"))
            continue;
        char ours[256], theirs[256];
        if (!same_param(params, fp, (int)i, theirs, sizeof theirs)) {
            rs_params_value_text(params, (int)i, ours, sizeof ours);
            if (!fp->set[i]) { /* a file from before the rule had the parameter */
                rs_fail(ctx, st, "%s: no value of %s's parameter %s (the file is older than "
                        "it); add \"%s\": %s to its \"params\" if it was meta-trained with "
                        "that behaviour, or meta-train a file for %s=%s", where, params->plugin,
                        name, name, ours, name, ours);
                rs_params_destroy(fp);
                goto out;
            }
            rs_fail(ctx, st, "%s: meta-trained with %s=%s, but this %s has %s=%s; set %s=%s "
                    "(or meta-train a file for %s=%s)", where, name, theirs, params->plugin,
                    name, ours, name, theirs, name, ours);
            rs_params_destroy(fp);
            goto out;
        }
    }
    rs_params_destroy(fp);
    const cJSON *tensors = cJSON_GetObjectItemCaseSensitive(root, "tensors");
    if (!cJSON_IsArray(tensors) || (uint32_t)cJSON_GetArraySize(tensors) != n) {
        rs_fail(ctx, st, "%s: %d tensors, %s expects %u; the file is damaged or for another "
                "version of the rule", where, cJSON_IsArray(tensors) ? cJSON_GetArraySize(tensors)
                                                                       : 0, params->plugin, n);
        goto out;
    }
    size_t off = 0;
    const cJSON *tj = tensors->child;
    for (uint32_t k = 0; k < n; k++, tj = tj->next) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(tj, "name");
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(tj, "rows");
        const cJSON *cols = cJSON_GetObjectItemCaseSensitive(tj, "cols");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(tj, "values");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, shapes[k].name) != 0) {
            rs_fail(ctx, st, "%s: tensor %u is '%s', expected '%s'", where, k,
                    cJSON_IsString(name) ? name->valuestring : "(unnamed)", shapes[k].name);
            goto out;
        }
        if (!cJSON_IsNumber(rows) || !cJSON_IsNumber(cols) || rows->valuedouble != shapes[k].rows
            || cols->valuedouble != shapes[k].cols) {
            rs_fail(ctx, st, "%s: tensor '%s' is %g x %g, %s expects %u x %u (another hidden "
                    "size or network depth?)", where, shapes[k].name,
                    cJSON_IsNumber(rows) ? rows->valuedouble : -1.0,
                    cJSON_IsNumber(cols) ? cols->valuedouble : -1.0, params->plugin,
                    shapes[k].rows, shapes[k].cols);
            goto out;
        }
        const size_t count = (size_t)shapes[k].rows * shapes[k].cols;
        if (!cJSON_IsArray(vals) || (size_t)cJSON_GetArraySize(vals) != count) {
            rs_fail(ctx, st, "%s: tensor '%s' has %d values, its shape %u x %u needs %zu", where,
                    shapes[k].name, cJSON_IsArray(vals) ? cJSON_GetArraySize(vals) : 0,
                    shapes[k].rows, shapes[k].cols, count);
            goto out;
        }
        size_t i = 0;
        for (const cJSON *v = vals->child; v; v = v->next, i++) {
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                rs_fail(ctx, st, "%s: tensor '%s' value %zu is not a finite number", where,
                        shapes[k].name, i);
                goto out;
            }
            values[off + i] = v->valuedouble;
        }
        off += count;
    }
    st = RS_OK;
out:
    cJSON_Delete(root);
    return st;
}

cJSON *rs_json_exact(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cJSON_CreateRaw(buf);
}

cJSON *rs_json_exact_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, rs_json_exact(v[i]));
    return a;
}

int rs_json_write_atomic(const char *path, const cJSON *root, char *err, size_t err_size)
{
    char *text = cJSON_Print(root);
    if (!text) {
        snprintf(err, err_size, "%s: out of memory formatting JSON", path);
        return -1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int bad = !f;
    if (f) {
        bad |= fputs(text, f) < 0 || fputc('\n', f) == EOF;
        bad |= fclose(f) != 0;
    }
    free(text);
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, err_size, "%s: cannot write (%s)", path, strerror(errno ? errno : EIO));
        remove(tmp);
        return -1;
    }
    return 0;
}

int rs_weights_write(const char *path, const rs_plugin_head *rule, const rs_params *params,
                     const rs_meta_shape *shapes, uint32_t n, const double *values, cJSON *meta,
                     char *err, size_t err_size)
{
    cJSON *root = cJSON_CreateObject(), *tensors = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "format", RS_WEIGHTS_FORMAT);
    cJSON_AddNumberToObject(root, "version", RS_WEIGHTS_VERSION);
    cJSON_AddStringToObject(root, "rule", rule->name);
    cJSON_AddStringToObject(root, "rule_version", rule->version);
    cJSON_AddItemToObject(root, "params", rs_weights_params_json(params));
    size_t off = 0;
    for (uint32_t k = 0; k < n; k++) {
        cJSON *t = cJSON_CreateObject();
        const size_t count = (size_t)shapes[k].rows * shapes[k].cols;
        cJSON_AddStringToObject(t, "name", shapes[k].name);
        cJSON_AddNumberToObject(t, "rows", shapes[k].rows);
        cJSON_AddNumberToObject(t, "cols", shapes[k].cols);
        cJSON_AddItemToObject(t, "values", rs_json_exact_array(values + off, count));
        cJSON_AddItemToArray(tensors, t);
        off += count;
    }
    cJSON_AddItemToObject(root, "tensors", tensors);
    if (meta)
        cJSON_AddItemToObject(root, "meta_training", meta);
    int rc = rs_json_write_atomic(path, root, err, err_size);
    cJSON_Delete(root);
    return rc;
}
