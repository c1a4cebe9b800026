/* bad_minor.c: loader fixture: a rule that needs a newer minor than the host's RS_ABI_MINOR. */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_minor"),
    .head.abi_minor = RS_ABI_MINOR + 1,
};

FX_ENTRY(desc)
