/* act.c: see act.h. */
#include "act.h"

#include <math.h>
#include <stddef.h>
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
        rs_registry_names(reg, RS_KIND_ACTIVATION, known, sizeof known);
        snprintf(err, err_size, "unknown activation '%s'; known: %s", name, known);
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
    for (uint32_t i = 0, k = 0; i < p->n; i++)
        if (p->spec[i].type == RS_PARAM_REAL)
            act->p[k++] = (rs_real)p->num[i];
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

void rs_act_destroy(rs_act *act) { free(act); }

void rs_act_forward(const rs_act *act, const rs_real *x, rs_real *y, size_t n)
{
    act->desc->forward(x, y, n, act->p);
}

void rs_act_derivative(const rs_act *act, const rs_real *x, const rs_real *y, rs_real *dy,
                       size_t n)
{
    act->desc->derivative(x, y, dy, n, act->p);
}

const char *rs_act_name(const rs_act *act) { return act->label; }

/* Does the descriptor carry `integral` (a plugin built before it was appended does not)? */
static int has_integral(const rs_activation_desc *d)
{
    return d->head.struct_size >= offsetof(rs_activation_desc, integral) + sizeof d->integral
        && d->integral != NULL;
}

void rs_act_integral(const rs_act *act, const rs_real *x, rs_real *y, size_t n)
{
    if (has_integral(act->desc)) {
        act->desc->integral(x, y, n, act->p);
        return;
    }
    /* Gauss-Legendre on [0, 1] mapped to each panel [a, a + h] */
    static const double node[4] = { 0.0694318442029737, 0.3300094782075719,
                                    0.6699905217924281, 0.9305681557970263 };
    static const double weight[4] = { 0.1739274225687269, 0.3260725774312731,
                                      0.3260725774312731, 0.1739274225687269 };
    for (size_t i = 0; i < n; i++) {
        const double u = x[i];
        if (!isfinite(u)) {
            y[i] = (rs_real)u;
            continue;
        }
        const int panels = (int)fmin(ceil(fabs(u) * 4), 4096);
        const double h = panels ? u / panels : 0;
        double sum = 0;
        for (int k = 0; k < panels; k++) {
            rs_real t[4], ft[4];
            for (int q = 0; q < 4; q++)
                t[q] = (rs_real)(h * (k + node[q]));
            act->desc->forward(t, ft, 4, act->p);
            for (int q = 0; q < 4; q++)
                sum += weight[q] * ft[q];
        }
        y[i] = (rs_real)(sum * h);
    }
}
