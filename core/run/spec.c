/* spec.c: see spec.h. The top level of a spec; its lists are spec_items.c's and
 * spec_nets.c's, the error positions spec_parser.c's. */
#include "spec.h"

#include "json_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_parser.h"

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
                                        "truth_table", "meta", "epochs", "alignment" };

/* cJSON's end pointer as line:column. */
static void syntax_error(const char *text, const char *end, const char *file, char *err,
                         size_t err_size)
{
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
}

static int check_top_keys(parser *ps, const cJSON *root)
{
    for (const cJSON *kv = root->child; kv; kv = kv->next) {
        int ok = 0;
        for (size_t a = 0; a < sizeof top_keys / sizeof *top_keys; a++)
            ok |= strcmp(kv->string, top_keys[a]) == 0;
        if (!ok) {
            rs_spec_fail_key(ps, kv->string, "unknown key; the spec takes name, seed, replicates, "
                             "steps, epochs, batch, eval_every, alignment, rules, tasks, "
                             "networks, save_nets, truth_table, meta");
            return -1;
        }
    }
    return 0;
}

static int parse_name(parser *ps, const cJSON *root, rs_spec *spec)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!v)
        return 0;
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    int ok = *s && strlen(s) < sizeof spec->name;
    for (const char *c = s; *c; c++)
        ok &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
           || *c == '-' || *c == '_' || *c == '.';
    if (!ok) {
        rs_spec_fail_key(ps, "name", "must be a short name of letters, digits, '-', '_' or '.' "
                         "(it names the run folder)");
        return -1;
    }
    snprintf(spec->name, sizeof spec->name, "%s", s);
    return 0;
}

/* replicates, steps, epochs, eval_every ("epoch" too), batch ("full" too), save_nets,
 * truth_table, alignment, seed. */
static int parse_settings(parser *ps, const cJSON *root, rs_spec *spec)
{
    struct { const char *key; long *dst; double lo; } nums[] = {
        { "replicates", &spec->replicates, 1 }, { "steps", &spec->steps, 0 },
        { "eval_every", &spec->eval_every, 1 }, { "batch", &spec->batch, 1 },
        { "epochs", &spec->epochs, 1 } };
    const cJSON *v;
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        if (!(v = cJSON_GetObjectItemCaseSensitive(root, nums[i].key)))
            continue;
        int batch = !strcmp(nums[i].key, "batch"), every = !strcmp(nums[i].key, "eval_every");
        if (batch && cJSON_IsString(v) && !strcmp(v->valuestring, "full")) {
            spec->batch = 0;
            continue;
        }
        if (every && cJSON_IsString(v) && !strcmp(v->valuestring, "epoch")) {
            spec->eval_epoch = 1;
            continue;
        }
        if (!rs_spec_number(v, nums[i].lo, 1e12, 1)) {
            rs_spec_fail_key(ps, nums[i].key, "must be a whole number >= %g%s", nums[i].lo,
                             batch ? " or \"full\"" : every ? " or \"epoch\"" : "");
            return -1;
        }
        *nums[i].dst = (long)v->valuedouble;
    }
    const char *bools[] = { "save_nets", "truth_table", "alignment" };
    int *bdst[] = { &spec->save_nets, &spec->truth_table, &spec->alignment };
    for (int i = 0; i < 3; i++) {
        if (!(v = cJSON_GetObjectItemCaseSensitive(root, bools[i])))
            continue;
        if (!cJSON_IsBool(v)) {
            rs_spec_fail_key(ps, bools[i], "must be true or false");
            return -1;
        }
        *bdst[i] = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "seed"))) {
        if (!rs_spec_number(v, 0, 9007199254740992.0, 1)) {
            rs_spec_fail_key(ps, "seed", "must be a whole number >= 0");
            return -1;
        }
        spec->seed = (uint64_t)v->valuedouble;
    }
    return 0;
}

/* The global "networks" (default "1-2-1": one hidden layer of 2, relu then sigmoid). */
static int parse_networks(parser *ps, const cJSON *root, rs_spec *spec)
{
    const cJSON *nets = cJSON_GetObjectItemCaseSensitive(root, "networks");
    size_t n_nets = cJSON_IsArray(nets) ? (size_t)cJSON_GetArraySize(nets) : 0;
    if (nets && (!cJSON_IsArray(nets) || n_nets == 0)) {
        rs_spec_fail_key(ps, "networks", "must be a non-empty list");
        return -1;
    }
    if (!(spec->nets = calloc(n_nets ? n_nets : 1, sizeof *spec->nets)))
        return -1;
    if (n_nets == 0) {
        cJSON *def = cJSON_CreateString("1-2-1");
        int rc = !def || rs_spec_parse_net(ps, def, 0, spec->nets);
        cJSON_Delete(def);
        if (rc)
            return -1;
        spec->n_nets = 1;
    }
    int index = 0;
    for (const cJSON *el = nets ? nets->child : NULL; el; el = el->next, index++) {
        if (rs_spec_parse_net(ps, el, index, &spec->nets[index]))
            return -1;
        spec->n_nets++;
    }
    spec->n_global_nets = spec->n_nets;
    return 0;
}

static void free_items(item_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        rs_params_destroy(l->items[i].params);
    free(l->items);
}

/* Everything under the root object; 0, or -1 with err (or out of memory). */
static int parse_root(parser *ps, const cJSON *root, rs_spec *spec)
{
    if (!cJSON_IsObject(root)) {
        snprintf(ps->err, ps->err_size, "%s:1: the spec must be a JSON object", ps->file);
        return -1;
    }
    snprintf(spec->name, sizeof spec->name, "run");
    spec->seed = 1;
    spec->replicates = 10;
    spec->steps = 1000;
    spec->batch = 0;
    spec->eval_every = 0; /* 0 = steps / 50 */
    spec->save_nets = 1;
    item_list rules = { 0 }, tasks = { 0 };
    if (check_top_keys(ps, root) || parse_name(ps, root, spec) || parse_settings(ps, root, spec)
        || parse_networks(ps, root, spec)
        || rs_spec_parse_items(ps, cJSON_GetObjectItemCaseSensitive(root, "rules"), "rules",
                               RS_KIND_RULE, &rules)
        || rs_spec_parse_items(ps, cJSON_GetObjectItemCaseSensitive(root, "tasks"), "tasks",
                               RS_KIND_TASK, &tasks)) {
        free_items(&rules);
        free_items(&tasks);
        return -1;
    }
    spec->rules = rules.items;
    spec->n_rules = rules.n;
    spec->tasks = tasks.items;
    spec->n_tasks = tasks.n;
    return 0;
}

rs_spec *rs_spec_parse(const char *text, const char *file, const rs_registry *reg, char *err,
                       size_t err_size)
{
    parser ps = { text, file, reg, err, err_size, NULL };
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        syntax_error(text, end, file, err, err_size);
        return NULL;
    }
    rs_spec *spec = NULL;
    if (!rs_json_strict_check(text, file, err, err_size)) /* duplicates, control bytes, ... */
        spec = calloc(1, sizeof *spec);
    ps.spec = spec;
    if (!spec || parse_root(&ps, root, spec)) {
        rs_spec_destroy(spec);
        spec = NULL;
    } else
        spec->json = cJSON_Print(root);
    cJSON_Delete(root);
    return spec;
}
