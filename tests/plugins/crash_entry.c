/* crash_entry.c: loader fixture: rs_plugin_entry writes into the unmapped first page
 * (SIGSEGV). Probed in a child process, it costs only its own refusal (tests/cli/trust.sh).
 * Not NULL itself: UBSan would report a null store instead of the fault. */
#include <stdint.h>

#include <ruleset/plugin.h>

static int *volatile nowhere = (int *)(uintptr_t)64;

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    (void)index;
    *nowhere = 1;
    return NULL;
}
