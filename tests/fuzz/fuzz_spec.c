/* fuzz_spec.c: the spec parser (rs_spec_parse) on a whole spec file, validated against the
 * built-in plugins. */
#include <stdlib.h>

#include "fuzzutil.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), err[2048];
    rs_spec *spec = rs_spec_parse(text, "spec.json", fuzz_registry(), err, sizeof err);
    if (!spec && !err[0])
        fuzz_fail("a spec refused without a message");
    rs_spec_destroy(spec);
    free(text);
    return 0;
}
