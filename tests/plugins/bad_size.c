/* bad_size.c: loader fixture: a descriptor whose struct_size is smaller than a 1.0 rule descriptor. */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_size"),
    .head.struct_size = sizeof(rs_plugin_head),
};

FX_ENTRY(desc)
