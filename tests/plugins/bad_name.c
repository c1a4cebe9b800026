/* bad_name.c: loader fixture: a rule named "Bad-Name" (names are [a-z0-9_]+). */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("Bad-Name"),
    .head.summary = "bad name fixture",
};

FX_ENTRY(desc)
