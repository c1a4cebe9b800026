/* bad_nostep.c: loader fixture: a rule whose required 'step' callback is NULL. */
#include "fixture.h"

static const rs_rule_desc desc = {
    FX_RULE_FIELDS("bad_nostep"),
    .step = NULL,
};

FX_ENTRY(desc)
