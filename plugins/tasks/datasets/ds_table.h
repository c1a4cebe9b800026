/* ds_table.h: a numeric CSV file read whole into memory (ds_file.c, csv_parse.c), shared by
 * the tasks csv and digits. */
#ifndef DS_TABLE_H
#define DS_TABLE_H

#include <ruleset/plugin.h>

#include "ds_parse.h"

typedef struct ds_table {    /* one CSV file in memory */
    const char *path;
    uint8_t *buf;
    size_t len;
    ds_csv csv;
    double *v;               /* (n_rows, n_cols) */
    uint32_t *lines;         /* each row's line number */
} ds_table;

/* Read, scan and fill path (header: 1 yes, 0 no, -1 auto; missing_hint as ds_read_file's).
 * Errors through host->fail as "FILE:LINE: what" or "FILE: what". Free with ds_table_free
 * whatever it returns. */
rs_status ds_table_read(const rs_host *host, rs_ctx *ctx, const char *path, int header,
                        const char *missing_hint, ds_table *t);
void ds_table_free(const rs_host *host, rs_ctx *ctx, ds_table *t);

#endif
