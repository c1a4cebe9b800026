/* crash_constructor.c: loader fixture: an ELF constructor that faults as the file is opened,
 * before any rs_plugin_entry call (tests/cli/trust.sh). */
#include <stdint.h>

#include "fixture.h"

static int *volatile nowhere = (int *)(uintptr_t)64;

__attribute__((constructor)) static void crash_on_load(void) { *nowhere = 1; }

static const rs_rule_desc desc = { FX_RULE_FIELDS("crash_constructor") };

FX_ENTRY(desc)
