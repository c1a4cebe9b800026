/* cmd_plugins.c: `ruleset list`, `ruleset info NAME` and `ruleset check-plugin FILE.so`. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "params.h"

int rs_cmd_list(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    if (argc > 1) {
        fprintf(stderr, "ruleset: list: unexpected argument '%s'; usage: ruleset list "
                        "[--plugin FILE] [--plugin-dir DIR]\n", argv[1]);
        rs_registry_destroy(reg);
        return RS_EXIT_INPUT;
    }
    int wn = 4, wf = 4;
    for (size_t i = 0; i < reg->n_plugins; i++) {
        int a = (int)strlen(reg->plugins[i].head->name), b = (int)strlen(reg->plugins[i].file);
        wn = a > wn ? a : wn;
        wf = b > wf ? b : wf;
    }
    printf("%-10s  %-*s  %-7s  %-*s  %s\n", "kind", wn, "name", "version", wf, "file", "summary");
    for (int kind = RS_KIND_RULE; kind <= RS_KIND_TASK; kind++)
        for (size_t i = 0; i < reg->n_plugins; i++) {
            const rs_plugin_head *h = reg->plugins[i].head;
            if (h->kind == kind)
                printf("%-10s  %-*s  %-7s  %-*s  %s\n", rs_kind_name(kind), wn, h->name,
                       h->version, wf, reg->plugins[i].file, h->summary);
        }
    if (reg->n_refused) {
        printf("\nrefused (%zu):\n", reg->n_refused);
        for (size_t i = 0; i < reg->n_refused; i++)
            printf("  %s\n", reg->refused[i]);
    }
    rs_registry_destroy(reg);
    return RS_EXIT_OK;
}

static const char *type_name(uint32_t t)
{
    switch (t) {
    case RS_PARAM_REAL: return "real";
    case RS_PARAM_INT: return "int";
    case RS_PARAM_BOOL: return "bool";
    case RS_PARAM_CHOICE: return "choice";
    case RS_PARAM_STR: return "string";
    }
    return "?";
}

static void print_info(const rs_plugin_head *h, const char *file)
{
    printf("%s %s (%s) %s\n  %s\n", rs_kind_name(h->kind), h->name, file, h->version, h->summary);
    if (h->citation)
        printf("  source: %s\n", h->citation);
    if (h->kind == RS_KIND_RULE) {
        const char *const *m = ((const rs_rule_desc *)h)->metric_names;
        if (m && m[0]) {
            printf("  metrics:");
            for (; *m; m++)
                printf(" %s", *m);
            printf("\n");
        }
    }
    if (!h->params || !h->params[0].name) {
        printf("  parameters: none\n");
        return;
    }
    printf("  parameters:\n    %-16s %-7s %-12s %-22s %s\n", "name", "type", "default", "range",
           "help");
    for (const rs_param_spec *p = h->params; p->name; p++) {
        char def[64], range[64];
        if (p->type == RS_PARAM_CHOICE || p->type == RS_PARAM_STR)
            snprintf(def, sizeof def, "%s", p->def_str);
        else if (p->type == RS_PARAM_BOOL)
            snprintf(def, sizeof def, "%s", p->def ? "true" : "false");
        else
            snprintf(def, sizeof def, "%g", p->def);
        if (p->type == RS_PARAM_REAL || p->type == RS_PARAM_INT)
            snprintf(range, sizeof range, "[%g, %g]", p->lo, p->hi);
        else if (p->type == RS_PARAM_CHOICE)
            snprintf(range, sizeof range, "%s", p->choices);
        else
            snprintf(range, sizeof range, "-");
        printf("    %-16s %-7s %-12s %-22s %s\n", p->name, type_name(p->type), def, range,
               p->help ? p->help : "");
    }
}

int rs_cmd_info(int argc, char **argv)
{
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    if (argc != 2) {
        fprintf(stderr, "ruleset: info: usage: ruleset info NAME\n");
        rs_registry_destroy(reg);
        return RS_EXIT_INPUT;
    }
    int found = 0;
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (strcmp(reg->plugins[i].head->name, argv[1]) == 0) {
            if (found++)
                printf("\n");
            print_info(reg->plugins[i].head, reg->plugins[i].file);
        }
    if (!found) {
        char names[2048];
        size_t used = 0;
        names[0] = '\0';
        for (size_t i = 0; i < reg->n_plugins && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                     reg->plugins[i].head->name);
        fprintf(stderr, "ruleset: info: no plugin named '%s'; known: %s\n", argv[1], names);
    }
    rs_registry_destroy(reg);
    return found ? RS_EXIT_OK : RS_EXIT_INPUT;
}

int rs_cmd_check_plugin(int argc, char **argv)
{
    rs_registry *others = rs_cli_registry(&argc, argv); /* the plugins a run would also see */
    if (!others)
        return RS_EXIT_INTERNAL;
    if (argc != 2) {
        fprintf(stderr, "ruleset: check-plugin: usage: ruleset check-plugin FILE.so\n");
        rs_registry_destroy(others);
        return RS_EXIT_INPUT;
    }
    rs_registry *reg = rs_registry_create();
    if (!reg) {
        rs_registry_destroy(others);
        return RS_EXIT_INTERNAL;
    }
    rs_registry_add_file(reg, argv[1]);
    char real[4096], other_real[4096];
    int clashes = 0;
    for (size_t i = 0; i < reg->n_plugins; i++) {
        const rs_plugin_head *h = reg->plugins[i].head;
        /* a name that another plugin on the search path already has would be refused there */
        const char *clash = NULL;
        for (size_t k = 0; k < others->n_plugins && !clash; k++) {
            const rs_plugin_rec *o = &others->plugins[k];
            if (o->head->kind == h->kind && strcmp(o->head->name, h->name) == 0
                && (!realpath(argv[1], real) || !realpath(o->file, other_real)
                    || strcmp(real, other_real) != 0))
                clash = o->file;
        }
        if (clash) {
            fprintf(stderr, "ruleset: %s (plugin '%s'): a %s named '%s' is already provided by "
                            "%s; rename it\n", argv[1], h->name, rs_kind_name(h->kind), h->name,
                    clash);
            clashes++;
            continue;
        }
        printf("%s: ok: %s '%s' %s (ABI %u.%u)\n", argv[1], rs_kind_name(h->kind), h->name,
               h->version, h->abi_major, h->abi_minor);
    }
    for (size_t i = 0; i < reg->n_refused; i++)
        fprintf(stderr, "ruleset: %s\n", reg->refused[i]);
    int rc = reg->n_refused == 0 && clashes == 0 && reg->n_plugins > 0 ? RS_EXIT_OK
                                                                        : RS_EXIT_INPUT;
    rs_registry_destroy(reg);
    rs_registry_destroy(others);
    return rc;
}
