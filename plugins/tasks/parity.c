/* parity.c: the task "parity", the XOR of `bits` binary inputs (2..16; bits=2 is xor).
 *
 * The 2^bits rows in binary counting order, input 0 the most significant bit (as in gates),
 * are the whole task (n_full) and its evaluation set; the target is 1 when an odd number of
 * inputs is 1. Coding (01 / pm1), output units (one / onehot) and the loss are those of every
 * truth-table task; see truth_table.h. */
#include "truth_table.h"

static rs_status parity_create(const rs_host *host, rs_ctx *ctx, const rs_params *p,
                               rs_task_info *info_out, void **state_out)
{
    *state_out = NULL;
    const uint32_t bits = (uint32_t)host->param_int(p, "bits"); /* 2..16, checked by the host */
    const uint32_t rows = (uint32_t)1 << bits;
    unsigned char *target = host->alloc(ctx, rows);
    if (!target)
        return host->fail(ctx, RS_ERR_NOMEM, "no memory for the %u-row parity table", rows);
    for (uint32_t r = 0; r < rows; r++) {
        unsigned ones = 0;
        for (uint32_t v = r; v; v >>= 1)
            ones += v & 1;
        target[r] = ones & 1;
    }
    rs_status st = tt_create(host, ctx, p, bits, target, info_out, state_out);
    host->free(ctx, target);
    return st;
}

static const rs_param_spec parity_params[] = {
    { .name = "bits", .type = RS_PARAM_INT, .def = 3, .lo = 2, .hi = 16,
      .help = "number of inputs" },
    TT_COMMON_PARAMS,
    { 0 }
};

static const rs_task_desc parity_task = {
    RS_PLUGIN_HEAD(rs_task_desc, RS_KIND_TASK),
    .head.name = "parity", .head.version = "1.0.0",
    .head.summary = "n-bit parity (XOR of all inputs), the whole truth table",
    .head.citation = NULL, .head.params = parity_params,
    .create = parity_create, .batch = tt_batch, .eval_set = tt_eval_set, .solved = tt_solved,
    .destroy = tt_destroy, .gather = tt_gather,
};

RS_EXPORT const rs_plugin_head *rs_plugin_entry(const rs_host *host, uint32_t index)
{
    (void)host;
    return index == 0 ? &parity_task.head : NULL;
}
