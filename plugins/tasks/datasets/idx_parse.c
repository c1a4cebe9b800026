/* idx_parse.c: the IDX header and size checks (see ds_parse.h). The format: LeCun, Cortes &
 * Burges, "The MNIST database of handwritten digits", http://yann.lecun.com/exdb/mnist/. */
#include <stdio.h>

#include "ds_parse.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int ds_idx_parse(const uint8_t *buf, size_t len, uint32_t want_dims, ds_idx *out, char *err,
                 size_t err_size)
{
    if (len < 4) {
        snprintf(err, err_size, "truncated: %zu bytes, too short for an IDX header", len);
        return -1;
    }
    uint32_t magic = be32(buf);
    if (buf[0] != 0 || buf[1] != 0 || buf[3] == 0 || buf[3] > DS_IDX_MAX_DIMS) {
        snprintf(err, err_size, "wrong magic number 0x%08x: not an IDX file (an IDX file "
                 "starts with the bytes 00 00 08 and its number of dimensions)", magic);
        return -1;
    }
    if (buf[2] != 0x08) {
        snprintf(err, err_size, "IDX element type 0x%02x is not read: only 0x08 (unsigned "
                 "bytes, as MNIST) is", buf[2]);
        return -1;
    }
    out->n_dims = buf[3];
    if (want_dims && out->n_dims != want_dims) {
        snprintf(err, err_size, "has %u dimensions, %s IDX file has %u (magic 0x%08x)",
                 out->n_dims, want_dims == 1 ? "a label" : "an image", want_dims, magic);
        return -1;
    }
    size_t head = 4 + 4 * (size_t)out->n_dims;
    if (len < head) {
        snprintf(err, err_size, "truncated: %zu bytes, the header alone needs %zu", len, head);
        return -1;
    }
    out->item_size = 1;
    for (uint32_t d = 0; d < out->n_dims; d++)
        out->dims[d] = be32(buf + 4 + 4 * d);
    out->count = out->dims[0];
    const uint64_t cap = (uint64_t)1 << 40; /* 1 TB: beyond any file read into memory */
    for (uint32_t d = 1; d < out->n_dims; d++) /* checked before each product: no overflow */
        if (out->dims[d] && out->item_size > cap / out->dims[d]) {
            snprintf(err, err_size, "dimensions too large (items of over 2^40 bytes)");
            return -1;
        } else {
            out->item_size *= out->dims[d];
        }
    if (out->item_size && out->count > cap / out->item_size) {
        snprintf(err, err_size, "dimensions too large (over 2^40 bytes of data)");
        return -1;
    }
    uint64_t need = out->count * out->item_size;
    if (need != (uint64_t)(len - head)) {
        snprintf(err, err_size, "%s: the header says %llu items of %llu bytes (%llu bytes of "
                 "data), the file holds %zu", need > len - head ? "truncated" : "trailing bytes",
                 (unsigned long long)out->count, (unsigned long long)out->item_size,
                 (unsigned long long)need, len - head);
        return -1;
    }
    out->data = buf + head;
    return 0;
}
