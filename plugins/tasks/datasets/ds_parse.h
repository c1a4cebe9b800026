/* ds_parse.h: the IDX and CSV parsers of the data set tasks, on memory buffers.
 *
 * They use libc only and allocate nothing, so a fuzz target can compile idx_parse.c and
 * csv_parse.c directly and feed them any bytes. Errors are one line without the file name
 * (the caller prefixes it): "wrong magic ...", "line 7: ...". */
#ifndef DS_PARSE_H
#define DS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define DS_IDX_MAX_DIMS 8

/* An IDX file (LeCun et al., the MNIST format): magic 00 00 <type> <n_dims>, then n_dims
 * big-endian uint32 sizes, then the data, row-major. Only type 0x08 (unsigned bytes) is read,
 * the type of MNIST and Fashion-MNIST. */
typedef struct ds_idx {
    uint32_t n_dims;
    uint32_t dims[DS_IDX_MAX_DIMS];
    uint64_t count;       /* dims[0]: the number of items */
    uint64_t item_size;   /* product of dims[1..]: bytes per item (1 for labels) */
    const uint8_t *data;  /* count * item_size bytes inside the buffer */
} ds_idx;

/* Parse the header and check that the data is all there. want_dims: 0 = any, else the number
 * of dimensions required (3 for images, 1 for labels). 0 = fine; else -1 and a message. */
int ds_idx_parse(const uint8_t *buf, size_t len, uint32_t want_dims, ds_idx *out, char *err,
                 size_t err_size);

/* A numeric CSV file: comma-separated cells, one row a line ("\n" or "\r\n"), blank lines
 * ignored, a cell may be double-quoted. The first line is a header when `header` says so
 * (1), never (0), or (-1, auto) when any of its cells is not a number. */
typedef struct ds_csv {
    uint32_t n_cols;
    uint32_t n_rows;        /* data rows, header excluded */
    int has_header;
    size_t data_start;      /* offset of the first data line */
    uint32_t header_line;   /* line number of the header (1-based), 0 without one */
} ds_csv;

/* Check every row (same number of cells as the first line, every data cell a finite number).
 * 0 = fine; else -1 and "line L: ..." in err. */
int ds_csv_scan(const char *buf, size_t len, int header, ds_csv *out, char *err,
                size_t err_size);
/* The name of header column col (quotes removed), "" without a header. */
void ds_csv_column_name(const char *buf, size_t len, const ds_csv *c, uint32_t col, char *name,
                        size_t size);
/* Every data cell into out (n_rows, n_cols), row-major, and the 1-based line number of each
 * data row into lines (may be NULL). Call only after ds_csv_scan succeeded on the same buffer. */
void ds_csv_fill(const char *buf, size_t len, const ds_csv *c, double *out, uint32_t *lines);

#endif
