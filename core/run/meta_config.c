/* meta_config.c: the "meta" object of a meta-training spec (meta.h: rs_meta_cfg_parse). */
#include "meta.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tape.h"

/* A numeric key: 1 when kv is one (set, or err filled: *bad), 0 when it is not numeric. */
static int number_key(const cJSON *kv, const char *file, rs_meta_cfg *c, char *err, size_t size,
                      int *bad)
{
    const char *k = kv->string;
    struct { const char *key; long *dst; long lo; } ints[] = {
        { "iterations", &c->iterations, 0 }, { "episodes", &c->episodes, 1 },
        { "truncation", &c->truncation, 0 }, { "checkpoint_every", &c->checkpoint_every, 1 },
        { "validation", &c->validation, 0 } };
    struct { const char *key; double *dst; double lo, hi; } reals[] = {
        { "lr", &c->lr, 0, 10 }, { "beta1", &c->beta1, 0, 0.999999 },
        { "beta2", &c->beta2, 0, 0.999999999 }, { "eps", &c->eps, 0, 1 },
        { "clip", &c->clip, 0, 1e12 }, { "final_weight", &c->final_weight, 0, 1e6 },
        { "log_floor", &c->log_floor, 1e-300, 1 } };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        if (!strcmp(k, ints[i].key)) {
            if (!cJSON_IsNumber(kv) || kv->valuedouble < ints[i].lo
                || kv->valuedouble != floor(kv->valuedouble) || kv->valuedouble > 1e9) {
                snprintf(err, size, "%s: meta.%s: must be a whole number >= %ld", file, k,
                         ints[i].lo);
                *bad = 1;
            } else
                *ints[i].dst = (long)kv->valuedouble;
            return 1;
        }
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        if (!strcmp(k, reals[i].key)) {
            if (!cJSON_IsNumber(kv) || !(kv->valuedouble >= reals[i].lo)
                || !(kv->valuedouble <= reals[i].hi)) {
                snprintf(err, size, "%s: meta.%s: must be a number in [%g, %g]", file, k,
                         reals[i].lo, reals[i].hi);
                *bad = 1;
            } else
                *reals[i].dst = kv->valuedouble;
            return 1;
        }
    return 0;
}

static int held_out_key(const cJSON *kv, const char *file, rs_meta_cfg *c, char *err,
                        size_t size)
{
    if (!cJSON_IsArray(kv) || cJSON_GetArraySize(kv) > RS_META_MAX_HELD) {
        snprintf(err, size, "%s: meta.held_out: must be a list of at most %d task-label "
                 "substrings, e.g. [\"table=0110\"]", file, RS_META_MAX_HELD);
        return -1;
    }
    for (const cJSON *h = kv->child; h; h = h->next) {
        if (!cJSON_IsString(h) || !h->valuestring[0]
            || strlen(h->valuestring) >= sizeof c->held_out[0]) {
            snprintf(err, size, "%s: meta.held_out: entries must be non-empty strings", file);
            return -1;
        }
        snprintf(c->held_out[c->n_held_out++], sizeof c->held_out[0], "%s", h->valuestring);
    }
    return 0;
}

static int parse_key(const cJSON *kv, const char *file, rs_meta_cfg *c, char *err, size_t size)
{
    const char *k = kv->string;
    int bad = 0;
    if (number_key(kv, file, c, err, size, &bad))
        return bad ? -1 : 0;
    if (!strcmp(k, "comment"))
        return 0;
    if (!strcmp(k, "normalize") || !strcmp(k, "log_loss")) {
        if (!cJSON_IsBool(kv)) {
            snprintf(err, size, "%s: meta.%s: must be true or false", file, k);
            return -1;
        }
        *(k[0] == 'n' ? &c->normalize : &c->log_loss) = cJSON_IsTrue(kv);
        return 0;
    }
    if (!strcmp(k, "held_out"))
        return held_out_key(kv, file, c, err, size);
    if (!strcmp(k, "tape")) { /* the precision of the meta-gradient's tape (tape.h) */
        const char *v = cJSON_IsString(kv) ? kv->valuestring : "";
        if (strcmp(v, "double") && strcmp(v, "float")) {
            snprintf(err, size, "%s: meta.tape: must be \"double\" or \"float\" (the precision "
                     "of the autodiff tape)", file);
            return -1;
        }
        c->tape_precision = v[0] == 'f' ? RS_TAPE_FLOAT : RS_TAPE_DOUBLE;
        return 0;
    }
    snprintf(err, size, "%s: meta: unknown key '%s'; it takes iterations, episodes, truncation, "
             "lr, beta1, beta2, eps, clip, normalize, log_loss, log_floor, final_weight, "
             "checkpoint_every, validation, held_out, tape", file, k);
    return -1;
}

int rs_meta_cfg_parse(const char *text, const char *file, rs_meta_cfg *c, char *err,
                      size_t size)
{
    *c = (rs_meta_cfg){ .iterations = 500, .episodes = 16, .truncation = 0, .lr = 1e-3,
                        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip = 1.0,
                        .final_weight = 0, .normalize = 1, .log_floor = 1e-4,
                        .checkpoint_every = 50, .validation = 16,
                        .tape_precision = RS_TAPE_DOUBLE };
    cJSON *root = cJSON_Parse(text);
    const cJSON *meta = root ? cJSON_GetObjectItemCaseSensitive(root, "meta") : NULL;
    int rc = 0;
    if (meta && !cJSON_IsObject(meta)) {
        snprintf(err, size, "%s: meta: must be an object of meta-training settings", file);
        rc = -1;
    }
    for (const cJSON *kv = meta && !rc ? meta->child : NULL; kv && !rc; kv = kv->next)
        rc = parse_key(kv, file, c, err, size);
    cJSON_Delete(root);
    return rc;
}
