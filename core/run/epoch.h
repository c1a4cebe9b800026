/* epoch.h: training by epochs: every training example once per epoch, in an order drawn
 * afresh for each epoch from the job's stream (Fisher-Yates), handed out in batches. The last
 * batch of an epoch is shorter when the batch does not divide the set (PyTorch's DataLoader
 * default, drop_last=False): no example is left out. */
#ifndef RS_EPOCH_H
#define RS_EPOCH_H

#include <stdint.h>

#include "ctx.h"

typedef struct rs_epoch {
    uint32_t *order; /* (n) the current epoch's permutation of 0..n-1 */
    uint32_t n;      /* training examples (the task's n_full) */
    uint32_t pos;    /* examples of this epoch handed out so far; n = a new epoch is due */
} rs_epoch;

/* Steps one epoch takes with batches of `batch`: ceil(n / batch). */
long rs_epoch_steps(uint32_t n, long batch);
/* Room for an order over n examples (allocated once, from ctx). 0, or -1 on no memory. */
int rs_epoch_open(rs_epoch *ep, rs_ctx *ctx, uint32_t n);
void rs_epoch_close(rs_epoch *ep, rs_ctx *ctx);
/* The next batch: *idx points at up to `batch` indices, the count is returned (fewer only at
 * the end of an epoch). A new order is drawn from ctx's stream when an epoch begins. */
uint32_t rs_epoch_next(rs_epoch *ep, rs_ctx *ctx, uint32_t batch, const uint32_t **idx);
/* A uniform permutation of 0..n-1 into order (Fisher-Yates, unbiased by rejection). */
void rs_epoch_shuffle(uint32_t *order, uint32_t n, rs_rng *rng);

#endif
