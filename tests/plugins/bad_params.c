/* bad_params.c: loader fixture: a parameter table whose default lies outside its own range. */
#include "fixture.h"

static const rs_param_spec params[] = {
    { .name = "lr", .type = RS_PARAM_REAL, .def = 5, .lo = 0, .hi = 1, .help = "too big" },
    { 0 }
};

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_params"),
    .head.params = params,
};

FX_ENTRY(desc)
