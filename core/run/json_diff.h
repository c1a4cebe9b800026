/* json_diff.h: where two JSON documents first differ, as a path ("rules[0].params.lr"). */
#ifndef RS_JSON_DIFF_H
#define RS_JSON_DIFF_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* 0 when a and b are equal (objects compared by key, in any order); otherwise 1 with the path
 * of the first difference in path ("" for the documents themselves). */
int rs_json_first_diff(const cJSON *a, const cJSON *b, char *path, size_t size);

#endif
