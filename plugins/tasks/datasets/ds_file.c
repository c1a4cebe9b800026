/* ds_file.c: see ds_file.h. Gzip (RFC 1952) is inflated in memory with zlib's inflate, which
 * checks the CRC-32 and the length in the trailer. */
#include "ds_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* The raw bytes of the file. */
static rs_status read_raw(const rs_host *host, rs_ctx *ctx, const char *path,
                          const char *missing_hint, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return host->fail(ctx, RS_ERR_IO, "%s: cannot open (%s)%s", path, strerror(errno),
                          errno == ENOENT ? missing_hint : "");
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return host->fail(ctx, RS_ERR_IO, "%s: cannot read (not a regular file?)", path);
    }
    uint8_t *buf = host->alloc(ctx, (size_t)size + 1);
    if (!buf) {
        fclose(f);
        return host->fail(ctx, RS_ERR_NOMEM, "%s: no memory for its %ld bytes", path, size);
    }
    size_t got = fread(buf, 1, (size_t)size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != (size_t)size) {
        host->free(ctx, buf);
        return host->fail(ctx, RS_ERR_IO, "%s: read error after %zu of %ld bytes", path, got,
                          size);
    }
    *out = buf;
    *len = got;
    return RS_OK;
}

/* Inflate the gzip stream src into a buffer sized from the trailer's length (checked by
 * zlib: a wrong one is an error), growing it when the trailer lies. */
static rs_status gunzip(const rs_host *host, rs_ctx *ctx, const char *path, const uint8_t *src,
                        size_t n, uint8_t **out, size_t *len)
{
    size_t cap = n >= 18 ? (size_t)(src[n - 4] | src[n - 3] << 8 | src[n - 2] << 16
                                    | (uint32_t)src[n - 1] << 24) : 0;
    if (cap < n || cap / 1100 > n) /* deflate expands at most ~1032 times */
        cap = n * 4;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: expect the gzip wrapper */
        return host->fail(ctx, RS_ERR_NOMEM, "%s: cannot start zlib", path);
    uint8_t *buf = host->alloc(ctx, cap + 1);
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n; /* files of up to 4 GB */
    int zr = Z_OK;
    while (buf) {
        z.next_out = buf + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        zr = inflate(&z, Z_FINISH);
        if (zr != Z_BUF_ERROR || z.avail_out != 0)
            break;
        uint8_t *bigger = host->alloc(ctx, cap * 2 + 1); /* the trailer lied: grow */
        if (bigger)
            memcpy(bigger, buf, z.total_out);
        host->free(ctx, buf);
        buf = bigger;
        cap *= 2;
    }
    size_t total = z.total_out;
    const char *msg = z.msg;
    inflateEnd(&z);
    if (!buf)
        return host->fail(ctx, RS_ERR_NOMEM, "%s: no memory to decompress it", path);
    if (zr != Z_STREAM_END) {
        host->free(ctx, buf);
        if (zr == Z_BUF_ERROR)
            return host->fail(ctx, RS_ERR_IO, "%s: truncated gzip stream (it ends after %zu "
                              "decompressed bytes); download it again", path, total);
        return host->fail(ctx, RS_ERR_IO, "%s: corrupt gzip data (%s); download it again",
                          path, msg ? msg : zError(zr));
    }
    *out = buf;
    *len = total;
    return RS_OK;
}

rs_status ds_read_file(const rs_host *host, rs_ctx *ctx, const char *path,
                       const char *missing_hint, uint8_t **out, size_t *len)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    rs_status st = read_raw(host, ctx, path, missing_hint, &raw, &n);
    if (st != RS_OK || n < 2 || raw[0] != 0x1f || raw[1] != 0x8b) {
        *out = st == RS_OK ? raw : NULL;
        *len = st == RS_OK ? n : 0;
        return st;
    }
    st = gunzip(host, ctx, path, raw, n, out, len);
    host->free(ctx, raw);
    return st;
}
