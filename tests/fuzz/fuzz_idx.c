/* fuzz_idx.c: an IDX file (raw or gzip'd) through the data set tasks' reader: ds_read_file
 * (zlib's inflate with its CRC and length checks) and ds_idx_parse. The first input byte picks
 * the dimensions asked for (any, labels or images), the rest is the file. A file read must
 * hold every byte its header announces. */
#define _GNU_SOURCE /* memfd_create */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctx.h"
#include "ds_file.h"
#include "ds_parse.h"
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t want[3] = { 0, 1, 3 };
    if (size < 1)
        return 0;
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        if ((fd = memfd_create("data.idx", 0)) < 0)
            fuzz_fail("memfd_create failed");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
        fuzz_fail("cannot write the memfd");
    const rs_host *host = rs_host_get();
    rs_ctx *ctx = rs_ctx_create(1, 1);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ds_read_file(host, ctx, path, "", &buf, &len) != RS_OK) {
        if (!rs_ctx_error(ctx)[0])
            fuzz_fail("a data file refused without a message");
        rs_ctx_destroy(ctx);
        return 0;
    }
    ds_idx idx;
    char err[512] = "";
    if (ds_idx_parse(buf, len, want[data[0] % 3], &idx, err, sizeof err) == 0) {
        uint64_t need = idx.count * idx.item_size;
        if (idx.data < buf || (uint64_t)(idx.data - buf) + need > len)
            fuzz_fail("an IDX file read with fewer bytes than its header announces");
        if (idx.n_dims == 0 || idx.n_dims > DS_IDX_MAX_DIMS || idx.count != idx.dims[0])
            fuzz_fail("an IDX header read inconsistently");
        volatile uint8_t sum = 0; /* touch every byte: ASan sees a short buffer */
        for (uint64_t i = 0; i < need; i++)
            sum ^= idx.data[i];
        (void)sum;
    } else if (!err[0])
        fuzz_fail("an IDX file refused without a message");
    host->free(ctx, buf);
    rs_ctx_destroy(ctx);
    return 0;
}
