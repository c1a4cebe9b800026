/* names_hint.c: the tail of an "unknown plugin" message: the nearest name, then them all. */
#include <stdio.h>

#include "registry.h"
#include "suggest.h"

void rs_registry_hint(const rs_registry *reg, int kind, const char *name, char *buf,
                      size_t size)
{
    rs_suggest s;
    rs_suggest_init(&s, name);
    for (size_t i = 0; i < reg->n_plugins; i++)
        if (reg->plugins[i].head->kind == kind)
            rs_suggest_offer(&s, reg->plugins[i].head->name);
    char known[1024];
    rs_registry_names(reg, kind, known, sizeof known);
    if (s.best)
        snprintf(buf, size, "did you mean '%s'? known: %s", s.best, known[0] ? known : "(none)");
    else
        snprintf(buf, size, "known: %s", known[0] ? known : "(none)");
}
