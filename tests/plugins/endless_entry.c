/* endless_entry.c: loader fixture: rs_plugin_entry never returns NULL (the same descriptor at
 * every index); refused with one line, not one per index (tests/cli/trust.sh). */
#include "fixture.h"

static const rs_rule_desc desc = { FX_RULE_FIELDS("endless_entry") };

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    (void)index;
    return &desc.head;
}
