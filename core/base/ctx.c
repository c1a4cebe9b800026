/* ctx.c: job contexts, the host allocator, errors and logging. */
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every block carries a 64-byte header so frees know nothing else; 64 keeps SIMD alignment. */
#define RS_ALLOC_HEADER 64

_Thread_local rs_ctx *rs_ctx_current;

rs_ctx *rs_ctx_create(uint64_t seed, uint64_t stream)
{
    rs_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    rs_ctx_current = ctx;
    ctx->log_level = RS_LOG_WARN;
    ctx->alloc_fail_at = -1;
    rs_ctx_reset(ctx, seed, stream);
    return ctx;
}

void rs_ctx_destroy(rs_ctx *ctx)
{
    if (ctx && rs_ctx_current == ctx)
        rs_ctx_current = NULL;
    free(ctx);
}

void rs_ctx_reset(rs_ctx *ctx, uint64_t seed, uint64_t stream)
{
    rs_rng_init(&ctx->rng, seed, stream);
    rs_ctx_clear_error(ctx);
}

const char *rs_ctx_error(const rs_ctx *ctx) { return ctx->err; }

void rs_ctx_clear_error(rs_ctx *ctx)
{
    ctx->err_code = RS_OK;
    ctx->err[0] = '\0';
}

void *rs_alloc(rs_ctx *ctx, size_t bytes)
{
    if (ctx) {
        if (ctx->alloc_fail_at >= 0 && ctx->alloc_count == ctx->alloc_fail_at) {
            ctx->alloc_count++;
            return NULL;
        }
        ctx->alloc_count++;
    }
    size_t total = RS_ALLOC_HEADER + ((bytes + 63) & ~(size_t)63);
    if (total < bytes)
        return NULL;
    unsigned char *p = aligned_alloc(64, total);
    if (!p)
        return NULL;
    memset(p, 0, total);
    if (ctx)
        ctx->n_alloc++;
    return p + RS_ALLOC_HEADER;
}

void rs_free(rs_ctx *ctx, void *p)
{
    if (!p)
        return;
    if (ctx)
        ctx->n_alloc--;
    free((unsigned char *)p - RS_ALLOC_HEADER);
}

rs_status rs_fail(rs_ctx *ctx, rs_status code, const char *fmt, ...)
{
    if (ctx && ctx->err_code == RS_OK) { /* keep the first failure: it is the cause */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
        va_end(ap);
        /* a plugin's message reaches the terminal and the journal: no ESC, CR or newline */
        for (char *c = ctx->err; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        ctx->err_code = code;
    }
    return code;
}

const char *rs_status_str(rs_status s)
{
    switch (s) {
    case RS_OK: return "ok";
    case RS_ERR_NOMEM: return "out of memory";
    case RS_ERR_PARAM: return "invalid parameter";
    case RS_ERR_SHAPE: return "unsupported shape";
    case RS_ERR_NUMERIC: return "non-finite number";
    case RS_ERR_IO: return "input/output error";
    case RS_ERR_UNSUPPORTED: return "unsupported";
    case RS_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}
