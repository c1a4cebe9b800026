/* fuzz_items.c: the inline items of `ruleset compare --rule R --task T --net N`. Each flag's
 * text becomes one string of the spec (as cmd_compare.c builds it) and goes through the spec
 * parser. The first input byte picks the flag (0: --rule, 1: --task, 2: --net, 3: --task with
 * the task's own network); the rest is its text. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "fuzzutil.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int which = data[0] % 4;
    char *item = fuzz_text(data + 1, size - 1), err[2048];
    cJSON *root = cJSON_CreateObject(), *rules = cJSON_CreateArray();
    cJSON *tasks = cJSON_CreateArray(), *nets = cJSON_CreateArray();
    cJSON_AddItemToArray(rules, cJSON_CreateString(which == 0 ? item : "backprop"));
    cJSON_AddItemToArray(tasks, cJSON_CreateString(which == 1 || which == 3 ? item : "gates"));
    cJSON *net = cJSON_CreateObject();
    cJSON_AddStringToObject(net, "sizes", which == 2 ? item : "1-2-1");
    cJSON_AddItemToArray(nets, net);
    cJSON_AddItemToObject(root, "rules", rules);
    cJSON_AddItemToObject(root, "tasks", tasks);
    if (which != 3)
        cJSON_AddItemToObject(root, "networks", nets);
    else
        cJSON_Delete(nets);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        fuzz_fail("out of memory");
    rs_spec *spec = rs_spec_parse(text, "(command line)", fuzz_registry(), err, sizeof err);
    if (!spec && !err[0])
        fuzz_fail("an item refused without a message");
    rs_spec_destroy(spec);
    free(text);
    free(item);
    return 0;
}
