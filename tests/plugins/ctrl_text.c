/* ctrl_text.c: loader fixture: a summary holding an ESC sequence that would clear the
 * terminal; refused, never printed raw (tests/cli/trust.sh). */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("ctrl_text"),
    .head.summary = "clears your screen \033[2J\r",
};

FX_ENTRY(desc)
