/* cmd_plugins.c: `ruleset list`, `ruleset info NAME` and `ruleset check-plugin FILE.so`. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "params.h"
#include "suggest.h"

static const char list_usage[] =
    "usage: ruleset list [--plugin FILE.so] [--plugin-dir DIR]\n"
    "  every plugin found (kind, name, version, file, summary), then every file refused and\n"
    "  why. Searched: --plugin files, --plugin-dir folders, $RULESET_PLUGIN_PATH, ./rules,\n"
    "  then the built-in plugin folder.\n";
static const char info_usage[] =
    "usage: ruleset info NAME [--plugin FILE.so] [--plugin-dir DIR]\n"
    "  a plugin's summary, source, metrics and parameters: name, type, default, range\n"
    "  ([lo, hi] includes both ends, (lo, hi] excludes lo) and help.\n";
static const char check_usage[] =
    "usage: ruleset check-plugin FILE.so [--plugin FILE.so] [--plugin-dir DIR]\n"
    "  loads FILE.so as a run would and validates it (ABI version, descriptor sizes,\n"
    "  parameter tables, names clashing with plugins already on the search path);\n"
    "  exit 0 when every plugin in it is usable, 2 with one line per problem otherwise.\n";

/* `CMD --help` or `CMD -h` alone: print the usage and say so. */
static int asks_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 1;
        }
    return 0;
}

int rs_cmd_list(int argc, char **argv)
{
    if (asks_help(argc, argv, list_usage))
        return RS_EXIT_OK;
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    if (argc > 1) {
        fprintf(stderr, "ruleset: list: unexpected argument '%s'\n%s", argv[1], list_usage);
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
        uint32_t type = rs_param_base(p);
        if (type == RS_PARAM_CHOICE || type == RS_PARAM_STR)
            snprintf(def, sizeof def, "%s", p->def_str);
        else if (type == RS_PARAM_BOOL)
            snprintf(def, sizeof def, "%s", p->def ? "true" : "false");
        else if (type == RS_PARAM_INT) /* whole numbers as such: 1000000, not 1e+06 */
            snprintf(def, sizeof def, "%.0f", p->def);
        else
            snprintf(def, sizeof def, "%g", p->def);
        if (type == RS_PARAM_REAL || type == RS_PARAM_INT)
            rs_param_range_text(p, range, sizeof range);
        else if (type == RS_PARAM_CHOICE)
            snprintf(range, sizeof range, "%s", p->choices);
        else
            snprintf(range, sizeof range, "-");
        printf("    %-16s %-7s %-12s %-22s %s\n", p->name, type_name(type), def, range,
               p->help ? p->help : "");
    }
}

int rs_cmd_info(int argc, char **argv)
{
    if (asks_help(argc, argv, info_usage))
        return RS_EXIT_OK;
    rs_registry *reg = rs_cli_registry(&argc, argv);
    if (!reg)
        return RS_EXIT_INTERNAL;
    if (argc != 2) {
        fprintf(stderr, "ruleset: info: give one plugin name (ruleset list shows them)\n%s",
                info_usage);
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
        rs_suggest near;
        rs_suggest_init(&near, argv[1]);
        for (size_t i = 0; i < reg->n_plugins && used < sizeof names; i++) {
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                     reg->plugins[i].head->name);
            rs_suggest_offer(&near, reg->plugins[i].head->name);
        }
        fprintf(stderr, "ruleset: info: no plugin named '%s'; %s%s%sknown: %s\n", argv[1],
                near.best ? "did you mean '" : "", near.best ? near.best : "",
                near.best ? "'? " : "", names);
    }
    rs_registry_destroy(reg);
    return found ? RS_EXIT_OK : RS_EXIT_INPUT;
}

int rs_cmd_check_plugin(int argc, char **argv)
{
    if (asks_help(argc, argv, check_usage))
        return RS_EXIT_OK;
    rs_registry *others = rs_cli_registry(&argc, argv); /* the plugins a run would also see */
    if (!others)
        return RS_EXIT_INTERNAL;
    if (argc != 2) {
        fprintf(stderr, "ruleset: check-plugin: give one plugin file\n%s", check_usage);
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
