/* bad_major.c: loader fixture: a rule built for ABI major 2; the host refuses another major. */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_major"),
    .head.abi_major = 2,
};

FX_ENTRY(desc)
