/* ds_table.c: see ds_table.h. */
#include "ds_table.h"

#include <stdio.h>

#include "ds_file.h"

void ds_table_free(const rs_host *host, rs_ctx *ctx, ds_table *t)
{
    host->free(ctx, t->buf);
    host->free(ctx, t->v);
    host->free(ctx, t->lines);
    t->buf = NULL, t->v = NULL, t->lines = NULL;
}

rs_status ds_table_read(const rs_host *host, rs_ctx *ctx, const char *path, int header,
                        const char *missing_hint, ds_table *t)
{
    char err[300];
    unsigned line;
    int off = 0;
    t->path = path;
    rs_status st = ds_read_file(host, ctx, path, missing_hint, &t->buf, &t->len);
    if (st != RS_OK)
        return st;
    if (ds_csv_scan((const char *)t->buf, t->len, header, &t->csv, err, sizeof err) != 0) {
        if (sscanf(err, "line %u%n", &line, &off) == 1) /* "FILE:LINE: what" */
            return host->fail(ctx, RS_ERR_IO, "%s:%u%s%s", path, line,
                              err[off] == ',' ? ":" : "", err + off + (err[off] == ',' ? 1 : 0));
        return host->fail(ctx, RS_ERR_IO, "%s: %s", path, err);
    }
    size_t cells = (size_t)t->csv.n_rows * t->csv.n_cols;
    t->v = host->alloc(ctx, cells * sizeof(double));
    t->lines = host->alloc(ctx, (size_t)t->csv.n_rows * sizeof(uint32_t));
    if (!t->v || !t->lines)
        return host->fail(ctx, RS_ERR_NOMEM, "%s: no memory for %zu cells", path, cells);
    ds_csv_fill((const char *)t->buf, t->len, &t->csv, t->v, t->lines);
    return RS_OK;
}
