/* epoch.c: see epoch.h. */
#include "epoch.h"

long rs_epoch_steps(uint32_t n, long batch)
{
    return batch > 0 ? ((long)n + batch - 1) / batch : 0;
}

int rs_epoch_open(rs_epoch *ep, rs_ctx *ctx, uint32_t n)
{
    ep->n = n;
    ep->pos = n; /* the first call draws the first epoch's order */
    ep->order = rs_alloc(ctx, (size_t)(n ? n : 1) * sizeof *ep->order);
    return ep->order ? 0 : -1;
}

void rs_epoch_close(rs_epoch *ep, rs_ctx *ctx)
{
    rs_free(ctx, ep->order);
    ep->order = NULL;
}

/* An integer uniform in [0, k), k >= 1: rejection of the top partial range of 2^64. */
static uint64_t below(rs_rng *rng, uint64_t k)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % k, r;
    do
        r = rs_rng_u64(rng);
    while (r >= limit);
    return r % k;
}

void rs_epoch_shuffle(uint32_t *order, uint32_t n, rs_rng *rng)
{
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    for (uint32_t i = n; i > 1; i--) { /* Knuth, TAOCP 3.4.2, Algorithm P */
        uint32_t j = (uint32_t)below(rng, i);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

uint32_t rs_epoch_next(rs_epoch *ep, rs_ctx *ctx, uint32_t batch, const uint32_t **idx)
{
    if (ep->pos >= ep->n) {
        rs_epoch_shuffle(ep->order, ep->n, &ctx->rng);
        ep->pos = 0;
    }
    uint32_t k = ep->n - ep->pos < batch ? ep->n - ep->pos : batch;
    *idx = ep->order + ep->pos;
    ep->pos += k;
    return k;
}
