/* ds_file.h: a whole file in memory, gunzipped with zlib when it starts with the gzip magic. */
#ifndef DS_FILE_H
#define DS_FILE_H

#include <ruleset/plugin.h>

/* Read path into *out (host->alloc'd, one NUL byte past *len).
 * Fails through host->fail with "PATH: what is wrong" (missing, unreadable, a gzip error such
 * as a CRC mismatch or a truncated stream): RS_ERR_IO. `missing_hint` is appended to the
 * message of a missing file ("" for none). */
rs_status ds_read_file(const rs_host *host, rs_ctx *ctx, const char *path,
                       const char *missing_hint, uint8_t **out, size_t *len);

#endif
