/* no_entry.c: loader fixture: a shared object that exports no rs_plugin_entry (a misspelt
 * entry point instead). */
#include <ruleset/plugin.h>

RS_EXPORT const rs_plugin_head *rs_plugin_entri(const rs_host *host, uint32_t index);
RS_EXPORT const rs_plugin_head *rs_plugin_entri(const rs_host *host, uint32_t index)
{
    (void)host;
    (void)index;
    return NULL;
}
