/* wild_desc.c: loader fixture: rs_plugin_entry returns a pointer into the unmapped first page;
 * the loader faults reading it (tests/cli/trust.sh). */
#include <stdint.h>

#include <ruleset/plugin.h>

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? (const rs_plugin_head *)(uintptr_t)64 : NULL;
}
