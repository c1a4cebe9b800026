/* ctx.h: a job's context: its random stream, its error buffer, its allocator. Plugins see it
 * as the opaque rs_ctx and reach it only through host functions. */
#ifndef RS_CTX_H
#define RS_CTX_H

#include <ruleset/host.h>

#include "rng.h"

struct rs_ctx {
    rs_rng rng;
    rs_status err_code;
    char err[512];        /* the first failure's message */
    const char *who;      /* the plugin being called, for messages; may be NULL */
    int log_level;        /* messages above this level are dropped */
    long n_alloc;         /* live allocations, for leak checks in tests */
    long alloc_count;     /* allocations so far */
    long alloc_fail_at;   /* tests: the alloc_count at which alloc fails; -1 = never */
};

rs_ctx *rs_ctx_create(uint64_t seed, uint64_t stream);
/* The context this thread created last and has not destroyed yet: an isolated worker's crash
 * handler reads its `who` to name the plugin that crashed (isolate.c). */
extern _Thread_local rs_ctx *rs_ctx_current;
void rs_ctx_destroy(rs_ctx *ctx);
/* Re-seed a context in place (new job on the same worker). Clears the error. */
void rs_ctx_reset(rs_ctx *ctx, uint64_t seed, uint64_t stream);
const char *rs_ctx_error(const rs_ctx *ctx); /* "" when none */
void rs_ctx_clear_error(rs_ctx *ctx);

/* The host's own allocator, the one behind host->alloc / host->free. */
void *rs_alloc(rs_ctx *ctx, size_t bytes);
void rs_free(rs_ctx *ctx, void *p);
rs_status rs_fail(rs_ctx *ctx, rs_status code, const char *fmt, ...) RS_PRINTF(3, 4);

const char *rs_status_str(rs_status s);


#endif
