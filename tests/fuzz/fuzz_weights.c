/* fuzz_weights.c: a weights file through the one reader compare and explain share:
 * rs_weights_read (the head), rs_weights_file_params (its "params" against the rule's table)
 * and rs_weights_load (the tensors against the shape meta_hebbian asks for, and a second). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "fuzzutil.h"
#include "params.h"
#include "weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], err[8192] = "";
    fuzz_write("w.weights.json", data, size, path, sizeof path);
    cJSON *root = rs_weights_read(path, NULL, 0, err, sizeof err);
    if (!root) {
        if (!err[0])
            fuzz_fail("a weights file refused without a message");
        return 0;
    }
    const char *rule = cJSON_GetObjectItemCaseSensitive(root, "rule")->valuestring;
    const rs_plugin_head *head = rs_registry_find(fuzz_registry(), RS_KIND_RULE, rule);
    if (!head)
        head = rs_registry_find(fuzz_registry(), RS_KIND_RULE, "meta_hebbian");
    rs_params *fp = rs_weights_file_params(root, path, head->params, head->name, err, sizeof err);
    cJSON_Delete(root);
    if (!fp) {
        if (!err[0])
            fuzz_fail("weights params refused without a message");
        return 0;
    }
    /* the file's own parameters agree with themselves, so the tensors are read */
    static const rs_meta_shape shapes[] = { { "coef", 2, 4 }, { "b", 1, 2 } };
    double values[10];
    uint32_t n = data[size - 1] & 1 ? 2 : 1; /* meta_hebbian's one tensor, or two */
    rs_ctx *ctx = rs_ctx_create(1, 0);
    if (!ctx)
        fuzz_fail("out of memory");
    rs_weights_load(ctx, path, fp, shapes, n, values);
    rs_ctx_destroy(ctx);
    rs_params_destroy(fp);
    return 0;
}
