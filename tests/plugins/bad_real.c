/* bad_real.c: loader fixture: a rule built with an 8-byte rs_real (double). */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_real"),
    .head.real_size = 8,
};

FX_ENTRY(desc)
