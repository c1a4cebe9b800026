/* dup_name.c: loader fixture: a rule named "backprop", the built-in rule's name. */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("backprop"),
    .head.summary = "duplicate of the built-in backprop",
};

FX_ENTRY(desc)
