/* json_diff.c: the first difference of two JSON documents (json_diff.h). */
#include "json_diff.h"

#include <stdio.h>
#include <string.h>

static int diff_at(const cJSON *a, const cJSON *b, char *path, size_t size, size_t used);

/* path[used..] = suffix, cut to fit. */
static size_t extend(char *path, size_t size, size_t used, const char *fmt, const char *key,
                     int idx)
{
    int n = key ? snprintf(path + used, size - used, fmt, key)
                : snprintf(path + used, size - used, fmt, idx);
    size_t u = used + (n > 0 ? (size_t)n : 0);
    return u < size ? u : size - 1;
}

static int diff_object(const cJSON *a, const cJSON *b, char *path, size_t size, size_t used)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        size_t u = extend(path, size, used, used ? ".%s" : "%s", x->string, 0);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        if (!y || diff_at(x, y, path, size, u))
            return 1;
    }
    cJSON_ArrayForEach(x, b)
        if (!cJSON_GetObjectItemCaseSensitive(a, x->string)) {
            extend(path, size, used, used ? ".%s" : "%s", x->string, 0);
            return 1;
        }
    path[used] = '\0';
    return 0;
}

static int diff_array(const cJSON *a, const cJSON *b, char *path, size_t size, size_t used)
{
    const cJSON *x = a->child, *y = b->child;
    int i = 0;
    for (; x && y; x = x->next, y = y->next, i++)
        if (diff_at(x, y, path, size, extend(path, size, used, "[%d]", NULL, i)))
            return 1;
    if (x || y) {
        extend(path, size, used, "[%d]", NULL, i);
        return 1;
    }
    path[used] = '\0';
    return 0;
}

static int diff_at(const cJSON *a, const cJSON *b, char *path, size_t size, size_t used)
{
    if ((a->type & 0xff) != (b->type & 0xff))
        return 1;
    if (cJSON_IsObject(a))
        return diff_object(a, b, path, size, used);
    if (cJSON_IsArray(a))
        return diff_array(a, b, path, size, used);
    return !cJSON_Compare(a, b, 1);
}

int rs_json_first_diff(const cJSON *a, const cJSON *b, char *path, size_t size)
{
    if (size == 0)
        return !cJSON_Compare(a, b, 1);
    path[0] = '\0';
    return diff_at(a, b, path, size, 0);
}
