/* empty_entry.c: loader fixture: rs_plugin_entry exists but describes nothing (NULL at 0). */
#include <ruleset/plugin.h>

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    (void)index;
    return NULL;
}
