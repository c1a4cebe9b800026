/* act_make.c: an activation resolved from its text through the registry (see act.h). */
#include "act.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

rs_act *rs_act_create(const rs_registry *reg, const char *text, char *err, size_t err_size)
{
    char name[64];
    const char *colon = strchr(text, ':');
    size_t len = colon ? (size_t)(colon - text) : strlen(text);
    if (len == 0 || len >= sizeof name) {
        snprintf(err, err_size, "'%s' is not an activation name", text);
        return NULL;
    }
    memcpy(name, text, len);
    name[len] = '\0';
    const rs_plugin_head *h = rs_registry_find(reg, RS_KIND_ACTIVATION, name);
    if (!h) {
        char known[1024];
        rs_registry_hint(reg, RS_KIND_ACTIVATION, name, known, sizeof known);
        snprintf(err, err_size, "unknown activation '%s'; %s", name, known);
        return NULL;
    }
    rs_params *p = rs_params_create(h->params, h->name);
    rs_act *act = calloc(1, sizeof *act);
    if (!p || !act) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    if (colon) {
        char *copy = strdup(colon + 1), *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (!eq) {
                snprintf(err, err_size, "activation '%s': expected key=value, got '%s'", name, kv);
                free(copy);
                goto fail;
            }
            *eq = '\0';
            if (rs_params_set_text(p, kv, eq + 1, err, err_size) != RS_OK) {
                free(copy);
                goto fail;
            }
        }
        free(copy);
    }
    act->desc = (const rs_activation_desc *)h;
    /* ABI 1.2 on: every parameter in table order (plugin.h); before: the REAL ones only */
    int every = h->abi_minor >= 2;
    for (uint32_t i = 0, k = 0; i < p->n; i++)
        if (every || rs_param_base(&p->spec[i]) == RS_PARAM_REAL)
            act->p[k++] = rs_params_as_real(p, (int)i);
    char lab[96];
    rs_params_label(p, lab, sizeof lab);
    snprintf(act->label, sizeof act->label, "%s%s%s", name, lab[0] ? ":" : "", lab);
    rs_params_destroy(p);
    return act;
fail:
    rs_params_destroy(p);
    free(act);
    return NULL;
}
